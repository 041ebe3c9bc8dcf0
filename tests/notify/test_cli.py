"""The operator's commands: exit status, one-line refusals, JSON for scripts."""

from __future__ import annotations

import json

import responses

from ..cli import assert_refused_in_one_line
from ..cli import invoke
from .conftest import SMS_GATEWAY
from .conftest import queue


def test_deliver_with_nothing_due_succeeds_quietly(notify_app):
    result = invoke(notify_app, "notify", "deliver", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"sent": 0, "failed": 0, "parked": 0}


def test_deliver_reports_what_it_sent(notify_app, smtp_server, factories):
    holder = factories.account("cli@example.test", phone_number=None)
    queue(notify_app, holder.id, "activated")
    result = invoke(notify_app, "notify", "deliver")
    assert result.exit_code == 0
    assert "sent 1" in result.stdout


@responses.activate
def test_deliver_fails_in_one_line_when_a_gateway_refuses(notify_app, factories):
    responses.post(SMS_GATEWAY, status=401)
    holder = factories.account("cli@example.test", email=None, phone_number="+84900000001")
    queue(notify_app, holder.id, "activated")
    assert_refused_in_one_line(invoke(notify_app, "notify", "deliver"),
                               "1 message(s) not sent", "SMS gateway answered 401")


def test_a_wrong_gateway_url_is_refused_before_anything_is_claimed(notify_app, factories):
    notify_app.config["NOTIFY"]["EMAIL_URL"] = "http://mail.example.test"
    holder = factories.account("cli@example.test", phone_number=None)
    queue(notify_app, holder.id, "activated")
    assert_refused_in_one_line(invoke(notify_app, "notify", "deliver"), "EMAIL_URL")
    listed = json.loads(invoke(notify_app, "notify", "list", "--json").stdout)
    assert [item["attempts"] for item in listed] == [0]


def test_list_shows_waiting_messages_and_failed_only_parked_ones(notify_app, factories):
    holder = factories.account("cli@example.test")
    queue(notify_app, holder.id, "locked", reason="holder_request")

    waiting = invoke(notify_app, "notify", "list", "--json")
    assert waiting.exit_code == 0
    items = json.loads(waiting.stdout)
    assert {item["channel"] for item in items} == {"email", "sms"}
    assert {item["status"] for item in items} == {"queued"}
    assert all(item["account_id"] == holder.id and item["locale"] == "vi" for item in items)
    assert json.loads(invoke(notify_app, "notify", "list", "--failed", "--json").stdout) == []
    assert "cli@example.test" in invoke(notify_app, "notify", "list").stdout


def test_retry_needs_to_know_what(notify_app):
    assert_refused_in_one_line(invoke(notify_app, "notify", "retry"), "--all-failed")
    assert_refused_in_one_line(invoke(notify_app, "notify", "retry", "999"), "parked")


def test_deliver_loop_keeps_sending_until_stopped(notify_app, smtp_server, factories, monkeypatch):
    holder = factories.account("loop@example.test", phone_number=None)
    queue(notify_app, holder.id, "activated")
    rounds = []

    def stop_after_two_rounds(seconds):  # Ctrl-C during the second pause
        rounds.append(seconds)
        if len(rounds) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr("idp.notify.commands.time.sleep", stop_after_two_rounds)
    result = invoke(notify_app, "notify", "deliver", "--loop", "--interval", "2")

    assert result.exit_code == 0
    assert rounds == [2.0, 2.0]
    assert len(smtp_server.received) == 1
    assert result.stdout.count("sent 1") == 1  # idle rounds print nothing
