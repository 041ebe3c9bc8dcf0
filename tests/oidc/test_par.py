"""Pushed authorization requests (RFC 9126): POST /par, then /authorize with the request_uri.

The pushed request is validated as /authorize validates it and answered in JSON (RFC 6749 §5.2);
the request_uri is bound to its client, expires after 90 s and gives one code.
"""

import time

import pytest
import time_machine
from werkzeug.datastructures import MultiDict

from ..conftest import make_app
from ..factories import REDIRECT_URI
from ..factories import Factories
from ..rp import TestRelyingParty
from ..rp import query_of
from .test_client_assertion_jwt import assertion
from .test_client_assertion_jwt import client_key  # noqa: F401 - fixtures of the tests below
from .test_client_assertion_jwt import jwt_rp  # noqa: F401

ISSUER = "https://idp.test"
PREFIX = "urn:ietf:params:oauth:request_uri:"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def pushed_uri(response) -> str:
    assert response.status_code == 201, response.json
    return response.json["request_uri"]


def assert_json_error(response, status, error):
    assert response.status_code == status, response.json
    assert response.json["error"] == error
    assert "Location" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"
    return response.json


def assert_refused_page(response, reason="invalid_request_uri"):
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert "This sign-in link is not valid" in response.text
    assert reason in response.text


def assert_sign_in_starts(response):
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?flow=")


# --- success -----------------------------------------------------------------------------------

def test_a_pushed_request_is_answered_201_with_a_fresh_request_uri(rp):
    response = rp.push()
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    assert response.mimetype == "application/json"
    assert set(response.json) == {"request_uri", "expires_in"}
    assert response.json["expires_in"] == 90
    request_uri = response.json["request_uri"]
    assert request_uri.startswith(PREFIX)
    assert len(request_uri.removeprefix(PREFIX)) >= 43  # 256 random bits, URL-safe base64
    assert pushed_uri(rp.push()) != request_uri


def test_a_pushed_request_signs_in_and_gets_tokens(rp):
    request_uri = pushed_uri(rp.push(scope="openid profile", state="pushed"))
    callback = rp.follow_to_client(rp.authorize_pushed(request_uri))
    assert callback["state"] == "pushed" and callback["iss"] == ISSUER
    tokens = rp.exchange(callback["code"]).json
    assert tokens["scope"] == "openid profile"
    claims = rp.verify_id_token(tokens["id_token"])
    assert claims["nonce"] == rp.nonce


def test_only_the_pushed_parameters_count(rp):
    """RFC 9126 §4: parameters besides client_id and request_uri are ignored."""
    request_uri = pushed_uri(rp.push(scope="openid", state="pushed"))
    response = rp.authorize_pushed(request_uri, scope="openid profile email phone", state="other",
                                   redirect_uri="https://evil.test/cb", prompt="none",
                                   response_type="token", nonce="other")
    assert_sign_in_starts(response)  # prompt=none was not taken
    callback = rp.follow_to_client(response)
    assert callback["state"] == "pushed"
    tokens = rp.exchange(callback["code"]).json
    assert tokens["scope"] == "openid"
    assert rp.verify_id_token(tokens["id_token"])["nonce"] == rp.nonce


def test_client_secret_post_authenticates_at_par(app, factories):
    rp = TestRelyingParty(app, factories, token_endpoint_auth_method="client_secret_post")
    response = rp.push(form_auth={"client_secret": rp.secret})
    assert_sign_in_starts(rp.authorize_pushed(pushed_uri(response)))


def test_a_private_key_jwt_client_pushes_with_an_assertion(jwt_rp, client_key):  # noqa: F811
    for audience in (ISSUER, ISSUER + "/par"):
        signed = assertion(jwt_rp.client.client_id, client_key, aud=audience)
        response = jwt_rp.push(form_auth={"client_assertion_type": ASSERTION_TYPE,
                                          "client_assertion": signed})
        assert_sign_in_starts(jwt_rp.authorize_pushed(pushed_uri(response)))


def test_a_public_client_names_itself_with_client_id(app, factories):
    rp = TestRelyingParty(app, factories, token_endpoint_auth_method="none",
                          redirect_uris=["http://127.0.0.1/cb"])
    request_uri = pushed_uri(rp.push(form_auth={}))
    assert rp.follow_to_client(rp.authorize_pushed(request_uri))["code"]


