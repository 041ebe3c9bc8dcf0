"""Console sign-in: password, then always a TOTP code (issue: "staff sign in with a second
factor always"); throttled, one generic failure message, a new session id on success. Each
attempt is one security event with realm "staff" (SEC-91)."""

from __future__ import annotations

from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for

from .. import security_log
from ..accounts.models import canonical_login
from ..assurance.amr import PASSWORD
from ..assurance.amr import TOTP
from ..authn import password
from ..authn import throttle
from ..authn import totp
from ..authn.reauth import safe_next
from ..authn.sealing import unseal
from ..clock import timestamp
from ..extensions import db
from ..web import client_ip
from . import bp
from .staff import Staff

PENDING_SECONDS = 300  # the code must follow the password within 5 minutes (SEC-59)


def _page(step, error=None, status=200, headers=None):
    return render_template("admin/login.html", step=step, error=error,
                           next_path=safe_next(request.values.get("next")) or ""), \
        status, headers or {}


@bp.get("/login")
def login():
    return _page("password")


def _attempt(factor, result, reason=None, staff=None, **fields) -> None:
    security_log.attempt(factor, result, reason=reason, realm="staff", **fields,
                         party=staff.actor if staff else None)


@bp.post("/login")
def login_submit():
    identifier = canonical_login(request.form.get("login", ""))[:254]
    subject = throttle.Subject("staff", identifier, client_ip())
    try:
        throttle.check(subject)
    except throttle.Throttled as exc:
        _attempt(PASSWORD, "failure", "throttled", login=identifier)
        return _page("password", "throttled", 429, {"Retry-After": str(exc.retry_after)})
    staff = db.session.scalar(db.select(Staff).where(Staff.login == identifier))
    ok, _ = password.verify(staff.password_hash if staff else None,
                            request.form.get("password", ""))
    if not ok or staff.disabled:
        throttle.record_failure(subject)
        _attempt(PASSWORD, "failure", "invalid" if not ok else "disabled", staff, login=identifier)
        return _page("password", "invalid", 401)
    throttle.record_success(subject)
    _attempt(PASSWORD, "success", None, staff, login=identifier)
    session["staff_pending"] = {"id": staff.id, "at": timestamp()}
    return _page("code")


@bp.post("/login/code")
def code_submit():
    pending = session.get("staff_pending")
    if not pending or timestamp() - pending["at"] > PENDING_SECONDS:
        session.pop("staff_pending", None)
        return redirect(url_for("admin.login"), 303)
    staff = db.session.get(Staff, pending["id"])
    subject = throttle.Subject("staff-totp", str(staff.id), client_ip())
    try:
        throttle.check(subject)
        secret = unseal(staff.totp_secret_encrypted, context=f"staff-totp:{staff.id}")
        totp.check_code(f"staff-{staff.id}", secret, request.form.get("code", ""))
    except throttle.Throttled as exc:
        _attempt(TOTP, "failure", "throttled", staff, stage="second_factor")
        return _page("code", "throttled", 429, {"Retry-After": str(exc.retry_after)})
    except totp.TotpInvalid as exc:
        throttle.record_failure(subject)
        reason = security_log.REPLAYED if isinstance(exc, totp.TotpReplayed) else "invalid"
        _attempt(TOTP, "failure", reason, staff, stage="second_factor")
        return _page("code", "invalid", 401)
    throttle.record_success(subject)
    _attempt(TOTP, "success", None, staff, stage="second_factor")
    session.pop("staff_pending", None)
    session["staff"] = {"id": staff.id, "seen": timestamp()}
    session.regenerate()
    home = url_for("admin.applications" if staff.role == "officer" else "admin.clients")
    return redirect(safe_next(request.form.get("next")) or home, 303)


@bp.post("/logout")
def logout():
    session.pop("staff", None)
    return redirect(url_for("admin.login"), 303)
