"""Level 1, self-service: /register (Decree 69/2024/ND-CP Art. 11; DESIGN.md "The domain rules").

The person declares what TK01 asks; the registry matches it automatically. A match with an
eligible record issues a PENDING level-1 account at once, keyed by a number the system assigns
(never the passport number), and the activation code goes to the phone and e-mail given here.

No enumeration: a person who already holds an account sees exactly the page a new one sees, and
their registered contact is told instead. A mismatch never says which field differed, and is
throttled per document number and per IP.
"""

from __future__ import annotations

from flask import current_app
from flask import render_template
from flask import request
from sqlalchemy.exc import IntegrityError

from .. import audit
from ..accounts.models import PENDING
from ..authn import throttle
from ..clock import now
from ..extensions import db
from ..notify import outbox
from ..registry import RegistryUnavailable
from ..registry import registry_client
from ..web import client_ip
from . import codes
from . import declared
from . import eligibility
from . import issue
from .blueprint import bp
from .blueprint import throttled_page
from .blueprint import unavailable_page
from .models import ONLINE
from .models import Application

SELF = "self"


def _form(errors: dict | None = None, error: str | None = None, status: int = 200, **extra):
    return render_template(
        "enrollment/register.html", values=request.form, errors=declared.messages(errors or {}),
        error=error, genders=declared.GENDERS, nationalities=declared.nationalities(), **extra,
    ), status


def _refused(reason: str):
    return render_template("enrollment/refused.html", reason=reason), 403


def _sent():
    return render_template("enrollment/sent.html",
                           hours=codes.lifetime() // 3600), 200


@bp.get("/register")
def register_form():
    return _form()


@bp.post("/register")
def register():
    today = now().date()
    person, errors = declared.parse_person(request.form, today)
    phone, email = declared.parse_contact(request.form, errors)
    if errors:
        return _form(errors, status=400)
    subject = throttle.Subject("register", person.document_number, client_ip())
    try:
        throttle.check(subject)
    except throttle.Throttled as exc:
        return throttled_page("enrollment/register.html", exc.retry_after, values=request.form,
                              errors={}, genders=declared.GENDERS,
                              nationalities=declared.nationalities())
    if eligibility.age_on(person.birthdate, today) < eligibility.SELF_SERVICE_AGE:
        return _refused(eligibility.UNDER_AGE)
    try:
        record = person.match(registry_client())
    except RegistryUnavailable as exc:
        current_app.logger.warning("registration: %s", exc)
        return unavailable_page()
    if record is None:
        throttle.record_failure(subject)
        return _form(error="mismatch", status=400)
    reason = eligibility.self_service_refusal(record, today)
    if reason:
        return _refused(reason)
    return _issue(person, record, phone, email)


def _issue(person, record, phone: str, email: str | None):
    existing = issue.existing_account(record.person_id)
    if existing is not None:
        _tell_holder(existing)
        db.session.commit()
        return _sent()
    application = Application(
        reference=issue.new_reference(ONLINE), channel=ONLINE,
        office=current_app.config["ENROLLMENT"]["OFFICE"], requested_level=1,
        full_name=record.full_name, birthdate=person.birthdate, gender=person.gender,
        nationality=person.nationality, document_number=person.document_number,
        phone_number=phone, email=email, registry_person_id=record.person_id,
        registry_has_biometrics=record.has_biometrics, document_type=record.document_type,
        document_expires=record.document_expires, card_type=record.card_type,
        card_number=record.card_number, card_expires=record.card_expires, received_by=SELF,
    )
    db.session.add(application)
    try:
        db.session.flush()
        account = issue.issue_account(application, actor=SELF)
        audit.record(SELF, "application.receive", f"application:{application.reference}",
                     channel=ONLINE, ip=client_ip(), account=f"account:{account.id}")
        db.session.commit()
    except IntegrityError:
        # Two registrations of one person at once: the other one won; same page either way.
        db.session.rollback()
        existing = issue.existing_account(record.person_id)
        if existing is not None:
            _tell_holder(existing)
            db.session.commit()
    return _sent()


def _tell_holder(account) -> None:
    """The person already holds an account: a pending one gets a fresh code, an active one a
    reminder, both at the contact registered with the account (never the one typed here)."""
    if account.status == PENDING:
        outbox.enqueue(account, "activation_code", sensitive=True,
                       activation_code=codes.create(account))
    else:
        outbox.enqueue(account, "already_registered",
                       identification_number=account.identification_number)
