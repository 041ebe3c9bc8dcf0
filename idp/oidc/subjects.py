"""Subject identifiers (OIDC Core §8): pairwise per sector by default, public on request.

`sub` derives from the account's random subject key, never from a document number, e-mail or
database id, so it never changes and is never reassigned (SEC-50).
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from flask import current_app


def subject_for(subject_key: str, *, subject_type: str, sector: str) -> str:
    if subject_type == "public":
        return subject_key
    salt = current_app.config["PAIRWISE_SALT"].encode()
    digest = hmac.new(salt, f"{sector}\x00{subject_key}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def client_subject(account, client) -> str:
    return subject_for(
        account.subject_key, subject_type=client.subject_type, sector=client.sector_identifier
    )
