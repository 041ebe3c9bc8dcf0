"""Logs an operator can search, that hold no secret of the flow they describe."""

import json
import logging

from idp.logs import JsonFormatter

from .conftest import make_app
from .factories import PASSWORD
from .factories import Factories
from .rp import TestRelyingParty


def test_each_response_carries_a_request_id_and_a_good_one_is_kept(client):
    made = client.get("/healthz").headers["X-Request-Id"]
    assert len(made) == 16
    assert client.get("/healthz", headers={"X-Request-Id": "lb-12345678"}).headers[
        "X-Request-Id"] == "lb-12345678"
    assert client.get("/healthz", headers={"X-Request-Id": "<script>"}).headers[
        "X-Request-Id"] != "<script>"


def test_json_lines_escape_forged_newlines():
    record = logging.LogRecord("idp", logging.WARNING, __file__, 1,
                               "login failed for %s", ("bob\n2026-01-01 LOGIN_SUCCESS admin",),
                               None)
    line = JsonFormatter().format(record)
    assert "\n" not in line
    assert json.loads(line)["message"].endswith("LOGIN_SUCCESS admin")


def test_a_full_flow_logs_no_secret_it_used(database_url, keys_dir, app, caplog):
    logged = make_app(database_url, keys_dir, JSON_LOGS=True)
    rp = TestRelyingParty(logged, Factories(logged))
    caplog.set_level(logging.DEBUG)
    tokens = rp.tokens()
    rp.refresh(tokens["refresh_token"])
    rp.refresh(tokens["refresh_token"])  # a reuse, which is logged
    text = caplog.text + "".join(r.getMessage() for r in caplog.records)
    assert "replay.refresh_token" in text
    for secret in (PASSWORD, rp.secret, rp.verifier, tokens["access_token"],
                   tokens["refresh_token"], tokens["id_token"]):
        assert secret not in text
