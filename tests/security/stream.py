"""Reading the security-event stream (idp.security_log) in tests: what caplog saw, one event per
action, each with its request fields and a UTC time (SEC-91)."""

from __future__ import annotations

import logging
import re

from idp import security_log
from idp.logs import JsonFormatter

from ..rp import TestRelyingParty

REQUEST_FIELDS = ("event", "time", "ip", "user_agent", "request_id")
ATTEMPT_FIELDS = (*REQUEST_FIELDS, "result", "reason", "factor", "acr", "client_id", "user",
                  "stage", "realm")
REFERENCE = re.compile(r"^[0-9a-f]{16}$")


class Stream:
    """The security events caplog saw since the last take()."""

    def __init__(self, caplog) -> None:
        self.caplog = caplog

    def records(self) -> list[logging.LogRecord]:
        return [r for r in self.caplog.records if r.name == security_log.LOGGER.name]

    def take(self, *names: str) -> dict[str, dict]:
        """Exactly these events, one each (in any order), by name; the stream starts afresh."""
        events = [r.security for r in self.records()]
        self.caplog.clear()
        assert sorted(e["event"] for e in events) == sorted(names), [e["event"] for e in events]
        for event in events:
            assert set(REQUEST_FIELDS) <= set(event), event
            assert event["time"].endswith(("+00:00", "Z")), event["time"]
            assert event["ip"] == "127.0.0.1" and event["user_agent"] and event["request_id"]
        return {e["event"]: e for e in events}


def user_ref(app, account) -> str:
    with app.app_context():
        reference = security_log.user_ref(account.id)
    assert REFERENCE.match(reference) and reference != str(account.id)
    return reference


def assert_attempt(event: dict, **expected) -> None:
    assert set(ATTEMPT_FIELDS) <= set(event), event
    for name, value in expected.items():
        assert event[name] == value, (name, event)


def json_lines(stream: Stream) -> str:
    return "\n".join(JsonFormatter().format(r) for r in stream.records())


def level2_rp(app, factories, **meta) -> TestRelyingParty:
    rp = TestRelyingParty(app, factories, **meta)
    rp.totp_secret, rp.recovery_codes = factories.level2(rp.account)
    return rp
