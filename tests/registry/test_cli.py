"""`flask --app idp registry ping`: an operator checks the registry connection."""

from __future__ import annotations

from ..cli import assert_refused_in_one_line
from ..cli import invoke
from ..cli import invoke_json


def test_ping_says_the_registry_answers(registry_app, registry):
    result = invoke(registry_app, "registry", "ping")
    assert result.exit_code == 0, result.output
    assert f"Registry at {registry.url} answers" in result.stdout
    assert invoke_json(registry_app, "registry", "ping")["status"] == "ok"


def test_ping_of_a_registry_that_is_down_fails_in_one_line(registry_app, registry):
    registry_app.config["REGISTRY"] = {**registry_app.config["REGISTRY"], "RETRIES": 1}
    registry.set_down(True)
    result = invoke(registry_app, "registry", "ping")
    assert_refused_in_one_line(result, registry.url, "HTTP 503", "2 attempts")


def test_ping_of_an_address_where_nobody_listens_names_it(registry_app):
    registry_app.config["REGISTRY"] = {**registry_app.config["REGISTRY"], "URL": "http://127.0.0.1:9",
                                       "RETRIES": 0}
    result = invoke(registry_app, "registry", "ping")
    assert_refused_in_one_line(result, "http://127.0.0.1:9/v1/status", "connection failed")
