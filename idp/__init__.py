"""The identity provider: a Flask app factory that only wires things together."""

from __future__ import annotations

from flask import Flask

from . import accounts
from . import admin
from . import audit  # noqa: F401 - registers the audit table
from . import authn
from . import clients
from . import config
from . import demo
from . import enrollment
from . import errors
from . import health
from . import i18n
from . import logs
from . import metrics
from . import notify
from . import oidc
from . import registry
from . import security_log
from . import signing
from . import store
from . import web
from .extensions import csrf
from .extensions import db
from .extensions import migrate


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    try:
        config.load(app, overrides)
    except config.ConfigError as exc:
        raise SystemExit(f"Configuration error: {exc}") from None
    logs.init_app(app)
    security_log.init_app(app)
    metrics.init_app(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(config.PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    i18n.init_app(app)
    store.init_app(app)
    signing.init_app(app)
    web.init_app(app, oidc.CORS_ENDPOINTS)
    errors.init_app(app)
    authn.init_app(app)
    accounts.init_app(app)
    clients.init_app(app)
    oidc.init_app(app)
    admin.init_app(app)
    registry.init_app(app)
    enrollment.init_app(app)
    notify.init_app(app)
    demo.init_app(app)
    app.register_blueprint(health.bp)
    return app
