"""The ways out: e-mail over SMTP, SMS over the operator's HTTP gateway, and a console sender
for development (an empty URL). Each raises SendFailed; the deliverer keeps the message queued.

Senders get the text to send and never log it: bodies may carry activation codes.
"""

from __future__ import annotations

import logging
import smtplib
import socket
import ssl
from email.message import EmailMessage
from email.utils import formatdate
from email.utils import make_msgid
from email.utils import parseaddr
from urllib.parse import unquote
from urllib.parse import urlsplit

import click
import requests

from .models import EMAIL
from .models import SMS

log = logging.getLogger("idp.notify")

# SEC-99 (ASVS 5 V12.3.2): connect within 3 s, answer within 10 s; a gateway that redirects is
# answered as a failure (the message stays queued), never followed.
CONNECT_TIMEOUT = 3.0
READ_TIMEOUT = 10.0


class SendFailed(Exception):
    """The gateway did not take the message; it stays queued. The text never holds the body."""


class _Smtp(smtplib.SMTP):
    """smtplib has one timeout for connecting and for every answer; this one connects within
    CONNECT_TIMEOUT and then waits up to the given timeout for each answer."""

    def _get_socket(self, host, port, timeout):
        sock = socket.create_connection((host, port), min(timeout, CONNECT_TIMEOUT),
                                        self.source_address)
        sock.settimeout(timeout)
        return sock


class _SmtpTls(smtplib.SMTP_SSL, _Smtp):
    """smtps://: SMTP_SSL wraps the socket that _Smtp connected (method order: SMTP_SSL, _Smtp)."""


class SmtpSender:
    """smtp://user:pass@host:port (STARTTLS when the server offers it) or smtps:// (TLS)."""

    def __init__(self, url: str, sender: str, *, timeout: float = READ_TIMEOUT) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("NOTIFY.EMAIL_URL must be smtp://host[:port] or smtps://host[:port]")
        self.tls = parts.scheme == "smtps"
        self.host = parts.hostname
        self.port = parts.port or (465 if self.tls else 25)
        self.user = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else ""
        self.sender = sender
        self.timeout = timeout

    def send(self, *, to: str, subject: str, text: str, locale: str) -> None:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = formatdate(usegmt=True)
        message["Message-ID"] = make_msgid(domain=parseaddr(self.sender)[1].partition("@")[2] or None)
        message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies
        message.set_content(text)
        message["Content-Language"] = locale  # after set_content, which resets Content-* headers
        try:
            with self._connect() as smtp:
                if self.user:
                    smtp.login(self.user, self.password)
                smtp.send_message(message)
        except (smtplib.SMTPException, OSError) as exc:
            raise SendFailed(f"SMTP {self.host}:{self.port}: {_describe(exc)}") from None

    def _connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context()
        if self.tls:
            return _SmtpTls(self.host, self.port, timeout=self.timeout, context=context)
        smtp = _Smtp(self.host, self.port, timeout=self.timeout)
        try:
            smtp.ehlo()
            if smtp.has_extn("starttls"):
                smtp.starttls(context=context)
                smtp.ehlo()
        except BaseException:
            smtp.close()
            raise
        return smtp


class HttpSmsSender:
    """POST {"to", "text"} as JSON with `Authorization: Bearer <token>`; any 2xx is accepted."""

    def __init__(self, url: str, token: str, *, timeout: float = READ_TIMEOUT) -> None:
        if urlsplit(url).scheme not in ("http", "https"):
            raise ValueError("NOTIFY.SMS_URL must be an http(s) URL")
        self.url = url
        self.token = token
        self.timeout = timeout

    def send(self, *, to: str, subject: str, text: str, locale: str) -> None:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        try:
            response = requests.post(self.url, json={"to": to, "text": text}, headers=headers,
                                     timeout=(CONNECT_TIMEOUT, self.timeout), allow_redirects=False)
        except requests.RequestException as exc:
            raise SendFailed(f"SMS gateway unreachable: {type(exc).__name__}") from None
        if not 200 <= response.status_code < 300:
            raise SendFailed(f"SMS gateway answered {response.status_code}")


class ConsoleSender:
    """Development only (no URL configured): prints the message instead of sending it, so the
    person running the demo can read it, activation codes included."""

    def __init__(self, channel: str) -> None:
        self.channel = channel

    def send(self, *, to: str, subject: str, text: str, locale: str) -> None:
        heading = subject if self.channel == EMAIL else "SMS"
        click.echo(f"--- {self.channel} to {to} ({locale}): {heading}\n{text}\n---", err=True)


def senders_from_config(config) -> dict:
    """The sender of each channel from [NOTIFY]. An empty URL is the console in development; in
    production it would print activation codes into the logs, so the messages stay queued."""
    notify = config["NOTIFY"]
    production = config.get("ENV") == "production"

    def pick(channel: str, url: str, real):
        if url:
            return real()
        return Unconfigured(channel) if production else ConsoleSender(channel)

    return {
        EMAIL: pick(EMAIL, notify["EMAIL_URL"], lambda: SmtpSender(notify["EMAIL_URL"],
                                                                  notify["EMAIL_FROM"])),
        SMS: pick(SMS, notify["SMS_URL"], lambda: HttpSmsSender(notify["SMS_URL"],
                                                               notify["SMS_TOKEN"])),
    }


class Unconfigured:
    """Production without a URL for this channel: nothing is sent, nothing is lost."""

    def __init__(self, channel: str) -> None:
        self.setting = "NOTIFY.EMAIL_URL" if channel == EMAIL else "NOTIFY.SMS_URL"

    def send(self, **_message) -> None:
        raise SendFailed(f"{self.setting} is not set")


def _describe(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        message = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) \
            else str(exc.smtp_error)
        return f"{exc.smtp_code} {message}"[:200]
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "recipient refused"
    return type(exc).__name__
