"""Checklist rows proven by enrollment, notifications, lifecycle and the registry adapter
(SEC-76, SEC-79 to SEC-82, SEC-99), with those tests' own fixtures."""

from ..enrollment import test_activation_codes as activation_tests
from ..enrollment import test_guardians_dependants as guardian_tests
from ..enrollment import test_officer_desk as desk_tests
from ..enrollment import test_registration_level1 as registration_tests
from ..enrollment.officer import desk_app_fixture  # noqa: F401 - fixtures of the tests run below
from ..enrollment.officer import desk_factories_fixture  # noqa: F401
from ..enrollment.officer import desk_fixture  # noqa: F401
from ..lifecycle import test_holder_lock as holder_lock_tests
from ..lifecycle import test_lock_ends_access as lock_access_tests
from ..lifecycle import test_lock_reasons as lock_reason_tests
from ..notify import test_delivery as delivery_tests
from ..notify import test_outages as outage_tests
from ..notify.conftest import notify_app  # noqa: F401 - fixtures of the tests run below
from ..notify.conftest import smtp_server  # noqa: F401
from ..registry import test_http as registry_http_tests
from .checks import rows
from .checks import run


@rows(activation_tests.test_a_code_works_once, activation_tests.test_a_code_expires_after_its_lifetime,
      activation_tests.test_guessing_codes_is_throttled,
      activation_tests.test_a_code_dies_after_ten_wrong_answers,
      activation_tests.test_a_refused_password_does_not_use_up_the_code,
      delivery_tests.test_an_activation_code_reaches_the_holder_but_does_not_stay_in_the_database)
def test_sec_76_activation_codes_single_use_short_lived_hashed_throttled(case, request):
    run(case, request)


@rows(delivery_tests.test_an_event_that_rolls_back_queues_nothing,
      outage_tests.test_an_sms_gateway_outage_delays_the_message_and_loses_nothing,
      outage_tests.test_the_smtp_server_down_then_back,
      delivery_tests.test_a_holder_with_both_contacts_gets_both)
def test_sec_79_notifications_through_a_transactional_outbox(case, request):
    run(case, request)


@rows(lock_reason_tests.test_death_and_cancellation_close_the_account_for_good,
      holder_lock_tests.test_only_the_holders_own_lock_lifts_online,
      holder_lock_tests.test_a_wrong_password_says_nothing_about_the_account,
      lock_access_tests.test_a_lock_kills_live_tokens_sessions_and_the_next_sign_in)
def test_sec_80_locks_death_and_cancellation(case, request):
    run(case, request)


@rows(registration_tests.test_someone_who_already_has_an_account_sees_the_same_page_and_their_phone_is_told,
      registration_tests.test_every_wrong_field_gets_the_same_general_answer_and_nothing_is_written)
def test_sec_81_applications_do_not_reveal_existing_accounts(case, request):
    run(case, request)


@rows(desk_tests.test_an_auditor_reads_the_queue_but_cannot_decide_and_an_officer_cannot_manage_clients,
      guardian_tests.test_another_account_cannot_manage_someone_elses_child)
def test_sec_82_staff_and_guardians_reach_only_what_they_may(case, request):
    run(case, request)


@rows(registry_http_tests.test_timeouts_are_retried_with_doubling_delays_then_the_registry_is_unavailable,
      registry_http_tests.test_connection_refused_is_unavailable_with_the_url,
      registration_tests.test_the_registry_down_gives_a_try_later_page_and_writes_nothing,
      desk_tests.test_the_registry_down_gives_a_readable_page_keeps_the_form_and_writes_nothing,
      outage_tests.test_an_sms_gateway_outage_delays_the_message_and_loses_nothing,
      registry_http_tests.test_a_redirect_is_not_followed_and_says_where_it_pointed,
      registry_http_tests.test_an_answer_past_the_size_cap_is_unavailable_not_read_into_memory,
      registry_http_tests.test_connecting_takes_three_seconds_at_most_whatever_the_read_timeout,
      outage_tests.test_an_sms_gateway_that_redirects_is_not_followed_and_the_message_stays_queued,
      outage_tests.test_an_smtp_server_that_never_answers_is_given_up_on)
def test_sec_99_registry_and_gateways_fail_safe(case, request):
    run(case, request)
