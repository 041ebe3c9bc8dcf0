"""Queue a notification in the transaction of the event it tells about (transactional outbox):
if the event rolls back, nothing is sent; nothing is sent inside a request. `deliver.py` sends.

Secrets (activation codes) are kept in the body between markers only until the message is
sent; then the body keeps a redacted copy (`redact`), and no listing or log ever shows them.
"""

from __future__ import annotations

from ..extensions import db
from . import messages
from .models import EMAIL
from .models import SMS
from .models import Notification

# Private-use characters around a secret in a stored body: never typed, stripped before sending.
SECRET_OPEN = "\ue000"  # noqa: S105 - a marker, not a password
SECRET_CLOSE = "\ue001"  # noqa: S105 - a marker, not a password
REDACTED = "••••••"


def enqueue(account, kind: str, *, sensitive: bool = False, **params) -> list[Notification]:
    """Queue `kind` to the account's e-mail and/or phone, in its holder's language; no commit."""
    if account.id is None and account in db.session:
        db.session.flush()  # a new account: its id links the messages to it
    return enqueue_to(phone=account.phone_number, email=account.email, locale=account.locale,
                      kind=kind, account_id=account.id, sensitive=sensitive, **params)


def enqueue_to(*, phone: str | None = None, email: str | None = None, locale: str | None = "vi",
               kind: str, account_id: int | None = None, sensitive: bool = False,
               **params) -> list[Notification]:
    """Queue `kind` to a recipient who may have no account (e.g. a guardian's phone); no commit.

    Unknown kind or missing parameters -> ValueError. No contact -> nothing queued ([]).
    """
    language = messages.language(locale)
    message = messages.render(kind, language, secret=_mark_secret, sensitive=sensitive, **params)
    rows = []
    for channel, recipient, body in ((EMAIL, email, message.body), (SMS, phone, message.sms)):
        recipient = (recipient or "").strip()
        if not recipient:
            continue
        rows.append(Notification(account_id=account_id, kind=kind, channel=channel,
                                 recipient=recipient, locale=language,
                                 subject=message.subject, body=body))
    db.session.add_all(rows)
    return rows


def _mark_secret(value) -> str:
    return f"{SECRET_OPEN}{value}{SECRET_CLOSE}"


def reveal(body: str) -> str:
    """The text as it is sent: the secrets without their markers."""
    return body.replace(SECRET_OPEN, "").replace(SECRET_CLOSE, "")


def redact(body: str) -> str:
    """The text as it is kept after sending and as operators see it: every secret masked."""
    out, rest = [], body
    while SECRET_OPEN in rest:
        before, _, after = rest.partition(SECRET_OPEN)
        _, closed, after = after.partition(SECRET_CLOSE)
        out.append(before + REDACTED)
        rest = after if closed else ""
    return "".join(out) + rest


def has_secret(body: str) -> bool:
    return SECRET_OPEN in body
