"""Factors → RFC 8176 `amr` values, and the level a set of factors reaches.

DESIGN.md's table: a password alone is level 1; password + TOTP, or a passkey with user
verification, is level 2. A passkey without user verification counts as one factor
(NIST SP 800-63B-4 §3.1.7.2) and never lifts a session to level 2.
"""

from __future__ import annotations

from collections.abc import Iterable

from .levels import Level

PASSWORD = "password"  # noqa: S105 - a factor name, not a secret
TOTP = "totp"
RECOVERY_CODE = "recovery_code"
PASSKEY = "passkey"  # user present, not verified
PASSKEY_VERIFIED = "passkey_uv"  # user verified on the authenticator (PIN or biometric)

FACTOR_AMR: dict[str, tuple[str, ...]] = {
    PASSWORD: ("pwd",),
    TOTP: ("otp",),
    RECOVERY_CODE: ("otp",),
    PASSKEY: ("hwk",),
    PASSKEY_VERIFIED: ("hwk", "user"),
}

SUPPORTED_AMR = ("pwd", "otp", "hwk", "user", "mfa")


def level_of(factors: Iterable[str]) -> Level:
    """The level these factors reach on their own (the account may cap it lower)."""
    factors = set(factors)
    if PASSKEY_VERIFIED in factors:
        return Level.TWO
    if PASSWORD in factors and factors & {TOTP, RECOVERY_CODE}:
        return Level.TWO
    return Level.ONE


def amr_of(factors: Iterable[str]) -> list[str]:
    """RFC 8176 values, in a stable order; `mfa` when the factors reach two (§2: "mfa")."""
    factors = set(factors)
    values: list[str] = []
    for factor in (PASSWORD, TOTP, RECOVERY_CODE, PASSKEY, PASSKEY_VERIFIED):
        if factor in factors:
            values += [v for v in FACTOR_AMR[factor] if v not in values]
    if level_of(factors) == Level.TWO:
        values.append("mfa")
    return values
