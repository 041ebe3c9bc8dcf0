"""`flask --app idp demo seed`: the documented demo accounts and client, for `make demo` only.

Refused in production (SEC-83): demo credentials never reach a real deployment.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from flask import current_app
from flask.cli import AppGroup

from .accounts import proofing
from .accounts.models import Account
from .admin.commands import create_staff
from .admin.staff import Staff
from .authn import totp
from .authn.password import hash_password
from .cli import emit
from .cli import fail
from .cli import json_option
from .clients import registration
from .clock import now
from .enrollment.campaign import campaign
from .extensions import db

demo_cli = AppGroup("demo", help="Demo data for `make demo` (refused in production).")

# Demo only, printed by `make demo` so a tester can add it to an authenticator app.
DEMO_TOTP_SECRET = "C2FUVHTELMUSQ5HSX4CASIZMI5KFH4QZ"  # noqa: S105 - public demo value
VALID_UNTIL = date(2030, 12, 31)
DEMO_STAFF = {"login": "admin@demo.test", "name": "Demo Admin", "role": "admin",
              "password": "demo console administrator"}

DEMO_ACCOUNTS = [
    {"login": "an.nguyen@demo.test", "password": "demo level one resident", "level": 1,
     "totp": False, "given_name": "Minh An", "family_name": "Nguyen", "nationality": "KOR",
     "birthdate": "1990-04-12", "gender": "female"},
    {"login": "kenji.sato@demo.test", "password": "demo level two with totp", "level": 2,
     "totp": True, "given_name": "Kenji", "family_name": "Sato", "nationality": "JPN",
     "birthdate": "1985-09-30", "gender": "male"},
    {"login": "maria.lopez@demo.test", "password": "demo level two for passkeys", "level": 2,
     "totp": False, "given_name": "María", "family_name": "López", "nationality": "ESP",
     "birthdate": "1992-02-17", "gender": "female"},
]

RP_BASE = "http://127.0.0.1:5001"
# The relying-party demo's three services, each a client of its own (relying_party_demo/).
DEMO_CLIENTS = {
    "bank": {"name": "Saigon Demo Bank", "min_level": 1, "verified_claims_allowed": True,
             "require_pushed_authorization_requests": True},
    "landlord": {"name": "Rental registration", "min_level": 2},
    "portal": {"name": "Public-service portal", "min_level": 1},
}


def _client_metadata(service: str, spec: dict) -> dict:
    return {"name": spec["name"], "min_level": spec["min_level"],
            "redirect_uris": [f"{RP_BASE}/{service}/callback"],
            "post_logout_redirect_uris": [f"{RP_BASE}/"],
            "grant_types": ["authorization_code", "refresh_token"],
            "token_endpoint_auth_method": "client_secret_basic",
            "scope": "openid profile email phone",
            "verified_claims_allowed": spec.get("verified_claims_allowed", False),
            "require_pushed_authorization_requests":
                spec.get("require_pushed_authorization_requests", False)}


def _seed_account(spec: dict) -> None:
    if db.session.scalar(db.select(Account.id).where(Account.login == spec["login"])):
        return
    profile = {k: spec[k] for k in ("given_name", "family_name", "nationality", "birthdate",
                                     "gender")}
    account = Account(login=spec["login"], password_hash=hash_password(spec["password"]),
                      activated_at=now(), email=spec["login"], email_verified=True,
                      phone_number="+84901234567", locale="vi", **profile)
    db.session.add(account)
    db.session.flush()
    if spec["level"] == 2:
        evidence = proofing.Evidence(
            document_type="passport", document_number=f"DEMO{account.id:05d}",
            document_expires=VALID_UNTIL, card_type="temporary",
            card_number=f"TT-DEMO-{account.id:04d}", card_expires=VALID_UNTIL,
            biometric_match_ref="demo-registry-match", consent_ref="demo-consent")
        proofing.record_level2(account, evidence, actor="demo:seed", today=date.today())
    if spec["totp"]:
        totp.enroll(account.id, DEMO_TOTP_SECRET, confirmed=True)
    db.session.commit()


def _seed_staff() -> None:
    if db.session.scalar(db.select(Staff.id).where(Staff.login == DEMO_STAFF["login"])):
        return
    create_staff(DEMO_STAFF["login"], DEMO_STAFF["name"], DEMO_STAFF["role"],
                 DEMO_STAFF["password"], secret=DEMO_TOTP_SECRET)
    db.session.commit()


def _credentials_file() -> Path:
    return Path(current_app.instance_path) / "demo-clients.json"


def _seed_clients() -> dict:
    """Register the demo clients if needed; their secrets are kept (0600) for the demo RP."""
    stored = _credentials_file()
    credentials = json.loads(stored.read_text()) if stored.exists() else {}
    for service, spec in DEMO_CLIENTS.items():
        client_id = f"demo-{service}"
        client = registration.find(client_id)
        if client is not None and service in credentials:
            continue
        if client is None:
            secret = registration.create(_client_metadata(service, spec),
                                         client_id=client_id).client_secret
        else:
            secret = registration.rotate_secret(client)
        credentials[service] = {"client_id": client_id, "client_secret": secret}
    stored.parent.mkdir(parents=True, exist_ok=True)
    stored.write_text(json.dumps(credentials, indent=2))
    stored.chmod(0o600)
    return credentials


@demo_cli.command("seed")
@json_option
def seed(as_json):
    """Create the demo accounts and client if absent; print every demo credential."""
    if current_app.config["ENV"] == "production":
        fail("Demo data is refused in production.")
    for spec in DEMO_ACCOUNTS:
        _seed_account(spec)
    credentials = _seed_clients()
    _seed_staff()
    accounts = [{"login": a["login"], "password": a["password"], "level": a["level"],
                 "totp_secret": DEMO_TOTP_SECRET if a["totp"] else None} for a in DEMO_ACCOUNTS]
    staff = {k: DEMO_STAFF[k] for k in ("login", "password", "role")}
    staff["totp_secret"] = DEMO_TOTP_SECRET
    result = {"accounts": accounts, "clients": credentials, "staff": staff}
    lines = [f"  level {a['level']}  {a['login']}  password: {a['password']}"
             + (f"  TOTP secret: {a['totp_secret']}" if a["totp_secret"] else "")
             for a in accounts]
    lines.append("           (maria.lopez: add a passkey on /account after signing in)")
    lines += [f"  client   {c['client_id']}  secret: {c['client_secret']}"
              for c in credentials.values()]
    lines.append(f"  console  /admin  {staff['login']}  password: {staff['password']}"
                 f"  TOTP secret: {DEMO_TOTP_SECRET}")
    emit(result, as_json, text="\n".join(lines))


demo_cli.add_command(campaign)


def init_app(app) -> None:
    app.cli.add_command(demo_cli)
