"""Locks on an account, with the decree's reasons (Decree 69/2024/ND-CP Art. 15; domain research
§1.6). One row per lock request; `accounts/lifecycle.py` moves rows through their states."""

from __future__ import annotations

from datetime import date
from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from ..clock import now
from ..extensions import db

# Reasons (the decree's list for foreigners' accounts).
HOLDER_REQUEST = "holder_request"
TERMS_BREACH = "terms_breach"
DOCUMENT_EXPIRED = "document_expired"  # passport or travel document
CARD_EXPIRED = "card_expired"  # residence card
DEATH = "death"
NUMBER_CANCELLED = "number_cancelled"  # identification number re-issued or cancelled
AUTHORITY_REQUEST = "authority_request"  # judicial or other competent authority
SERVICE_USER_REQUEST = "service_user_request"  # a relying party
REASONS = (HOLDER_REQUEST, TERMS_BREACH, DOCUMENT_EXPIRED, CARD_EXPIRED, DEATH, NUMBER_CANCELLED,
           AUTHORITY_REQUEST, SERVICE_USER_REQUEST)
FINAL_REASONS = (DEATH, NUMBER_CANCELLED)

# Who the request came from.
SOURCES = ("holder", "registry_sync", "operator", "authority", "service_user")

# States of one lock row.
PENDING_REVIEW = "pending_review"  # an authority's or service user's request, not yet forwarded
FORWARDED = "forwarded"  # reviewed and forwarded for a decision
IN_FORCE = "in_force"
REFUSED = "refused"  # the request was refused with written reasons
LIFTED = "lifted"
LOCK_STATES = (PENDING_REVIEW, FORWARDED, IN_FORCE, REFUSED, LIFTED)


class AccountLock(db.Model):
    __tablename__ = "account_locks"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[str] = mapped_column(String(30))
    source: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20), index=True)
    legal_basis: Mapped[str | None] = mapped_column(Text)  # e.g. the authority's request reference
    requested_by: Mapped[str] = mapped_column(String(200))
    requested_at: Mapped[datetime] = mapped_column(default=now)
    forward_due: Mapped[date | None]  # 1 working day after the request (authority, service user)
    decide_due: Mapped[date | None]  # 2 working days after forwarding
    forwarded_by: Mapped[str | None] = mapped_column(String(200))
    forwarded_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None]
    refusal_reason: Mapped[str | None] = mapped_column(Text)
    lifted_by: Mapped[str | None] = mapped_column(String(200))
    lifted_at: Mapped[datetime | None]
    lift_reason: Mapped[str | None] = mapped_column(Text)
