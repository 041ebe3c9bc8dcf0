"""The token endpoint's rules, checked by what a client gets back (RFC 6749 §5, RFC 7636)."""

import time

from werkzeug.datastructures import MultiDict

from ..conftest import make_app
from ..factories import REDIRECT_URI
from ..factories import Factories
from ..rp import TestRelyingParty
from ..rp import pkce_pair


def _error(response, status, error):
    assert response.status_code == status, response.json
    assert response.json["error"] == error
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Pragma"] == "no-cache"


def test_a_code_works_once_and_its_replay_revokes_what_it_issued(rp):
    code = rp.sign_in_and_get_code()["code"]
    first = rp.exchange(code)
    assert first.status_code == 200
    _error(rp.exchange(code), 400, "invalid_grant")
    assert rp.introspect(first.json["access_token"]).json == {"active": False}
    _error(rp.refresh(first.json["refresh_token"]), 400, "invalid_grant")
    assert rp.userinfo(first.json["access_token"]).status_code == 401


def test_a_code_expires_after_its_lifetime(app, database_url, keys_dir):
    """60 s by default (FAPI 2.0); the store expires it, so a 1 s lifetime shows it for real."""
    assert app.config["CODE_LIFETIME"] == 60
    short_lived = make_app(database_url, keys_dir, CODE_LIFETIME=1)
    rp = TestRelyingParty(short_lived, Factories(short_lived))
    code = rp.sign_in_and_get_code()["code"]
    time.sleep(1.2)
    _error(rp.exchange(code), 400, "invalid_grant")


def test_a_code_is_bound_to_its_client(app, factories, rp):
    other = TestRelyingParty(app, factories, login="other@example.test", name="Other RP")
    code = rp.sign_in_and_get_code()["code"]
    response = other.browser.post("/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI,
        "code_verifier": rp.verifier}, auth=(other.client.client_id, other.secret))
    _error(response, 400, "invalid_grant")


def test_redirect_uri_must_be_repeated_identically(rp):
    code = rp.sign_in_and_get_code()["code"]
    _error(rp.exchange(code, redirect_uri="https://rp.test/other"), 400, "invalid_grant")
    code = rp.sign_in_and_get_code()["code"]
    _error(rp.exchange(code, redirect_uri=None), 400, "invalid_grant")


def test_pkce_verifier_wrong_missing_or_malformed(rp):
    code = rp.sign_in_and_get_code()["code"]
    _error(rp.exchange(code, code_verifier=pkce_pair()[0]), 400, "invalid_grant")
    code = rp.sign_in_and_get_code()["code"]
    _error(rp.exchange(code, code_verifier=None), 400, "invalid_request")
    code = rp.sign_in_and_get_code()["code"]
    _error(rp.exchange(code, code_verifier="short"), 400, "invalid_request")


def test_a_failed_attempt_uses_the_code_up(rp):
    """Documented choice (SEC-24): the code is consumed before the verifier is checked."""
    code = rp.sign_in_and_get_code()["code"]
    good_verifier = rp.verifier
    _error(rp.exchange(code, code_verifier=pkce_pair()[0]), 400, "invalid_grant")
    _error(rp.exchange(code, code_verifier=good_verifier), 400, "invalid_grant")


def test_unknown_grant_types_and_unregistered_ones(rp):
    _error(rp.token(grant_type="password", username="x", password="y"), 400,
           "unsupported_grant_type")
    _error(rp.token(grant_type="implicit"), 400, "unsupported_grant_type")
    _error(rp.token(grant_type="client_credentials"), 400, "unauthorized_client")


def test_wrong_secret_is_401_with_a_basic_challenge(rp):
    code = rp.sign_in_and_get_code()["code"]
    response = rp.browser.post("/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI,
        "code_verifier": rp.verifier}, auth=(rp.client.client_id, "wrong-secret"))
    _error(response, 401, "invalid_client")
    assert response.headers["WWW-Authenticate"].startswith("Basic")


def test_the_registered_auth_method_is_binding(rp):
    code = rp.sign_in_and_get_code()["code"]
    response = rp.browser.post("/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI,
        "code_verifier": rp.verifier, "client_id": rp.client.client_id,
        "client_secret": rp.secret})
    assert response.status_code in (400, 401)
    assert response.json["error"] == "invalid_client"
    response = rp.browser.post("/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI,
        "code_verifier": rp.verifier, "client_id": rp.client.client_id})
    assert response.json["error"] == "invalid_client"


def test_client_secret_post_client(app, factories):
    rp = TestRelyingParty(app, factories, token_endpoint_auth_method="client_secret_post")
    code = rp.sign_in_and_get_code()["code"]
    response = rp.browser.post("/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI,
        "code_verifier": rp.verifier, "client_id": rp.client.client_id,
        "client_secret": rp.secret})
    assert response.status_code == 200
    rp.verify_id_token(response.json["id_token"])


def test_public_client_uses_pkce_without_a_secret(app, factories):
    rp = TestRelyingParty(app, factories, token_endpoint_auth_method="none")
    assert rp.secret is None
    code = rp.sign_in_and_get_code()["code"]
    response = rp.browser.post("/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI,
        "code_verifier": rp.verifier, "client_id": rp.client.client_id})
    assert response.status_code == 200
    rp.verify_id_token(response.json["id_token"])


def test_client_credentials_token_speaks_for_the_client(app, factories):
    client, secret = factories.client(grant_types=["client_credentials"], redirect_uris=[],
                                      scope="openid profile")
    browser = app.test_client()
    response = browser.post("/token", data={"grant_type": "client_credentials"},
                            auth=(client.client_id, secret))
    assert response.status_code == 200
    assert "refresh_token" not in response.json and "id_token" not in response.json
    rp = TestRelyingParty.__new__(TestRelyingParty)
    rp.browser = browser
    _, claims = rp.verify(response.json["access_token"])
    assert claims["sub"] == client.client_id and claims["client_id"] == client.client_id
    introspected = browser.post("/introspect", data={"token": response.json["access_token"]},
                                auth=(client.client_id, secret)).json
    assert introspected["active"] is True
    assert browser.post("/revoke", data={"token": response.json["access_token"]},
                        auth=(client.client_id, secret)).status_code == 200
    assert browser.post("/introspect", data={"token": response.json["access_token"]},
                        auth=(client.client_id, secret)).json == {"active": False}


def test_token_endpoint_takes_form_encoding_only_and_each_parameter_once(rp):
    response = rp.browser.post("/token", json={"grant_type": "client_credentials"},
                               auth=(rp.client.client_id, rp.secret))
    _error(response, 400, "invalid_request")
    response = rp.browser.post("/token", data=MultiDict([("grant_type", "refresh_token"),
                                                         ("refresh_token", "a"),
                                                         ("refresh_token", "b")]),
                               auth=(rp.client.client_id, rp.secret))
    _error(response, 400, "invalid_request")


def test_get_on_the_token_endpoint_is_refused(rp):
    response = rp.browser.get("/token")
    assert response.status_code == 405
    assert response.json["error"] == "invalid_request"
