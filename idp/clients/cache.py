"""Clients read once per worker process, not once per request.

Every token, introspection and revocation request authenticates a client; reading its row each
time was most of the wall time of those endpoints (bench/PROFILE.md). A worker keeps detached
snapshots of the clients it has seen and drops them all as soon as any client changes: a commit
that touched a `Client` row announces it on a store channel (Redis PUBLISH), and every lookup
first polls the worker's own subscription to that channel, which costs no round trip. Disabling
a client or rotating its secret therefore takes effect at once in every worker. A worker whose
subscription broke or fell silent (store/redis.py: a heartbeat PING) starts from an empty cache
once it has subscribed again; while the store is down, lookups raise StoreUnavailable (503), as
every other use of the store does.
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


class ClientCache:
    """One per app (tests run several apps in one process, each with its own database)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.entries: dict[str, Client] = {}
        self.generation = 0  # bumped on every clearing, so a read that raced one is not kept
        self.feed = None


def _cache() -> ClientCache:
    return current_app.extensions.setdefault("idp.client_cache", ClientCache())


def _channel() -> str:
    return key("clients", "changed")


def lookup(client_id: str) -> Client | None:
    """The client with this id, enabled or not, or None; read-only (detached) when cached."""
    cache = _cache()
    with cache.lock:
        if cache.feed is None:
            cache.feed = get_store().changes(_channel())
        if cache.feed.poll():
            cache.entries.clear()
            cache.generation += 1
        generation = cache.generation
        cached = cache.entries.get(client_id)
    if cached is not None:
        return cached
    client = db.session.scalar(db.select(Client).where(Client.client_id == client_id))
    if client is None:
        return None
    db.session.expunge(client)  # a snapshot: no later commit of this request expires it
    with cache.lock:
        if cache.generation == generation:
            if len(cache.entries) >= MAX_ENTRIES:
                cache.entries.clear()
            cache.entries[client_id] = client
    return client


def close() -> None:
    """Give the subscription's connection back (an app that is thrown away: tests)."""
    cache = _cache()
    with cache.lock:
        if cache.feed is not None:
            cache.feed.close()
            cache.feed = None


def forget_all() -> None:
    """Drop every worker's snapshots (called after a commit that changed a client)."""
    get_store().announce(_channel())


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
