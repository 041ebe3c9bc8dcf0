"""The holder's own lock (Decree 69/2024/ND-CP Art. 15(2): "the holder asks") and the narrow
recovery path that lifts it.

- /account/lock: the signed-in holder locks the account; every session and token ends at once.
- /account/restore: a locked account cannot sign in, so this page checks the password and then
  the authenticator-app code of a level-2 account, and offers one thing only: lifting the
  holder's own lock. It signs nobody in. Any other lock, or a holder without level 2 and an
  authenticator app, is sent to an immigration office. Reasons are told only after the right
  password (no account enumeration), and guesses are throttled like sign-in.
"""

from __future__ import annotations

from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for

from ..authn import password
from ..authn import throttle
from ..authn import totp
from ..authn.sso import end_login
from ..clock import timestamp
from ..extensions import db
from ..web import client_ip
from . import lifecycle
from .guards import holder_required
from .locks import HOLDER_REQUEST
from .models import LOCKED
from .models import Account
from .models import canonical_login
from .routes import bp

PENDING_SECONDS = 300  # the code must follow the password within 5 minutes (SEC-59)


@bp.get("/lock")
@holder_required
def lock_form(account, login):
    return render_template("account/lock.html")


@bp.post("/lock")
@holder_required
def lock_submit(account, login):
    lifecycle.lock(account, HOLDER_REQUEST, source="holder", requested_by=f"holder:{account.id}",
                   actor=f"holder:{account.id}")
    db.session.commit()
    end_login()
    return render_template("account/restore.html", step="locked_now")


def _page(step, error=None, status=200, headers=None):
    return render_template("account/restore.html", step=step, error=error), status, headers or {}


@bp.get("/restore")
def restore():
    return _page("password")


@bp.post("/restore")
def restore_password():
    identifier = canonical_login(request.form.get("login", ""))[:254]
    subject = throttle.Subject("login", identifier, client_ip())
    try:
        throttle.check(subject)
    except throttle.Throttled as exc:
        return _page("password", "throttled", 429, {"Retry-After": str(exc.retry_after)})
    account = db.session.scalar(db.select(Account).where(Account.login == identifier))
    ok, _ = password.verify(account.password_hash if account else None,
                            request.form.get("password", ""))
    if not ok:
        throttle.record_failure(subject)
        return _page("password", "invalid", 401)
    throttle.record_success(subject)
    if account.status != LOCKED:
        return _page("not_locked" if account.is_active else "office")
    if not lifecycle.holder_may_restore(account):
        return _page("office")
    if account.proofed_level < 2 or totp.confirmed_factor(account.id) is None:
        return _page("no_second_factor")
    session["restore_pending"] = {"id": account.id, "at": timestamp()}
    return _page("code")


@bp.post("/restore/code")
def restore_code():
    pending = session.get("restore_pending")
    if not pending or timestamp() - pending["at"] > PENDING_SECONDS:
        session.pop("restore_pending", None)
        return redirect(url_for("account.restore"), 303)
    account = db.session.get(Account, pending["id"])
    try:
        totp.verify(account.id, request.form.get("code", ""), ip=client_ip())
    except throttle.Throttled as exc:
        return _page("code", "throttled", 429, {"Retry-After": str(exc.retry_after)})
    except totp.TotpInvalid:
        return _page("code", "invalid_code", 401)
    session.pop("restore_pending", None)
    if not lifecycle.holder_may_restore(account):
        return _page("office")
    actor = f"holder:{account.id}"
    lifecycle.lift_automatic(account, (HOLDER_REQUEST,), actor=actor,
                             why="lifted by the holder after password and authenticator code")
    db.session.commit()
    session.regenerate()
    return _page("restored")
