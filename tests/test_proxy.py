"""Behind a TLS-terminating reverse proxy (README, Running in production): with PROXY_HOPS set,
the client address and the https scheme come from the proxy's X-Forwarded-For and
X-Forwarded-Proto; without it, those headers are anybody's and count for nothing. granian
ignores them itself, so under granian this is the only thing that makes https requests look
like https."""

import pytest

from .conftest import make_app

PLAIN = "http://idp.test"  # what a server sees from a proxy that terminated TLS
FROM_PROXY = {"REMOTE_ADDR": "127.0.0.1"}


@pytest.fixture
def behind_proxy(database_url, keys_dir):
    return make_app(database_url, keys_dir, PROXY_HOPS=1).test_client()


def _token(client, **headers):
    return client.post("/token", base_url=PLAIN, data={"grant_type": "client_credentials"},
                       headers=headers, environ_base=FROM_PROXY)


def test_the_proxy_s_x_forwarded_proto_makes_the_request_https(behind_proxy):
    answered = _token(behind_proxy, **{"X-Forwarded-Proto": "https"})
    assert answered.status_code == 401 and answered.json["error"] == "invalid_client"


def test_without_the_proxy_s_word_plain_http_is_refused(behind_proxy):
    answered = _token(behind_proxy)
    assert answered.status_code == 400 and answered.json["error_description"] == "Use https."


def test_x_forwarded_proto_counts_for_nothing_without_proxy_hops(client):
    answered = _token(client, **{"X-Forwarded-Proto": "https"})
    assert answered.status_code == 400 and answered.json["error_description"] == "Use https."


def test_the_client_address_is_the_one_the_proxy_names(behind_proxy):
    """/metrics answers loopback only: a request relayed for an outside address is refused."""
    assert behind_proxy.get("/metrics", environ_base=FROM_PROXY).status_code == 200
    relayed = behind_proxy.get("/metrics", environ_base=FROM_PROXY,
                               headers={"X-Forwarded-For": "203.0.113.9"})
    assert relayed.status_code == 404
