"""Who may hold an account, from the registry's record (Decree 69/2024/ND-CP Art. 11; DESIGN.md
"The domain rules"): a foreigner with a valid permanent or temporary residence card and an
unexpired passport or travel document; 14 and over register themselves, under 14 (or under
guardianship) only through a parent or guardian. Pure code: plain values in, a reason out.
"""

from __future__ import annotations

from datetime import date

SELF_SERVICE_AGE = 14

# Reasons, which pages turn into sentences.
DECEASED = "deceased"
DOCUMENT_EXPIRED = "document_expired"
NO_CARD = "no_card"
CARD_EXPIRED = "card_expired"
UNDER_AGE = "under_age"  # under 14 registering alone
OF_AGE = "of_age"  # 14 or over, registered by a parent: they register themselves
NOT_THEIR_GUARDIAN = "not_their_guardian"


def age_on(birthdate: date, today: date) -> int:
    before_birthday = (today.month, today.day) < (birthdate.month, birthdate.day)
    return today.year - birthdate.year - before_birthday


def refusal(person, today: date) -> str | None:
    """Why the registry's `person` cannot hold an account today, or None."""
    if person.deceased:
        return DECEASED
    if person.document_expires is not None and person.document_expires < today:
        return DOCUMENT_EXPIRED
    if person.card_type not in ("permanent", "temporary") or person.card_expires is None:
        return NO_CARD
    if person.card_expires < today:
        return CARD_EXPIRED
    return None


def self_service_refusal(person, today: date) -> str | None:
    """A person registering themselves online."""
    return refusal(person, today) or (
        UNDER_AGE if age_on(person.birthdate, today) < SELF_SERVICE_AGE else None)


def guardian_refusal(person, today: date, *, relationship: str,
                     guardian_person_id: str | None) -> str | None:
    """A parent or guardian registering a child or ward from their own level-2 account.

    A parent registers a child under 14; a guardian (legal representative of a ward) a person
    of any age under their guardianship. The registry must name the guardian's registry person
    as the child's guardian: a declaration alone cannot link someone else's child to an account.
    """
    if not guardian_person_id or person.guardian_person_id != guardian_person_id:
        return NOT_THEIR_GUARDIAN
    reason = refusal(person, today)
    if reason:
        return reason
    if relationship == "parent" and age_on(person.birthdate, today) >= SELF_SERVICE_AGE:
        return OF_AGE
    return None
