"""The signed-in sessions of each account, so the holder can see and end them (SEC-74) and a
lock can end them all at once. Kept in the store beside the sessions themselves.

A session is named by its stable `sid`; ending it marks the sid ended, and current_login()
refuses an ended sid whatever cookie carries it.
"""

from __future__ import annotations

from flask import current_app
from flask import request

from ..clock import timestamp
from ..store import get_json
from ..store import get_store
from ..store import key
from ..store import put_json


def _lifetime() -> int:
    return current_app.config["SESSION_LIFETIME"]


def register(account_id: int, sid: str, *, ip: str) -> None:
    store = get_store()
    agent = (request.user_agent.string or "")[:200]
    put_json(store, key("session-info", sid),
             {"sid": sid, "account_id": account_id, "started": timestamp(), "ip": ip,
              "user_agent": agent}, _lifetime())
    store.add_member(key("account-sessions", str(account_id)), sid, _lifetime())


def listing(account_id: int) -> list[dict]:
    store = get_store()
    sessions = []
    for sid in store.members(key("account-sessions", str(account_id))):
        info = get_json(store, key("session-info", sid))
        if info is None or is_ended(sid):
            store.remove_member(key("account-sessions", str(account_id)), sid)
            continue
        sessions.append(info)
    return sorted(sessions, key=lambda info: info["started"], reverse=True)


def end(account_id: int, sid: str) -> bool:
    """End one session of this account; False if it is not one of its sessions."""
    store = get_store()
    if sid not in store.members(key("account-sessions", str(account_id))):
        return False
    store.put(key("sid-ended", sid), "1", _lifetime())
    store.remove_member(key("account-sessions", str(account_id)), sid)
    store.delete(key("session-info", sid))
    return True


def end_all(account_id: int, *, keep: str | None = None) -> int:
    ended = 0
    for sid in get_store().members(key("account-sessions", str(account_id))):
        if sid != keep and end(account_id, sid):
            ended += 1
    return ended


def is_ended(sid: str) -> bool:
    return get_store().get(key("sid-ended", sid)) is not None
