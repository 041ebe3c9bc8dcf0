"""Prometheus metrics an operator scrapes: what a sign-in counts, who may read them, and the sum
over the workers of gunicorn or granian in multi-process mode."""

import os
import socket
import subprocess
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from prometheus_client.mmap_dict import MmapedDict
from prometheus_client.parser import text_string_to_metric_families

from idp import metrics

from .conftest import make_app
from .factories import PASSWORD

ROOT = Path(__file__).resolve().parent.parent
OUTSIDE = {"REMOTE_ADDR": "203.0.113.9"}


def samples(text: str) -> dict:
    """{(sample name, sorted label items): value} from a text exposition."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(found: dict, name: str, **labels) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


def scrape(client, **kwargs) -> dict:
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    return samples(response.text)


def test_a_sign_in_counts_the_login_the_token_and_the_requests(rp):
    before = scrape(rp.browser)
    rp.tokens()
    after = scrape(rp.browser)

    def grew(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("idp_logins_total", outcome="success", level="1") == 1
    assert grew("idp_tokens_issued_total", grant_type="authorization_code") == 1
    assert grew("idp_http_requests_total", endpoint="oidc.token", method="POST", status="200") == 1
    assert grew("idp_http_requests_total", endpoint="authn.login_submit", method="POST",
                status="303") == 1
    assert grew("idp_http_requests_total", endpoint="oidc.authorize", method="GET", status="302") == 1
    assert grew("idp_http_request_duration_seconds_count", endpoint="oidc.token") == 1


def test_failures_throttling_and_unknown_paths_are_counted_without_the_path(rp, app):
    before = scrape(rp.browser)
    page = rp.authorize()
    for _ in range(app.config["THROTTLE"]["ACCOUNT_IP_FREE_FAILURES"] + 1):
        page = rp.browser.get(page.headers["Location"]) if page.status_code in (302, 303) else page
        rp.submit_login(page, password="not the password at all")
    throttled = rp.submit_login(page, password=PASSWORD)
    assert throttled.status_code == 429
    rp.browser.get("/no-such-page/holder-secret-path")
    after = scrape(rp.browser)
    assert value(after, "idp_logins_total", outcome="failure", level="1") - value(
        before, "idp_logins_total", outcome="failure", level="1") == 6
    assert value(after, "idp_throttled_total", kind="login") - value(
        before, "idp_throttled_total", kind="login") == 1
    assert value(after, "idp_http_requests_total", endpoint="none", method="GET", status="404") >= 1
    assert "holder-secret-path" not in rp.browser.get("/metrics").text


def test_an_unreachable_store_is_counted(database_url, keys_dir, app):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    down = make_app(database_url, keys_dir, REDIS_URL=f"redis://127.0.0.1:{port}/0").test_client()
    before = value(scrape(down), "idp_store_errors_total")
    assert down.get("/login").status_code == 503
    assert value(scrape(down), "idp_store_errors_total") == before + 1


def test_metrics_are_404_outside_the_allowed_networks_unless_the_token_is_given(
        database_url, keys_dir, app):
    guarded = make_app(database_url, keys_dir, METRICS_TOKEN="scrape-token-0123456789")
    browser = guarded.test_client()
    hidden = browser.get("/metrics", environ_base=OUTSIDE)
    assert hidden.status_code == 404 and "idp_" not in hidden.text
    assert browser.get("/metrics", environ_base=OUTSIDE,
                       headers={"Authorization": "Bearer wrong-token"}).status_code == 404
    assert browser.get("/metrics", environ_base=OUTSIDE,
                       headers={"Authorization": "Bearer scrape-token-0123456789"}).status_code == 200
    assert browser.get("/metrics").status_code == 200  # 127.0.0.1 is allowed by default
    narrowed = make_app(database_url, keys_dir, METRICS_ALLOW=["10.0.0.0/8"]).test_client()
    assert narrowed.get("/metrics").status_code == 404
    assert narrowed.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200


def test_no_token_configured_means_no_token_accepted(client):
    assert client.get("/metrics", environ_base=OUTSIDE,
                      headers={"Authorization": "Bearer "}).status_code == 404


def test_a_broken_metric_never_breaks_the_request(client, monkeypatch):
    def broken(**labels):
        raise RuntimeError("metrics backend failed")

    monkeypatch.setattr(metrics.REQUESTS, "labels", broken)
    monkeypatch.setattr(metrics.LOGINS, "labels", broken)
    assert client.get("/healthz").status_code == 200
    assert client.post("/login", data={}).status_code == 400  # CSRF page, still answered


def test_a_malformed_allowed_network_stops_the_start(database_url, keys_dir):
    with pytest.raises(SystemExit, match="METRICS_ALLOW"):
        make_app(database_url, keys_dir, METRICS_ALLOW=["not-a-network"])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _workers_are_added_up(server_args: Callable[[int], list[str]], database_url, keys_dir,
                          folder: Path):
    """Starts a two-worker server with PROMETHEUS_MULTIPROC_DIR, sends /healthz requests until
    both workers have answered some, and checks that /metrics (served by either) sums both."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IDP_", "GRANIAN_"))}
    env.update(PROMETHEUS_MULTIPROC_DIR=str(folder), IDP_ISSUER="https://idp.test",
               IDP_DATABASE_URL=database_url, IDP_KEYS_DIR=str(keys_dir),
               IDP_SECRET_KEY="test-secret-key")
    server = subprocess.Popen(
        [*server_args(port), "idp.wsgi:app"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, start_new_session=True)
    base, host = f"http://127.0.0.1:{port}", {"Host": "idp.test"}
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(f"{base}/readyz", headers=host, timeout=5)
                break
            except requests.RequestException:
                assert server.poll() is None, server.stderr.read().decode()[-2000:]
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)

        def hit(_):
            return requests.get(f"{base}/healthz", headers=host, timeout=10).status_code

        def per_worker() -> list[float]:
            counts = []
            for path in folder.glob("counter_*.db"):
                counted = [v for key, v, *_ in MmapedDict.read_all_values_from_file(str(path))
                           if "health.healthz" in key]
                counts.append(sum(counted))
            return [count for count in counts if count]

        sent = 0
        with ThreadPoolExecutor(8) as pool:
            # Which worker accepts a connection is the kernel's choice: on a busy machine one
            # may take a whole batch, so send batches until both have answered some.
            while sent < 600 and len(per_worker()) < 2:
                assert set(pool.map(hit, range(60))) == {200}
                sent += 60
        found = samples(requests.get(f"{base}/metrics", headers=host, timeout=10).text)
        assert value(found, "idp_http_requests_total", endpoint="health.healthz", method="GET",
                     status="200") == sent
        served = per_worker()
        assert len(served) == 2 and sum(served) == sent  # both workers answered; /metrics added up
    finally:
        os.killpg(server.pid, 15)
        server.wait(20)
        server.stderr.close()


def test_gunicorn_workers_are_added_up(database_url, keys_dir, app, tmp_path):
    """gunicorn with config/gunicorn.conf.py, which also clears the folder at start."""
    folder = tmp_path / "prometheus"
    folder.mkdir()
    stale = folder / "counter_999999.db"  # a previous run's file
    stale.write_bytes(b"stale")
    _workers_are_added_up(
        lambda port: [str(ROOT / ".venv/bin/gunicorn"), "-c", str(ROOT / "config/gunicorn.conf.py"),
                      "--bind", f"127.0.0.1:{port}", "--workers", "2", "--log-level", "warning"],
        database_url, keys_dir, folder)
    assert not stale.exists()


def test_granian_workers_are_added_up(database_url, keys_dir, app, tmp_path):
    """granian, the server README recommends, started as README's production section says."""
    _workers_are_added_up(
        lambda port: [str(ROOT / ".venv/bin/granian"), "--interface", "wsgi", "--host", "127.0.0.1",
                      "--port", str(port), "--workers", "2", "--blocking-threads", "4", "--no-ws",
                      "--log-level", "warning"],
        database_url, keys_dir, tmp_path / "prometheus")
