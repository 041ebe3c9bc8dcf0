"""Checklist §3.8, input handling (SEC-85 to SEC-90)."""

import socket

import pytest

from ..accounts import test_cli as account_cli_tests
from ..admin import test_console as console_tests
from ..admin.test_console import admin  # noqa: F401 - fixtures of the tests run below
from ..hostile import test_hostile_input as hostile_tests
from ..oidc import test_authorize_errors as authorize_tests
from ..oidc import test_client_assertion_jwt as assertion_tests
from ..oidc import test_discovery as discovery_tests
from ..oidc import test_token as token_tests
from ..oidc.test_client_assertion_jwt import client_key  # noqa: F401
from ..oidc.test_client_assertion_jwt import jwt_rp  # noqa: F401
from ..rp import csrf_of
from .checks import rows
from .checks import run


@rows(authorize_tests.test_a_repeated_parameter_is_invalid_request,
      token_tests.test_token_endpoint_takes_form_encoding_only_and_each_parameter_once)
def test_sec_85_parameters_once_and_form_encoding_only(case, request):
    run(case, request)


@rows(assertion_tests.test_an_oversized_assertion_is_refused_before_parsing,
      hostile_tests.test_an_oversized_body_is_refused_before_parsing)
def test_sec_86_size_limits_before_parsing(case, request):
    run(case, request)


def test_sec_87_reflected_values_are_escaped(rp):
    attack = '"><script>alert(1)</script>'
    login = rp.browser.get(rp.authorize(login_hint=attack).headers["Location"])
    assert attack not in login.text and "&#34;&gt;&lt;script&gt;" in login.text
    failed = rp.browser.post("/login", data={"csrf_token": csrf_of(login.text), "login": "' OR '1'='1",
                                             "password": "' OR '1'='1' --"})
    assert failed.status_code == 401  # the normal failure
    error = rp.authorize(client_id=attack)
    assert attack not in error.text


@rows(console_tests.test_csv_cells_never_start_a_formula)
def test_sec_87_csv_exports_never_start_a_formula(case, request):
    run(case, request)


@pytest.fixture
def no_outbound(monkeypatch):
    """Fails the test on any connection to anything but the test's own loopback servers."""
    attempts = []
    real = socket.socket.connect

    def guarded(sock, address):
        attempts.append(address)
        if isinstance(address, tuple) and address[0] not in ("127.0.0.1", "::1", "localhost"):
            raise AssertionError(f"outbound connection to {address}")
        return real(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    return attempts


def test_sec_88_request_uri_is_never_fetched(rp, no_outbound):
    """Only urn:ietf:params:oauth:request_uri: values from the PAR store are accepted (RFC 9126 §4);
    anything else is invalid_request_uri, shown to the person (there is no trusted redirect)."""
    response = rp.authorize(request_uri="https://169.254.169.254/latest", state="s")
    assert response.status_code == 400 and "Location" not in response.headers
    assert "invalid_request_uri" in response.text
    assert not [a for a in no_outbound if isinstance(a, tuple) and a[0] == "169.254.169.254"]


@rows(assertion_tests.test_a_jwks_uri_that_redirects_fails_closed)
def test_sec_88_a_redirecting_jwks_uri_fails_closed(case, request):
    run(case, request)


def test_sec_89_unknown_host_is_refused(client):
    assert client.get("/login", headers={"Host": "evil.test"}).status_code == 400
    forwarded = client.get("/.well-known/openid-configuration", headers={"X-Forwarded-Host": "evil.test"})
    assert forwarded.json["issuer"] == "https://idp.test"


@rows(discovery_tests.test_issuer_never_comes_from_the_host_header)
def test_sec_89_issuer_never_from_the_host_header(case, request):
    run(case, request)


@rows(account_cli_tests.test_a_duplicate_login_is_refused_even_in_another_case)
def test_sec_90_identifiers_canonicalised_once(case, request):
    run(case, request)


def test_sec_90_login_in_another_case_and_normal_form_signs_in(rp):
    login = rp.browser.get(rp.authorize().headers["Location"])
    response = rp.submit_login(login, login="  " + rp.login.upper() + " ")
    assert response.status_code == 303
