"""A relying party of three services (a bank, a landlord's rental registration, a public-service
portal) that signs people in with the IdP through standard OpenID Connect only.

It uses Authlib's OAuth *client*, reads the IdP's discovery document, sends PKCE and a nonce,
validates the ID token and checks its `acr` itself. Nothing here imports from `idp/`.

Configuration (environment): RP_ISSUER, RP_BASE_URL, RP_CLIENTS_FILE (JSON written by
`flask --app idp demo seed`: {"bank": {"client_id", "client_secret"}, ...}), RP_SECRET_KEY.
"""

from __future__ import annotations

import json
import os
import secrets

from flask import Flask
from flask import render_template
from flask_wtf import CSRFProtect

from . import api
from . import services
from .oidc import OidcServices


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__)
    settings = {
        "RP_ISSUER": os.environ.get("RP_ISSUER", "http://localhost:5000"),
        "RP_BASE_URL": os.environ.get("RP_BASE_URL", "http://127.0.0.1:5001"),
        "RP_CLIENTS_FILE": os.environ.get("RP_CLIENTS_FILE", "instance/demo-clients.json"),
        "SECRET_KEY": os.environ.get("RP_SECRET_KEY") or secrets.token_hex(32),
        "SESSION_COOKIE_NAME": "rp_session",
        "SESSION_COOKIE_SAMESITE": "Lax",
    }
    settings.update(config or {})
    app.config.update(settings)
    if "RP_CLIENTS" not in app.config:
        with open(app.config["RP_CLIENTS_FILE"]) as fh:
            app.config["RP_CLIENTS"] = json.load(fh)
    app.extensions["rp.oidc"] = OidcServices(app)
    app.register_blueprint(services.bp)
    app.register_blueprint(api.bp)
    csrf = CSRFProtect(app)
    csrf.exempt(api.bp)  # bearer-token API: no cookies, nothing to forge
    app.add_url_rule("/", "home", lambda: render_template("home.html"))
    return app
