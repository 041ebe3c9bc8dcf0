"""Redis-backed store: shared by every worker and host (DESIGN.md, "Storage and scale")."""

from __future__ import annotations

import functools

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
