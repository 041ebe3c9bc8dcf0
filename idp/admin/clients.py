"""Client applications in the console: list, create, edit, disable, rotate the secret.

The same registration module as the CLI (idp/clients/registration.py); every change is audited.
"""

from __future__ import annotations

import json

from flask import abort
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from .. import audit
from ..clients import registration
from ..clients.models import Client
from ..extensions import db
from . import bp
from .guards import requires_role

FIELDS = ("name", "redirect_uris", "post_logout_redirect_uris", "grant_types",
          "token_endpoint_auth_method", "scope", "jwks", "jwks_uri",
          "id_token_signed_response_alg", "subject_type", "sector_identifier_uri", "min_level",
          "verified_claims_allowed", "require_pushed_authorization_requests")


def _lines(name: str) -> list[str]:
    return [line.strip() for line in request.form.get(name, "").splitlines() if line.strip()]


def _metadata_from_form() -> dict:
    """The form's fields as registration metadata; a malformed JWKS is a RegistrationError."""
    jwks_text = request.form.get("jwks", "").strip()
    try:
        jwks = json.loads(jwks_text) if jwks_text else None
    except ValueError as exc:
        raise registration.RegistrationError("jwks: not valid JSON.") from exc
    try:
        min_level = int(request.form.get("min_level", "1"))
    except ValueError as exc:
        raise registration.RegistrationError("min_level: must be 1 or 2.") from exc
    return {
        "name": request.form.get("name", ""),
        "redirect_uris": _lines("redirect_uris"),
        "post_logout_redirect_uris": _lines("post_logout_redirect_uris"),
        "grant_types": request.form.getlist("grant_types"),
        "token_endpoint_auth_method": request.form.get("token_endpoint_auth_method"),
        "scope": " ".join(request.form.getlist("scope")),
        "jwks": jwks,
        "jwks_uri": request.form.get("jwks_uri", "").strip() or None,
        "id_token_signed_response_alg": request.form.get("id_token_signed_response_alg"),
        "subject_type": request.form.get("subject_type"),
        "sector_identifier_uri": request.form.get("sector_identifier_uri", "").strip() or None,
        "min_level": min_level,
        "verified_claims_allowed": request.form.get("verified_claims_allowed") == "1",
        "require_pushed_authorization_requests":
            request.form.get("require_pushed_authorization_requests") == "1",
    }


def _form(client=None, values=None, error=None, status=200):
    return render_template("admin/client_form.html", client=client, values=values or {},
                           error=error, registration=registration), status


def _get(client_id: str) -> Client:
    client = registration.find(client_id)
    if client is None:
        abort(404)
    return client


@bp.get("/")
@bp.get("/clients")
@requires_role("auditor")
def clients():
    listing = db.session.scalars(db.select(Client).order_by(Client.name)).all()
    return render_template("admin/clients.html", clients=listing)


@bp.get("/clients/<client_id>")
@requires_role("auditor")
def client_detail(client_id):
    return render_template("admin/client.html", client=_get(client_id), secret=None)


@bp.get("/clients/new")
@requires_role("admin")
def client_new():
    return _form()


@bp.post("/clients/new")
@requires_role("admin")
def client_create():
    try:
        registered = registration.create(_metadata_from_form())
    except registration.RegistrationError as exc:
        db.session.rollback()
        return _form(values=request.form, error=str(exc), status=400)
    audit.record(g.staff.actor, "client.create", f"client:{registered.client.client_id}",
                 verified_claims_allowed=registered.client.verified_claims_allowed)
    db.session.commit()
    return render_template("admin/client.html", client=registered.client,
                           secret=registered.client_secret), 201


@bp.get("/clients/<client_id>/edit")
@requires_role("admin")
def client_edit(client_id):
    client = _get(client_id)
    return _form(client, values=client.summary() | {"jwks": client.jwks})


@bp.post("/clients/<client_id>/edit")
@requires_role("admin")
def client_update(client_id):
    client = _get(client_id)
    try:
        registered = registration.update(client, _metadata_from_form())
    except registration.RegistrationError as exc:
        db.session.rollback()
        return _form(_get(client_id), values=request.form, error=str(exc), status=400)
    audit.record(g.staff.actor, "client.update", f"client:{client_id}",
                 verified_claims_allowed=registered.client.verified_claims_allowed)
    db.session.commit()
    return render_template("admin/client.html", client=registered.client,
                           secret=registered.client_secret)


@bp.post("/clients/<client_id>/rotate-secret")
@requires_role("admin")
def client_rotate(client_id):
    client = _get(client_id)
    try:
        secret = registration.rotate_secret(client)
    except registration.RegistrationError as exc:
        return render_template("admin/client.html", client=client, secret=None,
                               error=str(exc)), 400
    audit.record(g.staff.actor, "client.rotate_secret", f"client:{client_id}")
    db.session.commit()
    return render_template("admin/client.html", client=client, secret=secret)


@bp.post("/clients/<client_id>/disable")
@requires_role("admin")
def client_disable(client_id):
    enable = request.form.get("enable") == "1"
    registration.set_disabled(_get(client_id), disabled=not enable)
    audit.record(g.staff.actor, "client.enable" if enable else "client.disable",
                 f"client:{client_id}")
    db.session.commit()
    return redirect(url_for("admin.client_detail", client_id=client_id), 303)
