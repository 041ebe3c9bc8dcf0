"""The authorization endpoint: /authorize, /authorize/resume/<flow>, /authorize/consent/<flow>.

1. Trust nothing until the client and its exact redirect_uri are known; until then errors are a
   page, never a redirect (RFC 6749 §4.1.2.1, SEC-02).
2. Authlib validates response_type, scope and PKCE; checks.py the rest, in order (validation.py,
   shared with /par). A request_uri from /par stands for the whole request (RFC 9126 §4).
3. Decide: sign in (parked in authn/flow.py), consent, or issue the code. Every response to the
   client carries `iss` (RFC 9207).
"""

from __future__ import annotations

from authlib.common.urls import add_params_to_uri
from authlib.oauth2.rfc6749.errors import AccessDeniedError
from authlib.oauth2.rfc6749.errors import InvalidRequestError
from authlib.oauth2.rfc6749.errors import OAuth2Error
from authlib.oidc.core.errors import ConsentRequiredError
from authlib.oidc.core.errors import InteractionRequiredError
from authlib.oidc.core.errors import LoginRequiredError
from flask import current_app
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from ..accounts import events
from ..accounts import queries
from ..accounts.models import Account
from ..assurance import policy
from ..assurance.amr import amr_of
from ..assurance.levels import DEFAULT_NAMES
from ..assurance.levels import Level
from ..assurance.requirements import Requirements
from ..authn import flow as flows
from ..authn.sso import current_login
from ..authn.sso import end_login
from ..authn.sso import touch
from ..clock import now
from ..clock import timestamp
from ..extensions import db
from ..i18n import remember_ui_locales
from . import consents
from . import par
from . import verified_claims
from .checks import check_single_values
from .claims import released_claims
from .errors import UNMET_DESCRIPTIONS
from .errors import UnmetAuthenticationRequirementsError
from .principal import Principal
from .server import query_client
from .validation import Untrusted
from .validation import note_challenge
from .validation import trusted_target
from .validation import validated_grant


def _redirect(location: str):
    """303 after a form POST (RFC 9700 §4.12), 302 otherwise."""
    return redirect(location, 303 if request.method == "POST" else 302)


def _with_iss(location: str) -> str:
    return add_params_to_uri(location, [("iss", current_app.config["ISSUER"])])


def error_redirect(redirect_uri: str, error: OAuth2Error, state: str | None):
    params = [("error", error.error)]
    if error.description:
        params.append(("error_description", error.description))
    if state is not None:
        params.append(("state", state))
    return _redirect(_with_iss(add_params_to_uri(redirect_uri, params)))


def untrusted_page(reason: str):
    return render_template("oidc/untrusted.html", reason=reason), 400


def _signed_in_account(login) -> Account | None:
    if login is None:
        return None
    account = db.session.get(Account, login.account_id)
    if account is None or not account.is_active:
        end_login()  # the account was locked or removed since: this session is over
        return None
    return account


def _acr_names() -> dict[str, Level]:
    aliases = current_app.config.get("ACR_ALIASES") or {}
    return {**DEFAULT_NAMES, **{name: Level(level) for name, level in aliases.items()}}


def _assess(params: dict, client, account, login, parked: dict | None):
    config = current_app.config
    requirements = Requirements.from_request(params, client.min_level, _acr_names())
    return policy.decide(
        requirements, queries.facts(account), login.facts(),
        now=timestamp(), today=now().date(),
        fresh_since=parked["created"] if parked else None,
        names=_acr_names(),
        windows=policy.Windows(config["LEVEL2_LIFETIME"], config["LEVEL2_IDLE_TIMEOUT"]),
    )


def decide(params: dict, grant, flow_id: str | None = None, parked: dict | None = None,
           pushed: str | None = None):
    """Sign in, step up, refuse, ask for consent, or issue the code (STYLE.md login spine).
    `pushed` is the reference of a request pushed to /par, used up with the code."""
    redirect_uri, state = params["redirect_uri"], params.get("state")
    prompts = params.get("prompt", "").split()
    client = grant.request.client
    login = current_login()
    account = _signed_in_account(login)
    if account is None:
        if "none" in prompts:
            return _finish(flow_id, error_redirect(redirect_uri, LoginRequiredError(), state))
        return _redirect(url_for("authn.login", flow=flows.park(params, flow_id, pushed=pushed)))
    decision = _assess(params, client, account, login, parked)
    touch()
    if isinstance(decision, policy.Denied):
        error = AccessDeniedError("The account is locked and cannot sign in.")
        return _finish(flow_id, error_redirect(redirect_uri, error, state))
    if isinstance(decision, policy.Unmet):
        return _unmet(params, client, decision.reason, flow_id, show_page="none" not in prompts)
    if isinstance(decision, policy.Authenticate | policy.StepUp):
        if "none" in prompts:
            error = (LoginRequiredError() if isinstance(decision, policy.Authenticate)
                     else InteractionRequiredError())
            return _finish(flow_id, error_redirect(redirect_uri, error, state))
        flow_id = flows.park(params, flow_id, pushed=pushed)
        if isinstance(decision, policy.StepUp):
            return _redirect(url_for("authn.second_factor", flow=flow_id))
        return _redirect(url_for("authn.login", flow=flow_id))
    scopes = grant.request.scope.split()
    asked = scopes + verified_claims.consent_items(params.get("claims"), client, account)
    consented = parked is not None and parked.get("consented")
    if not consented and ("consent" in prompts or not consents.covers(account, client, asked)):
        if "none" in prompts:
            return _finish(flow_id, error_redirect(redirect_uri, ConsentRequiredError(), state))
        flow_id = flows.park(params, flow_id, pushed=pushed)
        return _redirect(url_for("oidc.consent", flow_id=flow_id))
    if flow_id is not None and flows.finish(flow_id) is None:
        return render_template("oidc/flow_gone.html"), 400
    if pushed is not None and not par.consume(pushed):
        return untrusted_page("invalid_request_uri")  # RFC 9126 §4: one code per request_uri
    principal = Principal(account=account, acr=decision.acr, amr=amr_of(login.factors),
                          auth_time=login.auth_time, grant_id="", sid=login.sid)
    _, _, headers = grant.create_authorization_response(redirect_uri, principal)
    events.record(account.id, events.CLAIMS_RELEASED, client.client_id,
                  claims=released_claims(scopes, params.get("claims"), account=account,
                                         client=client, acr=decision.acr), acr=decision.acr)
    db.session.commit()
    return _redirect(_with_iss(dict(headers)["Location"]))


