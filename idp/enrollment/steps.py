"""Between a right one-time code and the password it lets the person choose: a ticket in this
browser's server-side session, good for a few minutes. The code itself is consumed only when
the password is set (codes.consume), so a refused password does not burn the code.
"""

from __future__ import annotations

from flask import session

from ..accounts.models import Account
from ..clock import timestamp
from ..extensions import db

TICKET = "enrollment_ticket"
TICKET_LIFETIME = 15 * 60


def start(account: Account, ticket: dict, purpose: str) -> None:
    session[TICKET] = {"account_id": account.id, "purpose": purpose, "at": timestamp(),
                       "ticket": ticket}


def current() -> tuple[Account, dict, str] | None:
    """(account, ticket, purpose) of a fresh ticket in this browser, or None."""
    data = session.get(TICKET)
    if not data or timestamp() - data["at"] > TICKET_LIFETIME:
        session.pop(TICKET, None)
        return None
    account = db.session.get(Account, data["account_id"])
    if account is None:
        session.pop(TICKET, None)
        return None
    return account, data["ticket"], data["purpose"]


def finish() -> None:
    session.pop(TICKET, None)
