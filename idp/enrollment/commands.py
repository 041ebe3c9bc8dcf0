"""`flask --app idp enrollment list|show|decide`: the officers' queue for operators and scripts.

Deciding here follows the same rules as the console (enrollment/desk.py): level 2 is issued only
with the documents, the biometric check and consent recorded at the desk.
"""

from __future__ import annotations

import functools
import getpass

import click
from flask.cli import AppGroup
from flask_babel import force_locale

from ..accounts.models import Account
from ..cli import emit
from ..cli import fail
from ..cli import json_option
from ..clock import now
from ..extensions import db
from . import desk
from .desk_forms import DeskError
from .models import STATUSES
from .models import Application

enrollment_cli = AppGroup("enrollment", help="Applications for accounts (TK01): list, show, decide.")


def _in_english(command):
    """Messages in English: a terminal has no Accept-Language (and i18n's selector needs a request)."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        with force_locale("en"):
            return command(*args, **kwargs)

    return wrapper


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def summary(application: Application, *, full: bool = False) -> dict:
    today = now().date()
    data = {"reference": application.reference, "status": application.status,
            "channel": application.channel, "office": application.office,
            "requested_level": application.requested_level, "full_name": application.full_name,
            "received_at": application.received_at.isoformat(timespec="seconds"),
            "due_on": _iso(application.due_on), "due": desk.due_state(application, today)}
    if not full:
        return data
    account = db.session.get(Account, application.account_id) if application.account_id else None
    return data | {
        "birthdate": application.birthdate.isoformat(), "nationality": application.nationality,
        "registry_person_id": application.registry_person_id,
        "registry_has_biometrics": application.registry_has_biometrics,
        "representative_number": application.representative_number,
        "documents_checked_at": _iso(application.documents_checked_at),
        "document_expires": _iso(application.document_expires),
        "card_type": application.card_type, "card_expires": _iso(application.card_expires),
        "biometric": {"method": application.biometric_method,
                      "matched": application.biometric_matched,
                      "score": application.biometric_score,
                      "reference": application.biometric_reference,
                      "checked_at": _iso(application.biometric_checked_at)},
        "consent_by": application.consent_by, "consent_at": _iso(application.consent_at),
        "missing": desk.missing(application) if application.status == "received" else [],
        "blockers": desk.blockers(application, today) if application.status == "received" else [],
        "decided_at": _iso(application.decided_at), "decided_by": application.decided_by,
        "refusal_reason": application.refusal_reason,
        "identification_number": account.identification_number if account else None,
    }


def _find(reference: str) -> Application:
    application = desk.find(reference)
    if application is None:
        fail(f"No application with reference {reference!r}.")
    return application


@enrollment_cli.command("list")
@click.option("--status", type=click.Choice(STATUSES), help="Only this status.")
@click.option("--overdue", is_flag=True, help="Only undecided applications past their due date.")
@click.option("--office", help="Only this office.")
@json_option
@_in_english
def list_applications(status, overdue, office, as_json):
    """Applications, oldest first, with their due dates."""
    listing = desk.queue(status=status, office=office, overdue=overdue, today=now().date())
    emit([summary(a) for a in listing], as_json)


@enrollment_cli.command("show")
@click.argument("reference")
@json_option
@_in_english
def show(reference, as_json):
    """One application: what is done, what is missing, the decision."""
    emit(summary(_find(reference), full=True), as_json)


@enrollment_cli.command("decide")
@click.argument("reference")
@click.argument("decision", type=click.Choice(["issue", "refuse"]))
@click.option("--reason", help="The written reasons (required to refuse).")
@json_option
@_in_english
def decide(reference, decision, reason, as_json):
    """Issue the account, or refuse with written reasons (audited)."""
    application = _find(reference)
    if decision == "issue" and reason:
        fail("--reason is only for refusing.")
    try:
        if decision == "issue":
            desk.issue(application, actor=_actor(), today=now().date())
        else:
            desk.refuse(application, actor=_actor(), reason=reason or "")
        db.session.commit()
    except DeskError as exc:
        db.session.rollback()
        fail(f"Cannot {decision} {application.reference}: {exc.message}")
    emit(summary(application, full=True), as_json)