# --- client authentication ---------------------------------------------------------------------

def test_no_client_authentication_is_401_invalid_client(rp):
    assert_json_error(rp.push(form_auth={}), 401, "invalid_client")  # client_id alone


def test_no_client_assertion_is_401_invalid_client(jwt_rp):  # noqa: F811
    assert_json_error(jwt_rp.push(form_auth={}), 401, "invalid_client")


def test_a_wrong_secret_is_401_with_www_authenticate(rp):
    rp.secret = "not-the-secret"
    assert_json_error(rp.push(), 401, "invalid_client")
    assert rp.push().headers["WWW-Authenticate"].startswith("Basic ")


def test_the_registered_auth_method_is_binding_at_par(rp):
    """RFC 9700 §2.5: a client_secret_basic client cannot switch to client_secret_post."""
    assert_json_error(rp.push(form_auth={"client_secret": rp.secret}), 401, "invalid_client")


def test_the_client_id_must_be_the_authenticated_client(app, factories, rp):
    other = TestRelyingParty(app, factories, share_with=rp, name="Other RP")
    assert_json_error(rp.push(client_id=other.client.client_id), 400, "invalid_request")


# --- validation, as at /authorize ----------------------------------------------------------------

@pytest.mark.parametrize("overrides, error", [
    ({"redirect_uri": None}, "invalid_request"),
    ({"redirect_uri": "https://rp.test/other"}, "invalid_request"),
    ({"request_uri": PREFIX + "x" * 43}, "invalid_request"),
    ({"request": "eyJhbGciOiJub25lIn0.e30."}, "request_not_supported"),
    ({"scope": "openid unknown-scope"}, "invalid_scope"),
    ({"response_type": "token"}, "unsupported_response_type"),
    ({"code_challenge": None, "code_challenge_method": None}, "invalid_request"),
    ({"code_challenge_method": "plain"}, "invalid_request"),
    ({"response_mode": "fragment"}, "invalid_request"),
    ({"prompt": "none login"}, "invalid_request"),
    ({"max_age": "soon"}, "invalid_request"),
    ({"claims": "{not json"}, "invalid_request"),
    ({"nonce": "n" * 513}, "invalid_request"),
])
def test_pushed_parameters_are_validated_as_at_authorize(rp, overrides, error):
    body = assert_json_error(rp.push(state="s", **overrides), 400, error)
    assert "state" not in body


def test_par_takes_form_encoding_only_each_parameter_once_and_nothing_in_the_url(rp):
    auth = (rp.client.client_id, rp.secret)
    assert_json_error(rp.browser.post("/par", json=rp.params(), auth=auth), 400, "invalid_request")
    repeated = MultiDict([*rp.params().items(), ("scope", "openid")])
    assert_json_error(rp.browser.post("/par", data=repeated, auth=auth), 400, "invalid_request")
    in_url = rp.browser.post("/par?scope=openid", data=rp.params(), auth=auth)
    assert_json_error(in_url, 400, "invalid_request")
    assert rp.browser.get("/par").status_code == 405


# --- the request_uri at /authorize --------------------------------------------------------------

def test_a_request_uri_belongs_to_the_client_that_pushed_it(app, factories, rp):
    other = TestRelyingParty(app, factories, share_with=rp, name="Other RP")
    request_uri = pushed_uri(rp.push())
    assert_refused_page(other.authorize_pushed(request_uri))
    assert_sign_in_starts(rp.authorize_pushed(request_uri))  # the attempt did not use it up


@pytest.mark.parametrize("request_uri", [
    PREFIX + "never-pushed", "https://169.254.169.254/latest", "", "urn:other:" + "x" * 43])
def test_an_unknown_request_uri_is_refused_on_a_page(rp, request_uri):
    assert_refused_page(rp.authorize_pushed(request_uri))


def test_an_unknown_client_with_a_request_uri_gets_the_unknown_client_page(rp):
    request_uri = pushed_uri(rp.push())
    response = rp.browser.get("/authorize", query_string={"client_id": "nope",
                                                          "request_uri": request_uri})
    assert_refused_page(response, "unknown_client")


