"""`private_key_jwt` client authentication (OIDC Core §9, RFC 7523): only registered keys,
pinned algorithms, the right audience, and each assertion once."""

import base64
import hashlib
import hmac
import json
import secrets

import pytest
import responses
from joserfc import jwt
from joserfc.jwk import ECKey
from joserfc.jwk import RSAKey

from idp.clock import timestamp

from ..factories import REDIRECT_URI
from ..rp import TestRelyingParty

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


@pytest.fixture
def client_key():
    key = ECKey.generate_key("P-256", private=True)
    key.ensure_kid()
    return key


@pytest.fixture
def jwt_rp(app, factories, client_key):
    return TestRelyingParty(app, factories, token_endpoint_auth_method="private_key_jwt",
                            jwks={"keys": [client_key.as_dict(private=False)]})


def assertion(client_id, key, alg="ES256", **claims):
    now = timestamp()
    body = {"iss": client_id, "sub": client_id, "aud": "https://idp.test/token",
            "iat": now, "exp": now + 120, "jti": secrets.token_urlsafe(12)}
    body.update(claims)
    body = {k: v for k, v in body.items() if v is not None}
    header = {"alg": alg, "kid": getattr(key, "kid", None) or "k"}
    return jwt.encode(header, body, key, algorithms=[alg])


def redeem(rp, client_assertion):
    code = rp.sign_in_and_get_code()["code"]
    return rp.browser.post("/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI,
        "code_verifier": rp.verifier, "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": client_assertion})


def test_a_signed_assertion_authenticates_the_client(jwt_rp, client_key):
    response = redeem(jwt_rp, assertion(jwt_rp.client.client_id, client_key))
    assert response.status_code == 200
    jwt_rp.verify_id_token(response.json["id_token"])


def test_the_same_assertion_twice_is_refused(jwt_rp, client_key):
    signed = assertion(jwt_rp.client.client_id, client_key)
    assert redeem(jwt_rp, signed).status_code == 200
    second = redeem(jwt_rp, signed)
    assert second.status_code in (400, 401) and second.json["error"] == "invalid_client"


def _refused(rp, signed):
    response = redeem(rp, signed)
    assert response.status_code in (400, 401), response.json
    assert response.json["error"] == "invalid_client"


def _b64(data) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _claims(client_id):
    return {"iss": client_id, "sub": client_id, "aud": "https://idp.test/token",
            "exp": timestamp() + 60, "jti": secrets.token_urlsafe(8)}


def test_alg_none_is_refused(jwt_rp):
    unsigned = _b64({"alg": "none"}) + "." + _b64(_claims(jwt_rp.client.client_id)) + "."
    _refused(jwt_rp, unsigned)


def test_hs256_keyed_with_the_public_key_is_refused(jwt_rp, client_key):
    """The RS/ES -> HS confusion of CVE-2024-37568, built by hand (joserfc refuses to)."""
    signing_input = _b64({"alg": "HS256"}) + "." + _b64(_claims(jwt_rp.client.client_id))
    mac = hmac.new(client_key.as_pem(private=False), signing_input.encode(), hashlib.sha256)
    _refused(jwt_rp, signing_input + "." + _b64(mac.digest()))


def test_an_attackers_key_in_the_jwk_header_is_not_trusted(jwt_rp):
    attacker = ECKey.generate_key("P-256", private=True)
    cid, now = jwt_rp.client.client_id, timestamp()
    header = {"alg": "ES256", "jwk": attacker.as_dict(private=False)}
    signed = jwt.encode(header, {"iss": cid, "sub": cid, "aud": "https://idp.test/token",
                                 "exp": now + 60, "jti": "y"}, attacker)
    _refused(jwt_rp, signed)


@pytest.mark.parametrize("claims", [
    {"aud": "https://other.test/token"},
    {"exp": None},
    {"jti": None},
    {"iss": "someone-else"},
])
def test_claims_that_do_not_hold_are_refused(jwt_rp, client_key, claims):
    _refused(jwt_rp, assertion(jwt_rp.client.client_id, client_key, **claims))


def test_an_expired_assertion_is_refused(jwt_rp, client_key):
    now = timestamp()
    _refused(jwt_rp, assertion(jwt_rp.client.client_id, client_key, iat=now - 600, exp=now - 300))


def test_an_oversized_assertion_is_refused_before_parsing(jwt_rp):
    _refused(jwt_rp, "a" * 20000 + "." + "b" * 10 + ".c")


@responses.activate
def test_keys_from_a_registered_jwks_uri(app, factories):
    """The client's jwks_uri is an outside system: its HTTP is mocked (responses) here."""
    key = RSAKey.generate_key(2048, private=True)
    key.ensure_kid()
    responses.get("https://rp.test/jwks.json", json={"keys": [key.as_dict(private=False)]})
    rp = TestRelyingParty(app, factories, token_endpoint_auth_method="private_key_jwt",
                          jwks_uri="https://rp.test/jwks.json")
    assert redeem(rp, assertion(rp.client.client_id, key, "PS256")).status_code == 200


@responses.activate
def test_a_jwks_uri_that_redirects_fails_closed(app, factories):
    key = RSAKey.generate_key(2048, private=True)
    responses.get("https://evil-redirect.test/jwks.json", status=302,
                  headers={"Location": "http://127.0.0.1:6379/"})
    rp = TestRelyingParty(app, factories, token_endpoint_auth_method="private_key_jwt",
                          jwks_uri="https://evil-redirect.test/jwks.json")
    _refused(rp, assertion(rp.client.client_id, key, "RS256"))
