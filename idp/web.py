"""HTTP details every response shares: security headers, CORS for the public endpoints, the
client's IP as far as configured proxies vouch for it."""

from __future__ import annotations

from flask import Flask
from flask import request
from werkzeug.middleware.proxy_fix import ProxyFix

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; object-src 'none'; base-uri 'none'"
)


def client_ip() -> str:
    """request.remote_addr, rewritten by ProxyFix only for the configured number of hops."""
    return request.remote_addr or "unknown"


def init_app(app: Flask, cors_endpoints: set[str]) -> None:
    hops = app.config["PROXY_HOPS"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    secure = app.config["SECURE_COOKIES"]

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "no-referrer")
        headers.setdefault("X-Frame-Options", "DENY")
        if secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if response.mimetype == "text/html":
            headers.setdefault("Content-Security-Policy", CSP)
            headers.setdefault("Cache-Control", "no-store")
        if request.endpoint in cors_endpoints:
            headers["Access-Control-Allow-Origin"] = "*"
            headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
            headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        return response
