"""`flask demo campaign`: the 2025 national campaign replayed at full size reproduces the
published figures, deterministically, without touching real accounts, and only once unless asked
to replace it."""

from __future__ import annotations

import csv
import io
import json
import time

import sqlalchemy as sa

from idp.accounts.models import Account
from idp.enrollment import campaign
from idp.enrollment.models import Application
from idp.extensions import db

from ..admin.test_console import create_staff
from ..admin.test_console import sign_in
from ..conftest import make_app


def run(app, *args):
    return app.test_cli_runner().invoke(args=["demo", "campaign", "--json", *args])


def counts(app) -> dict:
    with app.app_context():
        apps = Application.__table__
        accounts = Account.__table__
        by_status = dict(db.session.execute(sa.select(apps.c.status, sa.func.count())
                                            .group_by(apps.c.status)).all())
        by_account = dict(db.session.execute(sa.select(accounts.c.status, sa.func.count())
                                             .group_by(accounts.c.status)).all())
        return {"received": sum(by_status.values()), "issued": by_status.get("issued", 0),
                "refused": by_status.get("refused", 0), "open": by_status.get("received", 0),
                "activated": by_account.get("active", 0), "pending": by_account.get("pending", 0)}


def fingerprint(app) -> list:
    with app.app_context():
        return db.session.execute(sa.select(
            Application.reference, Application.office, Application.status,
            Application.received_at, Application.decided_at, Account.identification_number,
            Account.subject_key, Account.activated_at).outerjoin(
            Account, Account.id == Application.account_id).order_by(Application.reference)).all()


def test_the_full_campaign_reproduces_the_published_figures_on_the_figures_page(app):
    started = time.perf_counter()
    result = run(app)
    seconds = time.perf_counter() - started
    assert result.exit_code == 0, result.output
    assert counts(app) == {"received": 50_809, "issued": 43_926, "activated": 33_601,
                           "pending": 10_325, "refused": campaign.REFUSED,
                           "open": 50_809 - 43_926 - campaign.REFUSED}
    assert seconds < 60, f"the campaign took {seconds:.1f} s"
    secret = create_staff(app, "auditor@idp.test", role="auditor")
    browser = app.test_client()
    sign_in(browser, "auditor@idp.test", secret)
    page = browser.get("/admin/figures")
    assert page.status_code == 200
    totals = page.text.split('id="totals"')[1].split("</table>")[0]
    for figure in ("50,809", "43,926", "33,601", "10,325"):
        assert f"<td>{figure}</td>" in totals
    assert "2025-07-01 – 2025-08-19" in totals
    rows = list(csv.DictReader(io.StringIO(browser.get("/admin/figures.csv").text)))
    total = next(row for row in rows if row["section"] == "total")
    assert (total["received"], total["issued"], total["activated"], total["pending"]) == (
        "50809", "43926", "33601", "10325")
    assert len([row for row in rows if row["section"] == "day"]) == 50


def test_a_smaller_run_is_proportional_and_the_same_for_the_same_seed(app):
    assert run(app, "--scale", "0.02", "--seed", "7").exit_code == 0
    goal = campaign.targets(0.02)
    assert counts(app) == {k: goal[k] for k in ("received", "issued", "refused", "open",
                                                "activated", "pending")}
    first = fingerprint(app)
    replaced = run(app, "--scale", "0.02", "--seed", "7", "--replace")
    assert replaced.exit_code == 0, replaced.output
    assert fingerprint(app) == first
    assert run(app, "--scale", "0.02", "--seed", "8", "--replace").exit_code == 0
    assert fingerprint(app) != first


def test_a_second_run_is_refused_unless_replace_is_asked(app):
    assert run(app, "--scale", "0.01").exit_code == 0
    before = counts(app)
    again = run(app, "--scale", "0.01")
    assert again.exit_code == 1 and "--replace" in again.output
    assert "Traceback" not in again.output
    assert counts(app) == before


def test_campaign_accounts_are_linked_and_never_touch_real_accounts(app, factories):
    holder = factories.account(login="resident@example.test")
    assert run(app, "--scale", "0.01").exit_code == 0
    assert run(app, "--scale", "0.01", "--replace").exit_code == 0
    with app.app_context():
        assert db.session.get(Account, holder.id).login == "resident@example.test"
        rows = db.session.execute(sa.select(Application, Account).join(
            Account, Account.id == Application.account_id)).all()
        assert len(rows) == campaign.targets(0.01)["issued"]
        for application, account in rows:
            assert application.status == "issued"
            assert account.login == account.identification_number
            assert len(account.identification_number) == 12
            assert account.identification_number.startswith("0")
            assert account.proofed_level == application.requested_level
            assert application.received_at <= application.decided_at <= campaign.END
            if account.status == "active":
                assert application.decided_at <= account.activated_at <= campaign.END
            else:
                assert account.status == "pending" and account.activated_at is None
        online = db.session.scalars(sa.select(Application.requested_level).where(
            Application.office == "online").distinct()).all()
        assert online == [1]
        unlinked = db.session.scalar(sa.select(sa.func.count()).where(
            Application.status == "issued", Application.account_id.is_(None)))
        assert unlinked == 0


def test_the_campaign_is_refused_in_production(database_url, keys_dir, app):
    production = make_app(database_url, keys_dir, ENV="production",
                          SECRET_KEY="x" * 40, PAIRWISE_SALT="y" * 40, FACTOR_KEY="z" * 40)
    result = production.test_cli_runner().invoke(args=["demo", "campaign"])
    assert result.exit_code == 1 and "refused in production" in result.output
    assert counts(app)["received"] == 0


def test_json_output_says_what_was_loaded(app):
    result = run(app, "--scale", "0.01")
    data = json.loads(result.stdout)
    assert data["received"] == campaign.targets(0.01)["received"] and data["seed"] == 2025
