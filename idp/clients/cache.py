"""Clients read once per worker process, not once per request.

Every token, introspection and revocation request authenticates a client; reading its row each
time was most of the wall time of those endpoints (bench/PROFILE.md). A worker keeps detached
snapshots of the clients it has seen and drops them all as soon as any client changes: a commit
that touched a `Client` row bumps a version number in the shared store, and every lookup compares
that one number first (one store round trip instead of an ORM query). Disabling a client or
rotating its secret therefore takes effect at once in every worker.
"""

from __future__ import annotations

import threading

from flask import current_app
from flask import has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..extensions import db
from ..store import get_store
from ..store import key
from .models import Client

MAX_ENTRIES = 10_000  # bounded: clients are few; a flood of made-up ids is never cached
_VERSION_TTL = 30 * 86400


class ClientCache:
    """One per app (tests run several apps in one process, each with its own database)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.entries: dict[str, Client] = {}
        self.version: str | None = None


def _cache() -> ClientCache:
    return current_app.extensions.setdefault("idp.client_cache", ClientCache())


def _version_key() -> str:
    return key("clients", "version")


def lookup(client_id: str) -> Client | None:
    """The client with this id, enabled or not, or None; read-only (detached) when cached."""
    cache = _cache()
    version = get_store().get(_version_key()) or "0"
    with cache.lock:
        if version != cache.version:
            cache.entries.clear()
            cache.version = version
        cached = cache.entries.get(client_id)
    if cached is not None:
        return cached
    client = db.session.scalar(db.select(Client).where(Client.client_id == client_id))
    if client is None:
        return None
    db.session.expunge(client)  # a snapshot: no later commit of this request expires it
    with cache.lock:
        if cache.version == version:
            if len(cache.entries) >= MAX_ENTRIES:
                cache.entries.clear()
            cache.entries[client_id] = client
    return client


def forget_all() -> None:
    """Drop every worker's snapshots (called after a commit that changed a client)."""
    get_store().incr(_version_key(), _VERSION_TTL)


@event.listens_for(Session, "after_flush")
def _note_client_changes(session, flush_context) -> None:
    if any(isinstance(obj, Client) for obj in (*session.new, *session.dirty, *session.deleted)):
        session.info["clients_changed"] = True


@event.listens_for(Session, "after_commit")
def _announce_client_changes(session) -> None:
    if session.info.pop("clients_changed", False) and has_app_context():
        forget_all()


@event.listens_for(Session, "after_rollback")
def _discard_client_changes(session) -> None:
    session.info.pop("clients_changed", None)
