"""The ephemeral-store contract (idp/store/base.py), run against every available implementation.

MemoryStore always; RedisStore too when IDP_TEST_REDIS_URL names a server. Each test writes
under its own random key prefix and deletes what it wrote, so a shared Redis is left as found.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import threading
import time

import pytest
import redis

from idp.store import StoreUnavailable
from idp.store import consume_json
from idp.store import get_json
from idp.store import put_json
from idp.store.memory import MemoryStore
from idp.store.redis import RedisStore

REDIS_URL = os.environ.get("IDP_TEST_REDIS_URL", "")
IMPLEMENTATIONS = ["memory"] + (["redis"] if REDIS_URL else [])


class Keys:
    """Hands out unique keys under one test's prefix and remembers them for clean-up."""

    def __init__(self) -> None:
        self.prefix = f"idp-contract-{secrets.token_hex(8)}:"
        self.made: list[str] = []

    def __call__(self, name: str) -> str:
        self.made.append(self.prefix + name)
        return self.made[-1]


@pytest.fixture
def keys() -> Keys:
    return Keys()


@pytest.fixture(params=IMPLEMENTATIONS)
def store(request, keys):
    if request.param == "memory":
        yield MemoryStore()
        return
    yield RedisStore(REDIS_URL)
    raw = redis.Redis.from_url(REDIS_URL)
    leftovers = list(raw.scan_iter(match=keys.prefix + "*"))
    if keys.made or leftovers:
        raw.delete(*keys.made, *leftovers)
    raw.close()


def test_put_then_get_returns_the_value_and_put_replaces_it(store, keys):
    k = keys("a")
    assert store.get(k) is None
    store.put(k, "first", 60)
    assert store.get(k) == "first"
    store.put(k, "état-日本", 60)
    assert store.get(k) == "état-日本"


def test_values_expire_after_their_ttl(store, keys):
    plain, counter, group, kept = keys("plain"), keys("counter"), keys("group"), keys("kept")
    store.put(plain, "v", 1)
    store.incr(counter, 1)
    store.add_member(group, "m", 1)
    store.put(kept, "v", 60)
    assert store.get(plain) == "v"
    time.sleep(1.2)
    assert store.get(plain) is None
    assert store.ttl(plain) is None
    assert store.incr(counter, 60) == 1  # the old count expired: counting starts again
    assert store.members(group) == set()
    assert store.get(kept) == "v"


def test_put_new_only_the_first_writer_wins(store, keys):
    k = keys("nx")
    assert store.put_new(k, "first", 60) is True
    assert store.put_new(k, "second", 60) is False
    assert store.get(k) == "first"
    store.delete(k)
    assert store.put_new(k, "third", 60) is True
    assert store.get(k) == "third"


def test_put_new_succeeds_again_once_the_key_expired(store, keys):
    k = keys("nx-expiring")
    assert store.put_new(k, "first", 1)
    time.sleep(1.2)
    assert store.put_new(k, "second", 60) is True
    assert store.get(k) == "second"


def test_consume_returns_the_value_once(store, keys):
    k = keys("once")
    store.put(k, "code-data", 60)
    assert store.consume(k) == "code-data"
    assert store.consume(k) is None
    assert store.get(k) is None
    assert store.consume(keys("never-set")) is None


def test_consume_is_atomic_under_concurrency(store, keys):
    k = keys("race")
    store.put(k, "the-one-value", 60)
    start = threading.Barrier(20)
    results: list[str | None] = []
    lock = threading.Lock()

    def worker():
        start.wait()
        value = store.consume(k)
        with lock:
            results.append(value)

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert len(results) == 20
    assert results.count("the-one-value") == 1
    assert results.count(None) == 19


def test_incr_counts_up_and_each_change_sets_the_ttl(store, keys):
    k = keys("failures")
    assert [store.incr(k, 100) for _ in range(3)] == [1, 2, 3]
    assert 98 <= store.ttl(k) <= 100
    assert store.incr(k, 10) == 4
    assert 8 <= store.ttl(k) <= 10  # "expires ttl seconds after its last change"
    assert store.get(k) == "4"


def test_ttl_is_none_for_a_missing_key_and_counts_down_otherwise(store, keys):
    k = keys("ttl")
    assert store.ttl(k) is None
    store.put(k, "v", 120)
    assert 118 <= store.ttl(k) <= 120
    store.put(k, "v", 30)
    assert 28 <= store.ttl(k) <= 30
    store.delete(k)
    assert store.ttl(k) is None


def test_delete_removes_several_keys_and_ignores_missing_ones(store, keys):
    a, b, c, other = keys("a"), keys("b"), keys("c"), keys("other")
    for k in (a, b, other):
        store.put(k, "v", 60)
    store.add_member(c, "m", 60)
    store.delete(a, b, c, keys("missing"))
    assert store.get(a) is None and store.get(b) is None
    assert store.members(c) == set()
    assert store.get(other) == "v"
    store.delete()  # nothing to delete is not an error


