"""Account queries the other packages need, in one place."""

from __future__ import annotations

from sqlalchemy import exists
from sqlalchemy import select

from ..assurance.levels import AccountFacts
from ..assurance.levels import Level
from ..extensions import db
from .factors import Passkey
from .factors import TotpFactor
from .models import Account
from .models import canonical_login


def by_login(login: str) -> Account | None:
    return db.session.scalar(select(Account).where(Account.login == canonical_login(login)))


def facts(account: Account) -> AccountFacts:
    """The plain values the assurance decision needs (one query for both factor kinds)."""
    has_totp, has_passkey = db.session.execute(select(
        exists().where(TotpFactor.account_id == account.id, TotpFactor.confirmed_at.is_not(None)),
        exists().where(Passkey.account_id == account.id),
    )).one()
    return AccountFacts(
        proofed_level=Level(account.proofed_level),
        residence_card_expires=account.residence_card_expires,
        has_totp=bool(has_totp),
        has_passkey=bool(has_passkey),
        locked=not account.is_active,
    )
