"""A gateway that is down loses nothing: the message stays queued, is retried later with a
doubling delay, and is parked for operators after the last attempt. The SMS gateway is an
external operator's API, mocked with `responses`; the SMTP server is real and really stopped."""

from __future__ import annotations

import json
import socket
import threading
import time
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
import requests
import responses
import time_machine

from idp.extensions import db
from idp.notify.deliver import deliver
from idp.notify.outbox import enqueue_to
from idp.notify.senders import SendFailed
from idp.notify.senders import SmtpSender

from ..cli import invoke
from .conftest import SMS_GATEWAY
from .conftest import queue
from .conftest import rows


def later(seconds: float):
    return time_machine.travel(datetime.now(UTC) + timedelta(seconds=seconds), tick=False)


def sms_holder(factories):
    return factories.account("sms@example.test", email=None, phone_number="+84909990000",
                             locale="en")


@pytest.mark.parametrize("outage", [
    {"status": 500},
    {"body": requests.ConnectionError("connection refused")},
], ids=["gateway-error", "connection-refused"])
def test_an_sms_gateway_outage_delays_the_message_and_loses_nothing(notify_app, factories, outage):
    holder = sms_holder(factories)
    queue(notify_app, holder.id, "locked", reason="terms_breach")

    with responses.RequestsMock() as gateway:
        gateway.post(SMS_GATEWAY, **outage)
        started = datetime.now(UTC).replace(tzinfo=None)
        result = invoke(notify_app, "notify", "deliver")
        assert result.exit_code == 1  # cron and monitors see that something is stuck
        assert "still queued" in result.stderr

    [row] = rows(notify_app)
    assert row.sent_at is None and row.attempts == 1 and row.last_error
    assert timedelta(seconds=29) < row.next_attempt_at - started < timedelta(seconds=40)

    with responses.RequestsMock(assert_all_requests_are_fired=False) as gateway:
        gateway.post(SMS_GATEWAY, status=200)
        assert invoke(notify_app, "notify", "deliver").exit_code == 0
        assert len(gateway.calls) == 0  # not due yet: the gateway is not hammered

        with later(31):
            assert invoke(notify_app, "notify", "deliver").exit_code == 0
        assert len(gateway.calls) == 1
        assert "terms of use" in json.loads(gateway.calls[0].request.body)["text"]

    [row] = rows(notify_app)
    assert row.sent_at is not None and row.attempts == 2 and row.last_error is None


def test_an_sms_gateway_that_redirects_is_not_followed_and_the_message_stays_queued(notify_app, factories):
    """SEC-99: the gateway's address is configuration; a redirect is a failure, never followed."""
    holder = sms_holder(factories)
    queue(notify_app, holder.id, "locked", reason="terms_breach")
    elsewhere = "https://elsewhere.test/v1/messages"
    with responses.RequestsMock(assert_all_requests_are_fired=False) as gateway:
        gateway.post(SMS_GATEWAY, status=307, headers={"Location": elsewhere})
        gateway.post(elsewhere, status=200)
        result = invoke(notify_app, "notify", "deliver")
        assert result.exit_code == 1 and "still queued" in result.stderr
        assert [call.request.url for call in gateway.calls] == [SMS_GATEWAY]
    [row] = rows(notify_app)
    assert row.sent_at is None and row.attempts == 1 and "307" in row.last_error


