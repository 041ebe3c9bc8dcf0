"""The security-event stream: one structured record per security-relevant action (ASVS 5 V16.2.1,
V16.2.2, V16.3.1-V16.3.3; SEC-91), holding no secret (V16.2.5; SEC-92), JSON-escaped (V16.4.1;
SEC-93).

Records go to the logger `idp.security` at INFO (replays at WARNING). The message is a short
summary ("authn.password failure invalid"); the fields ride on the record as `record.security`,
and the JSON formatter (idp.logs) writes them under a `security` key of the log line:

- `event`: a stable dotted name (README, "Health, logs and what an operator sees", lists them);
- `time`: UTC ISO-8601 with `+00:00`; `ip` (request.remote_addr, after ProxyFix), `user_agent`
  (truncated) and `request_id` when there is a request;
- `result` / `reason`, `factor`, `acr`, `client_id` where they apply;
- `user`: a pseudonymous reference to the account, HMAC-SHA256 of its id under a key derived
  from SECRET_KEY, truncated. Callers pass `account_id=`, `login=`, `actor=` or `target=`; only
  the references reach the record, never the id, login, e-mail or document number in clear.

Events describing a database change are queued on the session (`emit_on_commit`) and written
once it commits, so a rolled-back change leaves no event; attempts that write nothing (failed
sign-ins, replays) are written at once (`emit`). Nothing here queries the database or the store.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from datetime import UTC

from flask import current_app
from flask import g
from flask import has_request_context
from flask import request
from sqlalchemy import event as sa_event

from .assurance.amr import PASSKEY
from .assurance.amr import PASSKEY_VERIFIED
from .assurance.amr import PASSWORD
from .assurance.amr import RECOVERY_CODE
from .assurance.amr import TOTP
from .clock import now
from .extensions import db
from .web import client_ip

LOGGER = logging.getLogger("idp.security")
REF_LENGTH = 16  # hex characters: 64 bits, no collision among millions of accounts
USER_AGENT_LENGTH = 200
QUEUE = "idp.security_log"  # key of the per-session queue in Session.info
KEY_LABEL = b"idp.security_log: pseudonymous references"

# One event name per factor of an authentication attempt; a replayed code is `replay.<name>`.
AUTHN_EVENTS = {
    PASSWORD: "authn.password",
    TOTP: "authn.totp",
    RECOVERY_CODE: "authn.recovery_code",
    PASSKEY: "authn.passkey",
    PASSKEY_VERIFIED: "authn.passkey",
}
REPLAYED = "replayed"  # the reason that turns an attempt into `replay.<factor>`

# Audit actors and targets ("kind:value") whose value names no person stay as they are.
CLEAR_KINDS = frozenset({"client", "application", "notification"})
ACCOUNT_KINDS = frozenset({"account", "holder"})


def _key() -> bytes:
    key = current_app.extensions.get("idp.security_log_key")
    if key is None:
        secret = current_app.config["SECRET_KEY"].encode()
        key = hmac.new(secret, KEY_LABEL, hashlib.sha256).digest()
        current_app.extensions["idp.security_log_key"] = key
    return key


def ref(value: str) -> str:
    """The pseudonymous reference of `value`: stable while SECRET_KEY is, useless without it."""
    return hmac.new(_key(), value.encode(), hashlib.sha256).hexdigest()[:REF_LENGTH]


def user_ref(account_id: int) -> str:
    return ref(f"account:{account_id}")


def login_ref(identifier: str) -> str:
    """Of a canonical sign-in identifier, known or not: ties attempts at one identifier."""
    return ref(f"login:{identifier}")


def party_ref(party: str) -> str:
    """An audit actor or target with the person in it replaced by a reference:
    'account:7' and 'holder:7' → '<kind>:' + user_ref(7); 'staff:<login>', 'cli:<os user>',
    'guardian:<number>' → '<kind>:' + ref(party); 'client:…', 'application:…', 'self' unchanged."""
    kind, colon, value = party.partition(":")
    if not colon or kind in CLEAR_KINDS:
        return party
    if kind in ACCOUNT_KINDS and value.isdigit():
        return f"{kind}:{user_ref(int(value))}"
    return f"{kind}:{ref(party)}"


def short_hash(value: str) -> str:
    """For an identifier that should not appear in clear (a grant id): SHA-256, truncated."""
    return hashlib.sha256(value.encode()).hexdigest()[:REF_LENGTH]


def _record(event: str, fields: dict) -> dict:
    record = {"event": event,
              "time": now().replace(tzinfo=UTC).isoformat(timespec="milliseconds")}
    if has_request_context():
        record["ip"] = client_ip()
        record["user_agent"] = request.headers.get("User-Agent", "")[:USER_AGENT_LENGTH]
        record["request_id"] = g.get("request_id")
    for name, value in fields.items():
        if name == "account_id":
            record["user"] = None if value is None else user_ref(value)
        elif name == "party":  # a staff member signing in: the reference their audit rows get
            record["user"] = party_ref(value) if value else None
        elif name == "login":
            record["login_ref"] = login_ref(value) if value else None
        elif name in ("actor", "target"):
            record[name] = party_ref(value)
        else:
            record[name] = value
    return record


def _write(level: int, record: dict) -> None:
    summary = " ".join(str(record[k]) for k in ("event", "result", "reason") if record.get(k))
    LOGGER.log(level, "%s", summary, extra={"security": record})


def emit(event: str, *, level: int = logging.INFO, **fields) -> None:
    """Write one event now. `account_id=` (or a staff member's `party=`) becomes `user`, `login=`
    becomes `login_ref`, `actor=` and `target=` are pseudonymised (party_ref); every other field
    is written as given, so pass no secret: a token or code only through short_hash() (SEC-92)."""
    _write(level, _record(event, fields))


def emit_on_commit(event: str, *, level: int = logging.INFO, **fields) -> None:
    """As emit(), for an event describing a change in the current transaction: written when it
    commits, dropped when it rolls back. The time and request fields are taken now."""
    session = db.session()  # this context's Session (the scoped_session proxies no in_transaction)
    if not session.in_transaction():
        session.begin()
    session.info.setdefault(QUEUE, []).append((level, _record(event, fields)))


def attempt(factor: str, result: str, *, reason: str | None = None, stage: str = "sign_in",
            account_id: int | None = None, acr: str | None = None,
            client_id: str | None = None, realm: str = "holder", **fields) -> None:
    """One authentication attempt, success or failure (`authn.<factor>`); a replayed code is
    `replay.<factor>` at WARNING instead. stage: sign_in | step_up | second_factor (staff) |
    enrolment; realm: holder | staff; acr: the level the session's factors reach on success
    (assurance.amr.level_of; the account's own level may cap what a client receives)."""
    name = AUTHN_EVENTS[factor]
    level = logging.INFO
    if reason == REPLAYED:
        name, level = name.replace("authn.", "replay.", 1), logging.WARNING
    emit(name, level=level, result=result, reason=reason, factor=factor, stage=stage, realm=realm,
         acr=acr, client_id=client_id, account_id=account_id, **fields)


def _write_queued(session) -> None:
    for level, record in session.info.pop(QUEUE, ()):
        _write(level, record)


def _drop_queued(session, transaction) -> None:
    """The outermost transaction ended without a commit (after a commit the queue is empty)."""
    if transaction.parent is None:
        session.info.pop(QUEUE, None)


def init_app(app) -> None:
    # Always on, whatever the app logger's level: the stream is the audit trail of V16.
    LOGGER.setLevel(logging.INFO)
    if not sa_event.contains(db.session, "after_commit", _write_queued):
        sa_event.listen(db.session, "after_commit", _write_queued)
        sa_event.listen(db.session, "after_transaction_end", _drop_queued)
