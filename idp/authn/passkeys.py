"""Passkeys: a thin wrapper on py_webauthn 3.x with the security rules inside (STYLE.md habit 8).

- RP ID and origin come from config (WEBAUTHN_RP_ID, WEBAUTHN_ORIGIN), never from a request header.
- Each ceremony's challenge (64 random bytes, WebAuthn L2 §13.4.3) sits in the store, bound to
  this browser session and to its purpose, and is consumed *before* the response is verified:
  a second attempt with the same challenge finds nothing (§7.1 step 8, §7.2 step 12).
- py_webauthn checks type, challenge, origin, rpIdHash, UP and the signature; it does not require
  UV unless told (`require_user_verification` defaults to False), so callers say so.
- Only ES256, EdDSA and RS256 keys are accepted; a credential ID registered to anyone is refused
  (§7.1 step 22); a signature counter that goes backwards is a security event (§6.1.1).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from flask import current_app
from flask import session
from sqlalchemy.exc import IntegrityError
from webauthn import generate_authentication_options
from webauthn import generate_registration_options
from webauthn import verify_authentication_response
from webauthn import verify_registration_response
from webauthn.helpers import base64url_to_bytes
from webauthn.helpers import bytes_to_base64url
from webauthn.helpers import options_to_json_dict
from webauthn.helpers import parse_authentication_credential_json
from webauthn.helpers import parse_registration_credential_json
from webauthn.helpers.cose import COSEAlgorithmIdentifier
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import AuthenticatorSelectionCriteria
from webauthn.helpers.structs import AuthenticatorTransport
from webauthn.helpers.structs import PublicKeyCredentialDescriptor
from webauthn.helpers.structs import ResidentKeyRequirement
from webauthn.helpers.structs import UserVerificationRequirement

from ..accounts import events
from ..accounts.factors import Passkey
from ..accounts.models import Account
from ..clock import now
from ..extensions import db
from ..store import consume_json
from ..store import get_store
from ..store import key
from ..store import put_json

ALGORITHMS = [
    COSEAlgorithmIdentifier.ECDSA_SHA_256,
    COSEAlgorithmIdentifier.EDDSA,
    COSEAlgorithmIdentifier.RSASSA_PKCS1_v1_5_SHA_256,
]
CHALLENGE_LIFETIME = 300  # seconds, in the store and as the browser's timeout hint
MAX_NAME_LENGTH = 100
SIGN_COUNT_REGRESSION = "passkey_sign_count_regression"
# NOTE: py_webauthn lets some malformed input through as ValueError/TypeError/KeyError (a bad
# base64url userHandle, a CBOR map of the wrong shape); all of it is "not a valid response".
MALFORMED = (WebAuthnException, ValueError, TypeError, KeyError)

# Purposes: a challenge issued for one ceremony is worthless for another.
SIGN_IN = "sign-in"
STEP_UP = "step-up"
REGISTER = "register"


class PasskeyRejected(Exception):
    """The response does not prove what it claims; `reason` is a short code for logs.
    The caller rolls back its transaction."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Assertion:
    passkey: Passkey
    user_verified: bool


def _rp() -> tuple[str, str]:
    config = current_app.config
    return config["WEBAUTHN_RP_ID"], config["WEBAUTHN_ORIGIN"]


def user_handle(account: Account) -> bytes:
    """A stable, opaque user.id (§5.4.3: no personal data); derived, so no column is needed."""
    return hashlib.sha256(b"webauthn-user-handle\x00" + account.subject_key.encode()).digest()


def _descriptors(passkeys: list[Passkey]) -> list[PublicKeyCredentialDescriptor]:
    known = {t.value for t in AuthenticatorTransport}
    return [PublicKeyCredentialDescriptor(
        id=base64url_to_bytes(p.credential_id),
        transports=[AuthenticatorTransport(t) for t in p.transports or [] if t in known] or None,
    ) for p in passkeys]


