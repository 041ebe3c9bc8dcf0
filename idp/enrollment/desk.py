"""Level-2 proofing in person, at an office desk (form TK01; Decree 69/2024/ND-CP Art. 12, step 3).

The officer receives the declaration (matched at the registry at once), checks the passport and
the original residence card, captures a face or fingerprint that the registry matches, records
the applicant's consent, then issues or refuses. Each step is checked here, whatever screen or
command calls it, and audited with the officer as actor; callers commit.
"""

from __future__ import annotations

from datetime import date
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import audit
from ..accounts.models import ACTIVE
from ..accounts.models import CLOSED
from ..accounts.models import Account
from ..clock import now
from ..extensions import db
from ..workdays import add_working_days
from . import issue as issuing
from .desk_forms import Declaration
from .desk_forms import DeskError
from .desk_forms import DocumentCheck
from .desk_forms import age_on
from .desk_forms import new_reference
from .models import DESK
from .models import RECEIVED
from .models import Application

LEVEL2_MIN_AGE = 6  # Decree 69/2024/ND-CP: 6 and over may reach level 2; under 6, level 1 only
DAYS_WITH_BIOMETRICS = 3  # working days to decide when the registry holds the biometrics
DAYS_WITHOUT_BIOMETRICS = 7  # ... and when they are captured for the first time
BIOMETRIC_METHODS = ("face", "fingerprint")
MAX_BIOMETRIC_ATTEMPTS = 3  # a failed capture may be retaken; the third failure is final
CONSENT_BY = ("applicant", "representative")


def due_on(received: date, has_biometrics: bool, holidays) -> date:
    days = DAYS_WITH_BIOMETRICS if has_biometrics else DAYS_WITHOUT_BIOMETRICS
    return add_working_days(received, days, holidays)


def due_state(application: Application, today: date) -> str | None:
    """"overdue" or "due_today" for an undecided application, else None."""
    if application.status != RECEIVED or application.due_on is None:
        return None
    if application.due_on < today:
        return "overdue"
    return "due_today" if application.due_on == today else None


def _representative(number: str) -> Account | None:
    """The representative's own account: it must be ACTIVE and at level 2."""
    account = db.session.scalar(select(Account).where(Account.identification_number == number))
    if account is None or account.status != ACTIVE or account.proofed_level < 2:
        return None
    return account


def receive(declaration: Declaration, *, registry, actor: str, today: date,
            holidays=()) -> Application:
    """Enter a TK01 at the desk: the registry must hold the person as declared.

    Raises DeskError (nothing added) or RegistryUnavailable (nothing added)."""
    guardian = None
    if declaration.representative_number:
        guardian = _representative(declaration.representative_number)
        if guardian is None:
            raise DeskError(_l("The representative must hold an active level-2 account with "
                               "this identification number."), "representative_number")
    person = registry.match(document_number=declaration.document_number,
                            full_name=declaration.full_name, birthdate=declaration.birthdate,
                            gender=declaration.gender, nationality=declaration.nationality)
    if person is None or person.deceased:
        raise DeskError(_l("The declared data does not match the registry. Check the form "
                           "against the passport (name, date of birth, gender, nationality, "
                           "number) and try again."))
    _check_not_open(person.person_id)
    account = issuing.existing_account(person.person_id)
    if account is not None and (account.proofed_level >= declaration.requested_level
                                or account.status == CLOSED):
        raise DeskError(_l("This person already holds an account at this level (or a closed "
                           "one): no new application is needed."))
    application = Application(
        reference=new_reference(today), channel=DESK, office=declaration.office,
        requested_level=declaration.requested_level, status=RECEIVED,
        full_name=declaration.full_name, birthdate=declaration.birthdate,
        gender=declaration.gender, nationality=declaration.nationality,
        document_number=declaration.document_number, phone_number=declaration.phone_number,
        email=declaration.email, representative_name=declaration.representative_name,
        representative_number=declaration.representative_number,
        representative_relationship=declaration.representative_relationship,
        guardian_account_id=guardian.id if guardian else None,
        registry_person_id=person.person_id, registry_has_biometrics=person.has_biometrics,
        received_at=now(), received_by=actor,
        due_on=due_on(today, person.has_biometrics, holidays),
        details={"registry": {"document_type": person.document_type,
                              "card_type": person.card_type, "card_number": person.card_number},
                 "existing_account_id": account.id if account else None,
                 "locale": declaration.locale})
    db.session.add(application)
    db.session.flush()
    audit.record(actor, "application.receive", f"application:{application.reference}",
                 office=application.office, level=application.requested_level,
                 registry_person_id=person.person_id, has_biometrics=person.has_biometrics,
                 representative=declaration.representative_number)
    return application


