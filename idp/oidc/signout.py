"""Ending this browser's session at the IdP, and the grants that were bound to it."""

from __future__ import annotations

from sqlalchemy import update

from ..authn.sso import current_login
from ..authn.sso import end_login
from ..clock import now
from ..extensions import db
from .models import Grant


def end_browser_session() -> None:
    """RP-initiated or user logout: the server-side session goes, and the refresh tokens issued
    under it stop working (SEC-73)."""
    login = current_login()
    if login is not None:
        db.session.execute(
            update(Grant)
            .where(Grant.sid == login.sid, Grant.account_id == login.account_id,
                   Grant.revoked_at.is_(None))
            .values(revoked_at=now(), revoked_reason="logout")
        )
        db.session.commit()
    end_login()
