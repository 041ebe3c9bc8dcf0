"""Workers are stateless (DESIGN.md): two IdP processes behind one issuer, sharing PostgreSQL and
Redis, finish each other's sign-ins and honour each other's tokens. Runs in CI's PostgreSQL +
Redis pass; the embedded store is one process's by design."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest
import requests

from idp.clients import registration

from ..conftest import DATABASE_URL
from ..conftest import REDIS_URL
from ..e2e.conftest import CSRF
from ..e2e.conftest import FLOW
from ..factories import PASSWORD
from ..rp import pkce_pair

ISSUER = "http://localhost"
PROJECT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def two_idps(app, keys_dir, factories):
    """Two gunicorn processes on two ports, one issuer, the test's database and Redis."""
    env = {**os.environ, "IDP_ISSUER": ISSUER, "IDP_DATABASE_URL": DATABASE_URL,
           "IDP_REDIS_URL": REDIS_URL, "IDP_STORE_PREFIX": app.config["STORE_PREFIX"],
           "IDP_KEYS_DIR": str(keys_dir), "IDP_SECRET_KEY": app.config["SECRET_KEY"],
           "IDP_TRUSTED_HOSTS": "127.0.0.1", "IDP_ARGON2__MEMORY_COST": "1024",
           "IDP_ARGON2__TIME_COST": "1"}
    ports, processes = [_free_port(), _free_port()], []
    for port in ports:
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", "1", "--threads", "4",
             "--bind", f"127.0.0.1:{port}", "idp:create_app()"],
            cwd=PROJECT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    try:
        for port in ports:
            deadline = time.monotonic() + 20
            while True:
                try:
                    requests.get(f"http://127.0.0.1:{port}/healthz", timeout=3)
                    break
                except requests.RequestException:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
        yield [f"http://127.0.0.1:{port}" for port in ports]
    finally:
        for process in processes:
            process.terminate()
            process.wait(10)


if DATABASE_URL.startswith("postgresql") and REDIS_URL:

    def test_a_sign_in_started_on_one_finishes_on_the_other(two_idps, factories):
        one, two = two_idps
        client, secret = factories.client(scope="openid profile")
        factories.account()
        browser = requests.Session()
        browser.trust_env = False
        host = {"Host": "localhost"}
        verifier, challenge = pkce_pair()
        start = browser.get(f"{one}/authorize", headers=host, allow_redirects=False, params={
            "response_type": "code", "client_id": client.client_id, "scope": "openid profile",
            "redirect_uri": "https://rp.test/callback", "state": "s", "nonce": "n",
            "code_challenge": challenge, "code_challenge_method": "S256"}, timeout=10)
        assert start.headers["Location"].startswith("/login"), start.headers["Location"]
        login_page = browser.get(two + start.headers["Location"], headers=host, timeout=10)
        done = browser.post(f"{one}/login", headers=host, allow_redirects=False, timeout=10, data={
            "csrf_token": CSRF.search(login_page.text).group(1),
            "flow": FLOW.search(login_page.text).group(1),
            "login": "holder@example.test", "password": PASSWORD})
        consent = browser.get(two + browser.get(two + done.headers["Location"], headers=host,
                                                allow_redirects=False, timeout=10)
                              .headers["Location"], headers=host, timeout=10)
        back = browser.post(consent.url.replace(two, one), headers=host, allow_redirects=False,
                            timeout=10, data={"csrf_token": CSRF.search(consent.text).group(1),
                                              "decision": "approve"})
        final = browser.get(two + back.headers["Location"], headers=host, allow_redirects=False,
                            timeout=10)
        code = parse_qs(urlsplit(final.headers["Location"]).query)["code"][0]
        tokens = requests.post(f"{one}/token", headers=host, auth=(client.client_id, secret),
                               timeout=10, data={
                                   "grant_type": "authorization_code", "code": code,
                                   "redirect_uri": "https://rp.test/callback",
                                   "code_verifier": verifier}).json()
        assert "id_token" in tokens

        def call(base, path, **data):
            return requests.post(f"{base}{path}", headers=host, data=data, timeout=10,
                                 auth=(client.client_id, secret))

        assert call(two, "/introspect", token=tokens["access_token"]).json()["active"] is True
        refreshed = call(two, "/token", grant_type="refresh_token",
                         refresh_token=tokens["refresh_token"]).json()
        assert call(one, "/token", grant_type="refresh_token",
                    refresh_token=tokens["refresh_token"]).json()["error"] == "invalid_grant"
        assert call(one, "/revoke", token=refreshed["refresh_token"]).status_code == 200
        assert call(two, "/introspect", token=refreshed["access_token"]).json() == {
            "active": False}

    def test_a_client_disabled_anywhere_is_refused_at_once_by_every_process(two_idps, app,
                                                                            factories):
        """Each process caches clients; a change is pushed to all of them (clients/cache.py)."""
        client, secret = factories.client(grant_types=["client_credentials"], redirect_uris=[],
                                          scope="openid")

        def token(base):
            return requests.post(f"{base}/token", headers={"Host": "localhost"}, timeout=10,
                                 auth=(client.client_id, secret),
                                 data={"grant_type": "client_credentials"})

        assert [token(base).status_code for base in two_idps] == [200, 200]  # now cached
        with app.app_context():
            registration.set_disabled(registration.find(client.client_id))
        assert [token(base).json().get("error") for base in two_idps] == ["invalid_client"] * 2
        with app.app_context():
            registration.set_disabled(registration.find(client.client_id), False)
        assert [token(base).status_code for base in two_idps] == [200, 200]
