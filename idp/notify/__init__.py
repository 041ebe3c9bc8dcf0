"""Notifications to account holders: an outbox, delivered by email (SMTP) and SMS (HTTP)."""

from . import models  # noqa: F401 - registers the outbox table


def init_app(app) -> None:
    """Commands are registered here as they land."""
