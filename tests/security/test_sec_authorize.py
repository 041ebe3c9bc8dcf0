"""Checklist §3.1, the authorization endpoint (SEC-01 to SEC-18; PAR, SEC-19 and SEC-20, is in
test_sec_par.py)."""

import logging
import re
from urllib.parse import urljoin
from urllib.parse import urlsplit

import pytest

from ..accounts import test_account_privacy as privacy_tests
from ..authn import test_login as login_tests
from ..oidc import test_assurance as assurance_tests
from ..oidc import test_authorize_errors as authorize_tests
from ..oidc import test_code_flow as flow_tests
from ..oidc import test_discovery as discovery_tests
from ..rp import csrf_of
from ..rp import query_of
from ..test_i18n import test_the_switch_never_redirects_off_site as _language_switch
from .checks import rows
from .checks import run

ISSUER = "https://idp.test"


@rows(authorize_tests.test_redirect_uri_must_match_exactly_or_no_redirect_happens,
      authorize_tests.test_loopback_redirect_may_use_any_port)
def test_sec_01_redirect_uri_exact_match(case, request):
    run(case, request)


@rows(authorize_tests.test_unknown_client_gets_a_page_and_no_redirect,
      authorize_tests.test_missing_client_id_gets_a_page,
      authorize_tests.test_disabled_client_is_treated_as_unknown,
      authorize_tests.test_the_error_page_speaks_vietnamese_to_a_vietnamese_browser)
def test_sec_02_unknown_client_or_redirect_uri_never_redirects(case, request):
    run(case, request)


@rows(authorize_tests.test_unsupported_response_type_to_an_unregistered_uri_is_a_page,
      authorize_tests.test_scope_outside_the_clients_registration_is_invalid_scope,
      authorize_tests.test_malformed_optional_parameters_are_redirected_errors)
def test_sec_03_errors_redirect_only_to_a_validated_uri(case, request):
    run(case, request)


@rows(authorize_tests.test_only_response_type_code_is_supported)
def test_sec_04_only_response_type_code(case, request):
    run(case, request)
    assert request.getfixturevalue("client").get(
        "/.well-known/openid-configuration").json["response_types_supported"] == ["code"]


@pytest.mark.parametrize("mode", ["fragment", "form_post", "web_message"])
def test_sec_05_response_mode_is_query_only(rp, mode):
    response = rp.authorize(response_mode=mode, state="st")
    assert response.status_code == 302
    params = query_of(response.headers["Location"])
    assert params["error"] == "invalid_request" and "code" not in params
    assert "#" not in response.headers["Location"]


@rows(authorize_tests.test_pkce_s256_is_required_from_every_client)
def test_sec_06_pkce_s256_required_from_every_client(case, request):
    run(case, request)


def test_sec_07_iss_in_every_authorization_response(rp, client):
    assert client.get("/.well-known/openid-configuration").json[
        "authorization_response_iss_parameter_supported"] is True
    assert rp.sign_in_and_get_code()["iss"] == ISSUER
    assert rp.authorize(response_type="token", state="s")  # an error redirect carries it too
    assert query_of(rp.authorize(response_type="token").headers["Location"])["iss"] == ISSUER


@rows(flow_tests.test_state_comes_back_byte_for_byte,
      flow_tests.test_code_flow_issues_verified_id_token_with_every_required_claim)
def test_sec_08_state_echoed_and_code_bound_to_nonce(case, request):
    run(case, request)


@rows(authorize_tests.test_prompt_none_without_a_session_is_login_required,
      authorize_tests.test_prompt_none_without_consent_is_consent_required,
      assurance_tests.test_prompt_none_that_needs_a_step_up_is_interaction_required)
def test_sec_10_prompt_none_never_shows_ui(case, request):
    run(case, request)


def test_sec_09_a_constant_code_challenge_is_logged(rp, caplog):
    """RFC 9700 §2.1.1: the second /authorize from one client with the same code_challenge within
    ten minutes leaves a `pkce_challenge_reuse` event in the log; a fresh challenge does not."""
    challenge = rp.params()["code_challenge"]
    with caplog.at_level(logging.WARNING, logger="idp"):
        assert rp.authorize(code_challenge=challenge).status_code == 302
        assert "pkce_challenge_reuse" not in caplog.text
        rp.authorize()  # a new challenge: nothing to report
        assert "pkce_challenge_reuse" not in caplog.text
        assert rp.authorize(code_challenge=challenge).status_code == 302
    assert caplog.text.count("pkce_challenge_reuse") == 1
    assert rp.client.client_id in caplog.text and challenge not in caplog.text


