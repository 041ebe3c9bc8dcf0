"""App-wide error answers: spec JSON for clients, a readable page (English and Vietnamese) for
people, 503 when the database or the store is unreachable. Never a traceback or an internal
message (node-oidc-provider's rule: expose details only below 500)."""

from __future__ import annotations

import secrets

from authlib.oauth2.rfc6749.errors import InsecureTransportError
from flask import Response
from flask import current_app
from flask import jsonify
from flask import make_response
from flask import render_template
from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import InternalServerError
from werkzeug.exceptions import SecurityError

from . import metrics
from .extensions import db
from .store import StoreUnavailable

API_PATHS = ("/par", "/token", "/userinfo", "/introspect", "/revoke", "/jwks.json", "/.well-known/",
             "/healthz", "/readyz")
RETRY_AFTER = "5"

# status -> (title, what to do), translated when the page is drawn.
PAGES = {
    400: (_l("This request could not be understood"),
          _l("Go back to the service you came from and try again.")),
    403: (_l("You cannot do this"), _l("Your account is not allowed to do this.")),
    404: (_l("Page not found"), _l("Check the address, or go back to the service you came from.")),
    405: (_l("This page cannot be used that way"), _l("Go back and use the buttons on the page.")),
    413: (_l("Too much data was sent"), _l("Go back and send less.")),
    429: (_l("Too many attempts"), _l("Wait a few minutes, then try again.")),
    500: (_l("Something went wrong on our side"),
          _l("Nothing was changed. Please try again in a moment.")),
    503: (_l("The service is briefly unavailable"),
          _l("Nothing was changed. Please try again in a minute.")),
}


OAUTH_ERRORS = {400: "invalid_request", 401: "invalid_request", 404: "invalid_request",
                405: "invalid_request", 413: "invalid_request", 429: "slow_down",
                500: "server_error", 503: "temporarily_unavailable"}


def _is_api() -> bool:
    return request.path.startswith(API_PATHS)


def respond(status: int, *, reference: str | None = None, headers: dict | None = None,
            description: str | None = None):
    if _is_api():
        body = {"error": OAUTH_ERRORS.get(status, "invalid_request")}
        if description and status < 500:
            body["error_description"] = description
        response = jsonify(body)
        response.headers["Cache-Control"] = "no-store"
    else:
        title, text = PAGES.get(status, PAGES[400 if status < 500 else 500])
        response = make_response(render_template(
            "errors/error.html", status=status, page={"title": title, "text": text},
            reference=reference, description=description))
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _rollback() -> None:
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001, S110 - the original error is the one worth reporting
        pass


def _unavailable(exc):
    if isinstance(exc, StoreUnavailable):
        metrics.store_error()
    else:
        metrics.database_error()
    _rollback()
    current_app.logger.error("dependency unavailable: %s", type(exc).__name__)
    return respond(503, headers={"Retry-After": RETRY_AFTER})


def _is_connection_error(exc) -> bool:
    return isinstance(exc, OperationalError) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated
    )


def init_app(app) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        original = getattr(exc, "original_exception", None)
        if isinstance(exc, InternalServerError) and original is not None:
            return unexpected(original)
        return respond(exc.code or 500, description=exc.description if exc.code < 500 else None)

    @app.errorhandler(SecurityError)
    def untrusted_host(exc: SecurityError):
        """A Host header that is not ours (SEC-89): no page, since no URL can be built for it."""
        return Response("Bad Request: this server does not answer to that host name.\n", status=400,
                        mimetype="text/plain")

    @app.errorhandler(InsecureTransportError)
    def insecure_transport(exc: InsecureTransportError):
        """RFC 6749 §3.1, §3.2: plain http is refused, never redirected to https (SEC-100)."""
        return respond(400, description=str(_l("Use https.")))

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        return respond(400, description=str(_l("The form has expired. Go back, reload the page "
                                               "and try again.")))

    @app.errorhandler(StoreUnavailable)
    def store_unavailable(exc):
        return _unavailable(exc)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        if isinstance(exc, StoreUnavailable) or _is_connection_error(exc):
            return _unavailable(exc)
        reference = secrets.token_hex(4)
        app.logger.exception("unhandled error, reference %s", reference)
        _rollback()
        return respond(500, reference=reference)
