"""`make soak`: the full code flow at a steady rate against our IdP in production shape, for ten
minutes by default, on 127.0.0.1 only; stops by itself.

Production shape as in `make bench` (bench/servers.py): IDP_ENV=production with random secrets,
a PostgreSQL database of its own (`idp_soak`, dropped at the end), Redis with a prefix of its own
(cleared at the end), gunicorn with config/gunicorn.conf.py and Prometheus multi-process metrics,
one worker per core. Each flow is a fresh browser: authorize, password, (remembered) consent,
code, token with PKCE (bench/flows.py). It reports:

- errors, which must be 0 (failed flows or any 5xx counted by /metrics; the exit status is 1
  otherwise), and late starts (the driver could not keep the rate on a busy machine);
- memory growth per worker: VmRSS from /proc after the warm-up and at the end;
- p99 drift: p99 latency of the first minute against the last minute (a third of the run each
  when it is shorter than three minutes).

    .venv/bin/python bench/soak.py [--duration 600] [--rate 5] [--workers N] [--threads 4]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

import flows  # noqa: E402
import servers  # noqa: E402
from sides import REDIRECT_URI  # noqa: E402
from sides import SCOPE  # noqa: E402
from sides import people  # noqa: E402

SOAK_DB = "idp_soak"  # never `test` (the suite's) nor `idp_bench` (make bench's)
SOAK_URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{SOAK_DB}"
LATE = 1.0  # a flow starting more than this after its slot means the driver fell behind


def _database(create: bool) -> None:
    import psycopg

    with psycopg.connect(servers.PG_ADMIN, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {SOAK_DB} WITH (FORCE)")
        if create:
            conn.execute(f"CREATE DATABASE {SOAK_DB}")


def worker_rss(master) -> dict[int, int]:
    """pid -> VmRSS in KiB of every gunicorn worker (the master's group, the master excluded)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == master.pid:
            continue
        try:
            if os.getpgid(int(entry.name)) != master.pid:
                continue
            status = (entry / "status").read_text()
        except (OSError, ProcessLookupError):
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                found[int(entry.name)] = int(line.split()[1])
    return found


def p99(values: list[float]) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


def drive(target: flows.Target, accounts: list[dict], rate: float, duration: float, threads: int):
    """Start one flow every 1/rate s for `duration` s; returns [(start offset, latency, error)]."""
    results: list[tuple[float, float, str | None]] = []
    late = []
    lock = threading.Lock()
    local = threading.local()
    begin = time.monotonic()

    def flow(n: int, slot: float) -> None:
        started = time.monotonic()
        if started - slot > LATE:
            late.append(started - slot)
        browser = getattr(local, "browser", None) or flows.Browser(target)
        local.browser = browser
        browser.reset()
        error = None
        try:
            flows.sign_in(browser, accounts[n % len(accounts)], scope=SCOPE)
        except Exception as exc:  # noqa: BLE001 - every failure is counted and reported
            error = f"{type(exc).__name__}: {exc}"[:300]
        with lock:
            results.append((started - begin, time.monotonic() - started, error))

    with ThreadPoolExecutor(threads) as pool:
        n = 0
        while (slot := begin + n / rate) < begin + duration:
            time.sleep(max(0.0, slot - time.monotonic()))
            pool.submit(flow, n, slot)
            n += 1
    return results, late


def report(results, late, memory_start, memory_end, duration: float) -> dict:
    window = 60.0 if duration >= 180 else duration / 3
    first = [lat * 1000 for start, lat, err in results if err is None and start < window]
    last = [lat * 1000 for start, lat, err in results if err is None and start >= duration - window]
    errors = [err for _, _, err in results if err]
    workers = {}
    for pid in sorted(set(memory_start) | set(memory_end)):
        before, after = memory_start.get(pid), memory_end.get(pid)
        workers[pid] = {"start_kib": before, "end_kib": after,
                        "growth_kib": None if before is None or after is None else after - before}
    ok = [lat * 1000 for _, lat, err in results if err is None]
    return {
        "flows": len(results), "errors": len(errors), "first_errors": errors[:3],
        "late_starts": len(late), "rate": len(results) / duration,
        "p50_ms": statistics.median(ok) if ok else float("nan"), "p99_ms": p99(ok),
        "window_s": window, "p99_first_ms": p99(first), "p99_last_ms": p99(last),
        "p99_drift_ms": p99(last) - p99(first), "workers": workers,
        "workers_replaced": sorted(set(memory_start) ^ set(memory_end)),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=600, help="seconds of steady load (600)")
    parser.add_argument("--rate", type=float, default=5, help="flows started per second (5)")
    parser.add_argument("--warmup", type=float, default=10, help="seconds at the rate before measuring")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--threads", type=int, default=4, help="gunicorn gthread threads per worker")
    parser.add_argument("--accounts", type=int, default=50)
    parser.add_argument("--driver-threads", type=int, default=16)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="idp-soak-"))
    env = servers.idp_env("production", tmp)
    env["IDP_DATABASE_URL"] = SOAK_URL
    prefix = env["IDP_STORE_PREFIX"]

    def stop(signum=None, frame=None):
        servers.stop_all()
        servers.clear_store(prefix)
        _database(create=False)
        shutil.rmtree(tmp, ignore_errors=True)
        if signum is not None:
            sys.exit(130)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        print(f"[soak] database {SOAK_DB}, keys, {args.accounts} accounts", flush=True)
        _database(create=True)
        data = people(args.accounts, 0)
        seeded = servers.prepare_idp(env, data)
        log = tmp / "gunicorn.log"
        port = servers.free_port()
        command = servers.server_command("gthread", port, args.workers, args.threads)
        command[1:1] = ["-c", str(servers.ROOT / "config" / "gunicorn.conf.py")]
        master = servers.start(command, env={**env, "PROMETHEUS_MULTIPROC_DIR": str(tmp / "metrics")},
                               log=log)
        base = f"http://127.0.0.1:{port}"
        servers.wait_ready(f"{base}/.well-known/openid-configuration", servers.ISSUER_HOST, master, log)
        target = flows.Target("ours", base, servers.ISSUER_HOST, data["client"]["client_id"],
                              seeded["client_secret"], REDIRECT_URI,
                              headers={"X-Forwarded-Proto": "https"})
        target.discover()
        flows.prime(target, data["accounts"], SCOPE)
        print(f"[soak] gthread, {args.workers} workers x {args.threads} threads; warm-up "
              f"{args.warmup:g} s, then {args.rate:g} flows/s for {args.duration:g} s", flush=True)
        drive(target, data["accounts"], args.rate, args.warmup, args.driver_threads)
        memory_start = worker_rss(master)
        results, late = drive(target, data["accounts"], args.rate, args.duration, args.driver_threads)
        memory_end = worker_rss(master)
        outcome = report(results, late, memory_start, memory_end, args.duration)
        metrics = requests.get(f"{base}/metrics", headers={"Host": servers.ISSUER_HOST},
                                       timeout=10).text
        outcome["server_5xx"] = sum(float(line.rsplit(" ", 1)[1]) for line in metrics.splitlines()
                                    if line.startswith("idp_http_requests_total{")
                                    and 'status="5' in line)
    finally:
        stop()

    print(f"[soak] {outcome['flows']} flows in {args.duration:g} s ({outcome['rate']:.2f}/s), "
          f"errors {outcome['errors']}, server 5xx {outcome['server_5xx']:g}, late starts "
          f"{outcome['late_starts']}")
    print(f"[soak] latency p50 {outcome['p50_ms']:.0f} ms, p99 {outcome['p99_ms']:.0f} ms; p99 first "
          f"{outcome['window_s']:g} s {outcome['p99_first_ms']:.0f} ms, last {outcome['window_s']:g} s "
          f"{outcome['p99_last_ms']:.0f} ms (drift {outcome['p99_drift_ms']:+.0f} ms)")
    for pid, memory in outcome["workers"].items():
        print(f"[soak] worker {pid}: VmRSS {memory['start_kib']} KiB -> {memory['end_kib']} KiB "
              f"({'+' if (memory['growth_kib'] or 0) >= 0 else ''}{memory['growth_kib']} KiB)")
    if outcome["workers_replaced"]:
        print(f"[soak] workers replaced during the run: {outcome['workers_replaced']}")
    for error in outcome["first_errors"]:
        print(f"[soak] error: {error}")
    print(json.dumps(outcome))
    if outcome["late_starts"]:
        print("[soak] warning: the driver fell behind the rate (a busy machine); the rate above is "
              "what was reached")
    return 1 if outcome["errors"] or outcome["server_5xx"] else 0


if __name__ == "__main__":
    sys.exit(main())
