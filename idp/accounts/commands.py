"""`flask --app idp accounts create|list|show`: scriptable, for operators and test harnesses."""

from __future__ import annotations

import sys
from datetime import date

import click
from flask.cli import AppGroup
from sqlalchemy.exc import IntegrityError

from ..authn.password import PasswordRejected
from ..authn.password import check_policy
from ..authn.password import hash_password
from ..cli import emit
from ..cli import fail
from ..cli import json_option
from ..extensions import db
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
    account = Account(login=identifier, password_hash=password_hash,
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
