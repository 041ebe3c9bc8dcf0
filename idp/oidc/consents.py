"""Consent per client and scope set: asked once, remembered, asked again for a new scope."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from .. import security_log
from ..accounts.models import Consent
from ..extensions import db

# What each scope releases, in plain words: the consent page and the account's services page.
SCOPE_DESCRIPTIONS = {
    "openid": _l("Confirm that it is you (an identifier for this service only)"),
    "profile": _l("Your name, date of birth, gender and language"),
    "email": _l("Your e-mail address"),
    "phone": _l("Your mobile number"),
    # Not a scope: a claims-parameter request for identity assurance data (oidc/verified_claims.py).
    "verified_claims": _l("Your verified identity from level-2 proofing: name, date of birth, gender "
                          "and nationality, your passport and residence card numbers and expiry "
                          "dates, and that your face or fingerprints matched the immigration records"),
}


def _find(account, client) -> Consent | None:
    return db.session.scalar(
        db.select(Consent).where(
            Consent.account_id == account.id, Consent.client_id == client.client_id
        )
    )


def covers(account, client, scopes: list[str]) -> bool:
    consent = _find(account, client)
    return consent is not None and consent.covers(scopes)


def record(account, client, scopes: list[str]) -> None:
    """Add `scopes` to the stored consent; two parallel approvals still leave one row. Logged as
    `consent.granted` once committed (SEC-91)."""
    for _ in range(2):
        consent = _find(account, client)
        if consent is None:
            consent = Consent(account_id=account.id, client_id=client.client_id, scope="")
            db.session.add(consent)
        consent.scope = " ".join(sorted(set(consent.scope.split()) | set(scopes)))
        try:
            db.session.commit()
            security_log.emit("consent.granted", result="success", account_id=account.id,
                              client_id=client.client_id, scope=" ".join(scopes))
            return
        except IntegrityError:
            db.session.rollback()
    raise RuntimeError("consent could not be recorded")
