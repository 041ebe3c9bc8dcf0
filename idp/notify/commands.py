"""`flask --app idp notify deliver|list|retry`: the outbox's operator commands."""

from __future__ import annotations

import getpass
import time

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from .. import audit
from ..cli import emit
from ..cli import fail
from ..cli import json_option
from ..clock import now
from ..extensions import db
from .deliver import deliver
from .models import Notification
from .outbox import redact
from .senders import senders_from_config

notify_cli = AppGroup("notify", help="Deliver and inspect notifications to account holders.")


@notify_cli.command("deliver")
@click.option("--loop", is_flag=True, help="Keep delivering until stopped (Ctrl-C).")
@click.option("--interval", type=click.FloatRange(min=0.1), default=5.0, show_default=True,
              help="Seconds between rounds with --loop.")
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True,
              help="At most this many messages per round.")
@json_option
def deliver_command(loop, interval, limit, as_json):
    """Send the due messages. Exit status 1 when some could not be sent (they stay queued)."""
    try:
        senders = senders_from_config(current_app.config)
    except ValueError as exc:
        fail(str(exc))
    if not loop:
        try:
            report = _round(senders, limit)
        except SQLAlchemyError:
            fail("The database is unavailable; nothing was sent or lost, try again later.")
        emit(report.as_dict(), as_json, _summary(report))
        if report.failed or report.parked:
            fail(f"{report.failed + report.parked} message(s) not sent, still queued or parked: "
                 f"{report.errors[-1]}")
        return
    try:
        while True:
            try:
                report = _round(senders, limit)
            except SQLAlchemyError:
                click.echo("notify: the database is unavailable; trying again.", err=True)
                time.sleep(interval)
                continue
            if report.sent or report.failed or report.parked:
                emit(report.as_dict(), as_json, _summary(report))
            if report.sent < limit:  # after a full round more may be due at once
                time.sleep(interval)
    except KeyboardInterrupt:
        return


def _round(senders, limit):
    try:
        return deliver(limit, senders=senders)
    except SQLAlchemyError:
        db.session.rollback()
        raise
    finally:
        db.session.remove()


def _summary(report) -> str:
    text = f"sent {report.sent}, failed {report.failed} (will retry), parked {report.parked}"
    return f"{text}; last error: {report.errors[-1]}" if report.errors else text


@notify_cli.command("list")
@click.option("--failed", is_flag=True, help="Only parked messages (every attempt failed).")
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True)
@json_option
def list_command(failed, limit, as_json):
    """Messages not yet sent, oldest first (the text never shows activation codes)."""
    max_attempts = current_app.config["NOTIFY"]["MAX_ATTEMPTS"]
    query = select(Notification).where(Notification.sent_at.is_(None))
    if failed:
        query = query.where(Notification.attempts >= max_attempts)
    rows = db.session.scalars(query.order_by(Notification.created_at, Notification.id)
                              .limit(limit)).all()
    items = [_describe(row, max_attempts) for row in rows]
    if not as_json:
        for item in items:
            click.echo(f"{item['id']}  {item['status']:7}  {item['kind']:20}  {item['channel']:5}  "
                       f"{item['recipient']}  attempts={item['attempts']}  "
                       f"next={item['next_attempt_at']}  {item['last_error'] or ''}".rstrip())
        if not items:
            click.echo("No messages waiting." if not failed else "No parked messages.")
        return
    emit(items, as_json)


def _describe(row: Notification, max_attempts: int) -> dict:
    return {
        "id": row.id,
        "status": "parked" if row.attempts >= max_attempts else "queued",
        "kind": row.kind,
        "channel": row.channel,
        "recipient": row.recipient,
        "account_id": row.account_id,
        "locale": row.locale,
        "subject": row.subject,
        "text": redact(row.body),
        "attempts": row.attempts,
        "created_at": row.created_at.isoformat(timespec="seconds"),
        "next_attempt_at": row.next_attempt_at.isoformat(timespec="seconds"),
        "last_error": row.last_error,
    }


@notify_cli.command("retry")
@click.argument("ids", nargs=-1, type=int)
@click.option("--all-failed", is_flag=True, help="Every parked message.")
@json_option
def retry_command(ids, all_failed, as_json):
    """Queue parked messages again (after an outage), with a fresh count of attempts."""
    if not ids and not all_failed:
        fail("Name the messages to retry, or pass --all-failed.")
    max_attempts = current_app.config["NOTIFY"]["MAX_ATTEMPTS"]
    query = select(Notification).where(Notification.sent_at.is_(None),
                                       Notification.attempts >= max_attempts)
    if ids:
        query = query.where(Notification.id.in_(ids))
    rows = db.session.scalars(query).all()
    if ids and len(rows) != len(set(ids)):
        fail("Only parked messages can be retried; check the ids with `notify list --failed`.")
    for row in rows:
        row.attempts = 0
        row.next_attempt_at = now()
        audit.record(f"cli:{getpass.getuser()}", "notification.retry", f"notification:{row.id}")
    db.session.commit()
    emit({"requeued": [row.id for row in rows]}, as_json, f"{len(rows)} message(s) queued again.")
