"""Real servers on loopback for the end-to-end tests, and a browser that speaks real HTTP.

`idp` runs the identity provider with werkzeug on a free 127.0.0.1 port, its issuer being that
address, on the session's migrated database; the tables are emptied afterwards, as conftest's
`app` fixture does. `serve` runs any other WSGI app (the relying parties) the same way.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urljoin

import pytest
import requests
from flask import Flask
from werkzeug.serving import WSGIRequestHandler
from werkzeug.serving import make_server

from ..conftest import _empty_tables
from ..conftest import make_app
from ..factories import PASSWORD
from ..factories import Factories

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
FLOW = re.compile(r'name="flow" value="([^"]*)"')
HTTP_TIMEOUT = 10  # seconds; every request of these tests goes to 127.0.0.1


class QuietHandler(WSGIRequestHandler):
    """No access log on stderr: pytest shows the assertions, not every request."""

    def log_request(self, *args, **kwargs) -> None:
        pass


def _not_ready(environ, start_response):
    start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
    return [b"starting"]


@contextmanager
def serve(build: Callable[[int], Flask]) -> Iterator[Flask]:
    """Bind a free loopback port first, build the app for that port, serve it in a thread."""
    server = make_server("127.0.0.1", 0, _not_ready, threaded=True, request_handler=QuietHandler)
    server.app = build(server.port)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              name=f"e2e-server-{server.port}", daemon=True)
    thread.start()
    try:
        yield server.app
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


@dataclass
class LiveIdP:
    app: Flask
    issuer: str
    factories: Factories

    def sign_up(self, login: str = "holder@example.test"):
        return self.factories.account(login=login)


@pytest.fixture
def idp(database_url, keys_dir) -> Iterator[LiveIdP]:
    """The identity provider, served for real at http://127.0.0.1:<free port>."""
    built: list[Flask] = []

    def build(port: int) -> Flask:
        built.append(make_app(database_url, keys_dir, ISSUER=f"http://127.0.0.1:{port}"))
        return built[0]

    try:
        with serve(build) as app:
            yield LiveIdP(app=app, issuer=app.config["ISSUER"], factories=Factories(app))
    finally:
        if built:
            _empty_tables(built[0])


@pytest.fixture
def browser() -> Iterator[requests.Session]:
    """A cookie-keeping user agent; proxies from the environment are ignored (loopback only)."""
    with requests.Session() as session:
        session.trust_env = False
        yield session


def through_idp_pages(browser: requests.Session, response: requests.Response, login: str,
                     password: str = PASSWORD) -> tuple[requests.Response, list[str]]:
    """Do what a person does at the IdP: sign in, allow. Returns the first other page reached
    (redirects are followed) and the IdP pages passed on the way."""
    seen: list[str] = []
    for _ in range(4):
        page = response.text
        if 'action="/login"' in page:
            seen.append("login")
            response = browser.post(urljoin(response.url, "/login"), timeout=HTTP_TIMEOUT, data={
                "csrf_token": CSRF.search(page).group(1), "flow": FLOW.search(page).group(1),
                "login": login, "password": password,
            })
        elif 'name="decision"' in page:
            seen.append("consent")
            response = browser.post(response.url, timeout=HTTP_TIMEOUT, data={
                "csrf_token": CSRF.search(page).group(1), "decision": "approve",
            })
        else:
            return response, seen
    raise AssertionError(f"stuck at {response.status_code} {response.url}: {response.text[:500]}")
