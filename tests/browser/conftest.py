"""Debian's Chromium, driven by Playwright, against the IdP served live on loopback.

- The IdP's issuer is http://localhost:<port>: WebAuthn refuses an IP address as RP ID, and
  http is a secure context only on localhost. Everything stays on 127.0.0.1.
- A virtual WebAuthn authenticator (Chrome DevTools Protocol, WebAuthn domain) stands in for the
  phone: CTAP2, internal transport, discoverable credentials, user verification on or off.
- The relying party is the least one can be: it builds the authorization URL, reads the code from
  where the browser lands (its redirect URI is a path on the IdP's server, a 404), and exchanges
  the code with `requests`.
- Each test's last page is saved under test-artifacts/ (git-ignored).

Playwright cannot download browsers here; `make install` installs Debian's chromium, and these
tests fail (never skip) without it.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs
from urllib.parse import urlencode
from urllib.parse import urlsplit

import pyotp
import pytest
import requests
from flask import Flask
from joserfc import jwt
from joserfc.jwk import KeySet
from playwright.sync_api import Browser
from playwright.sync_api import Page
from playwright.sync_api import sync_playwright

from ..conftest import _empty_tables
from ..conftest import make_app
from ..e2e.conftest import serve
from ..factories import PASSWORD
from ..factories import Factories

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-proxy-server",
                 "--host-resolver-rules=MAP localhost 127.0.0.1"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
HTTP_TIMEOUT = 10


@dataclass
class Holder:
    login: str
    totp_secret: str

    def code(self) -> str:
        return pyotp.TOTP(self.totp_secret).now()


class RelyingParty:
    """A confidential client whose redirect URI is a 404 on the IdP's own server."""

    def __init__(self, idp: LiveIdP, name: str, **meta) -> None:
        self.issuer = idp.issuer
        slug = name.lower().replace(" ", "-")
        self.redirect_uri = f"http://127.0.0.1:{idp.port}/rp/{slug}/callback"
        self.client, self.secret = idp.factories.client(name=name, redirect_uris=[self.redirect_uri],
                                                        **meta)
        self.http = requests.Session()
        self.http.trust_env = False  # loopback only, whatever the environment's proxies

    def authorization_url(self, **extra) -> str:
        self.verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(self.verifier.encode()).digest())
        self.state, self.nonce = secrets.token_urlsafe(12), secrets.token_urlsafe(12)
        params = {"response_type": "code", "client_id": self.client.client_id,
                  "redirect_uri": self.redirect_uri, "scope": "openid profile",
                  "state": self.state, "nonce": self.nonce, "code_challenge_method": "S256",
                  "code_challenge": challenge.rstrip(b"=").decode(), **extra}
        return f"{self.issuer}/authorize?{urlencode(params)}"

    def id_token_claims(self, landed_at: str) -> dict:
        """Check the redirect, exchange the code, verify the ID token (OIDC Core §3.1.3.7)."""
        assert landed_at.startswith(self.redirect_uri + "?"), landed_at
        params = {k: v[0] for k, v in parse_qs(urlsplit(landed_at).query).items()}
        assert params["state"] == self.state and params["iss"] == self.issuer
        response = self.http.post(f"{self.issuer}/token", timeout=HTTP_TIMEOUT,
                                  auth=(self.client.client_id, self.secret),
                                  data={"grant_type": "authorization_code", "code": params["code"],
                                        "redirect_uri": self.redirect_uri,
                                        "code_verifier": self.verifier})
        assert response.status_code == 200, response.text
        keys = KeySet.import_key_set(self.http.get(f"{self.issuer}/jwks.json",
                                                   timeout=HTTP_TIMEOUT).json())
        claims = dict(jwt.decode(response.json()["id_token"], keys,
                                 algorithms=["RS256", "ES256", "PS256"]).claims)
        assert claims["iss"] == self.issuer and claims["aud"] == self.client.client_id
        assert claims["nonce"] == self.nonce
        return claims


@dataclass
class LiveIdP:
    app: Flask
    issuer: str
    port: int
    factories: Factories

    def level2_holder(self, login: str = "holder@example.test") -> Holder:
        account = self.factories.account(login=login)
        secret, _ = self.factories.level2(account)
        return Holder(login=login, totp_secret=secret)

    def relying_party(self, name: str, **meta) -> RelyingParty:
        return RelyingParty(self, name, **meta)


@pytest.fixture
def live_idp(database_url, keys_dir) -> Iterator[LiveIdP]:
    built: list[Flask] = []

    def build(port: int) -> Flask:
        # 127.0.0.1 is trusted only so that the relying party's callback path answers 404.
        built.append(make_app(database_url, keys_dir, ISSUER=f"http://localhost:{port}",
                              TRUSTED_HOSTS=["127.0.0.1"]))
        return built[0]

    try:
        with serve(build) as app:
            port = int(app.config["ISSUER"].rsplit(":", 1)[1])
            yield LiveIdP(app=app, issuer=app.config["ISSUER"], port=port,
                          factories=Factories(app))
    finally:
        if built:
            _empty_tables(built[0])


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: `make install` installs Debian's chromium package.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(headless=True, executable_path=CHROMIUM,
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, request) -> Iterator[Page]:
    context = chromium.new_context(locale="en-GB")
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        yield page
    finally:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
        context.close()


class VirtualAuthenticator:
    """Chromium's virtual authenticator for this page: a phone with a screen lock."""

    def __init__(self, page: Page, *, user_verified: bool = True) -> None:
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("WebAuthn.enable")
        self.id = self.cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
            "protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
            "hasUserVerification": True, "isUserVerified": user_verified,
            "automaticPresenceSimulation": True}})["authenticatorId"]

    def credentials(self) -> list[dict]:
        return self.cdp.send("WebAuthn.getCredentials", {"authenticatorId": self.id})["credentials"]

    def set_user_verified(self, verified: bool) -> None:
        """The person's fingerprint, face or PIN now fails (or works again)."""
        self.cdp.send("WebAuthn.setUserVerified", {"authenticatorId": self.id,
                                                    "isUserVerified": verified})


@pytest.fixture
def authenticator(page) -> VirtualAuthenticator:
    return VirtualAuthenticator(page)


# --- what the person does ----------------------------------------------------------------------
# Buttons are found by their form's fields, not their words: the pages are bilingual and their
# wording is translated elsewhere.

def sign_in_with_password(page: Page, holder: Holder) -> None:
    page.fill("#login", holder.login)
    page.fill("#password", PASSWORD)
    page.click('form:has(#password) button[type="submit"]')


def enter_totp(page: Page, holder: Holder) -> None:
    page.fill("#code", holder.code())
    page.click('form:has(#code) button[type="submit"]')


def approve(page: Page) -> None:
    page.click('button[name="decision"][value="approve"]')


def sign_out(page: Page, issuer: str) -> None:
    page.goto(f"{issuer}/logout")
    page.click('button[name="confirm"][value="yes"]')
    page.goto(f"{issuer}/account")
    assert page.locator("#password").count() == 1  # the account page asks to sign in again
