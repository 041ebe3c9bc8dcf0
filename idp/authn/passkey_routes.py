"""Passkey pages and JSON endpoints on the `authn` blueprint.

- /login/passkey…: usernameless sign-in with a discoverable credential (WebAuthn L2 §7.2). With
  user verification it is two factors and level 2; without, one factor (63B-4 §3.1.7.2).
- /login/second-factor/passkey…: step-up of a password session; only a UV assertion counts.
- /account/passkeys…: add (needs the account's maximum level in this session: SEC-61, SEC-75),
  rename, remove (SEC-75 again).

The JSON endpoints are CSRF-protected like forms: the page sends its token in X-CSRFToken.
"""

from __future__ import annotations

from flask import abort
from flask import jsonify
from flask import redirect
from flask import request
from flask import url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from .. import metrics
from .. import security_log
from ..accounts import events
from ..accounts.factors import Passkey
from ..accounts.models import Account
from ..assurance.amr import PASSKEY
from ..assurance.amr import PASSKEY_VERIFIED
from ..extensions import db
from ..web import client_ip
from . import flow as flows
from . import passkeys
from .reauth import safe_next
from .reauth import step_up_url
from .routes import bp
from .sso import add_second_factor
from .sso import current_login
from .sso import record_login

# Translated when the response is made, into the reader's language (idp.i18n).
MESSAGES = {
    "sign_in_failed": _l("This passkey could not sign you in. Try again, or sign in with your "
                         "password."),
    "step_up_failed": _l("Your passkey did not confirm it is you with your fingerprint, face or "
                         "PIN. Try again, or enter a code."),
    "register_failed": _l("This passkey could not be added. It may already be registered. Try "
                          "again."),
    "login_required": _l("Your session has ended. Sign in again."),
    "step_up_required": _l("Confirm it is you first, then add or remove the passkey."),
    "account_locked": _l("This account is locked. An immigration office can tell you why and help "
                         "you restore it."),
}


def _error(code: str, status: int, **extra):
    response = jsonify({"error": code, "message": str(MESSAGES[code]), **extra})
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


def _ok(status: int = 200, **body):
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


def _body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("credential", {}), dict):
        abort(400)
    return body


def _continue_to(body: dict) -> str:
    """As routes.after_authentication: the parked request, the page that asked, or home."""
    flow_id = body.get("flow") or None
    if isinstance(flow_id, str) and flows.load(flow_id) is not None:
        return url_for("oidc.resume", flow_id=flow_id)
    next_path = body.get("next")
    return (safe_next(next_path) if isinstance(next_path, str) else None) or url_for("authn.home")


def _signed_in_account() -> Account | None:
    login = current_login()
    account = db.session.get(Account, login.account_id) if login else None
    return account if account is not None and account.is_active else None


@bp.app_template_global()
def holder_passkeys() -> list[Passkey]:
    """The signed-in holder's passkeys, for the account page and the step-up page."""
    login = current_login()
    if login is None:
        return []
    return list(db.session.scalars(db.select(Passkey).where(Passkey.account_id == login.account_id)
                                   .order_by(Passkey.created_at, Passkey.id)))


# --- sign-in -----------------------------------------------------------------------------------

@bp.post("/login/passkey/options")
def passkey_sign_in_options():
    return _ok(publicKey=passkeys.authentication_options(purpose=passkeys.SIGN_IN))


@bp.post("/login/passkey")
def passkey_sign_in():
    body = _body()
    flow_id = body.get("flow") if isinstance(body.get("flow"), str) else None

    def attempt(factor, result, reason=None, account_id=None, acr=None):  # SEC-91
        security_log.attempt(factor, result, reason=reason, account_id=account_id, acr=acr,
                             client_id=flows.client_of(flow_id))

    try:
        assertion = passkeys.authenticate(purpose=passkeys.SIGN_IN, credential=body.get("credential"),
                                          require_user_verification=False)
    except passkeys.PasskeyRejected as exc:
        db.session.rollback()
        metrics.login("failure", level="unknown")
        attempt(PASSKEY, "failure", exc.reason)
        return _error("sign_in_failed", 401, reason=exc.reason)
    # 63B-4 §3.1.7.2: with UV the passkey is a multi-factor authenticator; without, one factor.
    factor = PASSKEY_VERIFIED if assertion.user_verified else PASSKEY
    account = db.session.get(Account, assertion.passkey.account_id)
    if not account.is_active:
        metrics.login("locked", level="unknown")
        db.session.commit()  # the counter moved; the sign-in does not happen
        attempt(factor, "failure", "locked", account.id)
        if flows.load(flow_id) is not None:
            flows.mark(flow_id, locked=True)  # the service hears access_denied on resume
            return _error("account_locked", 403, back=url_for("oidc.resume", flow_id=flow_id))
        return _error("account_locked", 403)
    events.record(account.id, events.SIGN_IN, ip=client_ip(), factors=[factor],
                  passkey=assertion.passkey.name)
    db.session.commit()
    record_login(account.id, [factor], second_factor=assertion.user_verified)
    attempt(factor, "success", account_id=account.id, acr="2" if assertion.user_verified else "1")
    metrics.login("success", level=2 if assertion.user_verified else 1)
    return _ok(redirect=_continue_to(body))


