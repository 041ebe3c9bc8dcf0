"""The figures page and its CSV: what the authorities read per office, per day and in total,
counted on the day each thing happened; locks by reason; staff only; spreadsheet-safe CSV."""

from __future__ import annotations

import csv
import io
from datetime import date
from datetime import datetime

import pytest
import time_machine

from idp.accounts.locks import AccountLock
from idp.enrollment.models import Application
from idp.extensions import db

from ..enrollment.test_campaign import run
from .test_console import create_staff
from .test_console import sign_in

TODAY = datetime(2025, 8, 10, 12, 0)
COLUMNS = ("received", "issued_level1", "issued_level2", "issued", "activated", "pending",
           "overdue", "refused")


def staff_browser(app, role="officer"):
    secret = create_staff(app, f"{role}@idp.test", role=role)
    browser = app.test_client()
    assert sign_in(browser, f"{role}@idp.test", secret).status_code == 303
    return browser


def application(office="Hanoi", received="2025-08-01T09:00", status="received", level=2,
                decided=None, account_id=None, due_on=None) -> Application:
    return Application(
        reference=f"T-{office[:3]}-{received}-{status}", channel="online" if office == "online"
        else "desk", office=office, requested_level=level, status=status,
        full_name="Test Person", birthdate=date(1990, 1, 1), gender="female", nationality="KOR",
        document_number="M1234567", phone_number="+84901234567",
        received_at=datetime.fromisoformat(received), received_by="self",
        decided_at=decided and datetime.fromisoformat(decided), account_id=account_id,
        due_on=due_on and date.fromisoformat(due_on))


@pytest.fixture
def handmade(app, factories):
    """Five applications in August 2025, as of the 10th (each figure on its own day)."""
    active = factories.account(login="active@example.test",
                               activated_at=datetime(2025, 8, 3, 10, 0))
    pending = factories.account(login="pending@example.test", status="pending",
                                activated_at=None)
    with app.app_context():
        db.session.add_all([
            application(status="issued", decided="2025-08-02T10:00", account_id=active.id),
            application(received="2025-08-01T10:00", due_on="2025-08-06"),  # overdue
            application(office="Da Nang", received="2025-08-05T09:00", due_on="2025-08-12"),
            application(office="online", received="2025-08-02T08:00", status="issued", level=1,
                        decided="2025-08-02T08:05", account_id=pending.id),
            application(office="Da Nang", received="2025-08-04T09:00", status="refused",
                        decided="2025-08-05T09:00"),
        ])
        db.session.commit()


def csv_rows(browser, **query) -> list[dict]:
    response = browser.get("/admin/figures.csv", query_string=query)
    assert response.status_code == 200 and response.mimetype == "text/csv", response.text
    return list(csv.DictReader(io.StringIO(response.text)))


def figures(rows, section) -> dict:
    return {row["day_or_office"]: tuple(int(row[c]) for c in COLUMNS)
            for row in rows if row["section"] == section}


@time_machine.travel(TODAY, tick=False)
def test_each_figure_is_counted_on_its_day_per_office_and_in_total(app, handmade):
    browser = staff_browser(app)
    rows = csv_rows(browser)
    assert figures(rows, "total") == {"all": (5, 1, 1, 2, 1, 1, 1, 1)}
    assert figures(rows, "office") == {"Hanoi": (2, 0, 1, 1, 1, 0, 1, 0),
                                       "Da Nang": (2, 0, 0, 0, 0, 0, 0, 1),
                                       "online": (1, 1, 0, 1, 0, 1, 0, 0)}
    days = figures(rows, "day")
    assert list(days) == [f"2025-08-0{n}" for n in range(1, 6)]  # the period with data
    assert days["2025-08-01"] == (2, 0, 0, 0, 0, 0, 1, 0)
    assert days["2025-08-02"] == (1, 1, 1, 2, 0, 1, 0, 0)
    assert days["2025-08-03"] == (0, 0, 0, 0, 1, 0, 0, 0)
    page = browser.get("/admin/figures")
    assert page.status_code == 200
    assert "<title id=\"chart-title\">" in page.text and "<polyline" in page.text
    assert "Online (level 1, self-service)" in page.text


