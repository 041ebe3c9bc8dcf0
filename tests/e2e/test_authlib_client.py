"""Authlib's Flask client, configured from discovery alone, signs a person in at the running IdP.

What this proves: an off-the-shelf relying party (authlib.integrations.flask_client, no custom
protocol code) completes the code flow with PKCE S256 over real HTTP, and its ID token checks
(signature via jwks_uri, iss, aud, nonce, exp) pass; then userinfo, refresh rotation,
introspection, revocation and RP-initiated logout behave as that relying party expects.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest
import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import OAuth
from authlib.integrations.requests_client import OAuth2Session
from authlib.integrations.requests_client import OAuthError as RequestsOAuthError
from flask import Flask
from flask import request
from joserfc.errors import InvalidClaimError
from joserfc.errors import JoseError

from idp.oidc.subjects import subject_for

from .conftest import HTTP_TIMEOUT
from .conftest import serve
from .conftest import through_idp_pages

LOGIN = "authlib.rp@example.test"
SCOPE = "openid profile email"


class RelyingParty(Flask):
    """A minimal web application that signs its users in with the IdP, as Authlib documents."""

    def __init__(self, issuer: str, client_id: str, client_secret: str, base: str) -> None:
        super().__init__("e2e_relying_party")
        self.config.update(SECRET_KEY="rp-secret-for-tests", SESSION_COOKIE_NAME="rp_session")
        self.base, self.client_id, self.client_secret = base, client_id, client_secret
        self.signins: list[dict] = []  # what /callback obtained, kept server-side
        self.back_channel: OAuth2Session | None = None
        oauth = OAuth(self)
        self.idp = oauth.register(
            "idp", client_id=client_id, client_secret=client_secret,
            server_metadata_url=f"{issuer}/.well-known/openid-configuration",
            client_kwargs={"scope": SCOPE, "code_challenge_method": "S256"},
        )
        self.add_url_rule("/login", view_func=self.login)
        self.add_url_rule("/callback", view_func=self.callback)
        self.add_url_rule("/logout", view_func=self.logout)
        self.add_url_rule("/signed-out", view_func=self.signed_out)

    def login(self):
        return self.idp.authorize_redirect(f"{self.base}/callback")

    def callback(self):
        try:
            token = self.idp.authorize_access_token()  # also validates the ID token
        except OAuthError as exc:
            return {"error": exc.error, "description": exc.description}, 400
        except JoseError as exc:  # the ID token failed a check: nobody is signed in
            return {"error": exc.error, "description": exc.description}, 400
        self.signins.append({"token": token, "query": request.args.to_dict()})
        return {"signed_in": token["userinfo"]["sub"]}

    def logout(self):
        id_token = self.signins[-1]["token"]["id_token"]
        return self.idp.logout_redirect(f"{self.base}/signed-out", id_token_hint=id_token)

    def signed_out(self):
        try:
            self.idp.validate_logout_response()  # the state must be the one it sent
        except OAuthError as exc:
            return {"error": exc.description}, 400
        return {"signed_out": True}

    # --- the back channel, with Authlib's requests client (client_secret_basic) -----------------
    def discovered(self, name: str) -> str:
        return self.idp.load_server_metadata()[name]

    def _back_channel(self) -> OAuth2Session:
        if self.back_channel is None:
            self.back_channel = OAuth2Session(self.client_id, self.client_secret, scope=SCOPE,
                                              token_endpoint_auth_method="client_secret_basic")
            self.back_channel.trust_env = False
        return self.back_channel

    def refresh(self, refresh_token: str) -> dict:
        return self._back_channel().refresh_token(self.discovered("token_endpoint"),
                                                  refresh_token=refresh_token)

    def introspect(self, token: str) -> dict:
        response = self._back_channel().introspect_token(self.discovered("introspection_endpoint"),
                                                         token=token)
        assert response.status_code == 200, response.text
        return response.json()

    def revoke(self, token: str, hint: str):
        return self._back_channel().revoke_token(self.discovered("revocation_endpoint"), token=token,
                                                 token_type_hint=hint)


@pytest.fixture
def account(idp):
    return idp.sign_up(LOGIN)


@pytest.fixture
def rp_app(idp, account) -> Iterator[RelyingParty]:
    """The relying party on its own loopback port, registered at the IdP for that port."""

    def build(port: int) -> RelyingParty:
        base = f"http://127.0.0.1:{port}"
        client, secret = idp.factories.client(
            redirect_uris=[f"{base}/callback"], post_logout_redirect_uris=[f"{base}/signed-out"],
            grant_types=["authorization_code", "refresh_token"],
            token_endpoint_auth_method="client_secret_basic", scope="openid profile email phone",
        )
        return RelyingParty(idp.issuer, client.client_id, secret, base)

    with serve(build) as app:
        yield app
        if app.back_channel is not None:
            app.back_channel.close()


@dataclass
class SignIn:
    authorize: dict  # the query of the authorization request the RP made
    callback_url: str
    idp_pages: list[str]
    token: dict  # what Authlib returned; token["userinfo"] holds the validated ID token claims


def sign_in(rp_app: RelyingParty, browser: requests.Session) -> SignIn:
    """A person clicks "sign in" at the RP and goes through the IdP's pages."""
    start = browser.get(f"{rp_app.base}/login", timeout=HTTP_TIMEOUT)
    landing, seen = through_idp_pages(browser, start, LOGIN)
    assert landing.status_code == 200, landing.text
    token = rp_app.signins[-1]["token"]
    assert landing.json() == {"signed_in": token["userinfo"]["sub"]}
    authorize = parse_qs(urlsplit(start.history[0].headers["Location"]).query)
    return SignIn({k: v[0] for k, v in authorize.items()}, landing.url, seen, token)


