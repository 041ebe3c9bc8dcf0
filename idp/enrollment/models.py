"""Applications for an account (form TK01), from the first declaration to the decision.

One row per application, whichever way it came: self-service level 1 online, or level 2 at an
office desk (Decree 69/2024/ND-CP Art. 11-12; DESIGN.md "The domain rules"). The figures page
counts these rows and the accounts they issued.
"""

from __future__ import annotations

from datetime import date
from datetime import datetime

from sqlalchemy import JSON
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from ..clock import now
from ..extensions import db

# How the application arrived.
ONLINE = "online"  # level 1, self-service, matched automatically
DESK = "desk"  # at an office, in person (level 2, or level 1 for a child through a guardian)
CHANNELS = (ONLINE, DESK)

# Where it stands.
RECEIVED = "received"  # waiting for an officer (documents, biometrics, consent, decision)
ISSUED = "issued"  # approved: an account exists (pending activation until the code is entered)
REFUSED = "refused"  # refused with written reasons
STATUSES = (RECEIVED, ISSUED, REFUSED)

ONLINE_OFFICE = "online"  # the office name of self-service applications in the figures


class Application(db.Model):
    __tablename__ = "applications"
    __table_args__ = (
        Index("ix_applications_office_received", "office", "received_at"),
        Index("ix_applications_status_due", "status", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)  # shown to the applicant
    channel: Mapped[str] = mapped_column(String(10))
    office: Mapped[str] = mapped_column(String(60))
    requested_level: Mapped[int]
    status: Mapped[str] = mapped_column(String(10), default=RECEIVED)

    # TK01: the declared data.
    full_name: Mapped[str] = mapped_column(String(200))
    birthdate: Mapped[date]
    gender: Mapped[str] = mapped_column(String(20))
    nationality: Mapped[str] = mapped_column(String(3))
    document_number: Mapped[str] = mapped_column(String(40), index=True)
    phone_number: Mapped[str] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(254))
    # For a minor or ward: the representative who attends, with their own level-2 account.
    representative_name: Mapped[str | None] = mapped_column(String(200))
    representative_number: Mapped[str | None] = mapped_column(String(12))  # identification number
    representative_relationship: Mapped[str | None] = mapped_column(String(30))
    guardian_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"), index=True
    )

    # What the registry said about the person (its reference; whether it holds biometrics).
    registry_person_id: Mapped[str | None] = mapped_column(String(40))
    registry_has_biometrics: Mapped[bool | None]

    # Documents the officer checked (level 2): the passport and the original residence card.
    document_type: Mapped[str | None] = mapped_column(String(20))
    document_expires: Mapped[date | None]
    card_type: Mapped[str | None] = mapped_column(String(20))
    card_number: Mapped[str | None] = mapped_column(String(40))
    card_expires: Mapped[date | None]
    documents_checked_by: Mapped[str | None] = mapped_column(String(200))
    documents_checked_at: Mapped[datetime | None]

    # The biometric match the registry answered (references, never images, are kept here).
    biometric_method: Mapped[str | None] = mapped_column(String(20))  # "face" or "fingerprint"
    biometric_reference: Mapped[str | None] = mapped_column(String(100))
    biometric_score: Mapped[float | None]
    biometric_matched: Mapped[bool | None]
    biometric_checked_at: Mapped[datetime | None]

    # The applicant's consent: who gave it, when, and the exact text shown.
    consent_by: Mapped[str | None] = mapped_column(String(200))
    consent_at: Mapped[datetime | None]
    consent_text: Mapped[str | None] = mapped_column(Text)

    received_at: Mapped[datetime] = mapped_column(default=now)
    received_by: Mapped[str] = mapped_column(String(200))  # "self" or "staff:<login>"
    due_on: Mapped[date | None]  # 3 or 7 working days after receipt (level 2)
    decided_at: Mapped[datetime | None] = mapped_column(index=True)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    refusal_reason: Mapped[str | None] = mapped_column(Text)
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"), index=True
    )
    details: Mapped[dict] = mapped_column(JSON, default=dict)  # anything else the desk noted
