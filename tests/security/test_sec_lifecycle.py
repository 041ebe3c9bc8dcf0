"""Checklist §3.7, account lifecycle (SEC-78, SEC-80, SEC-82, SEC-84; SEC-83 is in
test_sec_config.py; activation, reset, notification and application rows are pending)."""

from ..accounts import test_account_privacy as privacy_tests
from ..accounts import test_account_totp as totp_page_tests
from ..accounts import test_proofing_cli as proofing_tests
from ..admin import test_console as console_tests
from ..admin.test_console import admin  # noqa: F401 - a fixture of the tests run below
from ..authn import test_login as login_tests
from ..oidc import test_assurance as assurance_tests
from ..oidc import test_refresh as refresh_tests
from .checks import rows
from .checks import run


@rows(assurance_tests.test_a_recovery_code_works_once,
      totp_page_tests.test_new_recovery_codes_replace_the_old_ones)
def test_sec_78_recovery_codes_single_use_and_replaced(case, request):
    run(case, request)


@rows(login_tests.test_a_locked_account_is_explained_only_after_the_right_password,
      refresh_tests.test_a_locked_account_cannot_refresh,
      assurance_tests.test_a_locked_account_sends_access_denied_to_the_service)
def test_sec_80_a_locked_account_cannot_authenticate_or_refresh(case, request):
    run(case, request)


@rows(privacy_tests.test_another_holders_session_or_consent_is_not_found,
      console_tests.test_an_auditor_reads_but_cannot_change)
def test_sec_82_authorization_per_function_and_object(case, request):
    run(case, request)


def test_sec_82_the_console_has_no_way_to_set_a_password_or_read_a_secret(app):
    staff_routes = [rule.rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/admin")]
    assert staff_routes
    for rule in staff_routes:
        assert not any(word in rule for word in ("password", "totp", "secret-key", "recovery")), rule


@rows(proofing_tests.test_proof_level2_raises_the_account_and_is_audited)
def test_sec_84_level2_elevation_is_audited(case, request):
    run(case, request)