def test_sets_add_list_and_remove_members(store, keys):
    k = keys("sessions")
    assert store.members(k) == set()
    store.add_member(k, "sid-1", 60)
    store.add_member(k, "sid-2", 60)
    store.add_member(k, "sid-1", 60)
    assert store.members(k) == {"sid-1", "sid-2"}
    store.remove_member(k, "sid-1")
    store.remove_member(k, "not-there")
    assert store.members(k) == {"sid-2"}
    store.remove_member(k, "sid-2")
    assert store.members(k) == set()
    assert store.ttl(k) is None  # an emptied set is gone
    store.remove_member(keys("never-set"), "x")


def test_adding_a_member_renews_the_ttl_of_the_set(store, keys):
    k = keys("renewed")
    store.add_member(k, "a", 10)
    store.add_member(k, "b", 100)
    assert 98 <= store.ttl(k) <= 100
    assert store.members(k) == {"a", "b"}


def test_json_helpers_round_trip_and_consume_once(store, keys):
    k = keys("json")
    value = {"client_id": "bank", "amr": ["pwd"], "auth_time": 1700000000, "nonce": None,
             "name": "Nguyễn Minh An"}
    put_json(store, k, value, 60)
    assert get_json(store, k) == value
    assert get_json(store, k) == value  # reading does not use it up
    assert consume_json(store, k) == value
    assert consume_json(store, k) is None
    assert get_json(store, k) is None


def test_ping_answers_when_the_store_is_up(store):
    assert store.ping() is None


def test_redis_store_on_a_closed_port_fails_fast_with_store_unavailable():
    """No Redis server needed: port 1 on loopback refuses the connection."""
    down = RedisStore("redis://127.0.0.1:1/0")
    calls = [
        lambda: down.ping(),
        lambda: down.get("k"),
        lambda: down.put("k", "v", 10),
        lambda: down.put_new("k", "v", 10),
        lambda: down.consume("k"),
        lambda: down.incr("k", 10),
        lambda: down.add_member("k", "m", 10),
        lambda: down.delete("k"),
    ]
    for call in calls:
        started = time.monotonic()
        with pytest.raises(StoreUnavailable):
            call()
        assert time.monotonic() - started < 3


def _announced(feed, within: float = 2.0) -> bool:
    """Redis pushes an announcement to subscribers asynchronously (microseconds on loopback)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if feed.poll():
            return True
        time.sleep(0.01)
    return False


def test_a_change_feed_reports_each_announcement_once_and_nothing_else(store, keys):
    channel, other = keys("channel"), keys("other")
    feed = store.changes(channel)
    try:
        assert feed.poll() is True  # new: whatever was cached before it cannot be trusted
        assert feed.poll() is False
        store.announce(other)
        store.announce(channel)
        assert _announced(feed)
        assert feed.poll() is False
        store.announce(channel)
        store.announce(channel)
        assert _announced(feed)
    finally:
        feed.close()


if REDIS_URL:  # CI's PostgreSQL + Redis pass

    def test_a_redis_change_feed_hears_other_processes_and_fails_closed_when_redis_is_gone(keys):
        channel = keys("channel")
        listener, announcer = RedisStore(REDIS_URL), RedisStore(REDIS_URL)
        feed = listener.changes(channel)
        assert feed.poll() is True
        announcer.announce(channel)
        assert _announced(feed)
        feed.close()
        assert feed.poll() is True  # a new subscription: announcements in between were missed
        down = RedisStore("redis://127.0.0.1:1/0").changes(channel)
        with pytest.raises(StoreUnavailable):
            down.poll()
        feed.close()


def test_a_silent_subscription_is_noticed_by_its_heartbeat_and_replaced(tmp_path):
    """A link that dies without a word (a middlebox dropping it) must not leave a cache that
    is never told of changes: no PONG within the heartbeat means a new subscription, reported as
    a change. A private redis-server, paused with CLIENT PAUSE, plays the silent link."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                               "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
                              stdout=subprocess.DEVNULL)
    try:
        url = f"redis://127.0.0.1:{port}/0"
        for _ in range(100):
            try:
                redis.Redis.from_url(url).ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        feed = RedisStore(url).changes("channel")
        feed.HEARTBEAT = 0.1
        assert feed.poll() is True
        for _ in range(3):  # answered heartbeats are not changes
            time.sleep(0.15)
            assert feed.poll() is False
        redis.Redis.from_url(url).execute_command("CLIENT", "PAUSE", "1000", "ALL")
        polls = []
        while len(polls) < 8 and True not in polls:
            time.sleep(0.15)
            polls.append(feed.poll())
        # A PING with no answer, then a new subscription (made once the pause ended), which
        # reports a change: the cache it guards starts afresh.
        assert polls[0] is False and polls[-1] is True, polls
        feed.close()
    finally:
        server.terminate()
        server.wait(5)
