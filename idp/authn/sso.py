"""The signed-in state of this browser, kept in the server-side session.

`login` = {account_id, sid, auth_time, amr, acr, started}. `auth_time` is the last real
authentication (OIDC Core §2); `sid` identifies the session to relying parties.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask import current_app
from flask import session

from ..clock import timestamp


@dataclass(frozen=True)
class Login:
    account_id: int
    sid: str
    auth_time: int
    amr: tuple[str, ...]
    acr: str
    started: int

    def age(self) -> int:
        return timestamp() - self.auth_time


def current_login() -> Login | None:
    """The live login of this browser, or None (never one past the absolute lifetime)."""
    data = session.get("login")
    if not data:
        return None
    if timestamp() - data["started"] > current_app.config["SESSION_LIFETIME"]:
        session.pop("login", None)
        return None
    return Login(
        account_id=data["account_id"],
        sid=data["sid"],
        auth_time=data["auth_time"],
        amr=tuple(data["amr"]),
        acr=data["acr"],
        started=data["started"],
    )


def record_login(account_id: int, *, amr: list[str], acr: str) -> Login:
    """A successful authentication: new session id (SEC-67), new auth_time."""
    previous = session.get("login")
    now = timestamp()
    same_account = previous and previous["account_id"] == account_id
    session["login"] = {
        "account_id": account_id,
        "sid": previous["sid"] if same_account else secrets.token_urlsafe(16),
        "auth_time": now,
        "amr": amr,
        "acr": acr,
        "started": previous["started"] if same_account else now,
    }
    session.regenerate()
    return current_login()


def end_login() -> None:
    """Sign out: the server-side record goes, and with it the cookie."""
    session.clear()
