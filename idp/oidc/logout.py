"""RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0) and the IdP's own sign-out.

With a valid id_token_hint the session ends at once and the person goes back to the exact
registered post_logout_redirect_uri (with `state`). Without one, nothing ends until the person
confirms with a CSRF-protected POST, and no redirect follows (§2, §3, §6).
"""

from __future__ import annotations

from authlib.oauth2.rfc6749.errors import OAuth2Error
from flask import render_template
from flask import request
from flask_wtf.csrf import CSRFError
from flask_wtf.csrf import validate_csrf
from wtforms import ValidationError

from .server import get_server


def logout():
    server = get_server()
    try:
        end_request = server.validate_endpoint_request("end_session")
    except OAuth2Error:
        # §4: on an invalid request the OP must not redirect; the person can still sign out.
        return render_template("oidc/logout_confirm.html", client=None, invalid=True), 400
    if end_request.needs_confirmation:
        if request.method != "POST" or "confirm" not in request.form:
            return render_template("oidc/logout_confirm.html", client=end_request.client)
        try:
            validate_csrf(request.form.get("csrf_token"))
        except ValidationError as exc:
            raise CSRFError(str(exc)) from exc
    response = server.create_endpoint_response("end_session", end_request)
    if response is not None:
        response.status_code = 303 if request.method == "POST" else 302
        return response
    return render_template("oidc/logged_out.html", client=end_request.client)
