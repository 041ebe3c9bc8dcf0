"""`flask --app idp keys generate|rotate|list|retire`."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from ..cli import emit
from ..cli import fail
from ..cli import json_option
from .keyset import ALGORITHMS
from .keyset import KeyringError

keys_cli = AppGroup("keys", help="Manage the signing keys in the keys folder.")
alg_choice = click.Choice(ALGORITHMS)


def _keyring():
    return current_app.extensions["idp.keyring"]


@keys_cli.command("generate")
@click.option("--alg", "algs", multiple=True, type=alg_choice, help="Default: all algorithms.")
@json_option
def generate(algs, as_json):
    """Create a key for each algorithm that has no active key (does nothing if all exist)."""
    created = _keyring().generate(algs or ALGORITHMS)
    emit(created, as_json, text=None if created else "All algorithms already have a key.")


@keys_cli.command("rotate")
@click.option("--alg", required=True, type=alg_choice)
@json_option
def rotate(alg, as_json):
    """Make a new key sign; the old one keeps verifying until retired."""
    emit(_keyring().rotate(alg), as_json)


@keys_cli.command("list")
@json_option
def list_keys(as_json):
    """Show every key with its algorithm and status (active, previous, retired)."""
    emit(_keyring().entries(), as_json)


# A kid made before kids avoided a leading "-" is still an argument, not an unknown option.
@keys_cli.command("retire", context_settings={"ignore_unknown_options": True})
@click.argument("kid")
@json_option
def retire(kid, as_json):
    """Remove a previous key from the JWKS and delete its private half."""
    try:
        emit(_keyring().retire(kid), as_json)
    except KeyringError as exc:
        fail(str(exc))
