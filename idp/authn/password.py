"""Passwords: Argon2id hashing and the NIST SP 800-63B-4 §3.1.1.2 rules.

At least 15 characters when the password is the only factor, at most 256, counted in code
points after NFC; no composition rules; a blocklist of common passwords; no truncation.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from importlib import resources

from argon2 import PasswordHasher
from argon2 import Type
from argon2.exceptions import InvalidHashError
from argon2.exceptions import VerificationError
from flask import current_app

MIN_LENGTH = 15
MAX_LENGTH = 256


class PasswordRejected(ValueError):
    """The password breaks a rule; the message says which, for the person choosing it, and
    `reason` names the rule so that a page can say it in the reader's language."""

    def __init__(self, message: str, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason


def normalise(password: str) -> str:
    return unicodedata.normalize("NFC", password)


@cache
def common_passwords() -> frozenset[str]:
    text = resources.files(__package__).joinpath("data/common-passwords.txt").read_text()
    return frozenset(line for line in text.splitlines() if line and not line.startswith("#"))


def _is_repetitive(core: str) -> bool:
    """A short unit repeated, e.g. 'aaaaaaaa' or 'passwordpassword' (SEC-52)."""
    if len(set(core)) <= 2:
        return True
    match = re.fullmatch(r"(.+?)\1+", core)
    return bool(match) and (len(match.group(1)) <= 4 or match.group(1) in common_passwords())


def _is_sequential(core: str) -> bool:
    """A keyboard-free walk like '1234567890123' or 'abcdefghijklmnop'."""
    steps = {ord(b) - ord(a) for a, b in zip(core, core[1:], strict=False)}
    return bool(steps) and (steps <= {1, -9} or steps <= {-1, 9})


def check_policy(password: str, context: tuple[str, ...] = ()) -> str:
    """Return the normalised password, or raise PasswordRejected with the reason."""
    password = normalise(password)
    if len(password) < MIN_LENGTH:
        raise PasswordRejected(f"Use at least {MIN_LENGTH} characters; a few words work well.",
                               "too_short")
    if len(password) > MAX_LENGTH:
        raise PasswordRejected(f"Use at most {MAX_LENGTH} characters.", "too_long")
    lowered = password.casefold()
    core = re.sub(r"[\W_]+", "", lowered)
    stem = core.rstrip("0123456789")
    common = common_passwords()
    if (lowered in common or core in common or stem in common  # 'Password' + '1234567890'
            or _is_repetitive(stem or core) or _is_repetitive(core) or _is_sequential(core)):
        raise PasswordRejected("This password is too common or predictable; choose another.",
                               "common")
    for word in context:
        word = re.sub(r"[\W_]+", "", (word or "").casefold())
        if len(word) >= 4 and word in core:
            raise PasswordRejected(
                "Do not use your name, e-mail or identifiers in the password.", "personal")
    return password


def _hasher() -> PasswordHasher:
    hasher = current_app.extensions.get("idp.password_hasher")
    if hasher is None:
        params = current_app.config["ARGON2"]
        hasher = PasswordHasher(
            time_cost=params["TIME_COST"],
            memory_cost=params["MEMORY_COST"],
            parallelism=params["PARALLELISM"],
            type=Type.ID,
        )
        current_app.extensions["idp.password_hasher"] = hasher
        # Unknown accounts are verified against this, so both paths cost the same (SEC-56).
        current_app.extensions["idp.dummy_hash"] = hasher.hash("not a real password, ever")
    return hasher


def hash_password(password: str) -> str:
    return _hasher().hash(normalise(password))


def verify(stored_hash: str | None, password: str) -> tuple[bool, str | None]:
    """Check `password`; return (ok, new_hash) where new_hash is set when parameters rose.

    A missing hash (unknown account) is checked against a dummy, taking the same time.
    """
    hasher = _hasher()
    target = stored_hash or current_app.extensions["idp.dummy_hash"]
    try:
        hasher.verify(target, normalise(password))
    except (VerificationError, InvalidHashError):
        return False, None
    if stored_hash is None:
        return False, None
    return True, hasher.hash(normalise(password)) if hasher.check_needs_rehash(target) else None
