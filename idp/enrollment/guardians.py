"""A parent or guardian registers and manages a child's account (DESIGN.md "The domain rules":
under 14, or under guardianship, through a parent or guardian with their own level-2 account).

Registering needs a level-2 account and a level-2 session (the guardian's second factor now).
The child's declared data is matched at the registry like anyone's, and the registry must name
the signed-in guardian as the child's guardian (`guardian_person_id`): a declaration alone would
let anyone holding a child's passport number attach the child to their own account. The account
is issued at level 1 with the guardian's phone and e-mail, so the activation code reaches the
guardian, who activates it and chooses its password. Until the child takes it over at 14
(takeover.py) the guardian sees it, can end its sessions and can lock it.
"""

from __future__ import annotations

from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from .. import audit
from ..accounts import events
from ..accounts import lifecycle
from ..accounts import queries
from ..accounts.guards import holder_required
from ..accounts.guards import reauthenticate
from ..accounts.locks import HOLDER_REQUEST
from ..accounts.models import Account
from ..assurance.levels import Level
from ..authn import devices
from ..authn import throttle
from ..clock import now
from ..extensions import db
from ..oidc.records import revoke_grants
from ..registry import RegistryUnavailable
from ..registry import registry_client
from ..web import client_ip
from . import declared
from . import eligibility
from . import issue
from .blueprint import bp
from .blueprint import throttled_page
from .blueprint import unavailable_page
from .models import ONLINE
from .models import Application

RELATIONSHIPS = ("parent", "guardian")


def _actor(account: Account) -> str:
    return f"guardian:{account.identification_number}"


def _back() -> str:
    return url_for("enrollment.dependants")


def dependants_of(account: Account) -> list[Account]:
    return list(db.session.scalars(db.select(Account).where(Account.guardian_id == account.id)
                                   .order_by(Account.id)))


@bp.get("/account/dependants")
@holder_required
def dependants(account, login):
    return render_template("enrollment/dependants.html", dependants=dependants_of(account),
                           may_register=_level2_account(account))


def _level2_account(account: Account) -> bool:
    return queries.facts(account).level(now().date()) >= Level.TWO


def _gate(account: Account):
    """None if this guardian may register a child now; else the page or redirect to show."""
    if not _level2_account(account):
        return render_template("enrollment/dependant_needs_level2.html", reason="level"), 403
    if not queries.facts(account).second_factors:
        return render_template("enrollment/dependant_needs_level2.html", reason="factor"), 403
    return reauthenticate(account, url_for("enrollment.new_dependant_form"))


def _form(error: str | None = None, status: int = 200, errors: dict | None = None, **extra):
    return render_template(
        "enrollment/dependant_new.html", values=request.form, error=error,
        errors=declared.messages(errors or {}), genders=declared.GENDERS,
        nationalities=declared.nationalities(), relationships=RELATIONSHIPS, **extra), status


@bp.get("/account/dependants/new")
@holder_required
def new_dependant_form(account, login):
    return _gate(account) or _form()


@bp.post("/account/dependants/new")
@holder_required
def new_dependant(account, login):
    if (blocked := _gate(account)) is not None:
        return blocked
    today = now().date()
    person, errors = declared.parse_person(request.form, today)
    relationship = request.form.get("relationship", "")
    if relationship not in RELATIONSHIPS:
        errors["relationship"] = "choose"
    if errors:
        return _form(errors=errors, status=400)
    subject = throttle.Subject("register", person.document_number, client_ip())
    try:
        throttle.check(subject)
    except throttle.Throttled as exc:
        return throttled_page("enrollment/dependant_new.html", exc.retry_after,
                              values=request.form, errors={}, genders=declared.GENDERS,
                              nationalities=declared.nationalities(), relationships=RELATIONSHIPS)
    try:
        record = person.match(registry_client())
    except RegistryUnavailable as exc:
        current_app.logger.warning("dependant registration: %s", exc)
        return unavailable_page()
    if record is None:
        throttle.record_failure(subject)
        return _form("mismatch", 400)
    reason = eligibility.guardian_refusal(record, today, relationship=relationship,
                                          guardian_person_id=account.registry_person_id)
    if reason is None and issue.existing_account(record.person_id) is not None:
        reason = "already_registered"  # the registry's guardian may know this
    if reason:
        return render_template("enrollment/refused.html", reason=reason), 403
    child = _issue(account, person, record, relationship)
    db.session.commit()
    return render_template("enrollment/dependant_issued.html", child=child)


def _issue(guardian: Account, person, record, relationship: str) -> Account:
    application = Application(
        reference=issue.new_reference(ONLINE), channel=ONLINE,
        office=current_app.config["ENROLLMENT"]["OFFICE"], requested_level=1,
        full_name=record.full_name, birthdate=person.birthdate, gender=person.gender,
        nationality=person.nationality, document_number=person.document_number,
        phone_number=guardian.phone_number or "", email=guardian.email,
        representative_name=guardian.name, representative_number=guardian.identification_number,
        representative_relationship=relationship, guardian_account_id=guardian.id,
        registry_person_id=record.person_id, registry_has_biometrics=record.has_biometrics,
        document_type=record.document_type, document_expires=record.document_expires,
        card_type=record.card_type, card_number=record.card_number,
        card_expires=record.card_expires, received_by=_actor(guardian),
    )
    db.session.add(application)
    db.session.flush()
    return issue.issue_account(application, actor=_actor(guardian))


def _dependant(account: Account, child_id: int) -> Account:
    """Only the guardian's own dependants: any other id is unknown here (404)."""
    child = db.session.get(Account, child_id)
    if child is None or child.guardian_id != account.id:
        abort(404)
    return child


@bp.post("/account/dependants/<int:child_id>/end-sessions")
@holder_required
def end_dependant_sessions(account, login, child_id):
    child = _dependant(account, child_id)
    if (step_up := reauthenticate(account, _back())) is not None:
        return step_up
    revoke_grants(child.id, "guardian_ended_sessions")
    ended = devices.end_all(child.id)
    events.record(child.id, events.SESSIONS_ENDED, ip=client_ip(), count=ended, by="guardian")
    audit.record(_actor(account), "dependant.end_sessions", f"account:{child.id}", count=ended)
    db.session.commit()
    flash(child.name or child.identification_number, "dependant_sessions_ended")
    return redirect(_back(), 303)


@bp.post("/account/dependants/<int:child_id>/lock")
@holder_required
def lock_dependant(account, login, child_id):
    child = _dependant(account, child_id)
    if (step_up := reauthenticate(account, _back())) is not None:
        return step_up
    try:
        lifecycle.lock(child, HOLDER_REQUEST, source="holder", requested_by=_actor(account),
                       actor=_actor(account))
    except lifecycle.LifecycleError:
        db.session.rollback()
        abort(409)
    db.session.commit()
    flash(child.name or child.identification_number, "dependant_locked")
    return redirect(_back(), 303)
