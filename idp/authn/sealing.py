"""Encryption at rest for factor secrets (SEC-58): AES-256-GCM under a key from configuration,
never stored in the database. Rotating IDP_FACTOR_KEY needs re-enrollment of TOTP."""

from __future__ import annotations

import hashlib
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app

NONCE_BYTES = 12


def _cipher() -> AESGCM:
    key = hashlib.sha256(current_app.config["FACTOR_KEY"].encode()).digest()
    return AESGCM(key)


def seal(plaintext: str, *, context: str) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + _cipher().encrypt(nonce, plaintext.encode(), context.encode())


def unseal(sealed: bytes, *, context: str) -> str:
    nonce, body = sealed[:NONCE_BYTES], sealed[NONCE_BYTES:]
    return _cipher().decrypt(nonce, body, context.encode()).decode()