def _check_not_open(person_id: str) -> None:
    open_one = db.session.scalar(select(Application.reference).where(
        Application.registry_person_id == person_id, Application.status == RECEIVED))
    if open_one:
        raise DeskError(_l("An application for this person is already open: %(reference)s.",
                           reference=open_one))


def _undecided(application: Application) -> None:
    if application.status != RECEIVED:
        raise DeskError(_l("This application has already been decided."))


def record_documents(application: Application, check: DocumentCheck, *, actor: str) -> None:
    """The passport (or travel document) and the ORIGINAL residence card, as the officer saw them.

    Recorded even when one has expired: the application then cannot reach level 2, and
    `blockers` says why."""
    _undecided(application)
    if check.document_number != application.document_number:
        raise DeskError(_l("The passport number differs from the one declared on the form."),
                        "document_number")
    registry = (application.details or {}).get("registry", {})
    registry_card = registry.get("card_number")
    if registry and not registry_card:
        raise DeskError(_l("The registry holds no residence card for this person: level 2 needs "
                           "a valid permanent or temporary residence card."), "card_number")
    if registry_card and check.card_number != registry_card:
        raise DeskError(_l("This residence card is not the one the registry holds for the "
                           "person."), "card_number")
    application.document_type = check.document_type
    application.document_expires = check.document_expires
    application.card_type = check.card_type
    application.card_number = check.card_number
    application.card_expires = check.card_expires
    application.documents_checked_by = actor
    application.documents_checked_at = now()
    audit.record(actor, "application.documents", f"application:{application.reference}",
                 document_type=check.document_type,
                 document_expires=check.document_expires.isoformat(),
                 card_type=check.card_type, card_expires=check.card_expires.isoformat())


def record_biometric(application: Application, *, method: str, sample: bytes, registry,
                     actor: str, holidays=()) -> None:
    """Send the capture to the registry and keep its answer (never the image).

    Raises RegistryUnavailable with nothing recorded."""
    _undecided(application)
    if method not in BIOMETRIC_METHODS:
        raise DeskError(_l("Choose face or fingerprint."), "method")
    if not sample:
        raise DeskError(_l("Attach the captured image."), "sample")
    attempts = list((application.details or {}).get("biometric_attempts", []))
    if application.biometric_matched or (application.details or {}).get("biometric_enrolled"):
        raise DeskError(_l("The biometric check is already done."))
    if len(attempts) >= MAX_BIOMETRIC_ATTEMPTS:
        raise DeskError(_l("No more captures: the registry refused the match %(count)d times.",
                           count=len(attempts)))
    result = registry.biometric_match(application.registry_person_id, method, sample)
    application.biometric_method = result.method
    application.biometric_reference = result.reference
    application.biometric_score = result.score
    application.biometric_matched = result.matched
    application.biometric_checked_at = result.checked_at
    details = dict(application.details or {})
    details["biometric_attempts"] = attempts + [{
        "method": result.method, "reference": result.reference, "score": result.score,
        "matched": result.matched, "at": result.checked_at.isoformat(timespec="seconds")}]
    if result.enrolled:
        # NOTE: the registry had no biometrics: it keeps this capture, and the decree's longer
        # deadline applies (7 working days from receipt).
        details["biometric_enrolled"] = True
        application.registry_has_biometrics = False
        application.due_on = due_on(application.received_at.date(), False, holidays)
    application.details = details
    audit.record(actor, "application.biometric", f"application:{application.reference}",
                 method=result.method, reference=result.reference, score=result.score,
                 matched=result.matched, enrolled=result.enrolled)


