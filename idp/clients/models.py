"""Client applications (relying parties), as Authlib's ClientMixin expects them."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from urllib.parse import urlsplit
from urllib.parse import urlunsplit

from sqlalchemy import JSON
from sqlalchemy import String
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from ..clock import now
from ..extensions import db

PUBLIC = "none"


def hash_secret(secret: str) -> str:
    """Client secrets are 256-bit random values, so one SHA-256 suffices (no slow KDF needed)."""
    return "sha256$" + hashlib.sha256(secret.encode()).hexdigest()


def _loopback_without_port(uri: str) -> str | None:
    """`http://127.0.0.1:53117/cb` -> `http://127.0.0.1/cb`; None for anything not plain loopback."""
    try:
        parts = urlsplit(uri)
        port = parts.port
    except ValueError:  # malformed: an unclosed IPv6 literal, a non-numeric or too large port
        return None
    if parts.scheme != "http" or parts.fragment or "@" in parts.netloc:
        return None
    host = parts.netloc.rsplit(":", 1)[0] if port is not None else parts.netloc
    if host not in ("127.0.0.1", "[::1]"):
        return None
    return urlunsplit(("http", host, parts.path, parts.query, ""))


class Client(db.Model):
    __tablename__ = "clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    client_secret_hash: Mapped[str | None] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(200))
    redirect_uris: Mapped[list] = mapped_column(JSON, default=list)
    post_logout_redirect_uris: Mapped[list] = mapped_column(JSON, default=list)
    grant_types: Mapped[list] = mapped_column(JSON, default=list)
    scope: Mapped[str] = mapped_column(String(500))
    token_endpoint_auth_method: Mapped[str] = mapped_column(String(40))
    jwks: Mapped[dict | None] = mapped_column(JSON)
    jwks_uri: Mapped[str | None] = mapped_column(String(500))
    id_token_signed_response_alg: Mapped[str] = mapped_column(String(10), default="RS256")
    subject_type: Mapped[str] = mapped_column(String(10), default="pairwise")
    sector_identifier_uri: Mapped[str | None] = mapped_column(String(500))
    sector_identifier: Mapped[str] = mapped_column(String(255))
    min_level: Mapped[int] = mapped_column(default=1)
    # May receive OpenID Connect for Identity Assurance `verified_claims` (documents, biometrics).
    verified_claims_allowed: Mapped[bool] = mapped_column(default=False)
    # RFC 9126 §6: authorization requests only through /par (FAPI 2.0 clients, e.g. banks).
    require_pushed_authorization_requests: Mapped[bool] = mapped_column(default=False)
    disabled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=now)
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)

    # --- Authlib ClientMixin ----------------------------------------------------------------
    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self):
        """None: OIDC Core §3.1.2.1 makes redirect_uri REQUIRED, so nothing is implied."""
        return None

    def get_allowed_scope(self, scope: str) -> str:
        if not scope:
            return ""
        allowed = set(self.scope.split())
        return " ".join(s for s in scope.split() if s in allowed)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        """Exact string match (RFC 9700 §4.1.3): no prefix, case folding or normalisation.

        The one exception: a loopback redirect may use any port (RFC 8252 §7.3).
        """
        if redirect_uri in self.redirect_uris:
            return True
        portless = _loopback_without_port(redirect_uri)
        return portless is not None and any(
            _loopback_without_port(uri) == portless for uri in self.redirect_uris
        )

    def check_client_secret(self, client_secret: str) -> bool:
        if not self.client_secret_hash:
            return False
        return hmac.compare_digest(self.client_secret_hash, hash_secret(client_secret))

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        """The registered method is binding: no downgrade (RFC 9700 §2.5)."""
        return method == self.token_endpoint_auth_method

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code" and "authorization_code" in self.grant_types

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in self.grant_types

    @property
    def client_metadata(self) -> dict:
        return {"post_logout_redirect_uris": self.post_logout_redirect_uris}

    @property
    def is_public(self) -> bool:
        return self.token_endpoint_auth_method == PUBLIC

    @property
    def allowed_scopes(self) -> list[str]:
        return self.scope.split()

    def summary(self) -> dict:
        return {
            "client_id": self.client_id,
            "name": self.name,
            "redirect_uris": self.redirect_uris,
            "post_logout_redirect_uris": self.post_logout_redirect_uris,
            "grant_types": self.grant_types,
            "scope": self.scope,
            "token_endpoint_auth_method": self.token_endpoint_auth_method,
            "jwks_uri": self.jwks_uri,
            "has_jwks": self.jwks is not None,
            "id_token_signed_response_alg": self.id_token_signed_response_alg,
            "subject_type": self.subject_type,
            "sector_identifier": self.sector_identifier,
            "min_level": self.min_level,
            "verified_claims_allowed": self.verified_claims_allowed,
            "require_pushed_authorization_requests": self.require_pushed_authorization_requests,
            "disabled": self.disabled,
            "created_at": self.created_at.isoformat(timespec="seconds"),
        }