# --- challenges --------------------------------------------------------------------------------

def _begin(purpose: str, account_id: int | None) -> bytes:
    """A new challenge for this session and purpose; the one it replaces is dropped."""
    store = get_store()
    if previous := session.get(f"webauthn:{purpose}"):
        store.delete(key("webauthn", previous))
    challenge = secrets.token_bytes(64)
    ceremony = secrets.token_urlsafe(24)
    put_json(store, key("webauthn", ceremony),
             {"purpose": purpose, "account_id": account_id,
              "challenge": bytes_to_base64url(challenge)}, CHALLENGE_LIFETIME)
    session[f"webauthn:{purpose}"] = ceremony
    return challenge


def _consume(purpose: str, account_id: int | None) -> bytes:
    """Take this session's challenge for `purpose` out of the store: whatever happens next, it
    cannot be used again."""
    ceremony = session.pop(f"webauthn:{purpose}", None)
    record = consume_json(get_store(), key("webauthn", ceremony)) if ceremony else None
    if record is None:
        raise PasskeyRejected("no_challenge")
    if record["purpose"] != purpose or record["account_id"] != account_id:
        raise PasskeyRejected("challenge_mismatch")
    return base64url_to_bytes(record["challenge"])


# --- registration (WebAuthn L2 §7.1) -----------------------------------------------------------

def registration_options(*, account: Account) -> dict:
    """Options for navigator.credentials.create(): a discoverable credential, the account's
    passkeys excluded (§5.4.3 excludeCredentials), our algorithms only."""
    rp_id, _ = _rp()
    existing = list(db.session.scalars(db.select(Passkey).where(Passkey.account_id == account.id)))
    options = generate_registration_options(
        rp_id=rp_id,
        rp_name=current_app.config["WEBAUTHN_RP_NAME"],
        user_id=user_handle(account),
        user_name=account.login,
        user_display_name=account.name or account.login,
        challenge=_begin(REGISTER, account.id),
        timeout=CHALLENGE_LIFETIME * 1000,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=_descriptors(existing),
        supported_pub_key_algs=ALGORITHMS,
    )
    return _json(options)


def register(*, account: Account, credential: dict, name: str) -> Passkey:
    """Verify an attestation and add the passkey to the current transaction (the caller commits).

    The challenge is consumed first; UV is not required here, because a passkey without it only
    ever counts as one factor (63B-4 §3.1.7.2).
    """
    expected_challenge = _consume(REGISTER, account.id)
    rp_id, origin = _rp()
    try:
        parsed = parse_registration_credential_json(credential)
        verified = verify_registration_response(
            credential=parsed,
            expected_challenge=expected_challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
            require_user_presence=True,
            supported_pub_key_algs=ALGORITHMS,
        )
    except MALFORMED as exc:
        raise _rejected(exc) from None
    credential_id = bytes_to_base64url(verified.credential_id)
    if db.session.scalar(db.select(Passkey.id).where(Passkey.credential_id == credential_id)):
        raise PasskeyRejected("credential_exists")  # §7.1 step 22: whoever holds it
    passkey = Passkey(
        account_id=account.id, credential_id=credential_id,
        public_key=verified.credential_public_key, sign_count=verified.sign_count,
        transports=[t.value for t in parsed.response.transports or []],
        name=clean_name(name) or default_name(account),
    )
    db.session.add(passkey)
    try:
        db.session.flush()
    except IntegrityError:  # the same credential registered concurrently; the caller rolls back
        raise PasskeyRejected("credential_exists") from None
    return passkey


def clean_name(name: str | None) -> str:
    return " ".join((name or "").split())[:MAX_NAME_LENGTH]


def default_name(account: Account) -> str:
    count = db.session.scalar(db.select(db.func.count(Passkey.id))
                              .where(Passkey.account_id == account.id)) or 0
    return f"Passkey {count + 1}"


