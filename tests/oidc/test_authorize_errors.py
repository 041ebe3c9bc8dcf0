"""Every error path of /authorize, as the relying party or the person sees it.

Until the client and its exact redirect_uri are trusted, errors are a page and never a
redirect (RFC 6749 §4.1.2.1); after that, a redirect with error, state and iss (RFC 9207).
"""

import pytest

from ..factories import REDIRECT_URI
from ..rp import query_of

ISSUER = "https://idp.test"


def _assert_error_page(response, reason):
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert "This sign-in link is not valid" in response.text
    assert reason in response.text


def test_the_error_page_speaks_vietnamese_to_a_vietnamese_browser(rp):
    response = rp.browser.get("/authorize", query_string=rp.params(client_id="nope"),
                              headers={"Accept-Language": "vi-VN,vi;q=0.9,en;q=0.5"})
    assert "Liên kết đăng nhập này không hợp lệ" in response.text
    assert '<html lang="vi">' in response.text


def _assert_redirected_error(response, error, state):
    assert response.status_code == 302
    assert response.headers["Location"].startswith(REDIRECT_URI + "?")
    params = query_of(response.headers["Location"])
    assert params["error"] == error
    assert params["state"] == state
    assert params["iss"] == ISSUER
    assert "code" not in params
    return params


def test_unknown_client_gets_a_page_and_no_redirect(rp):
    response = rp.authorize(client_id="nope", redirect_uri="https://evil.test/cb")
    _assert_error_page(response, "unknown_client")


def test_missing_client_id_gets_a_page(rp):
    _assert_error_page(rp.authorize(client_id=None), "unknown_client")


@pytest.mark.parametrize("variant", [
    "https://rp.test/callback/", "https://RP.test/callback", "https://rp.test/callback?x=1",
    "https://rp.test/callback#f", "https://rp.test:443/callback", "https://rp.test/callback/../evil",
    "https://rp.test/callback/..;/evil", "https://rp.test@evil.test/callback",
    "https://a@b@evil.test/callback", "https://rp.test.evil.test/callback",
    "http://rp.test/callback", None,
])
def test_redirect_uri_must_match_exactly_or_no_redirect_happens(rp, variant):
    _assert_error_page(rp.authorize(redirect_uri=variant), "unregistered_redirect_uri")


def test_loopback_redirect_may_use_any_port(app, factories):
    from ..rp import TestRelyingParty

    rp = TestRelyingParty(app, factories, redirect_uris=["http://127.0.0.1/cb"],
                          token_endpoint_auth_method="none")
    response = rp.authorize(redirect_uri="http://127.0.0.1:53117/cb")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?flow=")


def test_disabled_client_is_treated_as_unknown(app, rp):
    from idp.clients import registration

    with app.app_context():
        registration.set_disabled(registration.find(rp.client.client_id))
    _assert_error_page(rp.authorize(), "unknown_client")


@pytest.mark.parametrize("response_type", ["token", "id_token", "code id_token", "code token", "foo"])
def test_only_response_type_code_is_supported(rp, response_type):
    response = rp.authorize(response_type=response_type, state="st")
    params = _assert_redirected_error(response, "unsupported_response_type", "st")
    assert "access_token" not in params and "id_token" not in params


def test_unsupported_response_type_to_an_unregistered_uri_is_a_page(rp):
    response = rp.authorize(response_type="foo", redirect_uri="https://evil.test/steal")
    _assert_error_page(response, "unregistered_redirect_uri")


@pytest.mark.parametrize("overrides, description", [
    ({"code_challenge": None, "code_challenge_method": None}, "PKCE is required"),
    ({"code_challenge_method": "plain"}, "S256"),
    ({"code_challenge_method": None}, "S256"),
    ({"code_challenge": "too-short"}, "code_challenge"),
])
def test_pkce_s256_is_required_from_every_client(rp, overrides, description):
    params = _assert_redirected_error(rp.authorize(state="p", **overrides), "invalid_request", "p")
    assert description in params["error_description"]


def test_scope_outside_the_clients_registration_is_invalid_scope(app, factories):
    from ..rp import TestRelyingParty

    rp = TestRelyingParty(app, factories, scope="openid")
    _assert_redirected_error(rp.authorize(scope="openid unknown-scope", state="s"),
                             "invalid_scope", "s")


