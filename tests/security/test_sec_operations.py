"""Checklist §3.9 and §3.10, logging, privacy and infrastructure faults (SEC-92 to SEC-98)."""

import socket

from .. import test_errors as error_tests
from .. import test_logs as log_tests
from ..accounts import test_account_privacy as privacy_tests
from ..conftest import make_app
from .checks import rows
from .checks import run


@rows(log_tests.test_a_full_flow_logs_no_secret_it_used)
def test_sec_92_logs_hold_no_secrets(case, request):
    run(case, request)


@rows(log_tests.test_json_lines_escape_forged_newlines)
def test_sec_93_log_injection_is_escaped(case, request):
    run(case, request)


@rows(error_tests.test_an_unexpected_error_shows_a_reference_and_no_internals,
      error_tests.test_unknown_page_is_a_readable_404_in_either_language)
def test_sec_94_errors_show_no_internals(case, request):
    run(case, request)
    response = request.getfixturevalue("client").get("/no-such-page")
    assert "X-Powered-By" not in response.headers
    assert not any(c.isdigit() for c in response.headers.get("Server", ""))


@rows(privacy_tests.test_the_activity_log_lists_sign_ins_and_what_each_service_received)
def test_sec_95_claims_released_are_recorded_and_shown(case, request):
    run(case, request)


@rows(error_tests.test_store_unreachable_means_503_and_no_session,
      error_tests.test_redis_going_away_and_coming_back_needs_no_restart)
def test_sec_96_store_down_fails_closed_and_recovers(case, request):
    run(case, request)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_sec_97_revoke_introspect_userinfo_while_the_store_is_down(database_url, keys_dir, rp):
    tokens = rp.tokens()
    down = make_app(database_url, keys_dir, REDIS_URL=f"redis://127.0.0.1:{_closed_port()}/0").test_client()
    auth = (rp.client.client_id, rp.secret)
    revoked = down.post("/revoke", data={"token": tokens["refresh_token"]}, auth=auth)
    assert revoked.status_code == 503, revoked.status_code
    introspected = down.post("/introspect", data={"token": tokens["access_token"]}, auth=auth)
    assert introspected.status_code == 503 and "active" not in introspected.text
    userinfo = down.get("/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert userinfo.status_code in (401, 503)
    # The client saw 503 and retries once the store is back: the revocation then holds.
    assert rp.revoke(tokens["refresh_token"]).status_code == 200
    assert rp.introspect(tokens["access_token"]).json == {"active": False}


def test_sec_97_revoke_and_introspect_while_the_database_is_down(keys_dir, rp):
    tokens = rp.tokens()
    down = make_app(f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/none", keys_dir).test_client()
    auth = (rp.client.client_id, rp.secret)
    assert down.post("/revoke", data={"token": tokens["refresh_token"]}, auth=auth).status_code == 503
    introspected = down.post("/introspect", data={"token": tokens["access_token"]}, auth=auth)
    assert introspected.status_code == 503 and "active" not in introspected.text
    userinfo = down.get("/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert userinfo.status_code in (401, 503)


@rows(error_tests.test_database_unreachable_means_503_and_never_a_redirect)
def test_sec_98_database_down_means_503_and_no_redirect(case, request):
    run(case, request)
