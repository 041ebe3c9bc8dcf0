"""`flask --app idp accounts create|list|show`: scriptable, for operators and test harnesses."""

from __future__ import annotations

import getpass
import hmac
import sys
from datetime import date

import click
from flask.cli import AppGroup
from sqlalchemy.exc import IntegrityError

from .. import audit
from .. import security_log
from ..authn import totp
from ..authn.password import PasswordRejected
from ..authn.password import check_policy
from ..authn.password import hash_password
from ..cli import emit
from ..cli import fail
from ..cli import json_option
from ..clock import now
from ..extensions import db
from . import proofing
from .models import Account
from .models import canonical_login

accounts_cli = AppGroup("accounts", help="Create and inspect account holders.")

PROFILE_OPTIONS = ("given_name", "family_name", "email", "phone_number", "birthdate", "gender",
                   "nationality", "locale")


def _find(login: str) -> Account:
    account = db.session.scalar(db.select(Account).where(Account.login == canonical_login(login)))
    if account is None:
        fail(f"No account with sign-in identifier {login!r}.")
    return account


@accounts_cli.command("create")
@click.argument("login")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--given-name")
@click.option("--family-name")
@click.option("--email")
@click.option("--phone-number")
@click.option("--birthdate", help="YYYY-MM-DD")
@click.option("--gender")
@click.option("--nationality", help="ISO 3166-1 alpha-3, e.g. KOR")
@click.option("--locale", help="e.g. vi, en")
@json_option
def create(login, password_stdin, as_json, **profile):
    """Create an account signing in as LOGIN; prints its identifiers."""
    identifier = canonical_login(login)
    if not identifier or len(identifier) > 254:
        fail("LOGIN must be 1-254 characters.")
    password_hash = None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        context = (identifier, identifier.split("@")[0], profile.get("given_name"),
                   profile.get("family_name"), (profile.get("email") or "").split("@")[0])
        try:
            password_hash = hash_password(check_policy(password, context))
        except PasswordRejected as exc:
            fail(f"Password refused: {exc}")
    if profile.get("birthdate") and not _is_date(profile["birthdate"]):
        fail("--birthdate must be YYYY-MM-DD.")
    account = Account(login=identifier, password_hash=password_hash, activated_at=now(),
                      **{k: v for k, v in profile.items() if v is not None})
    db.session.add(account)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        fail(f"An account with sign-in identifier {identifier!r} already exists.")
    emit(account.summary(), as_json)


def _is_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10


@accounts_cli.command("list")
@json_option
def list_accounts(as_json):
    accounts = db.session.scalars(db.select(Account).order_by(Account.id)).all()
    emit([a.summary() for a in accounts], as_json)


@accounts_cli.command("show")
@click.argument("login")
@json_option
def show(login, as_json):
    emit(_find(login).summary(), as_json)


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


@accounts_cli.command("log-ref")
@click.argument("login")
@json_option
def log_ref(login, as_json):
    """The `user` reference the security log (idp.security) gives the account LOGIN."""
    account = _find(login)
    emit({"id": account.id, "login": account.login, "user": security_log.user_ref(account.id)},
         as_json)


@accounts_cli.command("find-log-ref")
@click.argument("ref")
@json_option
def find_log_ref(ref, as_json):
    """The account behind a `user` reference of the security log (audited: it names a person)."""
    found = next((account_id for account_id in db.session.scalars(db.select(Account.id))
                  if hmac.compare_digest(security_log.user_ref(account_id), ref.strip())), None)
    if found is None:
        fail(f"No account has the reference {ref!r} (under this SECRET_KEY).")
    account = db.session.get(Account, found)
    audit.record(_actor(), "account.log_ref_resolved", f"account:{account.id}")
    db.session.commit()
    emit({"id": account.id, "login": account.login, "user": ref.strip()}, as_json)


@accounts_cli.command("proof-level2")
@click.argument("login")
@click.option("--document-type", type=click.Choice(proofing.DOCUMENT_TYPES), default="passport",
              show_default=True)
@click.option("--document-number", required=True)
@click.option("--document-expires", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--card-type", type=click.Choice(proofing.CARD_TYPES), required=True,
              help="Residence card: permanent or temporary.")
@click.option("--card-number", required=True)
@click.option("--card-expires", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--biometric-match-ref", required=True, help="The registry's match reference.")
@click.option("--consent-ref", required=True, help="Where the applicant's consent is recorded.")
@json_option
def proof_level2(login, document_type, document_number, document_expires, card_type,
                 card_number, card_expires, biometric_match_ref, consent_ref, as_json):
    """Record in-person level-2 proofing for an account (audited)."""
    evidence = proofing.Evidence(
        document_type=document_type, document_number=document_number,
        document_expires=document_expires.date(), card_type=card_type, card_number=card_number,
        card_expires=card_expires.date(), biometric_match_ref=biometric_match_ref,
        consent_ref=consent_ref)
    try:
        account = proofing.record_level2(_find(login), evidence, actor=_actor(),
                                         today=now().date())
    except proofing.ProofingRefused as exc:
        db.session.rollback()
        fail(f"Level 2 refused: {exc}")
    emit(account.summary(), as_json)


@accounts_cli.command("downgrade")
@click.argument("login")
@click.option("--reason", required=True)
@json_option
def downgrade(login, reason, as_json):
    """Take an account back to level 1 (audited)."""
    try:
        account = proofing.downgrade(_find(login), actor=_actor(), reason=reason)
    except proofing.ProofingRefused as exc:
        fail(str(exc))
    emit(account.summary(), as_json)


@accounts_cli.command("add-totp")
@click.argument("login")
@json_option
def add_totp(login, as_json):
    """Enroll TOTP for a test or demo account; prints the secret and recovery codes once."""
    account = _find(login)
    secret = totp.new_secret()
    totp.enroll(account.id, secret, confirmed=True)
    codes = totp.new_recovery_codes(account.id)
    audit.record(_actor(), "account.add_totp", f"account:{account.id}")
    db.session.commit()
    emit({"login": account.login, "secret": secret,
          "otpauth_uri": totp.provisioning_uri(secret, account.login),
          "recovery_codes": codes}, as_json)
