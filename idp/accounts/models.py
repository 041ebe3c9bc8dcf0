"""Account holders and their consents."""

from __future__ import annotations

import secrets
import unicodedata
from datetime import date
from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy import String
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from ..clock import now
from ..extensions import db

PENDING = "pending"  # issued; the holder has not entered the activation code yet
ACTIVE = "active"
LOCKED = "locked"  # at least one lock in force (accounts/lifecycle.py)
CLOSED = "closed"  # final: death, or the identification number cancelled
STATUSES = (PENDING, ACTIVE, LOCKED, CLOSED)


def canonical_login(value: str) -> str:
    """Identifiers are compared in one form everywhere: NFC, case-folded, trimmed (SEC-90)."""
    return unicodedata.normalize("NFC", value).strip().casefold()


def new_identification_number() -> str:
    """The number the system assigns to the account (12 digits, random, never a document number;
    Decree 59/2022 Art. 3(13)). Uniqueness is the database's job; a clash is retried by callers."""
    return str(secrets.randbelow(9 * 10**11) + 10**11)


def new_subject_key() -> str:
    """The account's own random key; `sub` values derive from it, never from a document number."""
    return secrets.token_urlsafe(24)


class Account(db.Model):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_key: Mapped[str] = mapped_column(String(64), unique=True, default=new_subject_key)
    identification_number: Mapped[str] = mapped_column(
        String(12), unique=True, default=new_identification_number
    )
    # The registry's own reference to the person: registry sync finds the account by it.
    registry_person_id: Mapped[str | None] = mapped_column(String(40), unique=True)
    login: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    given_name: Mapped[str | None] = mapped_column(String(200))
    family_name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    email_verified: Mapped[bool] = mapped_column(default=False)
    phone_number: Mapped[str | None] = mapped_column(String(32))
    phone_number_verified: Mapped[bool] = mapped_column(default=False)
    birthdate: Mapped[str | None] = mapped_column(String(10))
    gender: Mapped[str | None] = mapped_column(String(20))
    nationality: Mapped[str | None] = mapped_column(String(3))
    locale: Mapped[str | None] = mapped_column(String(10))
    proofed_level: Mapped[int] = mapped_column(default=1)
    # Documents checked at proofing (level 2); the registry keeps them current (one way).
    document_type: Mapped[str | None] = mapped_column(String(20))
    document_number: Mapped[str | None] = mapped_column(String(40))
    document_expires: Mapped[date | None]
    residence_card_type: Mapped[str | None] = mapped_column(String(20))
    residence_card_number: Mapped[str | None] = mapped_column(String(40))
    residence_card_expires: Mapped[date | None]
    # How level 2 was reached (OIDC4IDA evidence): when, and by which biometric the registry matched.
    proofed_at: Mapped[datetime | None]
    biometric_method: Mapped[str | None] = mapped_column(String(20))  # "face" or "fingerprint"
    biometric_matched_at: Mapped[datetime | None]
    # A minor's (or ward's) account is managed by a guardian's level-2 account until taken over.
    guardian_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"), index=True
    )
    guardian_relationship: Mapped[str | None] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20), default=ACTIVE, index=True)
    activated_at: Mapped[datetime | None] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=now)
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)

    @property
    def name(self) -> str | None:
        parts = [p for p in (self.given_name, self.family_name) if p]
        return " ".join(parts) or None

    @property
    def is_active(self) -> bool:
        return self.status == ACTIVE

    def summary(self) -> dict:
        return {
            "id": self.id,
            "identification_number": self.identification_number,
            "login": self.login,
            "given_name": self.given_name,
            "family_name": self.family_name,
            "email": self.email,
            "phone_number": self.phone_number,
            "birthdate": self.birthdate,
            "gender": self.gender,
            "nationality": self.nationality,
            "locale": self.locale,
            "proofed_level": self.proofed_level,
            "document_type": self.document_type,
            "document_expires": self.document_expires and self.document_expires.isoformat(),
            "residence_card_type": self.residence_card_type,
            "residence_card_expires": (self.residence_card_expires
                                       and self.residence_card_expires.isoformat()),
            "status": self.status,
            "guardian_id": self.guardian_id,
            "activated_at": self.activated_at and self.activated_at.isoformat(timespec="seconds"),
            "created_at": self.created_at.isoformat(timespec="seconds"),
        }


class Consent(db.Model):
    """What the holder agreed to release to one client; a new scope asks again."""

    __tablename__ = "consents"
    __table_args__ = (UniqueConstraint("account_id", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    client_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("clients.client_id", ondelete="CASCADE")
    )
    scope: Mapped[str] = mapped_column(String(500))
    granted_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)

    def covers(self, scopes: list[str]) -> bool:
        return set(scopes) <= set(self.scope.split())
