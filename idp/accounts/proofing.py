"""Recording level-2 proofing (and taking it back), audited in the same transaction.

The officer's in-person screens (enrollment issue) and the operator CLI both call this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .. import audit
from ..extensions import db
from .models import Account

DOCUMENT_TYPES = ("passport", "travel_document")
CARD_TYPES = ("permanent", "temporary")


class ProofingRefused(ValueError):
    """The evidence cannot raise the account to level 2; the message says why."""


@dataclass(frozen=True)
class Evidence:
    document_type: str
    document_number: str
    document_expires: date
    card_type: str
    card_number: str
    card_expires: date
    biometric_match_ref: str  # the registry's match result reference
    consent_ref: str  # the recorded consent (who, when, text shown)


def _check(evidence: Evidence, today: date) -> None:
    if evidence.document_type not in DOCUMENT_TYPES:
        raise ProofingRefused(f"document type must be one of {', '.join(DOCUMENT_TYPES)}.")
    if evidence.card_type not in CARD_TYPES:
        raise ProofingRefused(f"residence card type must be one of {', '.join(CARD_TYPES)}.")
    if evidence.document_expires < today:
        raise ProofingRefused("the passport or travel document has expired.")
    if evidence.card_expires < today:
        raise ProofingRefused("the residence card has expired: level 2 needs a valid card.")
    for name in ("document_number", "card_number", "biometric_match_ref", "consent_ref"):
        if not getattr(evidence, name).strip():
            raise ProofingRefused(f"{name.replace('_', ' ')} is required.")


def record_level2(account: Account, evidence: Evidence, *, actor: str, today: date) -> Account:
    """Raise the account to level 2 in place and commit (the operator CLI's path)."""
    apply_level2(account, evidence, actor=actor, today=today)
    db.session.commit()
    return account


def apply_level2(account: Account, evidence: Evidence, *, actor: str, today: date) -> Account:
    """Raise the account to level 2 in place: same account, same `sub` at every client.

    Adds to the caller's transaction (issuing an application commits it with the decision)."""
    _check(evidence, today)
    account.proofed_level = 2
    account.document_type = evidence.document_type
    account.document_number = "".join(evidence.document_number.split()).upper()
    account.document_expires = evidence.document_expires
    account.residence_card_type = evidence.card_type
    account.residence_card_number = "".join(evidence.card_number.split()).upper()
    account.residence_card_expires = evidence.card_expires
    audit.record(actor, "account.proof_level2", f"account:{account.id}",
                 biometric_match_ref=evidence.biometric_match_ref,
                 consent_ref=evidence.consent_ref,
                 document_expires=evidence.document_expires.isoformat(),
                 card_expires=evidence.card_expires.isoformat())
    return account


def downgrade(account: Account, *, actor: str, reason: str) -> Account:
    if not reason.strip():
        raise ProofingRefused("a reason is required.")
    account.proofed_level = 1
    audit.record(actor, "account.downgrade", f"account:{account.id}", reason=reason)
    db.session.commit()
    return account
