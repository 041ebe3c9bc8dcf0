"""`flask --app idp staff create|list`: console accounts, each with its own TOTP."""

from __future__ import annotations

import getpass
import sys

import click
from flask.cli import AppGroup
from sqlalchemy.exc import IntegrityError

from .. import audit
from ..accounts.models import canonical_login
from ..authn import totp
from ..authn.password import PasswordRejected
from ..authn.password import check_policy
from ..authn.password import hash_password
from ..authn.sealing import seal
from ..cli import emit
from ..cli import fail
from ..cli import json_option
from ..extensions import db
from .staff import ROLES
from .staff import Staff

staff_cli = AppGroup("staff", help="Console staff (admins, auditors, officers).")


def create_staff(login: str, name: str, role: str, password: str,
                 secret: str | None = None) -> tuple[Staff, str]:
    """Create a staff member; returns it and its TOTP secret (shown once)."""
    identifier = canonical_login(login)
    staff = Staff(login=identifier, name=name, role=role,
                  password_hash=hash_password(check_policy(password, (identifier, name))),
                  totp_secret_encrypted=b"")
    db.session.add(staff)
    db.session.flush()
    secret = secret or totp.new_secret()
    staff.totp_secret_encrypted = seal(secret, context=f"staff-totp:{staff.id}")
    return staff, secret


@staff_cli.command("create")
@click.argument("login")
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--password-stdin", is_flag=True, required=True)
@json_option
def create(login, name, role, password_stdin, as_json):
    """Create a console account; prints its TOTP secret once."""
    try:
        staff, secret = create_staff(login, name, role, sys.stdin.readline().rstrip("\r\n"))
        audit.record(f"cli:{getpass.getuser()}", "staff.create", f"staff:{staff.login}",
                     role=role)
        db.session.commit()
    except PasswordRejected as exc:
        db.session.rollback()
        fail(f"Password refused: {exc}")
    except IntegrityError:
        db.session.rollback()
        fail(f"A staff member {canonical_login(login)!r} already exists.")
    emit(staff.summary() | {"totp_secret": secret,
                            "otpauth_uri": totp.provisioning_uri(secret, staff.login)}, as_json)


@staff_cli.command("list")
@json_option
def list_staff(as_json):
    emit([s.summary() for s in db.session.scalars(db.select(Staff).order_by(Staff.id))], as_json)
