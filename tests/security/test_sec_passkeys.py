"""Checklist §3.5, passkeys (SEC-60 to SEC-62), with the passkey tests' own fixture."""

from ..authn import test_passkeys as passkey_tests
from ..authn.test_passkeys import holder  # noqa: F401 - a fixture of the tests run below
from .checks import rows
from .checks import run


@rows(passkey_tests.test_a_passkey_with_user_verification_signs_in_usernameless_at_level_2,
      passkey_tests.test_without_user_verification_a_passkey_is_one_factor,
      passkey_tests.test_a_replayed_assertion_is_refused,
      passkey_tests.test_a_usernameless_assertion_must_name_the_passkeys_holder,
      passkey_tests.test_an_assertion_from_another_origin_is_refused,
      passkey_tests.test_a_sign_count_going_backwards_is_refused_and_recorded,
      passkey_tests.test_a_step_up_without_user_verification_is_refused,
      passkey_tests.test_another_holders_passkey_cannot_step_up_this_session)
def test_sec_60_webauthn_authentication_checks(case, request):
    run(case, request)


@rows(passkey_tests.test_adding_a_passkey_needs_level_2_in_this_session,
      passkey_tests.test_registration_options_exclude_the_holders_passkeys_and_allow_three_algorithms,
      passkey_tests.test_a_crafted_registration_is_refused,
      passkey_tests.test_a_credential_id_registered_to_anyone_is_refused)
def test_sec_61_webauthn_registration_checks(case, request):
    run(case, request)


def test_sec_62_every_level2_holder_is_offered_a_passkey(holder):  # noqa: F811 - the fixture
    passkey_tests.sign_in_with_password(holder)
    passkey_tests.step_up_with_totp(holder)
    assert "Add a passkey" in passkey_tests.account_page(holder.browser)
