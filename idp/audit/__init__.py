"""The append-only audit log of staff and operator actions (one log for CLI and console),
echoed to the security-event stream as `audit.<action>` when the transaction commits (SEC-91)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON
from sqlalchemy import String
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from .. import security_log
from ..clock import now
from ..extensions import db


class AuditEvent(db.Model):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=now, index=True)
    actor: Mapped[str] = mapped_column(String(200))  # "cli:<os user>" or "staff:<id>"
    action: Mapped[str] = mapped_column(String(60))
    target: Mapped[str] = mapped_column(String(200))
    details: Mapped[dict] = mapped_column(JSON, default=dict)


def record(actor: str, action: str, target: str, **details) -> AuditEvent:
    """Add an event to the current transaction: it commits with the change it describes."""
    event = AuditEvent(actor=actor, action=action, target=target, details=details)
    db.session.add(event)
    security_log.emit_on_commit(f"audit.{action}", result="success", actor=actor, target=target)
    return event
