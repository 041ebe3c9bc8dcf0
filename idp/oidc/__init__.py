"""The protocol: discovery, JWKS, authorize, PAR, token, userinfo, revoke, introspect, logout."""

from __future__ import annotations

from flask import Blueprint

from ..extensions import csrf
from . import authorize
from . import discovery
from . import endpoints
from . import logout
from . import userinfo
from .documents import PublicDocuments
from .server import build_server

bp = Blueprint("oidc", __name__)

ROUTES = [
    ("/.well-known/openid-configuration", "discovery", discovery.discovery, ["GET"]),
    ("/.well-known/oauth-authorization-server", "as_metadata", discovery.discovery, ["GET"]),
    ("/jwks.json", "jwks", discovery.jwks, ["GET"]),
    ("/authorize", "authorize", authorize.authorize, ["GET", "POST"]),
    ("/authorize/resume/<flow_id>", "resume", authorize.resume, ["GET"]),
    ("/authorize/consent/<flow_id>", "consent", authorize.consent, ["GET", "POST"]),
    ("/par", "par", endpoints.par, ["POST"]),
    ("/token", "token", endpoints.token, ["POST"]),
    ("/revoke", "revoke", endpoints.revoke, ["POST"]),
    ("/introspect", "introspect", endpoints.introspect, ["POST"]),
    ("/userinfo", "userinfo", userinfo.userinfo, ["GET", "POST"]),
    ("/logout", "logout", logout.logout, ["GET", "POST"]),
]

# Called by relying parties' servers or by cross-site form posts: no browser session to protect.
CSRF_EXEMPT = [authorize.authorize, endpoints.par, endpoints.token, endpoints.revoke, endpoints.introspect,
               userinfo.userinfo, logout.logout]

# Readable by browser-based clients from any origin (SEC-18): no cookies are involved.
CORS_ENDPOINTS = {"oidc.discovery", "oidc.as_metadata", "oidc.jwks", "oidc.token", "oidc.userinfo"}

for rule, endpoint, view, methods in ROUTES:
    bp.add_url_rule(rule, endpoint, view, methods=methods)


def init_app(app) -> None:
    app.extensions["idp.authorization_server"] = build_server(app)
    app.register_blueprint(bp)
    app.wsgi_app = PublicDocuments(app, app.wsgi_app)
    for view in CSRF_EXEMPT:
        csrf.exempt(view)
