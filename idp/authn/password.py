"""Passwords: Argon2id hashing and the NIST SP 800-63B-4 §3.1.1.2 rules.

At least 15 characters when the password is the only factor, at most 256, counted in code
points after NFC; no composition rules; a blocklist of common passwords; no truncation.

Argon2id with one lane (p=1, the OWASP parameters) is computed by libsodium (PyNaCl), whose
vectorised implementation takes about three quarters of the time of argon2-cffi's for the same
parameters and the same PHC string (bench/PROFILE.md); other parameters go to argon2-cffi. Both
read and write the same `$argon2id$v=19$m=…,t=…,p=…$salt$hash` format.
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
from nacl import pwhash
from nacl.exceptions import CryptoError

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
    return hasher


def _one_lane(params: dict) -> bool:
    return params["PARALLELISM"] == 1


def hash_password(password: str) -> str:
    params = current_app.config["ARGON2"]
    if _one_lane(params):
        return pwhash.argon2id.str(normalise(password).encode(), opslimit=params["TIME_COST"],
                                   memlimit=params["MEMORY_COST"] * 1024).decode()
    return _hasher().hash(normalise(password))


def _matches(target: str, password: str) -> bool:
    if target.startswith("$argon2id$") and ",p=1$" in target:
        try:
            return pwhash.argon2id.verify(target.encode(), password.encode())
        except CryptoError:  # a wrong password, or a hash libsodium cannot read
            return False
    try:
        return _hasher().verify(target, password)
    except (VerificationError, InvalidHashError):
        return False


def _dummy_hash() -> str:
    dummy = current_app.extensions.get("idp.dummy_hash")
    if dummy is None:
        dummy = current_app.extensions["idp.dummy_hash"] = hash_password(
            "not a real password, ever")
    return dummy


def verify(stored_hash: str | None, password: str) -> tuple[bool, str | None]:
    """Check `password`; return (ok, new_hash) where new_hash is set when parameters rose.

    A missing hash (unknown account) is checked against a dummy made with the same parameters,
    taking the same time (SEC-56).
    """
    target = stored_hash or _dummy_hash()
    if not _matches(target, normalise(password)) or stored_hash is None:
        return False, None
    return True, hash_password(password) if _hasher().check_needs_rehash(target) else None
