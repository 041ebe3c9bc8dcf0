"""Online-guessing defence (NIST SP 800-63B-4 §3.2.2): counters in the shared store.

Failures are counted per (account, client IP), per account and per IP. Past each free
allowance every further failure doubles the wait, up to a cap; nothing locks an account for
good, and the pair counter lets the holder in from their own network while an attacker waits.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from .. import metrics
from ..store import get_store
from ..store import key


class Throttled(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Subject:
    """Who is trying: a canonical identifier (known or not) and the client IP."""

    kind: str  # "login", "totp", ... one namespace per factor
    identifier: str
    ip: str

    def counters(self, config) -> list[tuple[str, int]]:
        return [
            (key("throttle", self.kind, "pair", self.identifier, self.ip),
             config["ACCOUNT_IP_FREE_FAILURES"]),
            (key("throttle", self.kind, "id", self.identifier), config["ACCOUNT_FREE_FAILURES"]),
            (key("throttle", self.kind, "ip", self.ip), config["IP_FREE_FAILURES"]),
        ]


def _config():
    return current_app.config["THROTTLE"]


def check(subject: Subject) -> None:
    """Raise Throttled if any counter of `subject` is waiting out a delay."""
    store = get_store()
    for counter, _ in subject.counters(_config()):
        left = store.ttl(counter + ":wait")
        if left:
            metrics.throttled(subject.kind)
            raise Throttled(left)


def record_failure(subject: Subject) -> None:
    config = _config()
    store = get_store()
    for counter, free in subject.counters(config):
        count = store.incr(counter, config["WINDOW"])
        if count > free:
            delay = min(config["FIRST_DELAY"] * 2 ** (count - free - 1), config["MAX_DELAY"])
            store.put(counter + ":wait", "1", delay)


def record_success(subject: Subject) -> None:
    """A correct answer clears the counters of this identifier (not the IP's)."""
    counters = subject.counters(_config())[:2]
    get_store().delete(*[c for c, _ in counters], *[c + ":wait" for c, _ in counters])
