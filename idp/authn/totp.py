"""TOTP (RFC 6238) and recovery codes, with the security rules inside (STYLE.md habit 9).

30-second steps, the current and the previous/next step accepted (±1, RFC 6238 §5.2), each
step accepted once per account through an atomic mark in the store (pyotp alone would accept a
code again: pyotp issue 61), wrong codes throttled like passwords.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

import pyotp
from flask import current_app
from sqlalchemy import update

from ..accounts.factors import RecoveryCode
from ..accounts.factors import TotpFactor
from ..clock import now
from ..extensions import db
from ..store import get_store
from ..store import key
from . import throttle
from .sealing import seal
from .sealing import unseal

STEP = 30
RECOVERY_CODES = 10
RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


class TotpInvalid(Exception):
    """Wrong, expired or malformed code."""


class TotpReplayed(TotpInvalid):
    """A code of a time step already used: refused (SEC-57), and the caller logs the attempt
    as a `replay.totp` security event, with the stage and client it knows (SEC-91)."""


def new_secret() -> str:
    return pyotp.random_base32(32)  # 160 bits (RFC 4226 §4 R6)


def provisioning_uri(secret: str, account_name: str) -> str:
    issuer = current_app.config.get("TOTP_ISSUER_NAME", "eID")
    return pyotp.TOTP(secret).provisioning_uri(name=account_name, issuer_name=issuer)


def _context(account_id: int) -> str:
    return f"totp:{account_id}"


def enroll(account_id: int, secret: str, *, confirmed: bool) -> TotpFactor:
    """Store (or replace) the account's TOTP secret; it counts only once confirmed."""
    factor = db.session.scalar(db.select(TotpFactor).where(TotpFactor.account_id == account_id))
    if factor is None:
        factor = TotpFactor(account_id=account_id)
        db.session.add(factor)
    factor.secret_encrypted = seal(secret, context=_context(account_id))
    factor.confirmed_at = now() if confirmed else None
    return factor


def confirmed_factor(account_id: int) -> TotpFactor | None:
    return db.session.scalar(db.select(TotpFactor).where(
        TotpFactor.account_id == account_id, TotpFactor.confirmed_at.is_not(None)))


def _matching_step(secret: str, code: str, at: float) -> int | None:
    totp = pyotp.TOTP(secret)
    current = int(at // STEP)
    for step in (current, current - 1, current + 1):
        if hmac.compare_digest(totp.at(step * STEP), code):
            return step
    return None


def check_code(account_id: int, secret: str, code: str) -> int:
    """Return the accepted time step; mark it, and the one before, used for this account."""
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        raise TotpInvalid("a code has six digits")
    step = _matching_step(secret, code, time.time())
    if step is None:
        raise TotpInvalid("wrong code")
    store = get_store()
    if not store.put_new(key("totp-used", str(account_id), str(step)), "1", 4 * STEP):
        raise TotpReplayed("code already used")  # each caller logs it as `replay.totp` (SEC-91)
    store.put(key("totp-used", str(account_id), str(step - 1)), "1", 4 * STEP)
    return step


def verify(account_id: int, code: str, *, ip: str) -> None:
    """The sign-in check: throttled, replay-proof; raises throttle.Throttled or TotpInvalid."""
    subject = throttle.Subject("totp", str(account_id), ip)
    throttle.check(subject)
    factor = confirmed_factor(account_id)
    if factor is None:
        raise TotpInvalid("no TOTP enrolled")
    try:
        check_code(account_id, unseal(factor.secret_encrypted, context=_context(account_id)), code)
    except TotpInvalid:
        throttle.record_failure(subject)
        raise
    throttle.record_success(subject)


def confirm(account_id: int, secret: str, code: str, *, ip: str) -> None:
    """Enrollment: the first code proves the app holds the secret; throttled and replay-proof,
    so the confirmation code cannot then sign in (SEC-57). Adds the factor on success."""
    subject = throttle.Subject("totp", str(account_id), ip)
    throttle.check(subject)
    try:
        check_code(account_id, secret, code)
    except TotpInvalid:
        throttle.record_failure(subject)
        raise
    throttle.record_success(subject)
    enroll(account_id, secret, confirmed=True)


def _recovery_hash(code: str) -> str:
    normalised = "".join(code.split()).replace("-", "").upper()
    return hashlib.sha256(normalised.encode()).hexdigest()


def new_recovery_codes(account_id: int) -> list[str]:
    """Ten fresh codes (80 bits each), replacing any old ones; shown once, stored hashed."""
    db.session.execute(db.delete(RecoveryCode).where(RecoveryCode.account_id == account_id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(16))
        codes.append("-".join(raw[i:i + 4] for i in range(0, 16, 4)))
        db.session.add(RecoveryCode(account_id=account_id, code_hash=_recovery_hash(raw)))
    return codes


def use_recovery_code(account_id: int, code: str, *, ip: str) -> None:
    """Single use, atomically (one UPDATE); throttled with the TOTP counters."""
    subject = throttle.Subject("totp", str(account_id), ip)
    throttle.check(subject)
    used = db.session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.account_id == account_id,
               RecoveryCode.code_hash == _recovery_hash(code),
               RecoveryCode.used_at.is_(None))
        .values(used_at=now())
    )
    db.session.commit()
    if used.rowcount != 1:
        throttle.record_failure(subject)
        raise TotpInvalid("unknown or used recovery code")
    throttle.record_success(subject)
