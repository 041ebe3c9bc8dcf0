"""A dependant aged 14 takes their account over from the guardian (DESIGN.md "The domain rules":
under 14 through a parent or guardian; 14 and over for themselves).

The holder proves who they are with the identification number and their passport number, and
their own mobile with a one-time code sent only there; then they choose a new password. The
guardian's link, sessions, tokens and any second factor the guardian set up all end, and the
guardian is told.
"""

from __future__ import annotations

from datetime import date

from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from sqlalchemy import delete

from .. import audit
from ..accounts import events
from ..accounts.factors import Passkey
from ..accounts.factors import RecoveryCode
from ..accounts.factors import TotpFactor
from ..accounts.models import ACTIVE
from ..accounts.models import Account
from ..authn import devices
from ..authn import throttle
from ..clock import now
from ..extensions import db
from ..notify import outbox
from ..oidc.records import revoke_grants
from ..web import client_ip
from . import codes
from . import declared
from . import eligibility
from . import steps
from .blueprint import bp
from .blueprint import throttled_page

TAKEN_OVER_EVENT = "guardian_link_ended"


def _number(value: str) -> str:
    return "".join(ch for ch in value or "" if ch.isdigit())[:12]


def _form(error: str | None = None, status: int = 200, errors: dict | None = None, **extra):
    return render_template("enrollment/takeover.html", error=error, values=request.form,
                           errors=declared.messages(errors or {}), **extra), status


def _dependant(number: str, document_number: str) -> Account | None:
    if len(number) != 12 or not document_number:
        return None
    account = db.session.scalar(db.select(Account).where(
        Account.identification_number == number, Account.guardian_id.is_not(None),
        Account.status == ACTIVE))
    if account is None or (account.document_number or "") != document_number:
        return None
    return account


@bp.get("/takeover")
def takeover_form():
    return _form()


@bp.post("/takeover")
def takeover():
    number = _number(request.form.get("identification_number", ""))
    document = declared.normalise_document(request.form.get("document_number", ""))
    errors: dict[str, str] = {}
    phone, email = declared.parse_contact(request.form, errors)
    if not (request.form.get("email") or "").strip():
        errors.pop("email", None)  # optional here
        email = None
    if errors or not number or not document:
        return _form("missing" if not errors else None, 400, errors)
    subject = throttle.Subject("takeover", number, client_ip())
    try:
        throttle.check(subject)
    except throttle.Throttled as exc:
        return throttled_page("enrollment/takeover.html", exc.retry_after, values=request.form,
                              errors={})
    account = _dependant(number, document)
    if account is None:
        throttle.record_failure(subject)
        return _form("mismatch", 400)
    born = _birthdate(account)
    if born is None or eligibility.age_on(born, now().date()) < eligibility.SELF_SERVICE_AGE:
        return render_template("enrollment/takeover_too_young.html"), 403
    code = codes.create(account, codes.TAKEOVER, phone=phone, email=email)
    # Only to the new phone: the code proves the holder has it (the account's e-mail is still
    # the guardian's).
    outbox.enqueue_to(phone=phone, locale=account.locale, kind="activation_code",
                      account_id=account.id, sensitive=True, activation_code=code)
    db.session.commit()
    return render_template("enrollment/takeover_code.html", number=number, error=None)


def _birthdate(account: Account) -> date | None:
    try:
        return date.fromisoformat(account.birthdate or "")
    except ValueError:
        return None


@bp.post("/takeover/code")
def takeover_code():
    number = _number(request.form.get("identification_number", ""))
    subject = throttle.Subject("takeover", number, client_ip())
    try:
        throttle.check(subject)
    except throttle.Throttled as exc:
        return throttled_page("enrollment/takeover_code.html", exc.retry_after, number=number)
    account = db.session.scalar(db.select(Account).where(
        Account.identification_number == number, Account.guardian_id.is_not(None)))
    ticket = (codes.check(account, request.form.get("code", ""), codes.TAKEOVER)
              if account is not None and len(number) == 12 else None)
    if ticket is None:
        throttle.record_failure(subject)
        return render_template("enrollment/takeover_code.html", number=number,
                               error="invalid"), 400
    steps.start(account, ticket, codes.TAKEOVER)
    return redirect(url_for("enrollment.choose_password"), 303)


def complete(account: Account, ticket: dict, password_hash: str) -> bool:
    """End the guardian link (no commit); False if the code was used, replaced or expired."""
    if account.guardian_id is None or not codes.consume(account, ticket, codes.TAKEOVER):
        return False
    guardian = db.session.get(Account, account.guardian_id)
    new = ticket.get("data") or {}
    account.password_hash = password_hash
    account.phone_number = new.get("phone")
    account.phone_number_verified = True
    account.email = new.get("email")
    account.email_verified = False
    account.guardian_id = None
    account.guardian_relationship = None
    for model in (TotpFactor, RecoveryCode, Passkey):  # whatever the guardian set up goes
        db.session.execute(delete(model).where(model.account_id == account.id))
    revoke_grants(account.id, "guardian_link_ended")
    devices.end_all(account.id)
    events.record(account.id, TAKEN_OVER_EVENT, ip=client_ip())
    if guardian is not None:
        events.record(guardian.id, TAKEN_OVER_EVENT, dependant=account.identification_number)
        outbox.enqueue(guardian, "guardian_link_ended")
    outbox.enqueue(account, "activated")
    audit.record("self", "account.take_over", f"account:{account.id}",
                 guardian=f"account:{guardian.id}" if guardian else None, ip=client_ip())
    return True
