"""The sign-in pages: /login (identifier + password) and /logout for the IdP's own sign-out."""

from __future__ import annotations

from flask import Blueprint
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from .. import metrics
from .. import security_log
from ..accounts import events
from ..accounts.models import Account
from ..accounts.models import canonical_login
from ..assurance.amr import PASSWORD
from ..extensions import db
from ..web import client_ip
from . import flow as flows
from . import password
from . import throttle
from .reauth import safe_next
from .sso import current_login
from .sso import record_login

bp = Blueprint("authn", __name__)

MAX_LOGIN_LENGTH = 254


def _login_page(flow_id, login_hint="", error=None, status=200):
    return render_template(
        "authn/login.html", flow_id=flow_id or "", login_hint=login_hint, error=error,
        next_path=safe_next(request.values.get("next")) or "",
    ), status


def after_authentication(flow_id):
    """Back to the parked authorization request, the page that asked, or the home page."""
    if flow_id and flows.load(flow_id) is not None:
        return redirect(url_for("oidc.resume", flow_id=flow_id), 303)
    return redirect(safe_next(request.values.get("next")) or url_for("authn.home"), 303)


@bp.get("/")
def home():
    """The IdP's own page: who is signed in here, and a way to sign out."""
    login = current_login()
    account = db.session.get(Account, login.account_id) if login else None
    return render_template("home.html", account=account)


@bp.get("/login")
def login():
    flow_id = request.args.get("flow")
    parked = flows.load(flow_id)
    hint = parked["params"].get("login_hint", "") if parked else ""
    return _login_page(flow_id if parked else None, login_hint=hint[:MAX_LOGIN_LENGTH])


@bp.post("/login")
def login_submit():
    """Every outcome is counted (metrics) and logged as one `authn.password` event (SEC-91)."""
    flow_id = request.form.get("flow") or None
    identifier = canonical_login(request.form.get("login", ""))[:MAX_LOGIN_LENGTH]
    secret = request.form.get("password", "")

    def attempt(result, reason=None, account_id=None, acr=None):
        security_log.attempt(PASSWORD, result, reason=reason, login=identifier, acr=acr,
                             account_id=account_id, client_id=flows.client_of(flow_id))

    if not identifier or not secret:
        attempt("failure", "missing")
        return _login_page(flow_id, identifier, "missing", 400)
    subject = throttle.Subject("login", identifier, client_ip())
    try:
        throttle.check(subject)
    except throttle.Throttled as exc:
        page, _ = _login_page(flow_id, identifier, "throttled", 429)
        metrics.login("throttled")
        attempt("failure", "throttled")
        return page, 429, {"Retry-After": str(exc.retry_after)}
    account = db.session.scalar(db.select(Account).where(Account.login == identifier))
    ok, new_hash = password.verify(account.password_hash if account else None, secret)
    if not ok:
        throttle.record_failure(subject)
        metrics.login("failure")
        attempt("failure", "invalid", account.id if account else None)
        return _login_page(flow_id, identifier, "invalid", 401)
    throttle.record_success(subject)
    if not account.is_active:
        # Only after the right password: telling why does not reveal that the account exists.
        # The service that sent the person here hears access_denied through the resume link.
        attempt("failure", "locked", account.id)
        if flow_id and flows.load(flow_id) is not None:
            flows.mark(flow_id, locked=True)
        else:
            flow_id = None
        metrics.login("locked")
        return render_template("authn/locked.html", flow_id=flow_id), 403
    if new_hash:
        account.password_hash = new_hash
    account_id = account.id  # read before the commit expires the row (no reload after it)
    events.record(account_id, events.SIGN_IN, ip=client_ip(), factors=[PASSWORD])
    db.session.commit()
    record_login(account_id, [PASSWORD])
    attempt("success", account_id=account_id, acr="1")  # a password alone is level 1 (DESIGN.md)
    metrics.login("success", level=1)
    return after_authentication(flow_id)
