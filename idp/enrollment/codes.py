"""One-time codes: eight random digits sent to the holder when an account is issued (the fifth
step of Decree 69/2024/ND-CP Art. 12: "the person activates the account with a one-time code"),
and to a dependant's own new phone when they take their account over.

Only a keyed hash sits in the store, for ENROLLMENT.ACTIVATION_CODE_LIFETIME seconds. A right
code yields a ticket; the change it allows (setting the password) consumes the code atomically,
so it works once. Wrong answers are counted and the code dies after MAX_TRIES, on top of the
per-number and per-IP throttle of the pages that take it. A new code replaces the old one.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import current_app

from ..clock import timestamp
from ..store import consume_json
from ..store import get_json
from ..store import get_store
from ..store import key
from ..store import put_json

DIGITS = 8
MAX_TRIES = 10
ACTIVATE = "activate"
TAKEOVER = "takeover"


def _digest(account, code: str) -> str:
    # NOTE: bound to the identification number too, so a code left over from a rolled-back
    # transaction can never fit another account that reuses the same row id.
    message = f"{account.id}:{account.identification_number}:{code}".encode()
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def _keys(account, purpose: str) -> tuple[str, str]:
    return key("code", purpose, str(account.id)), key("code-tries", purpose, str(account.id))


def lifetime() -> int:
    return current_app.config["ENROLLMENT"]["ACTIVATION_CODE_LIFETIME"]


def create(account, purpose: str = ACTIVATE, **data) -> str:
    """A new code for `account` (flushed: it needs its id), carrying `data` to the change it
    allows (e.g. the new phone of a takeover). Any earlier code of this purpose stops working."""
    code = f"{secrets.randbelow(10**DIGITS):0{DIGITS}d}"
    code_key, tries_key = _keys(account, purpose)
    store = get_store()
    # The expiry is also kept in the value, against the app's clock: the store's TTL only
    # cleans up (its clock cannot be moved in tests, and need not agree with ours).
    put_json(store, code_key, {"digest": _digest(account, code), "data": data,
                               "expires": timestamp() + lifetime()}, lifetime())
    store.delete(tries_key)
    return code


def normalise(code: str) -> str:
    return "".join(ch for ch in code if not ch.isspace() and ch != "-")


def check(account, code: str, purpose: str = ACTIVATE) -> dict | None:
    """The ticket ({"digest", "data"}) for the right, unexpired code, else None (counted)."""
    code_key, tries_key = _keys(account, purpose)
    store = get_store()
    stored = get_json(store, code_key)
    code = normalise(code)
    if stored is None or timestamp() > stored["expires"]:
        return None
    if (not code.isdigit() or len(code) != DIGITS
            or not hmac.compare_digest(stored["digest"], _digest(account, code))):
        if store.incr(tries_key, lifetime()) >= MAX_TRIES:
            store.delete(code_key, tries_key)
        return None
    return stored


def consume(account, ticket: dict, purpose: str = ACTIVATE) -> bool:
    """Use the code once: of two concurrent uses only one succeeds; False if it was used or
    replaced since the ticket was given."""
    code_key, tries_key = _keys(account, purpose)
    store = get_store()
    current = get_json(store, code_key)
    # The ticket was given while the code was valid (and lives minutes): no second expiry check.
    if current is None or not hmac.compare_digest(current["digest"], ticket["digest"]):
        return False  # used, or a newer code replaced it (that one stays usable)
    used = consume_json(store, code_key)
    store.delete(tries_key)
    return used is not None and hmac.compare_digest(used["digest"], ticket["digest"])


def outstanding(account, purpose: str = ACTIVATE) -> bool:
    return get_store().get(_keys(account, purpose)[0]) is not None