def test_an_smtp_server_that_never_answers_is_given_up_on():
    """A server that takes the connection and then says nothing costs one answer timeout."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        sender = SmtpSender(f"smtp://127.0.0.1:{silent.getsockname()[1]}", "eid@example.test",
                            timeout=0.5)
        started = time.monotonic()
        with pytest.raises(SendFailed, match="127.0.0.1"):
            sender.send(to="holder@example.test", subject="s", text="t", locale="en")
        assert time.monotonic() - started < 3


def test_each_failure_doubles_the_wait_up_to_the_maximum(notify_app, factories):
    notify_app.config["NOTIFY"].update({"FIRST_RETRY": 30, "MAX_RETRY": 100, "MAX_ATTEMPTS": 10})
    holder = sms_holder(factories)
    queue(notify_app, holder.id, "activated")
    waits = []
    with responses.RequestsMock() as gateway:
        gateway.post(SMS_GATEWAY, status=503)
        elapsed = 0
        for _ in range(4):
            with later(elapsed):
                invoke(notify_app, "notify", "deliver")
                now = datetime.now(UTC).replace(tzinfo=None)
            wait = (rows(notify_app)[0].next_attempt_at - now).total_seconds()
            waits.append(round(wait))
            elapsed += wait + 1
    assert waits == [30, 60, 100, 100]


def test_the_smtp_server_down_then_back(notify_app, smtp_server, factories):
    holder = factories.account("mail@example.test", phone_number=None, locale="vi")
    queue(notify_app, holder.id, "restored", reason="card_expired")
    smtp_server.stop()

    result = invoke(notify_app, "notify", "deliver")

    assert result.exit_code == 1
    [row] = rows(notify_app)
    assert row.sent_at is None and row.attempts == 1 and "SMTP" in row.last_error

    smtp_server.start()
    with later(31):
        assert invoke(notify_app, "notify", "deliver").exit_code == 0
    [(to, _)] = smtp_server.received
    assert to == ["mail@example.test"]
    assert rows(notify_app)[0].sent_at is not None


def test_after_the_last_attempt_the_message_is_parked_for_operators(notify_app, factories):
    notify_app.config["NOTIFY"].update({"MAX_ATTEMPTS": 2, "FIRST_RETRY": 10, "MAX_RETRY": 10})
    holder = sms_holder(factories)
    [message_id] = queue(notify_app, holder.id, "locked", reason="death")

    with responses.RequestsMock(assert_all_requests_are_fired=False) as gateway:
        gateway.post(SMS_GATEWAY, status=500)
        invoke(notify_app, "notify", "deliver")
        with later(11):
            result = invoke(notify_app, "notify", "deliver", "--json")
        assert result.exit_code == 1
        assert json.loads(result.stdout) == {"sent": 0, "failed": 0, "parked": 1}
        with later(60):
            assert invoke(notify_app, "notify", "deliver").exit_code == 0
        assert len(gateway.calls) == 2  # parked: no third attempt

    listed = invoke(notify_app, "notify", "list", "--failed", "--json")
    assert listed.exit_code == 0
    [parked] = json.loads(listed.stdout)
    assert parked["id"] == message_id and parked["status"] == "parked"
    assert parked["attempts"] == 2 and parked["last_error"] == "SMS gateway answered 500"
    assert parked["recipient"] == "+84909990000" and parked["kind"] == "locked"

    # The gateway is fixed; the operator queues the message again and it goes out.
    assert invoke(notify_app, "notify", "retry", "--all-failed").exit_code == 0
    with responses.RequestsMock() as gateway:
        gateway.post(SMS_GATEWAY, status=200)
        assert invoke(notify_app, "notify", "deliver").exit_code == 0
    assert rows(notify_app)[0].sent_at is not None
    assert json.loads(invoke(notify_app, "notify", "list", "--failed", "--json").stdout) == []


def test_a_second_run_does_not_send_again(notify_app, smtp_server, factories):
    holder = factories.account("once@example.test", phone_number=None)
    queue(notify_app, holder.id, "activated")

    invoke(notify_app, "notify", "deliver")
    invoke(notify_app, "notify", "deliver")
    with later(7200):
        invoke(notify_app, "notify", "deliver")

    assert len(smtp_server.received) == 1


def test_two_deliverers_at_once_send_each_message_exactly_once(notify_app, smtp_server):
    with notify_app.app_context():
        for n in range(24):
            enqueue_to(email=f"holder{n}@example.test", locale="en", kind="activated")
        db.session.commit()
    start = threading.Barrier(2)
    crashed = []

    def deliverer():
        try:
            with notify_app.app_context():
                start.wait()
                deliver(limit=100)
                db.session.remove()
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            crashed.append(exc)

    workers = [threading.Thread(target=deliverer) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)

    assert crashed == []
    recipients = sorted(to for (to,), _ in smtp_server.received)
    assert recipients == sorted(f"holder{n}@example.test" for n in range(24))
    assert all(row.sent_at is not None for row in rows(notify_app))
