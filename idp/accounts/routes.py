"""The holder's own pages at /account: overview and password change.

TOTP, sessions, connected services and the activity log register on the same blueprint from
totp_routes.py, session_routes.py, service_routes.py and activity_routes.py. Every change is a
CSRF-protected POST answered with 303 (RFC 9110 §15.4.4); nothing changes on GET.
"""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from datetime import timezone

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func
from sqlalchemy import select

from ..authn import password
from ..authn import throttle
from ..clock import from_timestamp
from ..clock import now
from ..extensions import db
from ..web import client_ip
from . import events
from . import queries
from .factors import Passkey
from .factors import RecoveryCode
from .guards import holder_required
from .guards import reauthenticate

bp = Blueprint("account", __name__, url_prefix="/account")

# Vietnam keeps UTC+7 all year; holders read times in the country's clock.
LOCAL_TIME = timezone(timedelta(hours=7), "UTC+7")

# Dates as each language writes them: ISO 8601 in English, day/month/year in Vietnamese.
DATE_FORMATS = {"vi": "%d/%m/%Y"}

# The password rules (idp.authn.password reasons), in the reader's language.
PASSWORD_RULES = {
    "too_short": _l("Use at least %(count)d characters; a few words work well.",
                    count=password.MIN_LENGTH),
    "too_long": _l("Use at most %(count)d characters.", count=password.MAX_LENGTH),
    "common": _l("This password is too common or predictable; choose another."),
    "personal": _l("Do not use your name, e-mail or identifiers in the password."),
}


def _date_format() -> str:
    return DATE_FORMATS.get(str(get_locale() or "en"), "%Y-%m-%d")


@bp.app_template_filter("local_date")
def local_date(day: date | None) -> str:
    return "—" if day is None else day.strftime(_date_format())


@bp.app_template_filter("local_time")
def local_time(moment: datetime | int) -> str:
    """Stored times are naive UTC (idp.clock); session start times are epoch seconds."""
    if isinstance(moment, int):
        moment = from_timestamp(moment)
    return moment.replace(tzinfo=UTC).astimezone(LOCAL_TIME).strftime(
        f"{_date_format()} %H:%M (UTC+7)")


@bp.get("")
@holder_required
def overview(account, login):
    facts = queries.facts(account)
    passkeys = db.session.scalars(select(Passkey).where(Passkey.account_id == account.id)
                                  .order_by(Passkey.created_at)).all()
    return render_template("account/overview.html", account=account, facts=facts,
                           level=facts.level(now().date()), passkeys=passkeys,
                           recovery_left=recovery_codes_left(account.id), today=now().date())


def recovery_codes_left(account_id: int) -> int:
    return db.session.scalar(select(func.count(RecoveryCode.id)).where(
        RecoveryCode.account_id == account_id, RecoveryCode.used_at.is_(None)))


def _identifiers(account) -> tuple[str | None, ...]:
    """What a new password must not contain (NIST SP 800-63B-4 §3.1.1.2: context words)."""
    return (account.login, account.login.split("@")[0], account.given_name, account.family_name,
            (account.email or "").split("@")[0], account.document_number,
            account.residence_card_number)


def _password_page(errors: dict | None = None, status: int = 200, headers: dict | None = None):
    return render_template("account/password.html", errors=errors or {},
                           min_length=password.MIN_LENGTH), status, headers or {}


@bp.get("/password")
@holder_required
def password_form(account, login):
    if (step_up := reauthenticate(account, url_for(".password_form"))) is not None:
        return step_up
    return _password_page()


@bp.post("/password")
@holder_required
def change_password(account, login):
    """Current password first (throttled with sign-in guesses), then the new one's rules."""
    if (step_up := reauthenticate(account, url_for(".password_form"))) is not None:
        return step_up
    subject = throttle.Subject("login", account.login, client_ip())
    try:
        throttle.check(subject)
    except throttle.Throttled as exc:
        return _password_page({"current": "throttled"}, 429, {"Retry-After": str(exc.retry_after)})
    ok, _ = password.verify(account.password_hash, request.form.get("current_password", ""))
    if not ok:
        throttle.record_failure(subject)
        return _password_page({"current": "wrong"}, 401)
    throttle.record_success(subject)
    try:
        new = password.check_policy(request.form.get("new_password", ""), _identifiers(account))
    except password.PasswordRejected as exc:
        return _password_page({"new": PASSWORD_RULES.get(exc.reason, str(exc))}, 400)
    account.password_hash = password.hash_password(new)
    events.record(account.id, events.PASSWORD_CHANGED, ip=client_ip())
    db.session.commit()
    flash("", "password_changed")
    return redirect(url_for(".sessions"), 303)
