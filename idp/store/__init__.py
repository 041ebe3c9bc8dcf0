"""Ephemeral state behind one interface; the implementation is chosen by IDP_REDIS_URL."""

from __future__ import annotations

from flask import current_app

from .base import EphemeralStore
from .base import StoreUnavailable
from .base import consume_json
from .base import get_json
from .base import put_json
from .memory import MemoryStore
from .redis import RedisStore

__all__ = [
    "EphemeralStore",
    "StoreUnavailable",
    "consume_json",
    "get_json",
    "put_json",
    "get_store",
    "key",
    "init_app",
]


class PrefixedStore:
    """Puts every key under the deployment's prefix; a thin pass-through otherwise."""

    def __init__(self, inner: EphemeralStore, prefix: str) -> None:
        self.inner = inner
        self.prefix = prefix

    def __getattr__(self, name):
        method = getattr(self.inner, name)
        if name == "ping":
            return method

        def call(key, *args, **kwargs):
            return method(self.prefix + key, *args, **kwargs)

        return call

    def delete(self, *keys: str) -> None:
        self.inner.delete(*(self.prefix + k for k in keys))


def init_app(app) -> None:
    url = app.config["REDIS_URL"]
    inner = RedisStore(url) if url else MemoryStore()
    app.extensions["idp.store"] = PrefixedStore(inner, app.config["STORE_PREFIX"])


def get_store() -> EphemeralStore:
    return current_app.extensions["idp.store"]


def key(namespace: str, *parts: str) -> str:
    """One namespace per kind of state: code:, flow:, sess:, throttle:, jti:, ..."""
    return ":".join((namespace, *parts))
