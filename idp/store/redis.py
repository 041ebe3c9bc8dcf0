"""Redis-backed store: shared by every worker and host (DESIGN.md, "Storage and scale")."""

from __future__ import annotations

import functools
import os
import time

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from .base import StoreUnavailable


def _guarded(method):
    """Turn any connection-level failure into StoreUnavailable, so callers fail closed."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except (redis.ConnectionError, redis.TimeoutError, OSError) as exc:
            raise StoreUnavailable(str(exc)) from exc

    return wrapper


class RedisStore:
    def __init__(self, url: str) -> None:
        self._redis = redis.Redis.from_url(
            url,
            decode_responses=True,
            socket_connect_timeout=1,
            socket_timeout=2,
            retry=Retry(NoBackoff(), 1),
            health_check_interval=30,
        )

    @_guarded
    def put(self, key: str, value: str, ttl: int) -> None:
        self._redis.set(key, value, ex=ttl)

    @_guarded
    def put_new(self, key: str, value: str, ttl: int) -> bool:
        return bool(self._redis.set(key, value, ex=ttl, nx=True))

    @_guarded
    def get(self, key: str) -> str | None:
        return self._redis.get(key)

    @_guarded
    def consume(self, key: str) -> str | None:
        return self._redis.getdel(key)

    @_guarded
    def delete(self, *keys: str) -> None:
        if keys:
            self._redis.delete(*keys)

    @_guarded
    def incr(self, key: str, ttl: int) -> int:
        pipe = self._redis.pipeline(transaction=True)
        pipe.incr(key)
        pipe.expire(key, ttl)
        count, _ = pipe.execute()
        return int(count)

    @_guarded
    def ttl(self, key: str) -> int | None:
        left = self._redis.ttl(key)
        return None if left < 0 else int(left)

    @_guarded
    def add_member(self, key: str, member: str, ttl: int) -> None:
        pipe = self._redis.pipeline(transaction=True)
        pipe.sadd(key, member)
        pipe.expire(key, ttl)
        pipe.execute()

    @_guarded
    def members(self, key: str) -> set[str]:
        return set(self._redis.smembers(key))

    @_guarded
    def remove_member(self, key: str, member: str) -> None:
        self._redis.srem(key, member)

    @_guarded
    def ping(self) -> None:
        self._redis.ping()

    @_guarded
    def announce(self, channel: str) -> None:
        self._redis.publish(channel, "1")

    def changes(self, channel: str) -> RedisFeed:
        return RedisFeed(self._redis.connection_pool, channel)


class RedisFeed:
    """A SUBSCRIBE connection of its own. Redis pushes each PUBLISH to it as it happens, so a
    poll only asks the kernel whether bytes are waiting on the socket: no round trip. Not
    thread-safe (callers hold a lock); a forked child opens its own connection.

    A link that died without a word (a middlebox dropping an idle connection) would otherwise
    stay silent for ever: a poll sends a PING when nothing was heard for HEARTBEAT seconds, and a
    PONG not back within HEARTBEAT more means the link is gone, so the feed resubscribes and
    reports a change (the cache it guards starts afresh).
    """

    HEARTBEAT = 5.0

    def __init__(self, pool: redis.ConnectionPool, channel: str) -> None:
        # No health-check PINGs of redis-py's own: ours are read here, among the messages.
        self._settings = {**pool.connection_kwargs, "health_check_interval": 0}
        self._connection_class = pool.connection_class
        self._channel = channel
        self._connection = None
        self._pid = None
        self._heard = self._pinged = 0.0

    def poll(self) -> bool:
        if self._connection is not None and self._pid == os.getpid():
            try:
                return self._read()
            except (redis.ConnectionError, redis.TimeoutError, OSError):
                self.close()
        self._subscribe()
        return True

    def _read(self) -> bool:
        changed = False
        now = time.monotonic()
        while self._connection.can_read(timeout=0):
            reply = self._connection.read_response(push_request=True)  # a message, or PONG
            changed = changed or (isinstance(reply, list) and reply[:1] in (["message"],
                                                                             [b"message"]))
            self._heard = now
        if self._pinged > self._heard and now - self._pinged > self.HEARTBEAT:
            raise redis.ConnectionError("no PONG on the subscription")
        if now - max(self._heard, self._pinged) > self.HEARTBEAT:
            self._connection.send_command("PING")
            self._pinged = now
        return changed

    def _subscribe(self) -> None:
        connection = self._connection_class(**self._settings)
        try:
            connection.connect()
            connection.send_command("SUBSCRIBE", self._channel)
            connection.read_response(push_request=True)  # confirmed: announcements reach us now
        except (redis.ConnectionError, redis.TimeoutError, OSError) as exc:
            connection.disconnect()
            raise StoreUnavailable(str(exc)) from exc
        self._connection, self._pid = connection, os.getpid()
        self._heard, self._pinged = time.monotonic(), 0.0

    def close(self) -> None:
        if self._connection is not None and self._pid == os.getpid():
            self._connection.disconnect()
        self._connection = None
