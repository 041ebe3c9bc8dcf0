"""TestRelyingParty: what a relying party and its user's browser do, through HTTP only.

It builds authorization requests (state, nonce, PKCE S256), follows the IdP's pages like a
person would, exchanges the code and verifies the ID token against /jwks.json.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pyotp
from joserfc import jwt
from joserfc.jwk import KeySet

from .factories import PASSWORD
from .factories import REDIRECT_URI

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
FLOW = re.compile(r'name="flow" value="([^"]*)"')


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.rstrip(b"=").decode()


def query_of(location: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def csrf_of(html: str) -> str:
    return CSRF.search(html).group(1)


class TestRelyingParty:
    __test__ = False  # not a test class, despite the name

    def __init__(self, app, factories, *, login="holder@example.test", share_with=None,
                 **client_meta) -> None:
        """A new client; `share_with` another TestRelyingParty reuses its browser and account."""
        self.app = app
        self.redirect_uri = client_meta.get("redirect_uris", [REDIRECT_URI])[0] if \
            client_meta.get("redirect_uris") else REDIRECT_URI
        self.client, self.secret = factories.client(**client_meta)
        if share_with is None:
            self.browser = app.test_client()
            self.account = factories.account(login=login)
            self.login = login
        else:
            self.browser, self.account, self.login = (share_with.browser, share_with.account,
                                                      share_with.login)
        self.verifier = None
        self.nonce = None
        self.totp_secret = None

    # --- the authorization request ---------------------------------------------------------
    def params(self, **overrides) -> dict:
        self.verifier, challenge = pkce_pair()
        self.nonce = secrets.token_urlsafe(12)
        params = {
            "response_type": "code",
            "client_id": self.client.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": "openid profile email",
            "state": secrets.token_urlsafe(12),
            "nonce": self.nonce,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        params.update(overrides)
        return {k: v for k, v in params.items() if v is not None}

    def authorize(self, **overrides):
        return self.browser.get("/authorize", query_string=self.params(**overrides))

    # --- pushed authorization requests (RFC 9126) ------------------------------------------
    def push(self, *, form_auth: dict | None = None, **overrides):
        """POST /par with this client's secret in HTTP Basic, or with `form_auth` fields instead
        (a client_assertion; nothing more for a public client, which names itself by client_id)."""
        form = self.params(**overrides)
        if form_auth is not None:
            return self.browser.post("/par", data={**form, **form_auth})
        return self.browser.post("/par", data=form, auth=(self.client.client_id, self.secret))

    def authorize_pushed(self, request_uri: str, **query):
        """GET /authorize with client_id and request_uri (and any `query`, to be ignored)."""
        return self.browser.get("/authorize", query_string={
            "client_id": self.client.client_id, "request_uri": request_uri, **query})

    def submit_login(self, page, login=None, password=PASSWORD):
        flow = FLOW.search(page.text).group(1)
        return self.browser.post("/login", data={
            "csrf_token": csrf_of(page.text), "flow": flow,
            "login": login or self.login, "password": password,
        })

    def submit_totp(self, page, code: str | None = None):
        """Type the current code of the enrolled authenticator (self.totp_secret)."""
        flow = FLOW.search(page.text).group(1)
        code = code or pyotp.TOTP(self.totp_secret).now()
        return self.browser.post("/login/second-factor", data={
            "csrf_token": csrf_of(page.text), "flow": flow, "code": code})

    def follow_to_client(self, response, *, approve=True, login=None, password=PASSWORD,
                         max_steps=16):
        """Follow the IdP's pages (sign in, consent) until it redirects to the client."""
        for _ in range(max_steps):
            location = response.headers.get("Location", "")
            if location.startswith(self.redirect_uri.split("?")[0]) or location.startswith(
                    "http://127.0.0.1"):
                return query_of(location)
            if response.status_code in (302, 303):
                response = self.browser.get(location)
            elif 'action="/login"' in response.text:
                response = self.submit_login(response, login=login, password=password)
            elif 'autocomplete="one-time-code"' in response.text:
                response = self.submit_totp(response)
            elif 'name="decision"' in response.text:
                response = self.browser.post(urlsplit(response.request.url).path, data={
                    "csrf_token": csrf_of(response.text),
                    "decision": "approve" if approve else "deny",
                })
            else:
                raise AssertionError(
                    f"stuck at {response.status_code} {response.request.url}: {response.text[-900:]}"
                )
        raise AssertionError("too many steps")

    def sign_in_and_get_code(self, **overrides) -> dict:
        return self.follow_to_client(self.authorize(**overrides))

    # --- the back channel ------------------------------------------------------------------
    def token(self, **form):
        return self.browser.post("/token", data=form, auth=(self.client.client_id, self.secret))

    def exchange(self, code: str, **extra):
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": self.redirect_uri,
                "code_verifier": self.verifier}
        form.update(extra)
        return self.token(**{k: v for k, v in form.items() if v is not None})

    def tokens(self, **overrides) -> dict:
        """The whole flow: sign in, consent, code, tokens."""
        callback = self.sign_in_and_get_code(**overrides)
        response = self.exchange(callback["code"])
        assert response.status_code == 200, response.json
        return response.json

    def refresh(self, refresh_token: str):
        return self.token(grant_type="refresh_token", refresh_token=refresh_token)

    def introspect(self, token: str):
        return self.browser.post("/introspect", data={"token": token},
                                 auth=(self.client.client_id, self.secret))

    def revoke(self, token: str, hint: str | None = None):
        data = {"token": token}
        if hint:
            data["token_type_hint"] = hint
        return self.browser.post("/revoke", data=data, auth=(self.client.client_id, self.secret))

    def userinfo(self, access_token: str):
        return self.browser.get("/userinfo", headers={"Authorization": f"Bearer {access_token}"})

    # --- what the relying party checks -----------------------------------------------------
    def verify(self, token: str) -> tuple[dict, dict]:
        """Signature against the published JWKS; returns (header, claims)."""
        keys = KeySet.import_key_set(self.browser.get("/jwks.json").json)
        decoded = jwt.decode(token, keys, algorithms=["RS256", "ES256", "PS256"])
        return decoded.header, dict(decoded.claims)

    def verify_id_token(self, id_token: str) -> dict:
        """OIDC Core §3.1.3.7, the checks a relying party makes."""
        _, claims = self.verify(id_token)
        issuer = self.browser.get("/.well-known/openid-configuration").json["issuer"]
        assert claims["iss"] == issuer
        assert claims["aud"] == self.client.client_id
        assert claims["azp"] == self.client.client_id
        assert claims["nonce"] == self.nonce
        assert claims["exp"] > claims["iat"]
        return claims


def assert_agree(rp: TestRelyingParty, tokens: dict) -> dict:
    """The ID token, the access token and introspection say the same about the authentication."""
    id_claims = rp.verify_id_token(tokens["id_token"])
    _, access = rp.verify(tokens["access_token"])
    introspected = rp.introspect(tokens["access_token"]).json
    for name in ("acr", "amr", "auth_time"):
        assert id_claims[name] == access[name] == introspected[name], name
    return id_claims
