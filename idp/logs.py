"""Structured JSON logs, one object per line, each with the request id (ASVS 5 V16.2).

The request id comes from a well-formed X-Request-Id header (set by the proxy) or is made here,
and is echoed in the response. Messages are JSON-encoded, so CR/LF in user input cannot forge a
log line (SEC-93). Log calls never carry secrets, codes, tokens or passwords (SEC-92).
Security events (idp.security_log) carry their fields under a `security` key of the line, so
they are escaped the same way and never collide with the line's own keys.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from datetime import UTC
from datetime import datetime

from flask import g
from flask import has_request_context
from flask import request

REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if has_request_context():
            entry["request_id"] = getattr(g, "request_id", None)
            entry["path"] = request.path
        security = getattr(record, "security", None)
        if security is not None:
            entry["security"] = security
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def init_app(app) -> None:
    # Authlib logs whole token responses at DEBUG ("Issue token ..."): never below INFO (SEC-92).
    logging.getLogger("authlib").setLevel(logging.INFO)
    if app.config["ENV"] == "production" or app.config.get("JSON_LOGS"):
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        app.logger.handlers[:] = [handler]
        app.logger.setLevel(logging.INFO)

    @app.before_request
    def assign_request_id():
        given = request.headers.get("X-Request-Id", "")
        g.request_id = given if REQUEST_ID.match(given) else secrets.token_hex(8)

    @app.after_request
    def echo_request_id(response):
        response.headers["X-Request-Id"] = getattr(g, "request_id", "")
        return response
