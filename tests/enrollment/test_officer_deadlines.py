"""Deadlines and upgrades at the desk: 3 working days when the registry holds the biometrics,
7 when they are captured for the first time (Decree 69/2024/ND-CP); the queue shows what is due
today and what is overdue. A level-1 holder proofed at the desk keeps the same account and `sub`."""

from __future__ import annotations

import re
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import time_machine

from idp.accounts.models import ACTIVE
from idp.accounts.models import Account
from idp.extensions import db

from ..admin.test_console import create_staff
from ..admin.test_console import sign_in
from ..rp import TestRelyingParty
from .officer import OFFICER
from .officer import Desk
from .officer import application
from .officer import count
from .officer import desk_app_fixture  # noqa: F401 - fixture
from .officer import desk_factories_fixture  # noqa: F401 - fixture
from .officer import desk_fixture  # noqa: F401 - fixture


def _next_thursday() -> datetime:
    today = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0)
    return today + timedelta(days=(3 - today.weekday()) % 7 or 7)


def _row(page_text: str, reference: str) -> str:
    match = re.search(rf'<tr data-due="([a-z_]*)"[^>]*>\s*<td><a [^>]*><code>{reference}', page_text)
    assert match, f"{reference} is not in the queue"
    return match.group(1)


def _officer(app, secret) -> Desk:
    browser = app.test_client()
    assert sign_in(browser, OFFICER, secret).status_code == 303
    return Desk(app, browser)


def test_deadlines_count_working_days_and_the_queue_shows_due_and_overdue(desk_app,
                                                                         registry_service):
    held = registry_service.find(card="valid", biometrics=True)
    first_time = registry_service.find(card="valid", biometrics=False)
    secret = create_staff(desk_app, OFFICER, "officer")
    thursday = _next_thursday()
    with time_machine.travel(thursday, tick=True):
        desk = _officer(desk_app, secret)
        quick = desk.receive(held)
        slow = desk.receive(first_time)
        assert desk.biometric(slow, b"a first capture").status_code == 303
        assert "enrolled" in desk.page(slow).text
    quick_due, slow_due = application(desk_app, quick).due_on, application(desk_app, slow).due_on
    assert (quick_due - thursday.date()).days == 5  # Fri, Mon, Tue: the weekend does not count
    assert (slow_due - thursday.date()).days == 11  # Fri, Mon-Fri, Mon
    assert application(desk_app, slow).biometric_matched is None

    with time_machine.travel(thursday + timedelta(days=5), tick=True):
        queue = _officer(desk_app, secret).browser.get("/admin/applications").text
        assert _row(queue, quick) == "due_today" and _row(queue, slow) == ""
    with time_machine.travel(thursday + timedelta(days=6), tick=True):
        browser = _officer(desk_app, secret).browser
        queue = browser.get("/admin/applications").text
        assert _row(queue, quick) == "overdue" and _row(queue, slow) == ""
        assert queue.index(quick) < queue.index(slow)  # oldest first
        overdue = browser.get("/admin/applications?overdue=1").text
        assert quick in overdue and slow not in overdue
        other_office = browser.get("/admin/applications?office=Da+Nang").text
        assert quick not in other_office


def test_a_level1_holder_is_raised_to_level2_in_place_and_keeps_the_same_sub(
        desk_app, desk, desk_factories, registry_service):
    person = registry_service.find(card="valid", document="valid", biometrics=True)
    rp = TestRelyingParty(desk_app, desk_factories, login="resident@example.test")
    with desk_app.app_context():
        db.session.get(Account, rp.account.id).registry_person_id = person["person_id"]
        db.session.commit()
    before = rp.verify_id_token(rp.tokens()["id_token"])
    accounts = count(desk_app, Account)

    reference = desk.receive(person)
    assert "raises it to level 2 in place" in desk.page(reference).text
    desk.documents(reference, person)
    desk.biometric(reference, registry_service.sample(person["person_id"], "face"))
    desk.consent(reference)
    assert desk.issue(reference).status_code == 303

    after = rp.verify_id_token(rp.tokens()["id_token"])
    assert after["sub"] == before["sub"]
    assert count(desk_app, Account) == accounts
    with desk_app.app_context():
        account = db.session.get(Account, rp.account.id)
        assert account.proofed_level == 2 and account.status == ACTIVE
    assert application(desk_app, reference).account_id == rp.account.id
