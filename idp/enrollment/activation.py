"""Activation (Decree 69/2024/ND-CP Art. 12, step 5): the identification number and the one-time
code from the message, then a password under the core's rules (NIST SP 800-63B-4 §3.1.1.2).

The code is single use and short lived (codes.py); guesses are throttled per number and per IP
with growing delays (authn/throttle.py), and every wrong answer gets the same words.
"""

from __future__ import annotations

import re

from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from .. import audit
from ..accounts import events
from ..accounts.models import ACTIVE
from ..accounts.models import PENDING
from ..accounts.models import Account
from ..accounts.routes import PASSWORD_RULES
from ..authn import password
from ..authn import throttle
from ..clock import now
from ..extensions import db
from ..notify import outbox
from ..web import client_ip
from . import codes
from . import steps
from . import takeover
from .blueprint import bp
from .blueprint import throttled_page

ACTIVATED_EVENT = "activated"


def identification_number(value: str) -> str:
    return re.sub(r"\D", "", value or "")[:12]


def pending_account(number: str) -> Account | None:
    if len(number) != 12:
        return None
    return db.session.scalar(db.select(Account).where(
        Account.identification_number == number, Account.status == PENDING))


def _form(error: str | None = None, status: int = 200, **extra):
    return render_template("enrollment/activate.html", error=error,
                           number=request.form.get("identification_number", ""), **extra), status


@bp.get("/activate")
def activate_form():
    return _form()


@bp.post("/activate")
def activate():
    number = identification_number(request.form.get("identification_number", ""))
    code = request.form.get("code", "")
    if not number or not code.strip():
        return _form("missing", 400)
    subject = throttle.Subject("activate", number, client_ip())
    try:
        throttle.check(subject)
    except throttle.Throttled as exc:
        return throttled_page("enrollment/activate.html", exc.retry_after, number=number)
    account = pending_account(number)
    ticket = codes.check(account, code) if account is not None else None
    if ticket is None:
        throttle.record_failure(subject)
        return _form("invalid", 400)
    throttle.record_success(subject)
    steps.start(account, ticket, codes.ACTIVATE)
    return redirect(url_for("enrollment.choose_password"), 303)


def _password_page(account, purpose: str, error: str | None = None, status: int = 200):
    return render_template("enrollment/password.html", account=account, purpose=purpose,
                           error=error, min_length=password.MIN_LENGTH), status


def identifiers(account: Account) -> tuple[str | None, ...]:
    return (account.login, account.identification_number, account.given_name,
            account.family_name, (account.email or "").split("@")[0], account.document_number,
            account.residence_card_number)


@bp.get("/activate/password")
def choose_password():
    started = steps.current()
    if started is None:
        return redirect(url_for("enrollment.activate_form"), 303)
    account, _, purpose = started
    return _password_page(account, purpose)


@bp.post("/activate/password")
def set_password():
    started = steps.current()
    if started is None:
        return redirect(url_for("enrollment.activate_form"), 303)
    account, ticket, purpose = started
    try:
        chosen = password.check_policy(request.form.get("new_password", ""), identifiers(account))
    except password.PasswordRejected as exc:
        return _password_page(account, purpose, str(PASSWORD_RULES.get(exc.reason, exc)), 400)
    if purpose == codes.TAKEOVER:
        done = takeover.complete(account, ticket, password.hash_password(chosen))
    else:
        done = account.status == PENDING and codes.consume(account, ticket)
        if done:
            activate_account(account, password.hash_password(chosen))
    steps.finish()
    if not done:
        return _form("invalid", 400)
    db.session.commit()
    return render_template("enrollment/activated.html", account=account, purpose=purpose)


def activate_account(account: Account, password_hash: str) -> None:
    """PENDING -> ACTIVE with the chosen password; the holder is told (no commit)."""
    account.password_hash = password_hash
    account.status = ACTIVE
    account.activated_at = now()
    events.record(account.id, ACTIVATED_EVENT, ip=client_ip())
    outbox.enqueue(account, "activated")
    audit.record("self", "account.activate", f"account:{account.id}", ip=client_ip())


@bp.get("/activate/new-code")
def new_code_form():
    return render_template("enrollment/new_code.html", number="", error=None)


@bp.post("/activate/new-code")
def new_code():
    """Every request counts against the throttle (it sends a message); the answer is the same
    whether or not the number is waiting for activation (no enumeration)."""
    number = identification_number(request.form.get("identification_number", ""))
    if len(number) != 12:
        return render_template("enrollment/new_code.html", number=number, error="missing"), 400
    subject = throttle.Subject("activation-code", number, client_ip())
    try:
        throttle.check(subject)
        throttle.record_failure(subject)  # counted first: past the allowance, this one waits too
        throttle.check(subject)
    except throttle.Throttled as exc:
        return throttled_page("enrollment/new_code.html", exc.retry_after, number=number)
    account = pending_account(number)
    if account is not None:
        outbox.enqueue(account, "activation_code", sensitive=True,
                       activation_code=codes.create(account))
        db.session.commit()
    return render_template("enrollment/new_code_sent.html", hours=codes.lifetime() // 3600)
