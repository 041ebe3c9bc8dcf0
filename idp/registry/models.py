"""Where registry sync has got to: the cursor of the last change applied, stored in the same
transaction as the changes it covers, so a run that stops part-way resumes where it stopped."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from ..clock import now
from ..extensions import db


class SyncCursor(db.Model):
    __tablename__ = "registry_sync_cursor"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    cursor: Mapped[str] = mapped_column(String(100), default="")
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)