@rows(flow_tests.test_consent_page_names_the_client_and_each_scope,
      flow_tests.test_denying_consent_returns_access_denied_with_state_and_iss,
      privacy_tests.test_disconnecting_a_service_stops_its_tokens_and_asks_consent_again)
def test_sec_11_consent_named_deniable_stored_revocable(case, request):
    run(case, request)


@rows(assurance_tests.test_level1_account_at_a_level2_client_gets_the_explanation_and_unmet,
      assurance_tests.test_essential_acr_2_for_a_level1_account_is_unmet,
      assurance_tests.test_step_up_asks_only_for_the_totp_and_reaches_level_2,
      assurance_tests.test_voluntary_acr_values_2_for_a_level1_account_answers_acr_1)
def test_sec_12_hard_acr_requirements_never_met_below_the_level(case, request):
    run(case, request)


@rows(authorize_tests.test_prompt_login_asks_for_the_password_again_and_updates_auth_time,
      authorize_tests.test_max_age_exceeded_forces_sign_in_and_within_it_does_not)
def test_sec_13_max_age_and_prompt_login_force_fresh_authentication(case, request):
    run(case, request)


def _framing_headers_ok(response):
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"], response.request.url
    assert response.headers["X-Frame-Options"] == "DENY"


def test_sec_14_no_framing_of_authorize_login_consent_logout_and_error_pages(rp, client):
    _framing_headers_ok(client.get("/authorize", query_string={"client_id": "nope"}))  # error page
    login = rp.browser.get(rp.authorize().headers["Location"])
    _framing_headers_ok(login)
    consent = rp.submit_login(login)
    consent = rp.browser.get(consent.headers["Location"])
    while consent.status_code in (302, 303):
        consent = rp.browser.get(consent.headers["Location"])
    assert 'name="decision"' in consent.text
    _framing_headers_ok(consent)
    _framing_headers_ok(rp.browser.get("/logout"))
    _framing_headers_ok(client.get("/login/second-factor"))
    _framing_headers_ok(client.get("/no-such-page"))


def test_sec_15_no_third_party_resources_and_no_referrer(rp):
    login = rp.browser.get(rp.authorize().headers["Location"])
    for page in (login, rp.browser.get("/authorize", query_string={"client_id": "nope"})):
        assert page.headers["Referrer-Policy"] == "no-referrer"
        for url in re.findall(r'(?:src|href|action)="([^"]+)"', page.text):
            assert not urlsplit(url).netloc or urlsplit(url).netloc == "idp.test", url


def test_sec_16_credential_posts_answer_303(rp):
    response = rp.submit_login(rp.browser.get(rp.authorize().headers["Location"]))
    assert response.status_code == 303
    while response.status_code in (302, 303) and "decision" not in response.text:
        response = rp.browser.get(response.headers["Location"])
    decided = rp.browser.post(urlsplit(response.request.url).path, data={
        "csrf_token": csrf_of(response.text), "decision": "approve"})
    assert decided.status_code == 303


@pytest.mark.parametrize("target", ["https://evil.test", "//evil.test", "/\\evil.test",
                                    "/%2F%2Fevil.test", "javascript:alert(1)", "\\\\evil.test"])
def test_sec_17_no_open_redirect_after_login(rp, target):
    page = rp.browser.get("/login", query_string={"next": target})
    response = rp.browser.post("/login", data={
        "csrf_token": csrf_of(page.text), "login": rp.login, "password": "correct horse battery staple",
        "next": target})
    assert response.status_code == 303
    location = response.headers["Location"]
    assert urlsplit(urljoin(ISSUER + "/login", location)).netloc == "idp.test", location
    assert location.startswith(("/", ISSUER)) and not location.startswith(("//", "/\\"))


def test_sec_17_language_switch_is_no_open_redirect(request):
    run((_language_switch, {}), request)


@pytest.mark.parametrize("path", ["/authorize", "/login", "/logout", "/login/second-factor"])
def test_sec_18_no_cors_on_browser_pages(client, path):
    response = client.get(path, headers={"Origin": "https://evil.test"})
    assert "Access-Control-Allow-Origin" not in response.headers


@rows(discovery_tests.test_public_documents_allow_cross_origin_reads,
      login_tests.test_pages_carry_the_security_headers)
def test_sec_18_cors_only_on_public_documents(case, request):
    run(case, request)