def test_the_refusal_speaks_vietnamese_to_a_vietnamese_browser(rp):
    response = rp.browser.get("/authorize", query_string={
        "client_id": rp.client.client_id, "request_uri": PREFIX + "gone"},
        headers={"Accept-Language": "vi-VN,vi;q=0.9"})
    assert response.status_code == 400
    assert "Liên kết đăng nhập này đã hết hạn" in response.text


def test_a_request_uri_gives_one_code_and_is_used_up_when_the_code_is_issued(rp):
    request_uri = pushed_uri(rp.push())
    first = rp.authorize_pushed(request_uri)
    reload = rp.authorize_pushed(request_uri)  # the page was loaded again: nothing is used yet
    assert_sign_in_starts(first)
    assert_sign_in_starts(reload)
    assert rp.follow_to_client(first)["code"]
    assert_refused_page(rp.authorize_pushed(request_uri))
    other_tab = reload.headers["Location"].split("flow=")[1]
    assert_refused_page(rp.browser.get(f"/authorize/resume/{other_tab}"))  # no second code


def test_a_signed_in_person_gets_the_code_at_once_and_only_once(rp):
    rp.tokens()  # signed in and consented
    request_uri = pushed_uri(rp.push())
    response = rp.authorize_pushed(request_uri)
    assert response.headers["Location"].startswith(REDIRECT_URI)
    assert query_of(response.headers["Location"])["code"]
    assert_refused_page(rp.authorize_pushed(request_uri))


def test_a_request_uri_expires_after_90_seconds(rp):
    start = time.time()
    with time_machine.travel(start, tick=False):
        request_uri = pushed_uri(rp.push())
    with time_machine.travel(start + 91, tick=False):
        assert_refused_page(rp.authorize_pushed(request_uri))
    with time_machine.travel(start + 89, tick=False):
        assert_sign_in_starts(rp.authorize_pushed(request_uri))


def test_a_sign_in_begun_in_time_may_finish_after_90_seconds(rp):
    start = time.time()
    with time_machine.travel(start, tick=False):
        login = rp.authorize_pushed(pushed_uri(rp.push()))
    with time_machine.travel(start + 300, tick=False):
        callback = rp.follow_to_client(login)
        assert rp.exchange(callback["code"]).status_code == 200


def test_a_pushed_request_of_a_client_disabled_since_is_refused(app, rp):
    from idp.clients import registration

    request_uri = pushed_uri(rp.push())
    with app.app_context():
        registration.set_disabled(registration.find(rp.client.client_id))
    assert_refused_page(rp.authorize_pushed(request_uri), "unknown_client")


# --- requiring PAR ------------------------------------------------------------------------------

def test_a_client_that_requires_par_is_refused_without_it(app, factories):
    rp = TestRelyingParty(app, factories, require_pushed_authorization_requests=True)
    response = rp.authorize(state="s")
    assert response.status_code == 302 and response.headers["Location"].startswith(REDIRECT_URI)
    params = query_of(response.headers["Location"])
    assert params["error"] == "invalid_request" and "/par" in params["error_description"]
    assert params["state"] == "s" and params["iss"] == ISSUER and "code" not in params
    assert rp.follow_to_client(rp.authorize_pushed(pushed_uri(rp.push())))["code"]


def test_a_client_that_requires_par_with_a_bad_redirect_uri_gets_the_page(app, factories):
    rp = TestRelyingParty(app, factories, require_pushed_authorization_requests=True)
    response = rp.authorize(redirect_uri="https://evil.test/cb")
    assert_refused_page(response, "unregistered_redirect_uri")


def test_the_server_may_require_par_of_every_client(app, database_url, keys_dir):
    strict = make_app(database_url, keys_dir, REQUIRE_PUSHED_AUTHORIZATION_REQUESTS=True)
    rp = TestRelyingParty(strict, Factories(strict))
    assert strict.test_client().get("/.well-known/openid-configuration").json[
        "require_pushed_authorization_requests"] is True
    assert query_of(rp.authorize().headers["Location"])["error"] == "invalid_request"
    assert rp.follow_to_client(rp.authorize_pushed(pushed_uri(rp.push())))["code"]


def test_discovery_advertises_par(client):
    doc = client.get("/.well-known/openid-configuration").json
    assert doc["pushed_authorization_request_endpoint"] == ISSUER + "/par"
    assert doc["require_pushed_authorization_requests"] is False
