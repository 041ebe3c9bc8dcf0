"""Checklist §3.6, sessions and logout (SEC-66 to SEC-75)."""

from datetime import timedelta

import pytest

from ..accounts import test_account_pages as account_tests
from ..accounts import test_account_privacy as privacy_tests
from ..accounts import test_account_totp as totp_page_tests
from ..authn import test_login as login_tests
from ..oidc import test_assurance as assurance_tests
from ..oidc import test_logout as logout_tests
from ..rp import csrf_of
from ..rp import query_of
from .checks import rows
from .checks import run

COOKIE = "__Host-idp_session"


@rows(logout_tests.test_a_copied_session_cookie_is_dead_after_logout)
def test_sec_66_server_side_sessions_die_at_logout(case, request):
    run(case, request)


@rows(login_tests.test_right_password_signs_in_with_303_and_a_fresh_secure_session,
      login_tests.test_a_planted_pre_login_cookie_stays_anonymous)
def test_sec_67_new_session_id_at_every_authentication(case, request):
    run(case, request)


def test_sec_68_cookie_prefix_and_attributes(rp):
    rp.tokens()
    cookies = [h for h in rp.browser.get("/account").headers.getlist("Set-Cookie")]
    login = rp.browser.get("/login")
    cookies += login.headers.getlist("Set-Cookie")
    fresh = rp.app.test_client()
    cookies += fresh.get("/login").headers.getlist("Set-Cookie")
    assert cookies
    for header in cookies:
        name, _, rest = header.partition("=")
        value = rest.split(";")[0]
        attributes = [a.strip().lower() for a in rest.split(";")[1:]]
        assert name.startswith("__Host-"), header
        assert {"secure", "httponly", "samesite=lax", "path=/"} <= set(attributes), header
        assert not any(a.startswith("domain=") for a in attributes), header
        assert len(header) <= 4096 and "@" not in value and "{" not in value


def test_sec_69_absolute_session_limit_of_12_hours(app, rp, time_machine):
    time_machine.move_to("2026-03-02 08:00:00", tick=False)
    rp.tokens()
    for _ in range(72):  # activity every 10 minutes does not extend the absolute limit
        time_machine.shift(timedelta(minutes=10))
        assert rp.browser.get("/").status_code == 200
    time_machine.shift(timedelta(minutes=1))
    response = rp.authorize(prompt="none", state="s")
    assert query_of(response.headers["Location"])["error"] == "login_required"
    assert app.config["SESSION_LIFETIME"] == 12 * 3600


@rows(assurance_tests.test_the_level2_window_closes_after_30_idle_minutes)
def test_sec_69_level2_idle_limit_of_30_minutes(case, request):
    run(case, request)


@rows(login_tests.test_the_form_needs_its_csrf_token,
      account_tests.test_a_form_without_its_csrf_token_is_refused,
      account_tests.test_buttons_are_posts_and_a_get_changes_nothing,
      logout_tests.test_the_confirmation_needs_its_csrf_token)
def test_sec_70_csrf_on_every_state_change(case, request):
    run(case, request)


def test_sec_70_consent_needs_its_csrf_token(rp, app):
    response = rp.submit_login(rp.browser.get(rp.authorize().headers["Location"]))
    while response.status_code in (302, 303):
        response = rp.browser.get(response.headers["Location"])
    assert 'name="decision"' in response.text
    path = response.request.path
    other = app.test_client()
    other_token = csrf_of(other.get("/login").text)
    for form in ({"decision": "approve"}, {"decision": "approve", "csrf_token": other_token}):
        refused = rp.browser.post(path, data=form)
        assert refused.status_code == 400 and "Location" not in refused.headers
    assert 'name="decision"' in rp.browser.get(path).text  # nothing was decided


@pytest.mark.parametrize("path", ["/login", "/account", "/consent"])
def test_sec_71_browser_security_headers(rp, path):
    rp.tokens()
    if path == "/consent":
        response = rp.authorize(scope="openid phone")  # signed in: straight to the new consent
        while response.status_code in (302, 303):
            response = rp.browser.get(response.headers["Location"])
        assert 'name="decision"' in response.text
    else:
        response = rp.browser.get(path)
        assert response.status_code == 200
    headers = response.headers
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "object-src 'none'" in headers["Content-Security-Policy"]
    assert "base-uri 'none'" in headers["Content-Security-Policy"]
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cache-Control"] == "no-store"


@rows(logout_tests.test_logout_with_a_valid_hint_returns_to_the_registered_uri_with_state,
      logout_tests.test_an_expired_hint_is_still_accepted,
      logout_tests.test_an_unregistered_post_logout_uri_is_never_followed,
      logout_tests.test_without_a_hint_nothing_ends_until_the_person_confirms,
      logout_tests.test_a_forged_hint_is_refused_without_redirect,
      logout_tests.test_client_id_must_match_the_hints_audience)
def test_sec_72_rp_initiated_logout(case, request):
    run(case, request)


def test_sec_73_logout_ends_session_tokens_and_cookies(rp):
    tokens = rp.tokens()
    response = rp.browser.get("/logout", query_string={"id_token_hint": tokens["id_token"]})
    assert response.status_code in (200, 302)
    assert response.headers["Clear-Site-Data"] == '"cookies"'
    assert rp.refresh(tokens["refresh_token"]).json["error"] == "invalid_grant"
    assert rp.authorize().headers["Location"].startswith("/login?flow=")


@rows(privacy_tests.test_the_sessions_page_marks_this_device_and_signs_out_another,
      account_tests.test_a_password_change_takes_effect_and_offers_to_sign_out_other_sessions,
      account_tests.test_a_session_of_an_account_locked_since_is_over)
def test_sec_74_holders_see_and_end_sessions(case, request):
    run(case, request)


@rows(totp_page_tests.test_a_password_only_session_cannot_remove_the_app_until_it_steps_up,
      account_tests.test_an_old_password_only_session_signs_in_again_before_changing_the_password)
def test_sec_75_sensitive_changes_need_the_accounts_maximum_level(case, request):
    run(case, request)