def test_a_repeated_parameter_is_invalid_request(rp):
    params = rp.params(state="dup")
    query = list(params.items()) + [("scope", "openid phone")]
    response = rp.browser.get("/authorize", query_string=query)
    _assert_redirected_error(response, "invalid_request", "dup")


@pytest.mark.parametrize("name, value, error", [
    ("request", "eyJhbGciOiJub25lIn0.e30.", "request_not_supported"),
    ("response_mode", "fragment", "invalid_request"),
    ("response_mode", "form_post", "invalid_request"),
    ("prompt", "none login", "invalid_request"),
    ("prompt", "bogus", "invalid_request"),
    ("max_age", "-1", "invalid_request"),
    ("max_age", "soon", "invalid_request"),
    ("claims", "{not json", "invalid_request"),
    ("nonce", "n" * 513, "invalid_request"),
])
def test_malformed_optional_parameters_are_redirected_errors(rp, name, value, error):
    _assert_redirected_error(rp.authorize(state="o", **{name: value}), error, "o")


def test_prompt_none_without_a_session_is_login_required(rp):
    response = rp.authorize(prompt="none", state="n1")
    _assert_redirected_error(response, "login_required", "n1")


def test_prompt_none_without_consent_is_consent_required(rp):
    rp.tokens(scope="openid")
    response = rp.authorize(prompt="none", scope="openid email", state="n2")
    _assert_redirected_error(response, "consent_required", "n2")


def test_prompt_none_with_session_and_consent_issues_a_code_silently(rp):
    rp.tokens()
    response = rp.authorize(prompt="none", state="n3")
    params = query_of(response.headers["Location"])
    assert params["code"] and params["state"] == "n3" and params["iss"] == ISSUER


def test_prompt_login_asks_for_the_password_again_and_updates_auth_time(rp, app):
    import time_machine

    first = rp.verify_id_token(rp.tokens()["id_token"])
    with time_machine.travel(first["auth_time"] + 120, tick=True):
        response = rp.authorize(prompt="login")
        assert response.headers["Location"].startswith("/login?flow=")
        tokens = rp.exchange(rp.follow_to_client(response)["code"]).json
    second = rp.verify_id_token(tokens["id_token"])
    assert second["auth_time"] >= first["auth_time"] + 120
    assert second["sub"] == first["sub"]


def test_max_age_exceeded_forces_sign_in_and_within_it_does_not(rp):
    import time_machine

    first = rp.verify_id_token(rp.tokens()["id_token"])
    with time_machine.travel(first["auth_time"] + 600, tick=True):
        fresh_enough = rp.authorize(max_age="3600")
        assert fresh_enough.headers["Location"].startswith(REDIRECT_URI)
        code = query_of(fresh_enough.headers["Location"])["code"]
        claims = rp.verify_id_token(rp.exchange(code).json["id_token"])
        assert claims["auth_time"] == first["auth_time"]
        too_old = rp.authorize(max_age="300")
        assert too_old.headers["Location"].startswith("/login?flow=")


def test_authorization_request_by_post_is_accepted(rp):
    response = rp.browser.post("/authorize", data=rp.params())
    assert response.status_code == 303  # after a POST, never 307 (RFC 9700 §4.12)
    assert response.headers["Location"].startswith("/login?flow=")


def test_a_parked_request_cannot_be_resumed_from_another_browser(app, rp):
    response = rp.authorize()
    flow_path = response.headers["Location"]
    other = app.test_client()
    page = other.get(flow_path)
    assert 'name="flow" value=""' in page.text  # the flow is not shown to another browser
    resumed = other.get("/authorize/resume/" + flow_path.split("flow=")[1])
    assert resumed.status_code == 400
    assert "This sign-in has expired" in resumed.text


def test_a_finished_request_cannot_be_resumed_twice(rp):
    response = rp.authorize()
    flow_id = response.headers["Location"].split("flow=")[1]
    rp.follow_to_client(response)
    again = rp.browser.get(f"/authorize/resume/{flow_id}")
    assert again.status_code == 400
    assert "Location" not in again.headers
