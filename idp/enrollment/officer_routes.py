"""The officer's desk in the console (/admin/applications): queue, TK01 entry, the proofing steps
and the decision. Every step is a POST with CSRF, checked again in desk.py (the page may hide a
button; the server refuses); every change is audited in its own transaction.

Registered on the admin blueprint by one import in idp/admin/__init__.py.
"""

from __future__ import annotations

import hashlib

from flask import abort
from flask import current_app
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import force_locale
from flask_babel import get_locale
from flask_babel import gettext
from sqlalchemy import select

from ..accounts.models import Account
from ..admin import bp
from ..admin.guards import requires_role
from ..clock import now
from ..extensions import db
from ..i18n import LANGUAGES
from ..registry import RegistryUnavailable
from ..registry import registry_client
from . import desk
from .desk_forms import GENDERS
from .desk_forms import RELATIONSHIPS
from .desk_forms import Declaration
from .desk_forms import DeskError
from .desk_forms import DocumentCheck
from .models import STATUSES
from .models import Application

translate = gettext
READERS = ("officer", "auditor")
QUEUE_LIMIT = 200  # the oldest first; filters narrow it down


def _holidays():
    return current_app.config.get("HOLIDAY_DATES", ())


def _today():
    return now().date()


def _get(reference: str, *, lock: bool = False) -> Application:
    query = select(Application).where(Application.reference == reference)
    if lock:
        query = query.with_for_update()  # two officers deciding at once: one waits, then sees it
    application = db.session.scalar(query)
    if application is None:
        abort(404)
    return application


def consent_text(language: str) -> str:
    """The consent text (ENROLLMENT.CONSENT_TEXT) as shown in `language`."""
    text = current_app.config["ENROLLMENT"]["CONSENT_TEXT"]
    with force_locale(language):
        return translate(text)  # NOTE: an alias, so that extraction does not take it for a msgid


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@bp.get("/applications")
@requires_role(*READERS)
def applications():
    status = request.args.get("status", "received")
    status = status if status in STATUSES else None  # "all"
    office = (request.args.get("office") or "").strip() or None
    overdue = request.args.get("overdue") == "1"
    today = _today()
    listing = desk.queue(status=status, office=office, overdue=overdue, today=today,
                         limit=QUEUE_LIMIT)
    return render_template("admin/applications.html", applications=listing, today=today,
                           limit=QUEUE_LIMIT,
                           due_state=desk.due_state, statuses=STATUSES,
                           filters={"status": status or "all", "office": office or "",
                                    "overdue": overdue})


def _new_form(values, error=None, status=200):
    return render_template("admin/application_form.html", values=values, error=error,
                           genders=GENDERS, relationships=RELATIONSHIPS), status


@bp.get("/applications/new")
@requires_role("officer")
def application_new():
    return _new_form({"office": desk.last_office(g.staff.actor) or "", "requested_level": "2"})


@bp.post("/applications/new")
@requires_role("officer")
def application_create():
    try:
        declaration = Declaration.from_form(request.form, today=_today())
        application = desk.receive(declaration, registry=registry_client(), actor=g.staff.actor,
                                   today=_today(), holidays=_holidays())
        db.session.commit()
    except DeskError as exc:
        db.session.rollback()
        values = request.form.to_dict()
        if exc.field == "requested_level":
            values["requested_level"] = "1"  # under 6: level 1 is what can be offered
        return _new_form(values, error=exc, status=400)
    except RegistryUnavailable:
        db.session.rollback()
        return _new_form(request.form, status=503, error=DeskError(gettext(
            "The national registry is unavailable, so nothing was saved. Try again in a "
            "moment.")))
    return redirect(url_for("admin.application_detail", reference=application.reference), 303)


def _detail(application, error=None, status=200):
    language = request.values.get("consent_lang") or str(get_locale() or "en")
    language = language if language in LANGUAGES else "en"
    text = consent_text(language)
    today = _today()
    account = None
    if application.account_id:
        account = db.session.get(Account, application.account_id)
    return render_template(
        "admin/application_detail.html", application=application, error=error,
        missing=desk.missing(application), blockers=desk.blockers(application, today),
        due=desk.due_state(application, today), account=account,
        consent={"text": text, "language": language, "digest": _digest(text)},
        languages=LANGUAGES, methods=desk.BIOMETRIC_METHODS), status


@bp.get("/applications/<reference>")
@requires_role(*READERS)
def application_detail(reference):
    return _detail(_get(reference))


def _step(reference, action):
    """Run one step in one transaction; a refusal re-draws the page with nothing written."""
    application = _get(reference, lock=True)
    try:
        action(application)
        db.session.commit()
    except DeskError as exc:
        db.session.rollback()
        return _detail(_get(reference), error=exc, status=400)
    except RegistryUnavailable:
        db.session.rollback()
        return _detail(_get(reference), status=503, error=DeskError(gettext(
            "The national registry is unavailable, so nothing was saved. Try again in a "
            "moment.")))
    return redirect(url_for("admin.application_detail", reference=reference), 303)


@bp.post("/applications/<reference>/documents")
@requires_role("officer")
def application_documents(reference):
    def action(application):
        desk.record_documents(application, DocumentCheck.from_form(request.form),
                              actor=g.staff.actor)
    return _step(reference, action)


@bp.post("/applications/<reference>/biometric")
@requires_role("officer")
def application_biometric(reference):
    upload = request.files.get("sample")
    sample = upload.read() if upload else b""

    def action(application):
        desk.record_biometric(application, method=request.form.get("method", ""), sample=sample,
                              registry=registry_client(), actor=g.staff.actor,
                              holidays=_holidays())
    return _step(reference, action)


@bp.post("/applications/<reference>/consent")
@requires_role("officer")
def application_consent(reference):
    def action(application):
        language = request.form.get("consent_lang", "")
        if language not in LANGUAGES:
            raise DeskError(gettext("Choose the language the text was shown in."))
        text = consent_text(language)
        if request.form.get("consent_digest") != _digest(text):
            raise DeskError(gettext("The consent text has changed since the page was drawn: "
                                    "show it to the applicant again."))
        if request.form.get("agreed") != "yes":
            raise DeskError(gettext("Tick the box once the applicant has agreed."), "agreed")
        desk.record_consent(application, by=request.form.get("by", ""), text=text,
                            locale=language, actor=g.staff.actor)
    return _step(reference, action)


@bp.post("/applications/<reference>/issue")
@requires_role("officer")
def application_issue(reference):
    return _step(reference, lambda application: desk.issue(
        application, actor=g.staff.actor, today=_today()))


@bp.post("/applications/<reference>/refuse")
@requires_role("officer")
def application_refuse(reference):
    return _step(reference, lambda application: desk.refuse(
        application, actor=g.staff.actor, reason=request.form.get("reason", "")))
