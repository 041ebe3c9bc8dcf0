"""Checklist §3.2 and §3.4: the token endpoint, tokens, keys and metadata (SEC-21 to SEC-50;
DPoP rows 31 and 45 are pending)."""

import json
import re
from datetime import timedelta
from pathlib import Path

from idp.extensions import db

from ..accounts import test_account_privacy as privacy_tests
from ..clients import test_cli as client_cli_tests
from ..concurrency import test_races as race_tests
from ..oidc import test_assurance as assurance_tests
from ..oidc import test_code_flow as flow_tests
from ..oidc import test_discovery as discovery_tests
from ..oidc import test_logout as logout_tests
from ..oidc import test_par as par_tests
from ..oidc import test_refresh as refresh_tests
from ..oidc import test_revoke_introspect as revoke_tests
from ..oidc import test_token as token_tests
from ..oidc import test_userinfo as userinfo_tests
from ..oidc.test_client_assertion_jwt import client_key  # noqa: F401 - fixtures of the tests run below
from ..oidc.test_client_assertion_jwt import jwt_rp  # noqa: F401
from .checks import rows
from .checks import run

ROOT = Path(__file__).resolve().parents[2]


@rows(token_tests.test_a_code_works_once_and_its_replay_revokes_what_it_issued)
def test_sec_21_code_single_use_and_replay_revokes(case, request):
    run(case, request)


@rows(race_tests.test_one_code_redeemed_by_20_at_once_gives_one_token)
def test_sec_22_concurrent_code_redemption_gives_one_token(case, request):
    run(case, request)


@rows(token_tests.test_a_code_expires_after_its_lifetime,
      token_tests.test_a_code_is_bound_to_its_client,
      token_tests.test_redirect_uri_must_be_repeated_identically)
def test_sec_23_code_lifetime_and_binding(case, request):
    run(case, request)
    assert request.getfixturevalue("app").config["CODE_LIFETIME"] <= 60


@rows(token_tests.test_pkce_verifier_wrong_missing_or_malformed,
      token_tests.test_a_failed_attempt_uses_the_code_up)
def test_sec_24_pkce_verifier_checked(case, request):
    run(case, request)


@rows(token_tests.test_unknown_grant_types_and_unregistered_ones)
def test_sec_25_grant_types_allow_listed(case, request):
    run(case, request)
    grants = request.getfixturevalue("client").get("/.well-known/openid-configuration").json[
        "grant_types_supported"]
    assert "password" not in grants and "implicit" not in grants


def test_sec_26_back_channel_answers_are_not_cached(rp):
    tokens = rp.tokens()
    answers = [rp.refresh(tokens["refresh_token"]), rp.token(grant_type="authorization_code", code="x"),
               rp.introspect(tokens["access_token"]), rp.revoke("unknown-token"),
               rp.browser.post("/introspect", data={"token": "x"})]
    for response in answers:
        assert response.headers["Cache-Control"] == "no-store", response.request.path
        assert response.mimetype == "application/json" or response.status_code == 200
    assert answers[0].headers["Pragma"] == "no-cache"


@rows(refresh_tests.test_each_refresh_returns_a_new_refresh_token_and_the_old_one_stops,
      refresh_tests.test_reusing_a_rotated_token_revokes_the_whole_family)
def test_sec_27_refresh_rotation_with_reuse_detection(case, request):
    run(case, request)


@rows(race_tests.test_one_refresh_token_used_by_20_at_once_rotates_once)
def test_sec_28_parallel_refreshes_rotate_once(case, request):
    run(case, request)


@rows(refresh_tests.test_a_refresh_may_narrow_the_scope_but_never_widen_it,
      refresh_tests.test_another_clients_refresh_token_is_refused_and_stays_valid,
      refresh_tests.test_a_locked_account_cannot_refresh,
      assurance_tests.test_a_card_that_expired_since_the_sign_in_caps_the_refreshed_tokens_at_level_1)
def test_sec_29_refresh_bound_to_client_scope_and_account_status(case, request):
    run(case, request)


def test_sec_29_refresh_ends_at_the_absolute_lifetime(app, rp, time_machine):
    time_machine.move_to("2026-03-01 09:00:00", tick=False)
    tokens = rp.tokens()
    time_machine.shift(timedelta(seconds=app.config["REFRESH_TOKEN_ABSOLUTE_LIFETIME"] + 1))
    response = rp.refresh(tokens["refresh_token"])
    assert response.status_code == 400 and response.json["error"] == "invalid_grant"
    assert app.config["REFRESH_TOKEN_ABSOLUTE_LIFETIME"] <= 30 * 86400


@rows(revoke_tests.test_revoking_the_refresh_token_ends_the_grant_everywhere,
      privacy_tests.test_disconnecting_a_service_stops_its_tokens_and_asks_consent_again,
      logout_tests.test_logout_with_a_valid_hint_returns_to_the_registered_uri_with_state,
      refresh_tests.test_a_locked_account_cannot_refresh)
