"""`flask --app idp demo seed`: the documented demo accounts and client, for `make demo` only.

Refused in production (SEC-83): demo credentials never reach a real deployment.
"""

from __future__ import annotations

import json
from pathlib import Path

from flask import current_app
from flask.cli import AppGroup

from .accounts.models import Account
from .authn.password import hash_password
from .cli import emit
from .cli import fail
from .cli import json_option
from .clients import registration
from .extensions import db

demo_cli = AppGroup("demo", help="Demo data for `make demo` (refused in production).")

DEMO_ACCOUNTS = [
    {
        "login": "an.nguyen@demo.test",
        "password": "demo level one resident",
        "given_name": "Minh An",
        "family_name": "Nguyen",
        "email": "an.nguyen@demo.test",
        "email_verified": True,
        "phone_number": "+84901234567",
        "birthdate": "1990-04-12",
        "gender": "female",
        "nationality": "KOR",
        "locale": "vi",
        "proofed_level": 1,
    },
]

DEMO_CLIENT = {
    "client_id": "demo-rp",
    "name": "Relying-party demo (bank, landlord, portal)",
    "redirect_uris": ["http://127.0.0.1:5001/callback"],
    "post_logout_redirect_uris": ["http://127.0.0.1:5001/"],
    "grant_types": ["authorization_code", "refresh_token"],
    "token_endpoint_auth_method": "client_secret_basic",
    "scope": "openid profile email phone",
}


def _credentials_file() -> Path:
    return Path(current_app.instance_path) / "demo-client.json"


@demo_cli.command("seed")
@json_option
def seed(as_json):
    """Create the demo accounts and client if absent; print every demo credential."""
    if current_app.config["ENV"] == "production":
        fail("Demo data is refused in production.")
    for spec in DEMO_ACCOUNTS:
        exists = db.session.scalar(db.select(Account.id).where(Account.login == spec["login"]))
        if not exists:
            fields = {k: v for k, v in spec.items() if k != "password"}
            db.session.add(Account(password_hash=hash_password(spec["password"]), **fields))
    db.session.commit()
    client = registration.find(DEMO_CLIENT["client_id"])
    stored = _credentials_file()
    if client is None or not stored.exists():
        if client is None:
            meta = {k: v for k, v in DEMO_CLIENT.items() if k != "client_id"}
            secret = registration.create(meta, client_id=DEMO_CLIENT["client_id"]).client_secret
        else:
            secret = registration.rotate_secret(client)
        stored.parent.mkdir(parents=True, exist_ok=True)
        stored.write_text(json.dumps({"client_id": DEMO_CLIENT["client_id"],
                                      "client_secret": secret}))
        stored.chmod(0o600)
    credentials = json.loads(stored.read_text())
    result = {
        "accounts": [{"login": a["login"], "password": a["password"],
                      "level": a["proofed_level"]} for a in DEMO_ACCOUNTS],
        "client": credentials | {"redirect_uris": DEMO_CLIENT["redirect_uris"]},
    }
    text = "\n".join(
        [f"  account  {a['login']}  password: {a['password']}  (level {a['level']})"
         for a in result["accounts"]]
        + [f"  client   {credentials['client_id']}  secret: {credentials['client_secret']}"]
    )
    emit(result, as_json, text=text)


def init_app(app) -> None:
    app.cli.add_command(demo_cli)
