"""The activity log (SEC-95): sign-ins, step-ups, which service received which claims when,
consents revoked, factors added or removed, password changes."""

from __future__ import annotations

from babel.lists import format_list
from flask import render_template
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..clients.models import Client
from ..extensions import db
from . import events
from .guards import holder_required
from .routes import bp

# Claim names (OIDC Core §5.1) in plain words, translated when the page is drawn.
CLAIM_LABELS = {
    "sub": _l("an identifier for this service only"),
    "name": _l("full name"),
    "given_name": _l("given name"),
    "family_name": _l("family name"),
    "birthdate": _l("date of birth"),
    "gender": _l("gender"),
    "locale": _l("language"),
    "email": _l("e-mail address"),
    "email_verified": _l("whether the e-mail address is verified"),
    "phone_number": _l("mobile number"),
    "phone_number_verified": _l("whether the mobile number is verified"),
    # OpenID Connect for Identity Assurance (oidc/verified_claims.py released_names)
    "verified_claims.verification": _l("how and when your identity was verified (level 2)"),
    "verified_claims.evidence": _l("your passport and residence card details and the checks made"),
    "verified_claims.name": _l("verified full name"),
    "verified_claims.given_name": _l("verified given name"),
    "verified_claims.family_name": _l("verified family name"),
    "verified_claims.birthdate": _l("verified date of birth"),
    "verified_claims.gender": _l("verified gender"),
    "verified_claims.nationalities": _l("verified nationality"),
}

# Factor names as events record them (idp.assurance.amr), in plain words.
FACTOR_LABELS = {
    "password": _l("password"),
    "totp": _l("authenticator app"),
    "recovery_code": _l("a recovery code"),
    "recovery_codes": _l("new recovery codes"),
    "passkey": _l("passkey"),
    "passkey_uv": _l("passkey"),
}


def _listing(names, labels) -> str:
    """Names in plain words, as a list in the reader's language ("a, b and c"; "a, b và c")."""
    return format_list([str(labels.get(name, name)) for name in names or []],
                       locale=get_locale() or "en")


@bp.get("/activity")
@holder_required
def activity(account, login):
    entries = events.recent(account.id)
    client_ids = {entry.client_id for entry in entries if entry.client_id}
    names = dict(db.session.execute(
        select(Client.client_id, Client.name).where(Client.client_id.in_(client_ids))).all())
    return render_template("account/activity.html", entries=entries, names=names,
                           claim_labels=CLAIM_LABELS, factor_labels=FACTOR_LABELS,
                           listing=_listing)
