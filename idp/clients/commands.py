"""`flask --app idp clients create|list|show|update|rotate-secret|disable`."""

from __future__ import annotations

import getpass
import json

import click
from flask.cli import AppGroup

from .. import audit
from ..cli import emit
from ..cli import fail
from ..cli import json_option
from ..extensions import db
from . import registration
from .models import Client

clients_cli = AppGroup("clients", help="Register and manage client applications.")


def _metadata_options(func):
    options = [
        click.option("--name"),
        click.option("--redirect-uri", "redirect_uris", multiple=True),
        click.option("--post-logout-redirect-uri", "post_logout_redirect_uris", multiple=True),
        click.option("--grant-type", "grant_types", multiple=True,
                     type=click.Choice(registration.GRANT_TYPES)),
        click.option("--auth-method", "token_endpoint_auth_method",
                     type=click.Choice(registration.AUTH_METHODS)),
        click.option("--scope", "scopes", multiple=True, help="Repeat, or give a quoted list."),
        click.option("--jwks", "jwks_json", help="The client's public JWKS as JSON."),
        click.option("--jwks-uri"),
        click.option("--id-token-alg", "id_token_signed_response_alg",
                     type=click.Choice(registration.ID_TOKEN_ALGS)),
        click.option("--subject-type", type=click.Choice(registration.SUBJECT_TYPES)),
        click.option("--sector-identifier-uri"),
        click.option("--min-level", type=click.IntRange(1, 2)),
        click.option("--verified-claims/--no-verified-claims", "verified_claims_allowed",
                     default=None, help="May receive verified claims (identity assurance)."),
        click.option("--require-par/--no-require-par", "require_pushed_authorization_requests",
                     default=None, help="Authorization requests only through /par (RFC 9126)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _collect(kwargs) -> dict:
    """CLI options -> metadata dict, leaving out what was not given (None)."""
    meta = {}
    for key in ("name", "token_endpoint_auth_method", "jwks_uri", "id_token_signed_response_alg",
                "subject_type", "sector_identifier_uri", "min_level", "verified_claims_allowed",
                "require_pushed_authorization_requests"):
        if kwargs.get(key) is not None:
            meta[key] = kwargs[key]
    for key in ("redirect_uris", "post_logout_redirect_uris", "grant_types"):
        if kwargs.get(key):
            meta[key] = list(kwargs[key])
    if kwargs.get("scopes"):
        meta["scope"] = " ".join(" ".join(kwargs["scopes"]).split())
    if kwargs.get("jwks_json"):
        try:
            meta["jwks"] = json.loads(kwargs["jwks_json"])
        except ValueError:
            fail("--jwks is not valid JSON.")
    return meta


def _get(client_id: str) -> Client:
    client = registration.find(client_id)
    if client is None:
        fail(f"No client with client_id {client_id!r}.")
    return client


def _audit(action: str, client_id: str, **details) -> None:
    audit.record(f"cli:{getpass.getuser()}", action, f"client:{client_id}", **details)
    db.session.commit()


def _result(registered: registration.Registered) -> dict:
    data = registered.client.summary()
    if registered.client_secret:
        data["client_secret"] = registered.client_secret
    return data


@clients_cli.command("create")
@_metadata_options
@click.option("--public", is_flag=True, help="A public client (token_endpoint_auth_method none).")
@click.option("--client-id", help="Choose the client_id (default: random).")
@json_option
def create(public, client_id, as_json, **kwargs):
    """Register a client; its secret is printed once and stored hashed."""
    meta = _collect(kwargs)
    if public:
        meta["token_endpoint_auth_method"] = "none"  # noqa: S105 - a method name, not a secret
    try:
        registered = registration.create(meta, client_id=client_id)
    except registration.RegistrationError as exc:
        fail(str(exc))
    _audit("client.create", registered.client.client_id,
           verified_claims_allowed=registered.client.verified_claims_allowed)
    emit(_result(registered), as_json)


@clients_cli.command("list")
@json_option
def list_clients(as_json):
    """Every registered client."""
    clients = db.session.scalars(db.select(Client).order_by(Client.id)).all()
    emit([c.summary() for c in clients], as_json)


@clients_cli.command("show")
@click.argument("client_id")
@json_option
def show(client_id, as_json):
    emit(_get(client_id).summary(), as_json)


@clients_cli.command("update")
@click.argument("client_id")
@_metadata_options
@json_option
def update(client_id, as_json, **kwargs):
    """Change metadata; options not given keep their value."""
    client = _get(client_id)
    try:
        registered = registration.update(client, _collect(kwargs))
    except registration.RegistrationError as exc:
        db.session.rollback()
        fail(str(exc))
    _audit("client.update", client_id, verified_claims_allowed=registered.client.verified_claims_allowed)
    emit(_result(registered), as_json)


@clients_cli.command("rotate-secret")
@click.argument("client_id")
@json_option
def rotate_secret(client_id, as_json):
    """Issue a new secret (printed once); the old one stops working at once."""
    client = _get(client_id)
    try:
        secret = registration.rotate_secret(client)
    except registration.RegistrationError as exc:
        fail(str(exc))
    _audit("client.rotate_secret", client_id)
    emit({"client_id": client.client_id, "client_secret": secret}, as_json)


@clients_cli.command("disable")
@click.argument("client_id")
@click.option("--enable", is_flag=True, help="Enable a disabled client again.")
@json_option
def disable(client_id, enable, as_json):
    """A disabled client can no longer start sign-ins or use tokens."""
    client = registration.set_disabled(_get(client_id), disabled=not enable)
    _audit("client.enable" if enable else "client.disable", client_id)
    emit(client.summary(), as_json)