# --- authentication (WebAuthn L2 §7.2) ---------------------------------------------------------

def authentication_options(*, purpose: str, account: Account | None = None) -> dict:
    """Options for navigator.credentials.get().

    Sign-in names no credential (a discoverable one identifies the holder) and prefers UV;
    step-up lists the signed-in account's passkeys and requires UV, the only way a passkey adds
    a second factor (63B-4 §3.1.7.2).
    """
    rp_id, _ = _rp()
    allowed = []
    if account is not None:
        allowed = list(db.session.scalars(db.select(Passkey)
                                          .where(Passkey.account_id == account.id)))
    options = generate_authentication_options(
        rp_id=rp_id,
        challenge=_begin(purpose, account.id if account else None),
        timeout=CHALLENGE_LIFETIME * 1000,
        allow_credentials=_descriptors(allowed),
        user_verification=(UserVerificationRequirement.REQUIRED if purpose == STEP_UP
                           else UserVerificationRequirement.PREFERRED),
    )
    return _json(options)


def authenticate(*, purpose: str, credential: dict, account: Account | None = None,
                 require_user_verification: bool) -> Assertion:
    """Verify an assertion; with `account`, the credential must be one of its passkeys (§7.2
    step 6). Updates the stored counter and last use in the current transaction."""
    expected_challenge = _consume(purpose, account.id if account else None)
    rp_id, origin = _rp()
    try:
        parsed = parse_authentication_credential_json(credential)
    except MALFORMED as exc:
        raise _rejected(exc) from None
    passkey = db.session.scalar(db.select(Passkey).where(Passkey.credential_id == parsed.id))
    if passkey is None or (account is not None and passkey.account_id != account.id):
        raise PasskeyRejected("unknown_credential")
    # §7.2 step 6: a discoverable credential names its user; it must be the passkey's owner.
    handle = parsed.response.user_handle
    if handle is None:
        if account is None:
            raise PasskeyRejected("no_user_handle")
    elif handle != user_handle(db.session.get(Account, passkey.account_id)):
        raise PasskeyRejected("user_handle_mismatch")
    try:
        verified = verify_authentication_response(
            credential=parsed,
            expected_challenge=expected_challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
            credential_public_key=passkey.public_key,
            # NOTE: 0 turns off the library's counter check, which would only raise; we compare
            # below, after the signature is proven, so that a regression is logged (§6.1.1).
            credential_current_sign_count=0,
            require_user_verification=require_user_verification,
        )
    except MALFORMED as exc:
        raise _rejected(exc) from None
    if (verified.new_sign_count or passkey.sign_count) and \
            verified.new_sign_count <= passkey.sign_count:
        _sign_count_regression(passkey, verified.new_sign_count)
    passkey.sign_count = verified.new_sign_count
    passkey.last_used_at = now()
    return Assertion(passkey=passkey, user_verified=verified.user_verified)


def _sign_count_regression(passkey: Passkey, received: int) -> None:
    """A possibly cloned authenticator (§6.1.1, SEC-60): refused, and recorded for the holder.

    Commits on its own: the sign-in fails, but the event must stay.
    """
    current_app.logger.warning(  # the account appears only as a reference (security stream)
        "passkey_sign_count_regression passkey=%s stored=%s received=%s",
        passkey.id, passkey.sign_count, received)
    events.record(passkey.account_id, SIGN_COUNT_REGRESSION, passkey=passkey.id,
                  name=passkey.name, stored=passkey.sign_count, received=received)
    db.session.commit()
    raise PasskeyRejected("sign_count_regression")


def _rejected(exc: Exception) -> PasskeyRejected:
    """py_webauthn says why in English; the log keeps it, the caller gets one code."""
    current_app.logger.info("passkey_rejected %s: %s", type(exc).__name__, exc)
    return PasskeyRejected("invalid_response")


def _json(options) -> dict:
    return options_to_json_dict(options)
