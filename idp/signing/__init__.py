"""JOSE key material: loaded from the keys folder, rotated by the CLI."""

from __future__ import annotations

from flask import current_app

from ..config import ConfigError
from .commands import keys_cli
from .keyset import Keyring
from .keyset import KeysMissing

__all__ = ["Keyring", "KeysMissing", "check_keys", "get_keyring", "init_app"]


def init_app(app) -> None:
    app.extensions["idp.keyring"] = Keyring(app.config["KEYS_PATH"])
    app.cli.add_command(keys_cli)


def check_keys(app) -> None:
    """Serving in production needs every signing key (idp/wsgi.py); development only warns.

    Not checked in create_app, so that `flask --app idp keys generate` can create them.
    """
    missing = app.extensions["idp.keyring"].missing()
    if missing and app.config["ENV"] == "production":
        raise ConfigError(
            f"Refusing to start in production without signing keys for {', '.join(missing)}: "
            "run `flask --app idp keys generate` (IDP_KEYS_DIR names the folder)."
        )
    if missing:
        app.logger.warning("No signing keys for %s; run `flask --app idp keys generate`.", missing)


def get_keyring() -> Keyring:
    return current_app.extensions["idp.keyring"]
