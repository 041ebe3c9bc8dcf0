"""What a person's browser does to register, activate and take over an account, and what the
holder's phone receives (read from the notification outbox, where the message waits)."""

from __future__ import annotations

import re

from idp.accounts.models import Account
from idp.enrollment.models import Application
from idp.extensions import db
from idp.notify.models import Notification
from idp.notify.outbox import SECRET_CLOSE
from idp.notify.outbox import SECRET_OPEN

from ..rp import csrf_of

NEW_PASSWORD = "plum orchard under winter rain"  # noqa: S105 - a test password
CODE = re.compile(re.escape(SECRET_OPEN) + r"(\d{8})" + re.escape(SECRET_CLOSE))


def browser_from(app, ip: str):
    """A browser whose requests come from `ip`."""
    browser = app.test_client()
    browser.environ_base["REMOTE_ADDR"] = ip
    return browser


def declared(person: dict, **changes) -> dict:
    """The form fields a person fills in from their passport (the registry's record)."""
    fields = {"document_number": person["document_number"], "full_name": person["full_name"],
              "birthdate": person["birthdate"], "gender": person["gender"],
              "nationality": person["nationality"]}
    fields.update(changes)
    return fields


def register(browser, person: dict, *, phone="0912 345 678", email="me@example.test",
             **changes):
    page = browser.get("/register")
    return browser.post("/register", data={"csrf_token": csrf_of(page.text), "phone_number": phone,
                                           "email": email, **declared(person, **changes)})


def messages(app, kind: str | None = None, recipient: str | None = None) -> list[Notification]:
    with app.app_context():
        query = db.select(Notification).order_by(Notification.id)
        if kind:
            query = query.where(Notification.kind == kind)
        if recipient:
            query = query.where(Notification.recipient == recipient)
        rows = list(db.session.scalars(query))
        for row in rows:
            db.session.expunge(row)
        return rows


def last_code(app, recipient: str = "+84912345678") -> str:
    """The activation code in the last SMS to `recipient`."""
    sms = [m for m in messages(app, recipient=recipient) if CODE.search(m.body)]
    assert sms, f"no code was sent to {recipient}"
    return CODE.search(sms[-1].body).group(1)


def account_of(app, person_id: str) -> Account | None:
    with app.app_context():
        account = db.session.scalar(db.select(Account).where(
            Account.registry_person_id == person_id))
        if account is not None:
            db.session.expunge(account)
        return account


def counts(app) -> tuple[int, int]:
    """(applications, accounts) in the database."""
    with app.app_context():
        return (db.session.scalar(db.select(db.func.count(Application.id))),
                db.session.scalar(db.select(db.func.count(Account.id))))


def enter_code(browser, number: str, code: str):
    page = browser.get("/activate")
    return browser.post("/activate", data={"csrf_token": csrf_of(page.text),
                                           "identification_number": number, "code": code})


def choose_password(browser, password: str = NEW_PASSWORD):
    page = browser.get("/activate/password")
    assert page.status_code == 200, page.headers.get("Location")
    return browser.post("/activate/password", data={"csrf_token": csrf_of(page.text),
                                                    "new_password": password})


def activate(browser, number: str, code: str, password: str = NEW_PASSWORD):
    entered = enter_code(browser, number, code)
    assert entered.status_code == 303, entered.text[-600:]
    return choose_password(browser, password)
