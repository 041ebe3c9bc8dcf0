"""The signed-in state of this browser, kept in the server-side session.

`login` = {account_id, sid, auth_time, factors, second_factor_time, started, last_seen}.
`auth_time` is the last real authentication event (OIDC Core §2); `sid` identifies the session
to relying parties; the factors decide `acr` and `amr` through idp/assurance.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask import current_app
from flask import request
from flask import session

from ..assurance.policy import SessionFacts
from ..clock import timestamp
from ..notify.signins import note_sign_in
from ..web import client_ip
from . import devices


@dataclass(frozen=True)
class Login:
    account_id: int
    sid: str
    auth_time: int
    factors: tuple[str, ...]
    second_factor_time: int | None
    started: int
    last_seen: int

    def age(self) -> int:
        return timestamp() - self.auth_time

    def facts(self) -> SessionFacts:
        return SessionFacts(frozenset(self.factors), self.auth_time, self.second_factor_time,
                            self.last_seen)


def current_login() -> Login | None:
    """The live login of this browser, or None (never one past the absolute lifetime)."""
    data = session.get("login")
    if not data:
        return None
    if (timestamp() - data["started"] > current_app.config["SESSION_LIFETIME"]
            or devices.is_ended(data["sid"])):
        session.pop("login", None)
        return None
    return _login_of(data)


def _login_of(data: dict) -> Login:
    return Login(
        account_id=data["account_id"],
        sid=data["sid"],
        auth_time=data["auth_time"],
        factors=tuple(data["factors"]),
        second_factor_time=data.get("second_factor_time"),
        started=data["started"],
        last_seen=data.get("last_seen", data["auth_time"]),
    )


def record_login(account_id: int, factors: list[str], *, second_factor: bool = False) -> Login:
    """A successful sign-in: new session id (SEC-67), new auth_time, these factors only."""
    previous = session.get("login")
    now = timestamp()
    same_account = previous and previous["account_id"] == account_id
    session["login"] = {
        "account_id": account_id,
        "sid": previous["sid"] if same_account else secrets.token_urlsafe(16),
        "auth_time": now,
        "factors": list(factors),
        "second_factor_time": now if second_factor else None,
        "started": previous["started"] if same_account else now,
        "last_seen": now,
    }
    session.regenerate()
    if not same_account:
        devices.register(account_id, session["login"]["sid"], ip=client_ip())
        note_sign_in(account_id, user_agent=request.user_agent.string, ip=client_ip())
        return _login_of(session["login"])  # a session id minted just now cannot have ended
    return current_login()


def add_second_factor(factor: str) -> Login:
    """Step-up: the session keeps its first factor and gains a second (SEC-65: new id)."""
    data = session["login"]
    now = timestamp()
    factors = [f for f in data["factors"] if f != factor] + [factor]
    session["login"] = {**data, "factors": factors, "auth_time": now,
                        "second_factor_time": now, "last_seen": now}
    session.regenerate()
    return current_login()


def touch() -> None:
    """Activity: resets the level-2 idle timer only (SEC-69), never auth_time."""
    data = session.get("login")
    if data is not None:
        session["login"] = {**data, "last_seen": timestamp()}


def end_login() -> None:
    """Sign out: the server-side record goes, and with it the cookie."""
    data = session.get("login")
    if data:
        devices.end(data["account_id"], data["sid"])
    session.clear()
