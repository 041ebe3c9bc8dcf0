"""Deciding an application (TK01): issue the account, or refuse with written reasons.

Both channels end here: self-service level 1 (registration.py) and the officer's desk (level 2,
or a child's account through a guardian). Decree 69/2024/ND-CP Art. 12, step 5: the result goes
to the registered phone or e-mail, and the person activates the account with a one-time code.

Everything is added to the caller's transaction; the caller commits (or rolls back, and then
neither the account, the decision nor the notification exists).

Names are kept whole: `given_name` holds the full name exactly as in the passport and
`family_name` stays empty. Passports order names differently by country (family name first for
Vietnamese, Chinese, Korean or Hungarian holders; last elsewhere), so any split would be a
guess that relying parties then print wrongly; `name` (given + family) is the exact full name.
"""

from __future__ import annotations

import secrets

from flask import has_request_context
from flask_babel import get_locale
from sqlalchemy import select

from .. import audit
from ..accounts import events
from ..accounts import proofing
from ..accounts.models import CLOSED
from ..accounts.models import PENDING
from ..accounts.models import Account
from ..accounts.models import new_identification_number
from ..clock import now
from ..extensions import db
from ..notify import outbox
from . import codes
from .models import ISSUED
from .models import RECEIVED
from .models import REFUSED
from .models import Application

ISSUED_EVENT = "account_issued"
RAISED_EVENT = "level_raised"


def new_reference(channel: str) -> str:
    """The application's reference shown to the applicant: channel, date, random part."""
    prefix = "OL" if channel == "online" else "DK"
    return f"{prefix}-{now():%Y%m%d}-{secrets.token_hex(4).upper()}"


class IssueRefused(ValueError):
    """The application cannot be issued as it stands; the message says why (for staff)."""


def _unused_identification_number() -> str:
    for _ in range(5):
        number = new_identification_number()
        if db.session.scalar(select(Account.id).where(
                (Account.identification_number == number) | (Account.login == number))) is None:
            return number
    raise RuntimeError("could not draw an unused identification number")  # 1 in 10^55


def _locale(application: Application) -> str:
    if (application.details or {}).get("locale"):  # chosen on TK01 at the desk
        return application.details["locale"]
    if application.guardian_account_id:
        guardian = db.session.get(Account, application.guardian_account_id)
        if guardian is not None and guardian.locale:
            return guardian.locale
    if has_request_context():
        return str(get_locale() or "vi")
    return "vi"


def has_level2_evidence(application: Application) -> bool:
    """Documents checked, the registry's biometric answer, and recorded consent (TK01, step 3)."""
    return bool(application.documents_checked_at and application.consent_at
                and application.biometric_checked_at and application.card_expires
                and application.document_expires)


def _evidence(application: Application) -> proofing.Evidence:
    if application.biometric_matched is False:
        raise IssueRefused("the registry did not match the biometric capture.")
    return proofing.Evidence(
        document_type=application.document_type or "passport",
        document_number=application.document_number,
        document_expires=application.document_expires,
        card_type=application.card_type or "",
        card_number=application.card_number or "",
        card_expires=application.card_expires,
        biometric_match_ref=application.biometric_reference or "",
        consent_ref=f"application:{application.reference}:consent",
    )


def _apply_profile(account: Account, application: Application) -> None:
    account.given_name = application.full_name.strip()
    account.family_name = None
    account.birthdate = application.birthdate.isoformat()
    account.gender = application.gender
    account.nationality = application.nationality
    account.document_number = "".join(application.document_number.split()).upper()
    if application.document_type:
        account.document_type = application.document_type
    if application.document_expires:
        account.document_expires = application.document_expires
    if application.card_type and application.card_expires:
        account.residence_card_type = application.card_type
        account.residence_card_number = "".join((application.card_number or "").split()).upper()
        account.residence_card_expires = application.card_expires
    if application.phone_number and application.phone_number != account.phone_number:
        account.phone_number, account.phone_number_verified = application.phone_number, False
    if application.email and application.email != account.email:
        account.email, account.email_verified = application.email, False
    if application.guardian_account_id:
        account.guardian_id = application.guardian_account_id
        account.guardian_relationship = application.representative_relationship or "guardian"


def _raise_to_level2(account: Account, application: Application, actor: str) -> None:
    proofing.apply_level2(account, _evidence(application), actor=actor, today=now().date())
    account.proofed_at = now()
    account.biometric_method = application.biometric_method
    if application.biometric_matched:
        account.biometric_matched_at = application.biometric_checked_at


def existing_account(registry_person_id: str | None) -> Account | None:
    if not registry_person_id:
        return None
    return db.session.scalar(
        select(Account).where(Account.registry_person_id == registry_person_id))


def issue_account(application: Application, *, actor: str) -> Account:
    """Issue the account the application asks for; raise IssueRefused if it cannot be.

    A person who already holds a level-1 account and now proves level 2 keeps that account
    (same row, same subject key, so the same `sub` at every client): it is raised in place.
    A new account starts PENDING with an activation code sent to its phone and e-mail (for a
    child, the guardian's: the application carries the representative's contact).
    """
    if (application.status or RECEIVED) != RECEIVED:  # None: not flushed yet
        raise IssueRefused("the application has already been decided.")
    wants_level2 = application.requested_level >= 2
    if wants_level2 and not has_level2_evidence(application):
        raise IssueRefused("level 2 needs the documents checked, the biometric check and consent.")
    account = existing_account(application.registry_person_id)
    raised_in_place = account is not None
    if raised_in_place:
        if account.status == CLOSED:
            raise IssueRefused("the person's account is closed for good.")
        if not wants_level2 or account.proofed_level >= 2:
            raise IssueRefused("the person already holds an account at this level.")
        _raise_to_level2(account, application, actor)
        _apply_profile(account, application)
        code = codes.create(account) if account.status == PENDING else None
        events.record(account.id, RAISED_EVENT, level=2, reference=application.reference)
    else:
        number = _unused_identification_number()
        account = Account(login=number, identification_number=number, status=PENDING,
                          proofed_level=1, registry_person_id=application.registry_person_id,
                          locale=_locale(application))
        _apply_profile(account, application)
        db.session.add(account)
        db.session.flush()
        if wants_level2:
            _raise_to_level2(account, application, actor)
        code = codes.create(account)
        events.record(account.id, ISSUED_EVENT, level=account.proofed_level,
                      reference=application.reference)
    application.status = ISSUED
    application.decided_at = now()
    application.decided_by = actor
    application.account_id = account.id
    if code is None:  # an active account raised in place: the holder signs in as before
        outbox.enqueue(account, "level_raised", reference=application.reference)
    else:
        outbox.enqueue(account, "issued", sensitive=True, reference=application.reference,
                       identification_number=account.identification_number, activation_code=code)
    audit.record(actor, "application.issue", f"application:{application.reference}",
                 account=f"account:{account.id}", level=account.proofed_level,
                 channel=application.channel, raised_in_place=raised_in_place)
    return account


def refuse(application: Application, *, actor: str, reason: str) -> Application:
    """Refuse with written reasons (kept on the application and in the audit log)."""
    if (application.status or RECEIVED) != RECEIVED:  # None: not flushed yet
        raise IssueRefused("the application has already been decided.")
    if not reason or not reason.strip():
        raise IssueRefused("a written reason is required.")
    application.status = REFUSED
    application.decided_at = now()
    application.decided_by = actor
    application.refusal_reason = reason.strip()
    audit.record(actor, "application.refuse", f"application:{application.reference}",
                 reason=application.refusal_reason, channel=application.channel)
    return application