def record_consent(application: Application, *, by: str, text: str, locale: str,
                   actor: str) -> None:
    """Who consented, when, and the exact text shown to them, in the language shown."""
    _undecided(application)
    if by not in CONSENT_BY:
        raise DeskError(_l("Say who gave consent."), "by")
    if by == "representative" and not application.representative_name:
        raise DeskError(_l("This application has no representative."), "by")
    if by == "applicant" and application.representative_name and \
            age_on(application.birthdate, now().date()) < 14:
        raise DeskError(_l("For a child under 14 the representative gives consent."), "by")
    who = (f"representative: {application.representative_name}" if by == "representative"
           else f"applicant: {application.full_name}")
    application.consent_by = who[:200]
    application.consent_at = now()
    application.consent_text = text
    application.details = {**(application.details or {}), "consent_locale": locale}
    audit.record(actor, "application.consent", f"application:{application.reference}",
                 by=by, locale=locale)


def missing(application: Application) -> list[str]:
    """The steps not done yet (level 2 needs all three; level 1, consent)."""
    steps = []
    if application.requested_level >= 2:
        if not application.documents_checked_at:
            steps.append(str(_l("documents (passport and residence card)")))
        if not application.biometric_checked_at:
            steps.append(str(_l("biometric check")))
    if not application.consent_at:
        steps.append(str(_l("consent")))
    return steps


def blockers(application: Application, today: date) -> list[str]:
    """Reasons, in words the applicant can be given, why the requested level cannot be issued."""
    reasons = []
    if application.requested_level >= 2:
        if age_on(application.birthdate, today) < LEVEL2_MIN_AGE:
            reasons.append(str(_l("Children under 6 can only hold a level-1 account.")))
        if application.document_expires and application.document_expires < today:
            reasons.append(str(_l("The passport or travel document expired on %(day)s.",
                                  day=application.document_expires.isoformat())))
        if application.card_expires and application.card_expires < today:
            reasons.append(str(_l("The residence card expired on %(day)s: level 2 needs a valid "
                                  "card.", day=application.card_expires.isoformat())))
        if application.biometric_matched is False:
            reasons.append(str(_l("The registry did not match the captured biometrics.")))
    if application.representative_number and \
            _representative(application.representative_number) is None:
        reasons.append(str(_l("The representative no longer holds an active level-2 account.")))
    return reasons


def issue(application: Application, *, actor: str, today: date) -> Account:
    """Issue only a complete application with nothing against it (the console and CLI alike)."""
    _undecided(application)
    problems = [str(_l("Missing: %(steps)s.", steps=", ".join(missing(application))))] \
        if missing(application) else []
    problems += blockers(application, today)
    if problems:
        raise DeskError(" ".join(problems))
    try:
        return issuing.issue_account(application, actor=actor)
    except ValueError as exc:  # IssueRefused, ProofingRefused: the message says why
        raise DeskError(str(exc)) from None


def refuse(application: Application, *, actor: str, reason: str) -> None:
    _undecided(application)
    if not (reason or "").strip():
        raise DeskError(_l("Write the reasons for the refusal."), "reason")
    issuing.refuse(application, actor=actor, reason=reason.strip()[:2000])


def find(reference: str) -> Application | None:
    return db.session.scalar(select(Application).where(
        Application.reference == (reference or "").strip().upper()))


def queue(*, status: str | None = RECEIVED, office: str | None = None, overdue: bool = False,
          today: date, limit: int = 200) -> list[Application]:
    """Applications oldest first (the decree's deadlines run from receipt)."""
    query = select(Application).order_by(Application.received_at, Application.id).limit(limit)
    if status:
        query = query.where(Application.status == status)
    if office:
        query = query.where(Application.office == office)
    if overdue:
        query = query.where(Application.status == RECEIVED, Application.due_on < today)
    return list(db.session.scalars(query))


def last_office(actor: str) -> str | None:
    """The office this officer entered last (the desk form's default)."""
    return db.session.scalar(select(Application.office).where(
        Application.received_by == actor, Application.channel == DESK)
        .order_by(Application.received_at.desc()).limit(1))


def checked_at_text(value: datetime | None) -> str:
    return value.isoformat(timespec="seconds") if value else ""