def _unmet(params: dict, client, reason: str, flow_id: str | None, *, show_page: bool):
    """OIDC Core §3.1.2.6: never a code below a hard requirement; the person learns why."""
    error = UnmetAuthenticationRequirementsError(UNMET_DESCRIPTIONS.get(reason, reason))
    response = _finish(flow_id, error_redirect(params["redirect_uri"], error, params.get("state")))
    if not show_page:
        return response
    return render_template("oidc/unmet.html", client=client, reason=reason,
                           back=response.headers["Location"]), 403


def _finish(flow_id: str | None, response):
    if flow_id is not None:
        flows.finish(flow_id)
    return response


def _refuse_unpushed(client) -> None:
    """RFC 9126 §5-6: a client (or a server) that requires PAR sends only a request_uri."""
    if (client.require_pushed_authorization_requests
            or current_app.config["REQUIRE_PUSHED_AUTHORIZATION_REQUESTS"]):
        raise InvalidRequestError("This client must push its authorization requests to /par "
                                  "and send only client_id and request_uri.")


def authorize():
    """GET or POST /authorize (OIDC Core §3.1.2.1: both methods)."""
    values = request.values
    if "request_uri" in values:
        return _authorize_pushed(values)
    try:
        client, redirect_uri = trusted_target(values.getlist("client_id"),
                                              values.getlist("redirect_uri"))
    except Untrusted as exc:
        return untrusted_page(exc.reason)
    state = values.get("state")
    remember_ui_locales(values.get("ui_locales"))
    try:
        _refuse_unpushed(client)
        check_single_values({name: values.getlist(name) for name in values})
        params = values.to_dict()
        grant = validated_grant(params)
    except OAuth2Error as error:
        return error_redirect(redirect_uri, error, state)
    note_challenge(client.client_id, params["code_challenge"])
    return decide(params, grant)


def _authorize_pushed(values):
    """RFC 9126 §4: the pushed parameters and nothing else; the query's other parameters are
    ignored. An unknown, expired, used or foreign request_uri cannot be redirected: the pushed
    redirect_uri is not this client's to use, so the person sees a page."""
    client_ids, request_uris = values.getlist("client_id"), values.getlist("request_uri")
    client = query_client(client_ids[0]) if len(client_ids) == 1 else None
    if client is None:
        return untrusted_page("unknown_client")
    pushed = par.load(request_uris[0], client.client_id) if len(request_uris) == 1 else None
    if pushed is None:
        return untrusted_page("invalid_request_uri")
    params = pushed.params
    try:  # validated at /par; checked again in case the client changed since
        trusted_target([params["client_id"]], [params["redirect_uri"]])
    except Untrusted as exc:
        return untrusted_page(exc.reason)
    remember_ui_locales(params.get("ui_locales"))
    try:
        grant = validated_grant(params)
    except OAuth2Error as error:
        return error_redirect(params["redirect_uri"], error, params.get("state"))
    return decide(params, grant, pushed=pushed.ref)


def resume(flow_id: str):
    """Back from sign-in: run the same decision on the parked request."""
    parked = flows.load(flow_id)
    if parked is None:
        return render_template("oidc/flow_gone.html"), 400
    params = parked["params"]
    if parked.get("locked"):
        error = AccessDeniedError("The account is locked and cannot sign in.")
        return _finish(flow_id, error_redirect(params["redirect_uri"], error, params.get("state")))
    try:
        grant = validated_grant(params)
    except OAuth2Error as error:  # e.g. the client was disabled meanwhile
        return _finish(flow_id, error_redirect(params["redirect_uri"], error, params.get("state")))
    return decide(params, grant, flow_id, parked, parked.get("pushed"))


def consent(flow_id: str):
    """Show what the client asks for; approve or deny (CSRF-protected form)."""
    parked = flows.load(flow_id)
    login = current_login()
    if parked is None or login is None:
        return render_template("oidc/flow_gone.html"), 400
    params = parked["params"]
    client = query_client(params["client_id"])
    if client is None:
        return _finish(flow_id, untrusted_page("unknown_client"))
    account = db.session.get(Account, login.account_id)
    scopes = (client.get_allowed_scope(params.get("scope", "")).split()
              + verified_claims.consent_items(params.get("claims"), client, account))
    if request.method == "GET":
        return render_template("oidc/consent.html", client=client, scopes=scopes,
                               descriptions=consents.SCOPE_DESCRIPTIONS, flow_id=flow_id)
    if request.form.get("decision") != "approve":
        error = AccessDeniedError("The person declined to share their data.")
        return _finish(flow_id, error_redirect(params["redirect_uri"], error, params.get("state")))
    consents.record(account, client, scopes)
    flows.park(params, flow_id, consented=True)
    return _redirect(url_for("oidc.resume", flow_id=flow_id))
