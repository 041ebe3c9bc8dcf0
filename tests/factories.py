"""Accounts and clients made through the same modules the CLI uses."""

from __future__ import annotations

from datetime import date

from idp.accounts import proofing
from idp.accounts.models import Account
from idp.accounts.models import canonical_login
from idp.authn import totp
from idp.authn.password import hash_password
from idp.clients import registration
from idp.clock import now
from idp.extensions import db

PASSWORD = "correct horse battery staple"
REDIRECT_URI = "https://rp.test/callback"
VALID_UNTIL = date(2099, 12, 31)


def _detached(obj):
    """Loaded and detached, so tests can read it outside an app context."""
    db.session.refresh(obj)
    db.session.expunge(obj)
    return obj


class Factories:
    def __init__(self, app) -> None:
        self.app = app

    def account(self, login: str = "holder@example.test", password: str = PASSWORD, **profile):
        fields = {"given_name": "Minh An", "family_name": "Nguyễn", "email": login,
                  "email_verified": True, "phone_number": "+84901234567",
                  "birthdate": "1990-04-12", "gender": "female", "locale": "vi",
                  "activated_at": now()}
        fields.update(profile)
        with self.app.app_context():
            account = Account(login=canonical_login(login), password_hash=hash_password(password),
                              **fields)
            db.session.add(account)
            db.session.commit()
            return _detached(account)

    def client(self, client_id: str | None = None, **meta):
        """Returns (client, secret); secret is None for public and private_key_jwt clients."""
        fields = {
            "name": "Test Bank",
            "redirect_uris": [REDIRECT_URI],
            "post_logout_redirect_uris": ["https://rp.test/signed-out"],
            "grant_types": ["authorization_code", "refresh_token"],
            "token_endpoint_auth_method": "client_secret_basic",
            "scope": "openid profile email phone",
        }
        fields.update(meta)
        with self.app.app_context():
            registered = registration.create(fields, client_id=client_id)
            return _detached(registered.client), registered.client_secret

    def level2(self, account, *, with_totp: bool = True, card_expires: date = VALID_UNTIL):
        """Raise `account` to level 2 as an officer would; returns (TOTP secret, recovery codes)."""
        with self.app.app_context():
            stored = db.session.get(Account, account.id)
            evidence = proofing.Evidence(
                document_type="passport", document_number="B1234567",
                document_expires=VALID_UNTIL, card_type="temporary", card_number="TT0012345",
                card_expires=VALID_UNTIL, biometric_match_ref="match-1",
                consent_ref="consent-1")
            proofing.record_level2(stored, evidence, actor="test", today=date(2026, 1, 1))
            stored.residence_card_expires = card_expires
            secret, codes = None, []
            if with_totp:
                secret = totp.new_secret()
                totp.enroll(stored.id, secret, confirmed=True)
                codes = totp.new_recovery_codes(stored.id)
            db.session.commit()
            return secret, codes
