"""Checklist §3.3, client authentication (SEC-33 to SEC-36; SEC-32 is in test_sec_tokens.py,
the FAPI profile of SEC-35 is pending)."""

from idp.clients.models import Client
from idp.extensions import db

from ..admin import test_console as console_tests
from ..admin.test_console import admin  # noqa: F401 - a fixture of the tests run below
from ..clients import test_cli as client_cli_tests
from ..oidc import test_client_assertion_jwt as assertion_tests
from ..oidc.test_client_assertion_jwt import client_key  # noqa: F401 - fixtures of the tests below
from ..oidc.test_client_assertion_jwt import jwt_rp  # noqa: F401
from .checks import rows
from .checks import run


@rows(assertion_tests.test_a_signed_assertion_authenticates_the_client,
      assertion_tests.test_the_same_assertion_twice_is_refused,
      assertion_tests.test_alg_none_is_refused,
      assertion_tests.test_hs256_keyed_with_the_public_key_is_refused,
      assertion_tests.test_an_attackers_key_in_the_jwk_header_is_not_trusted,
      assertion_tests.test_claims_that_do_not_hold_are_refused,
      assertion_tests.test_an_expired_assertion_is_refused)
def test_sec_33_private_key_jwt_assertion_checks(case, request):
    run(case, request)


def test_sec_34_client_secrets_hashed_and_no_lockout(app, rp):
    with app.app_context():
        stored = db.session.scalar(db.select(Client.client_secret_hash).where(
            Client.client_id == rp.client.client_id))
    assert stored.startswith("sha256$") and rp.secret not in stored
    assert len(rp.secret) >= 22  # >= 128 bits of token_urlsafe
    for _ in range(50):
        wrong = rp.browser.post("/token", data={"grant_type": "refresh_token", "refresh_token": "x"},
                                auth=(rp.client.client_id, "not-the-secret"))
        assert wrong.status_code == 401
    assert rp.tokens()["access_token"]  # the right secret still works: no lockout


@rows(client_cli_tests.test_bad_redirect_uri_is_refused_and_nothing_is_stored,
      console_tests.test_a_bad_redirect_uri_is_refused_with_the_reason_and_nothing_stored,
      client_cli_tests.test_a_private_key_in_jwks_is_refused)
def test_sec_36_client_metadata_validated_at_registration(case, request):
    run(case, request)
