"""The ephemeral store: codes, parked requests, sessions, throttles, replay marks.

Two implementations pass one contract suite (tests/store/test_contract.py): RedisStore for
production, MemoryStore for a single-process demo. Values are strings; TTLs are seconds.
"""

from __future__ import annotations

import json
from typing import Protocol


class StoreUnavailable(Exception):
    """The store cannot be reached. Callers fail closed: the app answers 503 and writes nothing."""


class EphemeralStore(Protocol):
    def put(self, key: str, value: str, ttl: int) -> None:
        """Set `key`, replacing any value, to expire after `ttl` seconds."""

    def put_new(self, key: str, value: str, ttl: int) -> bool:
        """Set `key` only if absent; True if this call set it (atomic, like SET NX)."""

    def get(self, key: str) -> str | None: ...

    def consume(self, key: str) -> str | None:
        """Get and delete in one atomic step: of concurrent callers, one gets the value."""

    def delete(self, *keys: str) -> None: ...

    def incr(self, key: str, ttl: int) -> int:
        """Add one and return the new count; the key expires `ttl` seconds after its last change."""

    def ttl(self, key: str) -> int | None:
        """Seconds left before `key` expires, or None if it does not exist."""

    def add_member(self, key: str, member: str, ttl: int) -> None:
        """Add `member` to the set at `key`, which expires `ttl` seconds after its last change."""

    def members(self, key: str) -> set[str]: ...

    def remove_member(self, key: str, member: str) -> None: ...

    def ping(self) -> None:
        """Raise StoreUnavailable if the store does not answer."""

    def announce(self, channel: str) -> None:
        """Tell every process watching `channel` (changes) that something changed."""

    def changes(self, channel: str) -> ChangeFeed:
        """A feed of this process's own that reports announcements on `channel`."""


class ChangeFeed(Protocol):
    """Announcements on one channel, checked without a round trip to the store."""

    def poll(self) -> bool:
        """True if anything may have changed since the last poll: an announcement arrived, or
        the feed is new or reconnected (announcements made while it was away are lost). Raises
        StoreUnavailable when the store cannot be reached, so callers fail closed."""

    def close(self) -> None: ...


def put_json(store: EphemeralStore, key: str, value, ttl: int) -> None:
    store.put(key, json.dumps(value, separators=(",", ":")), ttl)


def get_json(store: EphemeralStore, key: str):
    raw = store.get(key)
    return None if raw is None else json.loads(raw)


def consume_json(store: EphemeralStore, key: str):
    raw = store.consume(key)
    return None if raw is None else json.loads(raw)
