"""Checklist rows proven by start-up configuration (SEC-83, SEC-100), with the configuration
tests' own fixtures (no IDP_* variable from the environment counts)."""

from .. import test_config as config_tests
from .. import test_demo as demo_tests
from ..test_config import base  # noqa: F401 - fixtures of the tests run below
from ..test_config import no_idp_environment  # noqa: F401
from .checks import rows
from .checks import run


@rows(config_tests.test_production_refuses_the_development_secrets,
      config_tests.test_production_refuses_a_short_secret,
      config_tests.test_production_entry_point_refuses_to_start_without_signing_keys,
      demo_tests.test_seed_is_refused_in_production)
def test_sec_83_no_demo_or_default_secrets_in_production(case, request):
    run(case, request)


@rows(config_tests.test_production_refuses_an_http_issuer, config_tests.test_http_issuer_is_for_loopback_only,
      config_tests.test_production_refuses_a_database_or_redis_elsewhere_without_tls,
      config_tests.test_production_takes_tls_elsewhere_and_plain_connections_on_this_host)
def test_sec_100_transport_https_only_in_production(case, request):
    run(case, request)


def test_sec_100_the_token_endpoint_never_redirects_plain_http(rp):
    code = rp.sign_in_and_get_code()["code"]
    plain = rp.browser.post("/token", base_url="http://idp.test", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": rp.redirect_uri,
        "code_verifier": rp.verifier}, auth=(rp.client.client_id, rp.secret))
    assert plain.status_code not in (301, 302, 307, 308) and "Location" not in plain.headers
    assert plain.status_code == 400 and "access_token" not in plain.text
