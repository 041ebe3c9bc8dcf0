"""The three services' pages: sign-in per service, the level each action needs, logout.

Bank: balance at level 1; opening an account, a transfer over VND 10,000,000 or over
VND 20,000,000 in a day at level 2 (State Bank of Vietnam Decision 2345/QD-NHNN), asked for as an
essential `acr`; its authorization requests are pushed to /par first (RFC 9126). Landlord:
level 2 throughout, by its registered minimum level. Portal: browsing at level 1, submitting an
application at level 2 through voluntary `acr_values`.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlencode

import requests
from authlib.integrations.base_client import OAuthError
from flask import Blueprint
from flask import abort
from flask import current_app
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for

from .oidc import ESSENTIAL_LEVEL_2
from .oidc import PUSHED
from .oidc import SERVICES
from .oidc import pushed_authorize_redirect
from .oidc import services

bp = Blueprint("services", __name__)


def signed_in(service: str) -> dict | None:
    return session.get(service)


def _callback_url(service: str) -> str:
    return f"{current_app.config['RP_BASE_URL']}/{service}/callback"


@bp.get("/<service>/login")
def login(service):
    """Start a sign-in; `level=2` asks for level 2 (essential, or voluntary with mode=voluntary)."""
    if service not in SERVICES:
        abort(404)
    extra = {}
    if request.args.get("level") == "2":
        if request.args.get("mode") == "voluntary":
            extra["acr_values"] = "2"
        else:
            extra["claims"] = ESSENTIAL_LEVEL_2
    client = services().client(service)
    if service not in PUSHED:
        return client.authorize_redirect(_callback_url(service), **extra)
    try:
        return pushed_authorize_redirect(client, _callback_url(service), **extra)
    except OAuthError as exc:
        return render_template("signin_error.html", service=service, error=exc.error,
                               description=exc.description or ""), 400


@bp.get("/<service>/callback")
def callback(service):
    if service not in SERVICES:
        abort(404)
    if "error" in request.args:
        return render_template("signin_error.html", service=service,
                               error=request.args["error"],
                               description=request.args.get("error_description", "")), 403
    try:
        token = services().client(service).authorize_access_token()
    except OAuthError as exc:
        return render_template("signin_error.html", service=service, error=exc.error,
                               description=exc.description or ""), 400
    claims = dict(token["userinfo"])  # validated by Authlib: signature, iss, aud, nonce, exp
    if claims.get("acr") not in ("1", "2"):
        return render_template("signin_error.html", service=service, error="unexpected_acr",
                               description=f"acr {claims.get('acr')!r}"), 400
    userinfo = services().client(service).userinfo(token=token)
    session[service] = {"claims": claims, "userinfo": dict(userinfo),
                        "access_token": token["access_token"], "id_token": token["id_token"]}
    if service == "bank" and session.get("pending_transfer"):
        return redirect(url_for("services.bank_transfer_resume"))
    if service == "portal" and session.pop("pending_application", False):
        return _submit_application(session["portal"])
    return redirect(url_for(f"services.{service}"))


# --- bank ----------------------------------------------------------------------------------
@bp.get("/bank")
def bank():
    return render_template("bank.html", signin=signed_in("bank"),
                           result=session.pop("bank_result", None))


def _call_transfer_api(amount: int):
    """The bank's web front end calls the bank's API like any other API client would."""
    signin = signed_in("bank")
    return requests.post(f"{current_app.config['RP_BASE_URL']}/api/bank/transfers",
                         json={"amount": amount}, timeout=10,
                         headers={"Authorization": f"Bearer {signin['access_token']}"})


def _transfer(amount: int):
    response = _call_transfer_api(amount)
    if response.status_code == 401 and "insufficient_user_authentication" in \
            response.headers.get("WWW-Authenticate", ""):
        # RFC 9470 §3: the API says what is missing; the front end asks the IdP for it.
        session["pending_transfer"] = amount
        return redirect(url_for("services.login", service="bank", level="2"))
    session["bank_result"] = response.json() | {"status": response.status_code}
    return redirect(url_for("services.bank"), 303)


@bp.post("/bank/transfer")
def bank_transfer():
    if not signed_in("bank"):
        return redirect(url_for("services.bank"), 303)
    try:
        amount = int(request.form.get("amount", "").replace(",", "").replace(".", ""))
    except ValueError:
        session["bank_result"] = {"error": "Enter the amount in VND, digits only."}
        return redirect(url_for("services.bank"), 303)
    return _transfer(amount)


@bp.get("/bank/transfer/resume")
def bank_transfer_resume():
    amount = session.pop("pending_transfer", None)
    if amount is None or not signed_in("bank"):
        return redirect(url_for("services.bank"))
    return _transfer(amount)


@bp.post("/bank/open-account")
def bank_open_account():
    signin = signed_in("bank")
    if not signin or signin["claims"]["acr"] != "2":
        return redirect(url_for("services.login", service="bank", level="2"), 303)
    session["bank_result"] = {"opened": f"VN{secrets.randbelow(10**10):010d}"}
    return redirect(url_for("services.bank"), 303)


# --- landlord and portal -------------------------------------------------------------------
@bp.get("/landlord")
def landlord():
    return render_template("landlord.html", signin=signed_in("landlord"))


@bp.get("/portal")
def portal():
    return render_template("portal.html", signin=signed_in("portal"),
                           submitted=session.pop("portal_submitted", None))


def _submit_application(signin):
    if signin["claims"]["acr"] != "2":
        # acr_values is voluntary (OIDC Core §3.1.2.1): the IdP answered with what it could.
        return render_template("portal.html", signin=signin, needs_level2=True), 403
    session["portal_submitted"] = f"APP-{secrets.randbelow(10**6):06d}"
    return redirect(url_for("services.portal"), 303)


@bp.post("/portal/apply")
def portal_apply():
    signin = signed_in("portal")
    if not signin:
        return redirect(url_for("services.portal"), 303)
    if signin["claims"]["acr"] != "2":
        session["pending_application"] = True
        return redirect(url_for("services.login", service="portal", level="2",
                                mode="voluntary"), 303)
    return _submit_application(signin)


# --- logout ----------------------------------------------------------------------------------
@bp.post("/logout")
def logout():
    """RP-initiated logout: clear our session, then end the IdP's with the ID token as hint."""
    hint = next((session[s]["id_token"] for s in SERVICES if session.get(s)), None)
    session.clear()
    if hint is None:
        return redirect(url_for("home"), 303)
    metadata = services().client("bank").load_server_metadata()
    params = {"id_token_hint": hint, "state": secrets.token_urlsafe(8),
              "post_logout_redirect_uri": f"{current_app.config['RP_BASE_URL']}/"}
    return redirect(f"{metadata['end_session_endpoint']}?{urlencode(params)}", 303)