def test_sec_30_refresh_tokens_revoked_on_logout_lock_and_consent_revocation(case, request):
    run(case, request)


@rows(token_tests.test_the_registered_auth_method_is_binding,
      token_tests.test_wrong_secret_is_401_with_a_basic_challenge,
      revoke_tests.test_introspection_needs_client_authentication,
      par_tests.test_the_registered_auth_method_is_binding_at_par,
      par_tests.test_no_client_authentication_is_401_invalid_client,
      par_tests.test_no_client_assertion_is_401_invalid_client,
      par_tests.test_a_wrong_secret_is_401_with_www_authenticate)
def test_sec_32_client_authentication_binding(case, request):
    run(case, request)


def _discovery(request):
    return request.getfixturevalue("client").get("/.well-known/openid-configuration").json


@rows(flow_tests.test_id_token_signed_with_the_clients_registered_algorithm,
      client_cli_tests.test_id_token_alg_none_is_refused)
def test_sec_37_signing_algorithms_allow_listed(case, request):
    run(case, request)
    document = _discovery(request)
    for name in ("id_token_signing_alg_values_supported", "token_endpoint_auth_signing_alg_values_supported"):
        assert not {a for a in document[name] if a == "none" or a.startswith("HS")}, name


@rows(flow_tests.test_code_flow_issues_verified_id_token_with_every_required_claim)
def test_sec_41_id_token_contents(case, request):
    run(case, request)
    rp = request.getfixturevalue("rp")
    claims = rp.verify_id_token(rp.tokens()["id_token"])
    assert set(claims["amr"]) <= {"pwd", "otp", "hwk", "swk", "user", "pin", "mfa", "face", "fpt"}
    assert claims["exp"] - claims["iat"] <= 300 and claims["acr"] in ("1", "2") and "auth_time" in claims


@rows(flow_tests.test_access_token_is_an_rfc9068_jwt_agreeing_with_the_id_token,
      userinfo_tests.test_an_id_token_is_not_an_access_token,
      revoke_tests.test_garbage_and_id_tokens_are_inactive)
def test_sec_42_jwt_access_tokens_follow_rfc9068(case, request):
    run(case, request)


SECRET_MAKERS = re.compile(r"^\s*(import random|from random import)|uuid4\(", re.MULTILINE)


def test_sec_43_secrets_come_from_a_csprng(rp):
    for package in ("oidc", "authn", "store"):
        for path in (ROOT / "idp" / package).rglob("*.py"):
            assert not SECRET_MAKERS.search(path.read_text()), path
    tokens = rp.tokens()
    assert len(tokens["refresh_token"]) >= 22 and re.fullmatch(r"[A-Za-z0-9_-]+", tokens["refresh_token"])
    code = rp.sign_in_and_get_code()["code"]
    assert len(code) >= 22 and re.fullmatch(r"[A-Za-z0-9_-]+", code)


def test_sec_44_opaque_secrets_are_stored_hashed(app, rp):
    tokens = rp.tokens()
    with app.app_context():
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(table.select()).all():
                dumped = json.dumps([str(v) for v in row])
                assert tokens["refresh_token"] not in dumped, table.name
                assert rp.secret not in dumped, table.name


@rows(userinfo_tests.test_a_token_in_the_query_string_is_not_accepted,
      userinfo_tests.test_a_tampered_token_is_invalid,
      userinfo_tests.test_an_expired_token_is_invalid,
      flow_tests.test_userinfo_releases_only_the_granted_scopes)
def test_sec_46_userinfo_header_only_and_checked(case, request):
    run(case, request)


@rows(revoke_tests.test_introspection_needs_client_authentication,
      revoke_tests.test_another_clients_token_introspects_as_inactive_and_nothing_more,
      revoke_tests.test_introspection_of_an_active_access_token_carries_acr_and_auth_time)
def test_sec_47_introspection(case, request):
    run(case, request)


@rows(revoke_tests.test_revoking_the_refresh_token_ends_the_grant_everywhere,
      revoke_tests.test_an_unknown_token_revokes_fine,
      revoke_tests.test_a_client_cannot_revoke_another_clients_token)
def test_sec_48_revocation(case, request):
    run(case, request)


@rows(discovery_tests.test_discovery_is_truthful)
def test_sec_49_discovery_is_truthful(case, request):
    run(case, request)
    document = _discovery(request)
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert {"1", "2"} <= set(document["acr_values_supported"])
    assert document["authorization_response_iss_parameter_supported"] is True
    assert document["end_session_endpoint"].startswith(document["issuer"])


@rows(userinfo_tests.test_pairwise_subjects_differ_between_sectors_and_never_show_the_login)
def test_sec_50_pairwise_opaque_subjects(case, request):
    run(case, request)
