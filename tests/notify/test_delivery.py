"""What the holder receives: e-mail through a real SMTP server, SMS through the operator's HTTP
gateway (an external service: mocked with `responses`), in the holder's language."""

from __future__ import annotations

import json

import responses

from idp.accounts.models import Account
from idp.extensions import db
from idp.notify.outbox import enqueue
from idp.notify.outbox import enqueue_to

from ..cli import invoke
from .conftest import SMS_GATEWAY
from .conftest import SMS_TOKEN
from .conftest import queue
from .conftest import rows


def test_a_vietnamese_holder_gets_the_lock_email_in_vietnamese(notify_app, smtp_server, factories):
    holder = factories.account("an@example.test", phone_number=None, locale="vi")
    queue(notify_app, holder.id, "locked", reason="card_expired")

    result = invoke(notify_app, "notify", "deliver")

    assert result.exit_code == 0, result.output
    [(envelope_to, message)] = smtp_server.received
    assert envelope_to == ["an@example.test"]
    assert message["To"] == "an@example.test"
    assert message["Subject"] == "Tài khoản định danh điện tử của bạn đã bị khóa"
    text = message.get_content()
    assert "Lý do: thẻ thường trú hoặc thẻ tạm trú của bạn đã hết hạn." in text
    assert "card_expired" not in text
    assert message["Content-Language"] == "vi"
    assert rows(notify_app)[0].sent_at is not None


def test_an_english_holder_gets_english(notify_app, smtp_server, factories):
    holder = factories.account("kenji@example.test", phone_number=None, locale="en-GB")
    queue(notify_app, holder.id, "restored", reason="holder_request")

    assert invoke(notify_app, "notify", "deliver").exit_code == 0

    [(_, message)] = smtp_server.received
    assert message["Subject"] == "Your electronic identification account has been unlocked"
    assert "it had been locked for this reason: your own request" in message.get_content()


def test_a_holder_without_a_language_gets_vietnamese(notify_app, smtp_server, factories):
    holder = factories.account("lan@example.test", phone_number=None, locale=None)
    queue(notify_app, holder.id, "activated")

    invoke(notify_app, "notify", "deliver")

    [(_, message)] = smtp_server.received
    assert message["Subject"] == "Tài khoản định danh điện tử của bạn đã được kích hoạt"


@responses.activate
def test_an_sms_goes_to_the_gateway_with_its_token(notify_app, smtp_server, factories):
    responses.post(SMS_GATEWAY, json={"id": "m-1"}, status=202)
    holder = factories.account("sato@example.test", email=None, phone_number="+84901112222",
                               locale="en")
    queue(notify_app, holder.id, "locked", reason="authority_request")

    assert invoke(notify_app, "notify", "deliver").exit_code == 0

    [call] = responses.calls
    assert call.request.headers["Authorization"] == f"Bearer {SMS_TOKEN}"
    sent = json.loads(call.request.body)
    assert sent == {"to": "+84901112222",
                    "text": "Your eID account has been locked. Reason: request of a competent "
                            "authority."}
    assert len(sent["text"]) < 160
    assert smtp_server.received == []
    [row] = rows(notify_app)
    assert row.sent_at is not None and row.attempts == 1 and row.last_error is None


@responses.activate
def test_a_holder_with_both_contacts_gets_both(notify_app, smtp_server, factories):
    responses.post(SMS_GATEWAY, status=200)
    holder = factories.account("both@example.test", phone_number="+84903334444")
    queue(notify_app, holder.id, "activated")

    invoke(notify_app, "notify", "deliver")

    assert len(smtp_server.received) == 1
    assert json.loads(responses.calls[0].request.body)["to"] == "+84903334444"


@responses.activate
def test_an_activation_code_reaches_the_holder_but_does_not_stay_in_the_database(
        notify_app, smtp_server, factories):
    responses.post(SMS_GATEWAY, status=200)
    holder = factories.account("new@example.test", phone_number="+84905556666", locale="en")
    queue(notify_app, holder.id, "issued", sensitive=True, reference="TK01-2026-000123",
          identification_number="800012345678", activation_code="K7Q2-9XWM")

    waiting = invoke(notify_app, "notify", "list", "--json")
    assert "K7Q2-9XWM" not in waiting.stdout  # operators never see codes
    assert invoke(notify_app, "notify", "deliver").exit_code == 0

    [(_, message)] = smtp_server.received
    assert "Activation code: K7Q2-9XWM" in message.get_content()
    assert "K7Q2-9XWM" in json.loads(responses.calls[0].request.body)["text"]
    for row in rows(notify_app):
        assert row.sent_at is not None
        assert "K7Q2-9XWM" not in row.body
        assert "800012345678" in row.body  # the rest stays readable for support


def test_an_event_that_rolls_back_queues_nothing(notify_app, smtp_server, factories):
    holder = factories.account("rollback@example.test")
    with notify_app.app_context():
        account = db.session.get(Account, holder.id)
        account.status = "locked"
        enqueue(account, "locked", reason="terms_breach")
        db.session.rollback()  # the lock failed: the holder must not hear of it

    assert rows(notify_app) == []
    assert invoke(notify_app, "notify", "deliver").exit_code == 0
    assert smtp_server.received == []


def test_a_recipient_without_an_account_can_be_told(notify_app, smtp_server):
    with notify_app.app_context():
        enqueue_to(email="guardian@example.test", locale="en", kind="guardian_link_ended")
        db.session.commit()

    invoke(notify_app, "notify", "deliver")

    [(to, message)] = smtp_server.received
    assert to == ["guardian@example.test"]
    assert message["Subject"] == "A guardian link has ended"
    assert rows(notify_app)[0].account_id is None


def test_the_demo_prints_messages_when_no_gateway_is_configured(app, factories):
    holder = factories.account("demo@example.test", phone_number="+84907778888", locale="en")
    queue(app, holder.id, "activation_code", sensitive=True, activation_code="DEMO-CODE")

    result = invoke(app, "notify", "deliver")

    assert result.exit_code == 0, result.output
    assert "demo@example.test" in result.stderr and "+84907778888" in result.stderr
    assert "DEMO-CODE" in result.stderr  # the person running the demo reads it here
    assert all(row.sent_at is not None and "DEMO-CODE" not in row.body for row in rows(app))
