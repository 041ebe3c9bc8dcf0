"""In-process store for the single-process demo and the embedded test run."""

from __future__ import annotations

import threading
import time


class MemoryStore:
    def __init__(self) -> None:
        self._data: dict[str, tuple[object, float]] = {}
        self._lock = threading.Lock()
        self._writes = 0
        self._announced: dict[str, int] = {}

    def _live(self, key: str):
        item = self._data.get(key)
        if item is None:
            return None
        value, expires_at = item
        if expires_at <= time.monotonic():
            del self._data[key]
            return None
        return value

    def _set(self, key: str, value, ttl: int) -> None:
        self._data[key] = (value, time.monotonic() + ttl)
        self._writes += 1
        if self._writes % 1000 == 0:
            self._sweep()

    def _sweep(self) -> None:
        now = time.monotonic()
        for key in [k for k, (_, exp) in self._data.items() if exp <= now]:
            del self._data[key]

    def put(self, key: str, value: str, ttl: int) -> None:
        with self._lock:
            self._set(key, value, ttl)

    def put_new(self, key: str, value: str, ttl: int) -> bool:
        with self._lock:
            if self._live(key) is not None:
                return False
            self._set(key, value, ttl)
            return True

    def get(self, key: str) -> str | None:
        with self._lock:
            value = self._live(key)
            return value if isinstance(value, str) else None

    def consume(self, key: str) -> str | None:
        with self._lock:
            value = self._live(key)
            self._data.pop(key, None)
            return value if isinstance(value, str) else None

    def delete(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._data.pop(key, None)

    def incr(self, key: str, ttl: int) -> int:
        with self._lock:
            value = self._live(key)
            count = int(value) + 1 if isinstance(value, str) else 1
            self._set(key, str(count), ttl)
            return count

    def ttl(self, key: str) -> int | None:
        with self._lock:
            if self._live(key) is None:
                return None
            return max(0, round(self._data[key][1] - time.monotonic()))

    def add_member(self, key: str, member: str, ttl: int) -> None:
        with self._lock:
            current = self._live(key)
            members = set(current) if isinstance(current, frozenset) else set()
            members.add(member)
            self._set(key, frozenset(members), ttl)

    def members(self, key: str) -> set[str]:
        with self._lock:
            current = self._live(key)
            return set(current) if isinstance(current, frozenset) else set()

    def remove_member(self, key: str, member: str) -> None:
        with self._lock:
            current = self._live(key)
            if isinstance(current, frozenset):
                remaining = current - {member}
                if remaining:
                    self._data[key] = (remaining, self._data[key][1])
                else:
                    del self._data[key]

    def ping(self) -> None:
        return None

    def announce(self, channel: str) -> None:
        with self._lock:
            self._announced[channel] = self._announced.get(channel, 0) + 1

    def changes(self, channel: str) -> MemoryFeed:
        return MemoryFeed(self, channel)


class MemoryFeed:
    def __init__(self, store: MemoryStore, channel: str) -> None:
        self._store = store
        self._channel = channel
        self._seen: int | None = None

    def poll(self) -> bool:
        current = self._store._announced.get(self._channel, 0)
        changed, self._seen = current != self._seen, current
        return changed

    def close(self) -> None:
        return None