def test_code_flow_yields_an_id_token_authlib_validated(idp, account, rp_app, browser):
    signin = sign_in(rp_app, browser)
    assert signin.idp_pages == ["login", "consent"]
    assert signin.authorize["code_challenge_method"] == "S256" and signin.authorize["code_challenge"]
    assert rp_app.signins[-1]["query"]["iss"] == idp.issuer  # RFC 9207, at the real callback

    claims = signin.token["userinfo"]  # set only after Authlib's ID token checks passed
    assert claims["iss"] == idp.issuer
    assert claims["aud"] == rp_app.client_id
    assert claims["nonce"] == signin.authorize["nonce"]
    assert claims["acr"] == "1"
    assert claims["amr"] == ["pwd"]
    with idp.app.app_context():  # pairwise for the RP's sector: its redirect URIs' host
        pairwise = subject_for(account.subject_key, subject_type="pairwise", sector="127.0.0.1")
    assert claims["sub"] == pairwise != account.subject_key

    # The ID token is bound to the nonce of this sign-in: any other nonce is refused.
    with pytest.raises(InvalidClaimError):
        rp_app.idp.parse_id_token(signin.token, nonce="another-sign-in")
    # A replayed callback (its state already used) is refused; nobody new is signed in.
    replay = browser.get(signin.callback_url, timeout=HTTP_TIMEOUT)
    assert replay.status_code == 400 and replay.json()["error"] == "mismatching_state"
    assert len(rp_app.signins) == 1


def test_userinfo_releases_the_claims_of_the_requested_scopes(rp_app, browser):
    token = sign_in(rp_app, browser).token
    info = rp_app.idp.userinfo(token=token)
    assert info["sub"] == token["userinfo"]["sub"]
    assert info["email"] == LOGIN and info["email_verified"] is True
    assert info["family_name"] == "Nguyễn" and info["name"] == "Minh An Nguyễn"
    assert "phone_number" not in info  # the client may ask for phone, but did not


def test_refresh_rotates_and_the_used_refresh_token_is_refused(rp_app, browser):
    first = sign_in(rp_app, browser).token
    second = rp_app.refresh(first["refresh_token"])
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    refreshed = rp_app.idp.parse_id_token(second, nonce=None)  # OIDC Core §12.2
    for name in ("iss", "sub", "aud", "acr", "amr", "auth_time"):
        assert refreshed[name] == first["userinfo"][name], name
    assert rp_app.idp.userinfo(token=second)["sub"] == first["userinfo"]["sub"]

    with pytest.raises(RequestsOAuthError) as reused:
        rp_app.refresh(first["refresh_token"])
    assert reused.value.error == "invalid_grant"
    # Reuse means theft (RFC 9700 §4.14.2): the newest refresh token stops working too.
    with pytest.raises(RequestsOAuthError) as family:
        rp_app.refresh(second["refresh_token"])
    assert family.value.error == "invalid_grant"


def test_introspection_then_revocation(rp_app, browser):
    token = sign_in(rp_app, browser).token
    active = rp_app.introspect(token["access_token"])
    assert active["active"] is True
    assert active["client_id"] == rp_app.client_id
    assert active["sub"] == token["userinfo"]["sub"]
    assert active["acr"] == "1" and active["auth_time"] == token["userinfo"]["auth_time"]

    assert rp_app.revoke(token["access_token"], "access_token").status_code == 200
    assert rp_app.introspect(token["access_token"]) == {"active": False}
    userinfo = rp_app.idp.get(rp_app.discovered("userinfo_endpoint"), token=token)
    assert userinfo.status_code == 401
    assert 'error="invalid_token"' in userinfo.headers["WWW-Authenticate"]
    with pytest.raises(RequestsOAuthError) as refresh:  # the grant is over, not just one token
        rp_app.refresh(token["refresh_token"])
    assert refresh.value.error == "invalid_grant"


def test_rp_initiated_logout_ends_the_idp_session(idp, rp_app, browser):
    signin = sign_in(rp_app, browser)
    to_idp = browser.get(f"{rp_app.base}/logout", allow_redirects=False, timeout=HTTP_TIMEOUT)
    assert to_idp.status_code == 302
    end_session = to_idp.headers["Location"]
    assert end_session.startswith(f"{idp.issuer}/logout?")
    sent = {k: v[0] for k, v in parse_qs(urlsplit(end_session).query).items()}
    assert sent["id_token_hint"] == signin.token["id_token"]
    assert sent["post_logout_redirect_uri"] == f"{rp_app.base}/signed-out"

    back = browser.get(end_session, allow_redirects=False, timeout=HTTP_TIMEOUT)
    assert back.status_code == 302
    assert back.headers["Location"] == f"{rp_app.base}/signed-out?state={sent['state']}"
    landing = browser.get(back.headers["Location"], timeout=HTTP_TIMEOUT)
    assert landing.status_code == 200 and landing.json() == {"signed_out": True}

    # The IdP session is gone: the next sign-in asks for the password again...
    again = browser.get(f"{rp_app.base}/login", timeout=HTTP_TIMEOUT)
    assert again.url.startswith(f"{idp.issuer}/login?flow=") and 'action="/login"' in again.text
    # ...and the refresh token issued under that session no longer works (SEC-73).
    with pytest.raises(RequestsOAuthError) as refresh:
        rp_app.refresh(signin.token["refresh_token"])
    assert refresh.value.error == "invalid_grant"