@time_machine.travel(TODAY, tick=False)
def test_filters_narrow_the_figures_by_office_and_dates(app, handmade):
    browser = staff_browser(app, "auditor")
    assert figures(csv_rows(browser, office="Hanoi"), "total") == {
        "Hanoi": (2, 0, 1, 1, 1, 0, 1, 0)}
    window = csv_rows(browser, **{"from": "2025-08-02", "to": "2025-08-03"})
    assert figures(window, "total") == {"all": (1, 1, 1, 2, 1, 1, 0, 0)}
    assert list(figures(window, "day")) == ["2025-08-02", "2025-08-03"]
    page = browser.get("/admin/figures", query_string={"office": "Da Nang"})
    assert '<option value="Da Nang" selected>' in page.text


def test_an_application_past_its_due_date_becomes_overdue_as_days_pass(app, handmade):
    with time_machine.travel(datetime(2025, 8, 12, 12, 0), tick=False):
        assert figures(csv_rows(staff_browser(app)), "total")["all"][6] == 1
    with time_machine.travel(datetime(2025, 8, 13, 12, 0), tick=False):
        assert figures(csv_rows(staff_browser(app, "auditor")), "total")["all"][6] == 2


def test_a_bad_date_range_gets_a_readable_answer(app):
    browser = staff_browser(app)
    bad = browser.get("/admin/figures", query_string={"from": "2025-13-01"})
    assert bad.status_code == 400 and "Dates are written like 2025-07-01." in bad.text
    reversed_range = browser.get("/admin/figures.csv",
                                 query_string={"from": "2025-08-02", "to": "2025-08-01"})
    assert reversed_range.status_code == 400
    assert browser.get("/admin/figures").status_code == 200  # no data yet: still a page


def test_a_locked_account_appears_under_its_reason_while_the_lock_is_in_force(app, factories):
    holder = factories.account(login="locked@example.test", status="locked")
    with app.app_context():
        db.session.add_all([
            AccountLock(account_id=holder.id, reason="card_expired", source="registry_sync",
                        state="in_force", requested_by="registry"),
            AccountLock(account_id=holder.id, reason="holder_request", source="holder",
                        state="lifted", requested_by="holder"),
        ])
        db.session.commit()
    browser = staff_browser(app)
    locked = browser.get("/admin/figures").text.split('id="locked"')[1].split("</table>")[0]
    assert "Residence card expired" in locked and "<td>1</td>" in locked
    assert "The holder asked" not in locked
    rows = csv_rows(browser)
    assert [(r["day_or_office"], r["locked"]) for r in rows if r["section"] == "locked"] == [
        ("card_expired", "1")]


def test_only_staff_see_the_figures(app, rp):
    for path in ("/admin/figures", "/admin/figures.csv"):
        response = app.test_client().get(path)
        assert response.status_code == 302 and "/admin/login" in response.headers["Location"]
    rp.sign_in_and_get_code()  # a holder's own session is not a console session
    response = rp.browser.get("/admin/figures.csv")
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]
    assert staff_browser(app, "admin").get("/admin/figures").status_code == 200


def test_the_csv_defuses_formulas(app):
    with app.app_context():
        db.session.add(application(office="=HYPERLINK(\"http://evil.test\")"))
        db.session.commit()
    browser = staff_browser(app, "auditor")
    text = browser.get("/admin/figures.csv", query_string={"office": "+SUM(A1)"}).text
    assert "\ntotal,'+SUM(A1)," in text
    offices = [r["day_or_office"] for r in csv_rows(browser) if r["section"] == "office"]
    assert offices == ["'=HYPERLINK(\"http://evil.test\")"]


def test_per_office_and_per_day_figures_add_up_to_the_totals(app):
    assert run(app, "--scale", "0.05").exit_code == 0
    rows = csv_rows(staff_browser(app, "auditor"))
    total = figures(rows, "total")["all"]
    for section in ("office", "day"):
        sums = tuple(sum(values[i] for values in figures(rows, section).values())
                     for i in range(len(COLUMNS)))
        assert sums == total
    assert total[0] == 2540 and total[3] == total[4] + total[5]  # issued = activated + pending