# --- step-up -----------------------------------------------------------------------------------

@bp.post("/login/second-factor/passkey/options")
def passkey_step_up_options():
    account = _signed_in_account()
    if account is None:
        return _error("login_required", 401, redirect=url_for("authn.login"))
    return _ok(publicKey=passkeys.authentication_options(purpose=passkeys.STEP_UP,
                                                         account=account))


@bp.post("/login/second-factor/passkey")
def passkey_step_up():
    body = _body()
    account = _signed_in_account()
    if account is None:
        return _error("login_required", 401, redirect=url_for("authn.login"))
    flow_id = body.get("flow") if isinstance(body.get("flow"), str) else None

    def attempt(result, reason=None, acr=None):  # one `authn.passkey` event each (SEC-91)
        security_log.attempt(PASSKEY_VERIFIED, result, reason=reason, stage="step_up", acr=acr,
                             account_id=account.id, client_id=flows.client_of(flow_id))

    try:
        passkeys.authenticate(purpose=passkeys.STEP_UP, credential=body.get("credential"),
                              account=account, require_user_verification=True)
    except passkeys.PasskeyRejected as exc:
        db.session.rollback()
        metrics.step_up("failure")
        attempt("failure", exc.reason)
        return _error("step_up_failed", 401, reason=exc.reason)
    events.record(account.id, events.STEP_UP, ip=client_ip(), factor=PASSKEY_VERIFIED)
    db.session.commit()
    add_second_factor(PASSKEY_VERIFIED)
    attempt("success", acr="2")  # a verified passkey is level 2 on its own (DESIGN.md)
    metrics.step_up("success")
    return _ok(redirect=_continue_to(body))


# --- the holder's passkeys ---------------------------------------------------------------------

def _may_change_factors():
    """(account, None) if this session may add or remove a factor, else (None, error response)."""
    account = _signed_in_account()
    if account is None:
        return None, _error("login_required", 401, redirect=url_for("authn.login"))
    if url := step_up_url(account):
        return None, _error("step_up_required", 403, redirect=url)
    return account, None


@bp.post("/account/passkeys/options")
def passkey_register_options():
    account, refused = _may_change_factors()
    if refused:
        return refused
    return _ok(publicKey=passkeys.registration_options(account=account))


@bp.post("/account/passkeys")
def passkey_register():
    body = _body()
    account, refused = _may_change_factors()
    if refused:
        return refused
    name = body.get("name") if isinstance(body.get("name"), str) else ""
    try:
        passkey = passkeys.register(account=account, credential=body.get("credential"), name=name)
    except passkeys.PasskeyRejected as exc:
        db.session.rollback()
        return _error("register_failed", 400, reason=exc.reason)
    events.record(account.id, events.FACTOR_ADDED, ip=client_ip(), factor="passkey",
                  name=passkey.name)
    db.session.commit()
    return _ok(201, redirect=url_for("account.overview"), name=passkey.name)


def _own_passkey(account: Account, passkey_id: int) -> Passkey:
    passkey = db.session.get(Passkey, passkey_id)
    if passkey is None or passkey.account_id != account.id:
        abort(404)
    return passkey


@bp.post("/account/passkeys/<int:passkey_id>/rename")
def passkey_rename(passkey_id: int):
    account = _signed_in_account()
    if account is None:
        return redirect(url_for("authn.login", next=url_for("account.overview")), 303)
    passkey = _own_passkey(account, passkey_id)
    name = passkeys.clean_name(request.form.get("name"))
    if not name:
        abort(400, description=gettext("Give the passkey a name."))
    passkey.name = name
    db.session.commit()
    return redirect(url_for("account.overview") + "#passkeys", 303)


@bp.post("/account/passkeys/<int:passkey_id>/delete")
def passkey_remove(passkey_id: int):
    account = _signed_in_account()
    if account is None:
        return redirect(url_for("authn.login", next=url_for("account.overview")), 303)
    if url := step_up_url(account):  # SEC-75: a password-only session cannot remove a factor
        return redirect(url, 303)
    passkey = _own_passkey(account, passkey_id)
    events.record(account.id, events.FACTOR_REMOVED, ip=client_ip(), factor="passkey",
                  name=passkey.name)
    db.session.delete(passkey)
    db.session.commit()
    return redirect(url_for("account.overview") + "#passkeys", 303)
