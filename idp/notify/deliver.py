"""Drain the outbox: claim one due message, send it, record the outcome, each in its own short
transaction, so several deliverers can run at once and a gateway outage loses nothing.

Claiming moves `next_attempt_at` a lease ahead and counts the attempt, with a compare-and-set
on the values just read (and `FOR UPDATE SKIP LOCKED` on PostgreSQL, so deliverers do not queue
behind each other): of two deliverers that see the same row, one wins and sends it. A
deliverer that dies mid-send leaves the row to be retried when the lease runs out. A failure
sets the next attempt FIRST_RETRY * 2^(attempts-1) later, at most MAX_RETRY; after
MAX_ATTEMPTS the message is parked (kept, listed by `notify list --failed`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy import update

from ..clock import now
from ..extensions import db
from .models import Notification
from .outbox import has_secret
from .outbox import redact
from .outbox import reveal
from .senders import SendFailed
from .senders import senders_from_config

log = logging.getLogger("idp.notify")

LEASE = timedelta(minutes=10)  # far longer than one send can take (timeouts of 3 + 10 s)
CANDIDATES = 5  # rows looked at per claim, for when another deliverer wins the first


@dataclass(frozen=True)
class Claim:
    id: int
    kind: str
    channel: str
    recipient: str
    locale: str
    subject: str
    body: str
    attempts: int  # this one included
    lease: datetime


@dataclass
class Report:
    sent: int = 0
    failed: int = 0  # stays queued for a later attempt
    parked: int = 0  # failed for the last time
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"sent": self.sent, "failed": self.failed, "parked": self.parked}


def deliver(limit: int = 100, *, senders: dict | None = None) -> Report:
    """Send up to `limit` due messages; never raises for a failed send."""
    senders = senders or senders_from_config(current_app.config)
    settings = current_app.config["NOTIFY"]
    report = Report()
    for _ in range(limit):
        claim = claim_one(settings["MAX_ATTEMPTS"])
        if claim is None:
            break
        try:
            senders[claim.channel].send(to=claim.recipient, subject=claim.subject,
                                        text=reveal(claim.body), locale=claim.locale)
        except SendFailed as exc:
            error = str(exc)
        except Exception as exc:  # noqa: BLE001 - a sender's bug must not lose the message
            log.exception("notification %s: sender error", claim.id)
            error = f"unexpected error: {type(exc).__name__}"
        else:
            mark_sent(claim)
            report.sent += 1
            continue
        parked = mark_failed(claim, error, settings)
        report.errors.append(error)
        if parked:
            report.parked += 1
        else:
            report.failed += 1
        log.info("notification %s (%s) not sent, attempt %s: %s", claim.id, claim.channel,
                 claim.attempts, error)
    return report


def due(max_attempts: int, at: datetime):
    return (Notification.sent_at.is_(None), Notification.attempts < max_attempts,
            Notification.next_attempt_at <= at)


def claim_one(max_attempts: int) -> Claim | None:
    """Take one due message for this deliverer, or None when nothing is due."""
    at = now()
    query = (select(Notification.id, Notification.next_attempt_at, Notification.attempts)
             .where(*due(max_attempts, at))
             .order_by(Notification.next_attempt_at, Notification.id).limit(CANDIDATES))
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    lease = at + LEASE
    for row_id, seen_next, seen_attempts in db.session.execute(query).all():
        taken = db.session.execute(
            update(Notification)
            .where(Notification.id == row_id, Notification.sent_at.is_(None),
                   Notification.next_attempt_at == seen_next,
                   Notification.attempts == seen_attempts)
            .values(next_attempt_at=lease, attempts=seen_attempts + 1)
            .execution_options(synchronize_session=False))
        if taken.rowcount == 1:
            db.session.commit()
            row = db.session.get(Notification, row_id, populate_existing=True)
            return Claim(row.id, row.kind, row.channel, row.recipient, row.locale, row.subject,
                         row.body, row.attempts, lease)
    db.session.commit()
    return None


def mark_sent(claim: Claim) -> None:
    """Sent: record it; a secret in the body is masked from now on (it must not sit in the DB)."""
    values = {"sent_at": now(), "last_error": None}
    if has_secret(claim.body):
        values["body"] = redact(claim.body)
    _finish(claim, values)


def mark_failed(claim: Claim, error: str, settings: dict) -> bool:
    """Failed: back off (doubling, capped); True when this was the last attempt (parked)."""
    delay = min(settings["FIRST_RETRY"] * 2 ** (claim.attempts - 1), settings["MAX_RETRY"])
    _finish(claim, {"next_attempt_at": now() + timedelta(seconds=delay),
                    "last_error": error[:500]})
    return claim.attempts >= settings["MAX_ATTEMPTS"]


def _finish(claim: Claim, values: dict) -> None:
    done = db.session.execute(
        update(Notification)
        .where(Notification.id == claim.id, Notification.sent_at.is_(None),
               Notification.next_attempt_at == claim.lease)
        .values(**values).execution_options(synchronize_session=False))
    db.session.commit()
    if done.rowcount != 1:
        log.warning("notification %s: lease ran out before its outcome was recorded", claim.id)
