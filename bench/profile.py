"""Where our time goes on the hot paths: py-spy against each gunicorn worker under load.

Starts ours in the production shape (as bench/run.py does), then for each endpoint runs the load
generator while `py-spy record` samples every worker, twice: all request threads (wall time,
waits included) and with --gil (only the thread running Python: CPU). Prints, per endpoint, the share of
samples by area and the functions that dominate (inclusive and self). bench/PROFILE.md is
written from this output.

    .venv/bin/python bench/profile.py [--duration 10] [--server gthread:4] [--endpoints ...]
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import flows  # noqa: E402
import run  # noqa: E402
import servers  # noqa: E402

FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^()]*?)(?::\d+)?\)$")
AREAS = [  # first match on the frame's file wins, from the leaf up
    ("argon2 / crypto", ("cryptography/", "argon2/", "joserfc/", "hashlib", "hmac.py")),
    ("SQLAlchemy", ("sqlalchemy/",)),
    ("psycopg / PostgreSQL I/O", ("psycopg/",)),
    ("redis client", ("redis/",)),
    ("Authlib", ("authlib/",)),
    ("Jinja2 templates", ("jinja2/",)),
    ("Flask / Werkzeug", ("flask/", "werkzeug/", "flask_wtf/", "flask_babel/", "babel/")),
    ("gunicorn", ("gunicorn/",)),
    ("json", ("json/",)),
    ("idp (our code)", ("/idp/",)),
]


def area(stack: list[tuple[str, str]]) -> str:
    for _, file in reversed(stack):
        for name, needles in AREAS:
            if any(n in file for n in needles):
                return name
    return "other (stdlib, logging, sockets)"


def summarize(raw: Path, top: int = 12) -> list[str]:
    """py-spy's raw output (`frame;frame;... count`) -> for the samples inside a request (below
    Flask's wsgi_app): share by area of the leaf frame, then our functions and the library
    functions that take the most (inclusive), then the leaves (self)."""
    areas, ours, inclusive, own = (collections.Counter() for _ in range(4))
    total = in_request = 0
    for line in raw.read_text().splitlines():
        stack_text, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        frames = [(m["func"], re.sub(r"^.*site-packages/|^" + re.escape(f"{servers.ROOT}/"), "",
                                     m["file"]))
                  for m in map(FRAME.match, (p.strip() for p in stack_text.split(";"))) if m]
        total += int(count)
        if not any(func.endswith("wsgi_app") for func, _ in frames):
            continue  # a thread waiting for work, or the server's own loop
        n = int(count)
        in_request += n
        areas[area(frames)] += n
        for func, file in set(frames):
            name = f"{func} ({file})"
            if file.startswith("idp/"):
                ours[name] += n
            elif not file.startswith(("flask/", "werkzeug/", "gunicorn/", "threading", "granian")):
                inclusive[name] += n
        own["{} ({})".format(*frames[-1])] += n
    if not in_request:
        return ["  (no samples)"]

    def pct(n):
        return f"{100 * n / in_request:5.1f}%"

    out = [f"  {in_request} of {total} samples inside a request; by area (leaf frame): "
           + ", ".join(f"{name} {pct(n)}" for name, n in areas.most_common())]
    out.append("  our functions (inclusive):")
    out += [f"    {pct(n)}  {name}" for name, n in ours.most_common(top)]
    out.append("  library functions (inclusive):")
    out += [f"    {pct(n)}  {name}" for name, n in inclusive.most_common(top)]
    out.append("  leaves (self):")
    out += [f"    {pct(n)}  {name}" for name, n in own.most_common(top)]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--server", default="gthread:4")
    parser.add_argument("--endpoints", default="client_credentials,refresh,userinfo,introspection,"
                                                "discovery")
    args = parser.parse_args()
    args.warmup = 1
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    tmp = Path(tempfile.mkdtemp(prefix="idp-profile-"))
    (tmp / "logs").mkdir()
    env = servers.idp_env("production", tmp)
    try:
        servers.create_database()
        data = run.people(4, 0)
        seeded = servers.prepare_idp(env, data)
        server, threads = run.parse_server(args.server)
        proc, base = servers.start_idp(env, server, os.cpu_count(), threads, tmp / "logs" / "ours.log")
        target = flows.Target("ours", base, servers.ISSUER_HOST, "bench-rp", seeded["client_secret"],
                              run.REDIRECT_URI, headers={"X-Forwarded-Proto": "https"})
        target.discover()
        side = run.Side("ours", target, proc, data["accounts"])
        side.prepare(data["accounts"], data["accounts"][0])
        workers = [pid for pid in servers.group_memory(proc) if pid != proc.pid]
        for endpoint, mode in [(e, m) for m in ("wall", "gil") for e in args.endpoints.split(",")]:
            gil = ["--gil"] if mode == "gil" else []
            samplers = [subprocess.Popen(  # noqa: S603 - py-spy from our venv, our own workers
                [str(servers.BIN / "py-spy"), "record", "--pid", str(pid), "--rate", "200", *gil,
                 "--duration", str(int(args.warmup + args.duration)), "--format", "raw",
                 "--output", str(tmp / f"{endpoint}-{mode}-{pid}.txt")],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for pid in workers]
            result = side.run(endpoint, args, tmp)
            for sampler in samplers:
                sampler.wait(60)
            merged = tmp / f"{endpoint}-{mode}.txt"
            merged.write_text("\n".join((tmp / f"{endpoint}-{mode}-{pid}.txt").read_text() for pid in workers
                                        if (tmp / f"{endpoint}-{mode}-{pid}.txt").exists()))
            if endpoint == "refresh":  # the chains were used up: mint new ones for the next mode
                side.prepare([], data["accounts"][0])
            print(f"\n== {endpoint} ({mode}): {result['rps']:.1f} req/s, p50 {result['p50']:.0f} ms, "
                  f"p99 {result['p99']:.0f} ms, errors {result['errors']} "
                  f"({args.server} x {len(workers)} workers, py-spy at 200 Hz)")
            print("\n".join(summarize(merged)), flush=True)
    finally:
        servers.stop_all()
        servers.clear_store(env["IDP_STORE_PREFIX"])
        servers.drop_database()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
