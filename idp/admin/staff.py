"""Staff of the console: admins (register clients), auditors (read only); officers come with
enrollment. Staff always sign in with a password and a second factor (TOTP)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import LargeBinary
from sqlalchemy import String
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from ..clock import now
from ..extensions import db

ROLES = ("admin", "auditor", "officer")


class Staff(db.Model):
    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(255))
    totp_secret_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    disabled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=now)

    @property
    def actor(self) -> str:
        return f"staff:{self.login}"

    def summary(self) -> dict:
        return {"id": self.id, "login": self.login, "name": self.name, "role": self.role,
                "disabled": self.disabled}
