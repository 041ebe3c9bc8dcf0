"""Authlib grants at their documented hooks: authorization code, refresh token, client credentials."""

from __future__ import annotations

import logging
from datetime import timedelta

from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.errors import InvalidGrantError
from authlib.oauth2.rfc6749.errors import InvalidRequestError
from authlib.oauth2.rfc7636 import CodeChallenge
from flask import current_app
from sqlalchemy import bindparam
from sqlalchemy import update

from .. import security_log
from ..accounts.models import Account
from ..assurance.levels import AccountFacts
from ..assurance.levels import Level
from ..clock import now
from ..extensions import db
from ..store import consume_json
from ..store import get_store
from ..store import key
from ..store import put_json
from .claims import acr_level
from .models import Grant
from .models import RefreshToken
from .principal import Principal
from .records import read_refresh_token
from .records import revoke_grant
from .tokens import new_grant_id
from .tokens import token_hash
from .verified_claims import requested as verified_claims_requested

CONFIDENTIAL_METHODS = ["client_secret_basic", "client_secret_post", "private_key_jwt"]
ALL_METHODS = [*CONFIDENTIAL_METHODS, "none"]
CODE_USED_TTL = 3600  # how long a redeemed code is remembered, so a replay revokes its grant


class S256CodeChallenge(CodeChallenge):
    """PKCE for every client, S256 only (RFC 9700 §2.1.1; RFC 7636 §4.2).

    Authlib's default accepts `plain` and lets a request without a challenge through.
    """

    DEFAULT_CODE_CHALLENGE_METHOD = "S256"
    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant, redirect_uri):
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("PKCE is required: send code_challenge with method S256.")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("code_challenge_method must be S256.")
        super().validate_code_challenge(grant, redirect_uri)


class StoredCode(dict):
    """An authorization code's data as parked in the store (Authlib's AuthorizationCodeMixin)."""

    def get_redirect_uri(self):
        return self["redirect_uri"]

    def get_scope(self):
        return self["scope"]

    def get_nonce(self):
        return self.get("nonce")

    def get_auth_time(self):
        return self["auth_time"]

    def get_acr(self):
        return self["acr"]

    def get_amr(self):
        return self["amr"]

    @property
    def code_challenge(self):
        return self["code_challenge"]

    @property
    def code_challenge_method(self):
        return self["code_challenge_method"]


# Built once (records.py says why): the compare-and-set that rotates a refresh token, and the
# insert of its successor (a Core statement on the table: no ORM bookkeeping).
_MARK_USED = (update(RefreshToken)
              .where(RefreshToken.id == bindparam("row_id"), RefreshToken.used_at.is_(None))
              .values(used_at=bindparam("used_at")))
_INSERT_REFRESH = RefreshToken.__table__.insert()


def _active_account(account_id: int) -> Account:
    account = db.session.get(Account, account_id)
    if account is None or not account.is_active:
        raise InvalidGrantError("The account can no longer sign in.")
    return account


def _log_token(event: str, request, token: dict, principal: Principal | None = None) -> None:
    """token.issued / token.refreshed, once the tokens are stored (SEC-91): who, which client,
    which grant (hashed) and level; never a token (SEC-92). A token of a grant is logged when
    the token request's transaction commits (endpoints.token); a client_credentials token
    stores nothing and is logged at once."""
    write = security_log.emit_on_commit if principal else security_log.emit
    write(
        event, result="success", grant_type=request.payload.grant_type,
        client_id=request.client.client_id, scope=token.get("scope", ""),
        refresh_token_issued="refresh_token" in token,
        account_id=principal.account.id if principal else None,
        acr=principal.acr if principal else None,
        grant=security_log.short_hash(principal.grant_id) if principal else None)


def _replayed(event: str, reason: str, grant_id: str, client_id: str,
              account_id: int | None = None) -> None:
    """A used code or refresh token came back: its grant is revoked, and the replay logged."""
    revoked = revoke_grant(grant_id, reason)
    security_log.emit(event, level=logging.WARNING, result="failure", reason="replayed",
                      client_id=client_id, account_id=account_id, revoked=revoked,
                      grant=security_log.short_hash(grant_id))


