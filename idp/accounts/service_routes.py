"""Connected services: the consents the holder gave, and taking one back.

Revoking a consent also revokes every grant of the account at that client, so its refresh and
access tokens stop at once (RFC 7009 §2.1), and the next sign-in there asks for consent again.
"""

from __future__ import annotations

from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from sqlalchemy import select

from ..clients.models import Client
from ..extensions import db
from ..oidc.consents import SCOPE_DESCRIPTIONS
from ..oidc.records import revoke_grants
from ..web import client_ip
from . import events
from .guards import holder_required
from .models import Consent
from .routes import bp


@bp.get("/services")
@holder_required
def services(account, login):
    rows = db.session.execute(
        select(Consent, Client).join(Client, Client.client_id == Consent.client_id)
        .where(Consent.account_id == account.id).order_by(Client.name)).all()
    return render_template("account/services.html", connected=rows,
                           descriptions=SCOPE_DESCRIPTIONS)


@bp.post("/services/<int:consent_id>/revoke")
@holder_required
def revoke_service(account, login, consent_id):
    """Only the holder's own consents: any other id is unknown here (404)."""
    consent = db.session.scalar(select(Consent).where(Consent.id == consent_id,
                                                      Consent.account_id == account.id))
    if consent is None:
        abort(404)
    client = db.session.scalar(select(Client).where(Client.client_id == consent.client_id))
    db.session.delete(consent)
    revoke_grants(account.id, "consent_revoked", client_id=consent.client_id)
    events.record(account.id, events.CONSENT_REVOKED, consent.client_id, ip=client_ip())
    db.session.commit()
    flash(client.name if client else consent.client_id, "service_revoked")
    return redirect(url_for("account.services"), 303)
