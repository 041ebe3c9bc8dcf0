"""Checklist §3.5, authentication and MFA (SEC-51 to SEC-59, SEC-63 to SEC-65; passkey rows
60-62 are in test_sec_passkeys.py)."""

import pyotp

from idp.assurance.amr import PASSWORD
from idp.assurance.amr import level_of
from idp.assurance.levels import Level

from ..accounts import test_account_totp as totp_page_tests
from ..accounts import test_cli as account_cli_tests
from ..accounts import test_proofing_cli as proofing_tests
from ..assurance import test_policy as policy_tests
from ..authn import test_login as login_tests
from ..authn import test_password_policy as policy_words_tests
from ..concurrency import test_races as race_tests
from ..oidc import test_assurance as assurance_tests
from ..oidc import test_authorize_errors as authorize_tests
from ..rp import FLOW
from ..rp import csrf_of
from .checks import rows
from .checks import run


@rows(policy_words_tests.test_long_passphrases_of_any_script_are_accepted,
      policy_words_tests.test_short_common_or_predictable_passwords_are_refused_with_a_reason,
      policy_words_tests.test_no_composition_rules,
      login_tests.test_unicode_passwords_match_in_any_normal_form,
      login_tests.test_the_form_works_with_password_managers)
def test_sec_51_password_rules(case, request):
    run(case, request)


@rows(policy_words_tests.test_short_common_or_predictable_passwords_are_refused_with_a_reason,
      policy_words_tests.test_personal_words_are_refused,
      account_cli_tests.test_a_password_with_the_holders_name_or_email_is_refused)
def test_sec_52_password_blocklist_with_context_words(case, request):
    run(case, request)


@rows(login_tests.test_passwords_are_never_truncated)
def test_sec_53_password_verified_exactly(case, request):
    run(case, request)


@rows(login_tests.test_hashes_are_argon2id_and_rise_with_the_parameters,
      login_tests.test_production_argon2_defaults_meet_owasp)
def test_sec_54_argon2id_storage_with_rehash(case, request):
    run(case, request)


@rows(login_tests.test_repeated_failures_slow_down_with_growing_waits,
      login_tests.test_an_attacker_elsewhere_does_not_lock_the_holder_out,
      login_tests.test_x_forwarded_for_is_ignored_without_a_configured_proxy,
      assurance_tests.test_wrong_totp_codes_are_throttled)
def test_sec_55_online_guessing_defence(case, request):
    run(case, request)


@rows(login_tests.test_unknown_account_and_wrong_password_look_the_same)
def test_sec_56_no_user_enumeration_at_login(case, request):
    run(case, request)


@rows(assurance_tests.test_a_used_totp_code_is_refused,
      race_tests.test_one_totp_code_submitted_20_times_at_once_counts_once)
def test_sec_57_totp_replay_protection(case, request):
    run(case, request)


@rows(proofing_tests.test_add_totp_prints_a_working_secret_and_ten_recovery_codes_once,
      totp_page_tests.test_the_app_counts_only_once_a_code_confirms_it,
      totp_page_tests.test_wrong_confirmation_codes_are_throttled_like_passwords,
      assurance_tests.test_wrong_totp_codes_are_throttled)
def test_sec_58_totp_secret_encrypted_confirmed_and_throttled(case, request):
    run(case, request)
    assert len(pyotp.random_base32()) * 5 >= 160  # the generator the enrolment uses makes 160 bits


def test_sec_59_second_factor_cannot_start_a_sign_in(client):
    page = client.get("/login")
    response = client.post("/login/second-factor", data={"csrf_token": csrf_of(page.text),
                                                         "flow": "", "code": "123456"})
    assert response.status_code == 303 and "/login" in response.headers["Location"]
    assert client.get("/account").status_code in (302, 303)  # still nobody signed in


@rows(authorize_tests.test_a_parked_request_cannot_be_resumed_from_another_browser,
      authorize_tests.test_a_finished_request_cannot_be_resumed_twice)
def test_sec_59_login_state_is_single_use_and_bound(case, request):
    run(case, request)


def test_sec_63_no_email_or_sms_factor_reaches_level_2():
    """There is no e-mail or SMS sign-in factor; an unknown factor never lifts a password."""
    assert level_of({PASSWORD, "email"}) == Level.ONE
    assert level_of({PASSWORD, "sms"}) == Level.ONE


@rows(policy_tests.test_design_table,
      policy_tests.test_an_expired_residence_card_caps_the_account_at_level_one,
      assurance_tests.test_an_expired_residence_card_keeps_the_account_at_level_1)
def test_sec_64_acr_and_amr_computed_on_the_server(case, request):
    run(case, request)


def test_sec_64_an_acr_in_the_login_form_changes_nothing(rp):
    login = rp.browser.get(rp.authorize().headers["Location"])
    response = rp.browser.post("/login", data={
        "csrf_token": csrf_of(login.text), "flow": FLOW.search(login.text).group(1), "login": rp.login,
        "password": "correct horse battery staple", "acr": "2", "amr": "mfa", "factors": "totp"},
        headers={"acr": "2"})
    callback = rp.follow_to_client(response)
    tokens = rp.exchange(callback["code"]).json
    claims = rp.verify_id_token(tokens["id_token"])
    assert claims["acr"] == "1" and claims["amr"] == ["pwd"]


@rows(assurance_tests.test_step_up_asks_only_for_the_totp_and_reaches_level_2,
      assurance_tests.test_the_level2_window_closes_after_30_idle_minutes,
      assurance_tests.test_max_age_on_a_level2_session_asks_for_everything_again)
def test_sec_65_step_up_asks_only_the_missing_factor(case, request):
    run(case, request)
