"""A real SMTP server in the test process (aiosmtpd) receives the e-mails; the SMS gateway is an
external operator's HTTP API, so the tests that need it mock it with `responses`."""

from __future__ import annotations

import email
import socket
from email import policy

import pytest
from aiosmtpd.controller import Controller

from idp.accounts.models import Account
from idp.extensions import db
from idp.notify.models import Notification
from idp.notify.outbox import enqueue

SMS_GATEWAY = "https://sms-gateway.test/v1/messages"
SMS_TOKEN = "gateway-token"  # noqa: S105 - the test gateway's bearer token


class Inbox:
    """aiosmtpd handler: keeps every message it accepts."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.received.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.inbox = Inbox()
        self._controller = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def received(self):
        return self.inbox.received

    def start(self) -> None:
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def smtp_server():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def notify_app(app, smtp_server):
    """The app with both gateways configured: SMTP on the local server, SMS on the mocked API."""
    app.config["NOTIFY"].update({"EMAIL_URL": smtp_server.url, "SMS_URL": SMS_GATEWAY,
                                 "SMS_TOKEN": SMS_TOKEN, "FIRST_RETRY": 30, "MAX_RETRY": 3600,
                                 "MAX_ATTEMPTS": 4})
    return app


def queue(app, account_id: int, kind: str, **params) -> list[int]:
    """What the event's code does: enqueue in its transaction, then commit."""
    with app.app_context():
        rows = enqueue(db.session.get(Account, account_id), kind, **params)
        db.session.commit()
        return [row.id for row in rows]


def rows(app, **where) -> list[Notification]:
    with app.app_context():
        found = db.session.scalars(db.select(Notification).filter_by(**where)
                                   .order_by(Notification.id)).all()
        for row in found:
            db.session.expunge(row)
        return found
