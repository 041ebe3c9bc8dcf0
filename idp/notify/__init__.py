"""Notifications to account holders: an outbox, delivered by email (SMTP) and SMS (HTTP)."""

from . import models  # noqa: F401 - registers the outbox table
from .commands import notify_cli


def init_app(app) -> None:
    app.cli.add_command(notify_cli)
