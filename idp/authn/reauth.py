"""Sensitive account changes need a recent, strong enough authentication (SEC-75, 63B-4 §4.1.2.1).

An account holding a second factor must be at level 2 in this session (so a password-only session
cannot remove the TOTP); one without must have signed in within the last 15 minutes.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import current_app
from flask import request
from flask import url_for

from ..accounts import queries
from ..assurance.levels import Level
from ..assurance.policy import Windows
from ..assurance.policy import session_level
from ..clock import timestamp
from .sso import current_login

RECENT_PASSWORD = 15 * 60


def safe_next(value: str | None) -> str | None:
    """A same-origin path to continue to, or None (no open redirect: SEC-17)."""
    if not value or not value.startswith("/") or value.startswith("//"):
        return None
    if "\\" in value or any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        return None
    return value


def step_up_url(account, back: str | None = None) -> str | None:
    """Where to send the person before a sensitive change, or None if this session may make it.

    `back` is where to continue afterwards (default: this page for a GET, else the account)."""
    login = current_login()
    here = back or (request.full_path.rstrip("?") if request.method == "GET"
                    else url_for("account.overview"))
    if login is None:
        return url_for("authn.login") + "?" + urlencode({"next": here})
    if queries.facts(account).second_factors:
        config = current_app.config
        windows = Windows(config["LEVEL2_LIFETIME"], config["LEVEL2_IDLE_TIMEOUT"])
        if session_level(login.facts(), timestamp(), windows) < Level.TWO:
            return url_for("authn.second_factor") + "?" + urlencode({"next": here})
        return None
    if timestamp() - login.auth_time > RECENT_PASSWORD:
        return url_for("authn.login") + "?" + urlencode({"next": here})
    return None
