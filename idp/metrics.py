"""Prometheus metrics for the operator on call: requests, latency, sign-ins, step-ups, tokens,
throttling and outages (issue 7, operability).

Labels are bounded: the Flask endpoint name (never the raw path), a known HTTP method, the
status code, and small fixed vocabularies for outcomes. /metrics is not public: it answers only
to the networks in METRICS_ALLOW or to `Authorization: Bearer <METRICS_TOKEN>`, and is a plain
404 for everyone else. With PROMETHEUS_MULTIPROC_DIR set (gunicorn or granian workers), every
worker writes its values to that folder and /metrics adds them up (config/gunicorn.conf.py empties
it at start and marks exited workers dead).

Counting never breaks a request: any error inside this module is swallowed.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import time

from flask import Response
from flask import abort
from flask import current_app
from flask import g
from flask import request
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client import CollectorRegistry
from prometheus_client import Counter
from prometheus_client import Histogram
from prometheus_client import generate_latest
from prometheus_client import multiprocess

if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    # Multi-process values live in files there, created with the metrics below: a missing folder
    # would stop every process that imports the app (a CLI command too).
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)

REGISTRY = CollectorRegistry(auto_describe=True)
METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})

REQUESTS = Counter("idp_http_requests_total", "HTTP requests by Flask endpoint, method and status.",
                   ["endpoint", "method", "status"], registry=REGISTRY)
DURATION = Histogram("idp_http_request_duration_seconds", "Time to answer, by Flask endpoint.",
                     ["endpoint"], registry=REGISTRY,
                     buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
LOGINS = Counter("idp_logins_total", "Sign-ins (first factor, or a passkey) by outcome and the "
                 "level the factor gives.", ["outcome", "level"], registry=REGISTRY)
STEP_UPS = Counter("idp_step_ups_total", "Second-factor step-ups by outcome.", ["outcome"],
                   registry=REGISTRY)
TOKENS = Counter("idp_tokens_issued_total", "Successful token responses by grant type.",
                 ["grant_type"], registry=REGISTRY)
THROTTLED = Counter("idp_throttled_total", "Attempts refused by the online-guessing defence, by "
                    "kind (login, totp, ...).", ["kind"], registry=REGISTRY)
STORE_ERRORS = Counter("idp_store_errors_total", "Requests answered 503 because the store (Redis) "
                       "was unreachable.", registry=REGISTRY)
DATABASE_ERRORS = Counter("idp_database_errors_total", "Requests answered 503 because the database "
                          "was unreachable.", registry=REGISTRY)

GRANT_TYPES = frozenset({"authorization_code", "refresh_token", "client_credentials"})


def _safely(count):
    """Decorator: a failure to count is logged at debug level and never reaches the request."""
    def wrapper(*args, **kwargs):
        try:
            count(*args, **kwargs)
        except Exception:  # noqa: BLE001 - metrics must never break a request
            try:
                current_app.logger.debug("metrics: could not count %s", count.__name__)
            except Exception:  # noqa: BLE001, S110 - outside an app context there is nowhere to say it
                pass
    wrapper.__name__ = count.__name__
    wrapper.__doc__ = count.__doc__
    return wrapper


@_safely
def login(outcome: str, level: int | str = 1) -> None:
    """outcome: success | failure | locked | throttled; level: what the factor gives: "1" for a
    password, "1" or "2" for a passkey (user verification), "unknown" when a passkey failed."""
    LOGINS.labels(outcome=outcome, level=str(level)).inc()


@_safely
def step_up(outcome: str) -> None:
    """outcome: success | failure | replayed | throttled."""
    STEP_UPS.labels(outcome=outcome).inc()


@_safely
def throttled(kind: str) -> None:
    THROTTLED.labels(kind=kind[:32]).inc()


@_safely
def store_error() -> None:
    STORE_ERRORS.inc()


@_safely
def database_error() -> None:
    DATABASE_ERRORS.inc()


@_safely
def _start() -> None:
    g.metrics_started = time.perf_counter()


@_safely
def _finish(response) -> None:
    endpoint = request.endpoint or "none"
    method = request.method if request.method in METHODS else "other"
    REQUESTS.labels(endpoint=endpoint, method=method, status=str(response.status_code)).inc()
    started = g.get("metrics_started")
    if started is not None:
        DURATION.labels(endpoint=endpoint).observe(time.perf_counter() - started)
    if endpoint == "oidc.token" and response.status_code == 200:
        # Only a grant that issued a token answers 200 at /token (RFC 6749 §5.1).
        grant = request.form.get("grant_type", "")
        TOKENS.labels(grant_type=grant if grant in GRANT_TYPES else "other").inc()


def _allowed() -> bool:
    token = current_app.config["METRICS_TOKEN"]
    given = request.headers.get("Authorization", "")
    if token and given.startswith("Bearer ") and hmac.compare_digest(
            given.removeprefix("Bearer ").encode(), token.encode()):
        return True
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    return any(address in network for network in current_app.config["METRICS_NETWORKS"])


def exposition() -> bytes:
    """The text exposition: this process's values, or every worker's in multi-process mode."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)


def metrics_view():
    if not _allowed():
        abort(404)  # the same answer as for any unknown page
    return Response(exposition(), mimetype=CONTENT_TYPE_LATEST.split(";")[0],
                    headers={"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"})


def networks(cidrs: list[str]) -> list:
    """METRICS_ALLOW as networks; a malformed entry stops the start with a message naming it."""
    result = []
    for cidr in cidrs:
        try:
            result.append(ipaddress.ip_network(cidr, strict=False))
        except ValueError:
            raise SystemExit(f"Configuration error: IDP_METRICS_ALLOW: {cidr!r} is not an address "
                             f"or network (like 10.0.0.0/8).") from None
    return result


def init_app(app) -> None:
    app.config["METRICS_NETWORKS"] = networks(app.config["METRICS_ALLOW"])
    app.before_request(_start)
    app.after_request(lambda response: (_finish(response), response)[1])
    app.add_url_rule("/metrics", "metrics", metrics_view, methods=["GET"])
