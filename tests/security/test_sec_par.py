"""Checklist §3.1, pushed authorization requests (SEC-19, SEC-20), with the checklist's clients:
`bank-web` (private_key_jwt, PAR required, minimum level 2, https://bank.test/cb) and
`portal-web` (private_key_jwt, no PAR requirement, https://portal.test/cb)."""

import time

import pytest
import time_machine
from joserfc.jwk import ECKey

from ..oidc.test_client_assertion_jwt import ASSERTION_TYPE
from ..oidc.test_client_assertion_jwt import assertion
from ..rp import TestRelyingParty
from ..rp import query_of

ISSUER = "https://idp.test"


def _key() -> ECKey:
    key = ECKey.generate_key("P-256", private=True)
    key.ensure_kid()
    return key


class JwtClient(TestRelyingParty):
    """A private_key_jwt relying party: a fresh assertion for every back-channel call."""

    __test__ = False

    def __init__(self, app, factories, key, **meta) -> None:
        super().__init__(app, factories, token_endpoint_auth_method="private_key_jwt",
                         jwks={"keys": [key.as_dict(private=False)]}, **meta)
        self.key = key

    def signed(self, audience: str) -> dict:
        return {"client_assertion_type": ASSERTION_TYPE,
                "client_assertion": assertion(self.client.client_id, self.key, aud=audience)}

    def push(self, **overrides):
        return super().push(form_auth=self.signed(ISSUER), **overrides)

    def token(self, **form):
        return self.browser.post("/token", data={**form, **self.signed(ISSUER + "/token")})


@pytest.fixture
def bank(app, factories) -> JwtClient:
    bank = JwtClient(app, factories, _key(), client_id="bank-web", name="Bank",
                     redirect_uris=["https://bank.test/cb"], min_level=2,
                     require_pushed_authorization_requests=True)
    bank.totp_secret, _ = factories.level2(bank.account)
    return bank


@pytest.fixture
def portal(app, factories, bank) -> JwtClient:
    return JwtClient(app, factories, _key(), client_id="portal-web", name="Portal",
                     redirect_uris=["https://portal.test/cb"], share_with=bank)


def _pushed(response) -> str:
    assert response.status_code == 201, response.json
    return response.json["request_uri"]


def _json_error(response, status: int, error: str) -> None:
    assert response.status_code == status, response.json
    assert response.json["error"] == error
    assert "Location" not in response.headers


def _invalid_request_uri(response) -> None:
    assert response.status_code == 400 and "Location" not in response.headers
    assert "invalid_request_uri" in response.text


# --- SEC-19 -------------------------------------------------------------------------------------

def test_sec_19_bank_web_without_par_gets_invalid_request(bank):
    response = bank.authorize(state="no-par")  # client_id=bank-web&response_type=code…
    assert response.headers["Location"].startswith("https://bank.test/cb?")
    params = query_of(response.headers["Location"])
    assert params["error"] == "invalid_request" and "code" not in params
    assert params["state"] == "no-par" and params["iss"] == ISSUER


def test_sec_19_par_without_a_client_assertion_is_401_invalid_client(bank):
    response = bank.browser.post("/par", data=bank.params())
    _json_error(response, 401, "invalid_client")


def test_sec_19_par_without_redirect_uri_is_invalid_request(bank):
    _json_error(bank.push(redirect_uri=None), 400, "invalid_request")


def test_sec_19_par_containing_a_request_uri_is_refused(bank):
    response = bank.push(request_uri="urn:ietf:params:oauth:request_uri:" + "a" * 43)
    _json_error(response, 400, "invalid_request")


def test_sec_19_par_with_a_bad_scope_is_invalid_scope(bank):
    _json_error(bank.push(scope="openid no-such-scope"), 400, "invalid_scope")


def test_sec_19_par_validates_as_authorize_does(bank):
    _json_error(bank.push(code_challenge=None, code_challenge_method=None), 400, "invalid_request")
    _json_error(bank.push(redirect_uri="https://bank.test/other"), 400, "invalid_request")
    _json_error(bank.push(response_type="token"), 400, "unsupported_response_type")


def test_sec_19_discovery_advertises_par_as_deployed(app, client):
    doc = client.get("/.well-known/openid-configuration").json
    assert doc["pushed_authorization_request_endpoint"] == ISSUER + "/par"
    assert doc["require_pushed_authorization_requests"] is app.config[
        "REQUIRE_PUSHED_AUTHORIZATION_REQUESTS"] is False


# --- SEC-20 -------------------------------------------------------------------------------------

def test_sec_20_par_answers_201_with_a_random_urn_for_at_most_90_s(bank):
    response = bank.push()
    assert response.status_code == 201 and response.headers["Cache-Control"] == "no-store"
    assert response.json["expires_in"] <= 90
    request_uri = response.json["request_uri"]
    prefix = "urn:ietf:params:oauth:request_uri:"
    assert request_uri.startswith(prefix)
    assert len(request_uri.removeprefix(prefix)) * 6 >= 128  # URL-safe base64: 6 bits a character


def test_sec_20_another_client_id_gets_invalid_request_uri(bank, portal):
    request_uri = _pushed(bank.push())
    _invalid_request_uri(portal.authorize_pushed(request_uri))


def test_sec_20_a_second_use_after_the_code_was_issued_is_refused(bank):
    request_uri = _pushed(bank.push())
    assert bank.follow_to_client(bank.authorize_pushed(request_uri))["code"]
    _invalid_request_uri(bank.authorize_pushed(request_uri))


def test_sec_20_at_91_s_invalid_request_uri(bank):
    start = time.time()
    with time_machine.travel(start, tick=False):
        request_uri = _pushed(bank.push())
    with time_machine.travel(start + 91, tick=False):
        _invalid_request_uri(bank.authorize_pushed(request_uri))


def test_sec_20_only_the_pushed_parameters_are_used(bank):
    request_uri = _pushed(bank.push(scope="openid profile"))
    response = bank.authorize_pushed(request_uri, scope="openid address")
    callback = bank.follow_to_client(response)
    tokens = bank.exchange(callback["code"])
    assert tokens.status_code == 200, tokens.json
    assert tokens.json["scope"] == "openid profile"
    _, access = bank.verify(tokens.json["access_token"])
    assert access["scope"] == "openid profile" and access["acr"] == "2"
