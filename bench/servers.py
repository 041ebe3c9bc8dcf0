"""Starting, seeding and stopping the servers under test; every process in its own group,
ended by its id when the bench exits (normally, on failure or on Ctrl-C)."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
PEER = ROOT / "bench" / "peer"
BENCH_DB = "idp_bench"  # never `test`: the suite's database
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{BENCH_DB}"
REDIS_URL = "redis://127.0.0.1:6379/0"
ISSUER_HOST = "idp.bench"

_started: list[subprocess.Popen] = []


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(cmd: list[str], *, env: dict | None = None, log: Path, cwd: Path = ROOT) -> subprocess.Popen:
    with open(log, "ab") as out:
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=out,  # noqa: S603 - our own commands
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
    _started.append(proc)
    return proc


def stop(proc: subprocess.Popen, grace: float = 10) -> None:
    """SIGTERM to the process group we created (its workers included), then SIGKILL."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
        except ProcessLookupError:
            pass
    if proc in _started:
        _started.remove(proc)


def stop_all() -> None:
    for proc in list(reversed(_started)):
        stop(proc)


def wait_ready(url: str, host: str, proc: subprocess.Popen, log: Path, limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited ({proc.returncode}); see {log}:\n"
                               + log.read_text()[-2000:])
        try:
            if requests.get(url, headers={"Host": host}, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server not ready after {limit} s; see {log}")


def group_memory(proc: subprocess.Popen) -> dict[int, tuple[str, int]]:
    """pid -> (command, peak RSS in KiB: VmHWM) for every live process of proc's group."""
    result = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getpgid(int(entry.name)) != proc.pid:
                continue
            status = (entry / "status").read_text()
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()[:60].strip()
        except (OSError, ProcessLookupError):
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if "VmHWM" in fields:
            result[int(entry.name)] = (cmd, int(fields["VmHWM"].split()[0]))
    return result


# --- our IdP ------------------------------------------------------------------------------------
def idp_env(kind: str, tmp: Path, alg: str = "ES256") -> dict:
    """IDP_ENV=production with fresh random secrets; `kind` picks the storage ("production":
    PostgreSQL and Redis, else the embedded defaults), `alg` signs access and ID tokens."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("IDP_")}
    env.update(
        IDP_ENV="production", IDP_ISSUER=f"https://{ISSUER_HOST}", IDP_PROXY_HOPS="0",
        IDP_SECRET_KEY=secrets.token_urlsafe(48), IDP_PAIRWISE_SALT=secrets.token_urlsafe(48),
        IDP_FACTOR_KEY=secrets.token_urlsafe(48), IDP_KEYS_DIR=str(tmp / "keys"),
        IDP_ACCESS_TOKEN_SIGNING_ALG=alg,
    )
    if kind == "production":
        env.update(IDP_DATABASE_URL=PG_URL, IDP_REDIS_URL=REDIS_URL,
                   IDP_STORE_PREFIX=f"idp-bench-{secrets.token_hex(4)}:")
    else:  # the embedded defaults, in the temp folder
        env["IDP_DATABASE_URL"] = f"sqlite:///{tmp / 'idp.sqlite3'}"
    return env


def create_database() -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {BENCH_DB}")


def drop_database() -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")


def clear_store(prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
    for i in range(0, len(keys), 1000):
        client.delete(*keys[i:i + 1000])


def flask(env: dict, *args: str, timeout: float = 120) -> str:
    done = subprocess.run([str(BIN / "flask"), "--app", "idp", *args], env=env, cwd=ROOT,  # noqa: S603
                          capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed: {done.stderr.strip()[-500:]}")
    return done.stdout


def prepare_idp(env: dict, people: dict, timeout: float = 300) -> dict:
    """Migrate, generate keys, seed through the CLI (bench/seed.py); returns the seeded data."""
    flask(env, "db", "upgrade")
    flask(env, "keys", "generate")
    done = subprocess.run([str(BIN / "python"), str(ROOT / "bench" / "seed.py")],  # noqa: S603
                          env=env, cwd=ROOT,
                          input=json.dumps(people), capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"seeding failed: {done.stderr.strip()[-1500:]}")
    return json.loads(done.stdout)


def server_command(server: str, port: int, workers: int, threads: int) -> list[str]:
    bind = f"127.0.0.1:{port}"
    if server == "granian":
        return [str(BIN / "granian"), "--interface", "wsgi", "--host", "127.0.0.1",
                "--port", str(port), "--workers", str(workers), "--blocking-threads", str(threads),
                "--no-ws", "--log-level", "warning", "bench.forwarded:app"]
    cmd = [str(BIN / "gunicorn"), "--bind", bind, "--workers", str(workers),
           "--worker-class", server, "--log-level", "warning", "--backlog", "2048"]
    if server == "gthread":
        cmd += ["--threads", str(threads)]
    return [*cmd, "idp.wsgi:app"]


def start_idp(env: dict, server: str, workers: int, threads: int, log: Path):
    port = free_port()
    proc = start(server_command(server, port, workers, threads), env=env, log=log)
    base = f"http://127.0.0.1:{port}"
    wait_ready(f"{base}/.well-known/openid-configuration", ISSUER_HOST, proc, log)
    return proc, base


# --- the peer ------------------------------------------------------------------------------------
def start_peer(client: dict, accounts: list[dict], resource: str, tmp: Path, log: Path,
               alg: str = "ES256"):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    config = tmp / "peer.json"
    config.write_text(json.dumps({"port": port, "issuer": base, "client": client, "alg": alg,
                                  "resource": resource, "accounts": accounts}))
    proc = start(["node", str(PEER / "provider.mjs"), str(config)], log=log, cwd=PEER)
    # Hashing every password at start-up takes a while on a busy machine.
    wait_ready(f"{base}/.well-known/openid-configuration", f"127.0.0.1:{port}", proc, log, 180)
    return proc, base


def load(spec: dict, tmp: Path) -> dict:
    """One autocannon run (bench/peer/load.mjs); returns its JSON line."""
    path = tmp / "load.json"
    path.write_text(json.dumps(spec))
    done = subprocess.run(["node", str(PEER / "load.mjs"), str(path)],  # noqa: S603, S607
                          cwd=PEER, capture_output=True, text=True,
                          timeout=spec["warmup"] + spec["duration"] + 60)
    if done.returncode != 0:
        raise RuntimeError(f"load generator failed: {done.stderr.strip()[-1000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def installed_node_version(package: str) -> str:
    return json.loads((PEER / "node_modules" / package / "package.json").read_text())["version"]


if __name__ == "__main__":
    sys.exit("bench/servers.py is a module; run bench/run.py")