def _save_refresh_token(grant_id: str, refresh_token: str) -> None:
    """One INSERT statement, not a unit-of-work flush: nothing reads the new row back here."""
    lifetime = current_app.config["REFRESH_TOKEN_IDLE_LIFETIME"]
    issued = now()
    db.session.execute(_INSERT_REFRESH, {
        "grant_id": grant_id, "token_hash": token_hash(refresh_token), "issued_at": issued,
        "expires_at": issued + timedelta(seconds=lifetime)})


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ALL_METHODS

    def save_authorization_code(self, code, request):
        """Codes live in the store, hashed, for CODE_LIFETIME seconds (RFC 6749 §4.1.2)."""
        principal: Principal = request.user
        data = request.payload.data
        put_json(
            get_store(),
            key("code", token_hash(code)),
            {
                "client_id": request.client.client_id,
                "redirect_uri": request.payload.redirect_uri,
                "scope": request.scope,
                "account_id": principal.account.id,
                "nonce": data.get("nonce"),
                "acr": principal.acr,
                "amr": principal.amr,
                "auth_time": principal.auth_time,
                "sid": principal.sid,
                "code_challenge": data.get("code_challenge"),
                "code_challenge_method": data.get("code_challenge_method"),
                "grant_id": new_grant_id(),
                "verified_claims": verified_claims_requested(data.get("claims")),
            },
            current_app.config["CODE_LIFETIME"],
        )

    def query_authorization_code(self, code, client):
        """Single use (RFC 6749 §4.1.2): consumed atomically here, before any other check.

        A second redemption finds the used-marker and revokes what the first one issued.
        A failed attempt (wrong verifier or redirect_uri) also uses the code up.
        """
        store = get_store()
        hashed = token_hash(code)
        data = consume_json(store, key("code", hashed))
        if data is None:
            replayed_grant = store.get(key("code-used", hashed))
            if replayed_grant:
                _replayed("replay.code", "code_replay", replayed_grant, client.client_id)
            return None
        store.put(key("code-used", hashed), data["grant_id"], CODE_USED_TTL)
        if data["client_id"] != client.client_id:
            return None
        return StoredCode(data)

    def delete_authorization_code(self, authorization_code):
        """Already consumed in query_authorization_code."""

    def authenticate_user(self, authorization_code):
        return Principal(
            account=_active_account(authorization_code["account_id"]),
            acr=authorization_code["acr"],
            amr=authorization_code["amr"],
            auth_time=authorization_code["auth_time"],
            grant_id=authorization_code["grant_id"],
            sid=authorization_code["sid"],
        )

    def save_token(self, token):
        principal: Principal = self.request.user
        lifetime = current_app.config["REFRESH_TOKEN_ABSOLUTE_LIFETIME"]
        db.session.add(
            Grant(
                id=principal.grant_id,
                client_id=self.request.client.client_id,
                account_id=principal.account.id,
                scope=token.get("scope", ""),
                acr=principal.acr,
                amr=principal.amr,
                auth_time=principal.auth_time,
                sid=principal.sid,
                expires_at=now() + timedelta(seconds=lifetime),
                verified_claims_request=self.request.authorization_code.get("verified_claims"),
            )
        )
        db.session.flush()
        if "refresh_token" in token:
            _save_refresh_token(principal.grant_id, token["refresh_token"])
        _log_token("token.issued", self.request, token, principal)


class RefreshTokenGrant(grants.RefreshTokenGrant):
    """Rotation with reuse detection (RFC 9700 §4.14.2): every refresh token works once;
    presenting a used one revokes the whole grant."""

    TOKEN_ENDPOINT_AUTH_METHODS = ALL_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token):
        record = read_refresh_token(refresh_token)
        if record is None or not record.check_client(self.request.client):
            return None
        family = (record.grant.id, record.grant.client_id, record.grant.account_id)
        if record.row.used_at is not None:
            _replayed("replay.refresh_token", "refresh_reuse", *family)
            return None
        if record.is_expired() or record.is_revoked():
            return None
        # Compare-and-set: of two concurrent refreshes with one token, only one marks it used.
        marked = db.session.execute(_MARK_USED, {"row_id": record.row.id, "used_at": now()})
        if marked.rowcount != 1:
            db.session.rollback()
            _replayed("replay.refresh_token", "refresh_reuse", *family)
            return None
        return record

    def authenticate_user(self, record):
        """Account status and the level the account reaches today are checked again (SEC-29):
        a residence card that expired since the sign-in caps the refreshed tokens at "1"."""
        grant = record.grant
        account = _active_account(grant.account_id)
        acr = grant.acr
        today_level = AccountFacts(proofed_level=Level(account.proofed_level),
                                   residence_card_expires=account.residence_card_expires
                                   ).level(now().date())
        if acr_level(acr) > today_level:
            acr = "1"
        return Principal(
            account=account,
            acr=acr,
            amr=list(grant.amr),
            auth_time=grant.auth_time,
            grant_id=grant.id,
            sid=grant.sid,
        )

    def revoke_old_credential(self, refresh_token):
        """Marked used in authenticate_refresh_token, in the same transaction as the new one."""

    def save_token(self, token):
        _save_refresh_token(self.request.user.grant_id, token["refresh_token"])
        _log_token("token.refreshed", self.request, token, self.request.user)


class ClientCredentialsGrant(grants.ClientCredentialsGrant):
    """Machine-to-machine tokens: confidential clients only, no refresh token, nothing stored."""

    TOKEN_ENDPOINT_AUTH_METHODS = CONFIDENTIAL_METHODS

    def save_token(self, token):
        """Self-contained JWTs; revocation lists the jti (records.revoke_access_token)."""
        _log_token("token.issued", self.request, token)
