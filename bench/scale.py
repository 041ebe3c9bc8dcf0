"""Scale: do sign-in and token latency stay flat as the accounts table grows?

Seeds 10,000, then 100,000, then 1,000,000 accounts (each with a remembered consent) into a
PostgreSQL database of its own (`idp_scale`, dropped at the end) with COPY, not one ORM insert
per row, and at each size measures our IdP in production shape (granian, one worker per core,
Redis): the password sign-in with the code flow (authorize, password, code, token: people picked
at random over the whole table) and userinfo. It also records PostgreSQL's plan for the
account lookup at sign-in, to show an index scan and no table scan. Writes the "Scale" section of
bench/RESULTS.md (the rest of the file is left as it is).

    .venv/bin/python bench/scale.py [--sizes 10000,100000,1000000] [--duration 10]
        [--connections 8] [--keep]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import secrets
import shutil
import signal
import sys
import tempfile
import time
from datetime import UTC
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import flows  # noqa: E402
import servers  # noqa: E402

SCALE_DB = "idp_scale"  # never `test` (the suite) nor `idp_bench` (make bench)
PG_URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{SCALE_DB}"
PG_LIBPQ = f"postgresql://postgres@127.0.0.1:5432/{SCALE_DB}"
SCOPE = "openid profile email"
REDIRECT_URI = "http://127.0.0.1:5001/callback"
MARK_START, MARK_END = "<!-- scale:start -->", "<!-- scale:end -->"
COLUMNS = ("subject_key", "identification_number", "login", "password_hash", "given_name",
           "family_name", "email", "email_verified", "phone_number", "phone_number_verified",
           "birthdate", "gender", "nationality", "locale", "proofed_level", "status",
           "created_at", "updated_at", "activated_at")


def login_of(n: int) -> str:
    return f"scale{n:07d}@scale.test"


def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(servers.PG_ADMIN, autocommit=True) as conn:
        conn.execute(sql)


def grow(conn, start: int, stop: int, password_hash: str) -> float:
    """Accounts start..stop-1 and their consents, by COPY; returns the seconds it took."""
    began = time.monotonic()
    stamp = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
    with conn.cursor() as cur:
        before = cur.execute("SELECT coalesce(max(id), 0) FROM accounts").fetchone()[0]
        with cur.copy(f"COPY accounts ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for n in range(start, stop):
                copy.write_row((secrets.token_urlsafe(24), str(10**11 + 7 * n), login_of(n),
                                password_hash, "Kenji", "Sato", login_of(n), True, "+84901234567",
                                False, "1985-09-30", "male", "JPN", "vi", 1, "active", stamp,
                                stamp, stamp))
        cur.execute("INSERT INTO consents (account_id, client_id, scope, granted_at) "
                    "SELECT id, 'bench-rp', %s, now() FROM accounts WHERE id > %s",
                    (SCOPE, before))
    conn.commit()
    conn.execute("ANALYZE")
    return time.monotonic() - began


def lookup_plan(conn, login: str) -> str:
    """The plan of the sign-in's account lookup, as the ORM sends it (one indexed row)."""
    rows = conn.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING ON) SELECT * FROM accounts "
                        "WHERE login = %s", (login,)).fetchall()
    plan = " / ".join(r[0].strip() for r in rows)
    return re.sub(r"\s+", " ", plan)


def measure(target: flows.Target, size: int, password: str, args, tmp: Path) -> dict:
    rng = random.Random(size)  # noqa: S311 - picks test accounts, not secrets

    def pick():
        return {"login": login_of(rng.randrange(size)), "password": password}

    flow = flows.drive(target, pick, level2=False, scope=SCOPE, connections=args.connections,
                       warmup=2, duration=args.duration)
    holder = pick()
    token = flows.mint(target, holder, 1, SCOPE)[0]["access_token"]
    spec = {"url": target.endpoint("userinfo_endpoint"), "expectBody": '"sub"',
            "headers": {"Host": target.host, **target.headers,
                        "Authorization": f"Bearer {token}"},
            "connections": args.connections, "duration": args.duration, "warmup": 2}
    userinfo = servers.load(spec, tmp)
    return {"flow": flow, "userinfo": userinfo}


def write_section(results: Path, text: str) -> None:
    body = results.read_text() if results.exists() else "# Benchmark\n"
    section = f"{MARK_START}\n{text.rstrip()}\n{MARK_END}"
    if MARK_START in body and MARK_END in body:
        before, rest = body.split(MARK_START, 1)
        body = before + section + rest.split(MARK_END, 1)[1]
    elif "## Fair terms" in body:
        before, after = body.split("## Fair terms", 1)
        body = before + section + "\n\n## Fair terms" + after
    else:
        body = body.rstrip() + "\n\n" + section + "\n"
    results.write_text(body)


def report(rows: list[dict], args) -> str:
    lines = [
        "## Scale: latency as accounts grow (ours, PostgreSQL)", "",
        f"Generated by `bench/scale.py` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{os.cpu_count()} cores, load average at end {os.getloadavg()[0]:.2f}. Production shape "
        f"(granian, {os.cpu_count()} workers, Redis); {args.connections} connections, 2 s warm-up "
        f"then {args.duration:g} s per measure. Each account has a remembered consent; sign-ins "
        "pick accounts at random over the whole table. Seeding is COPY (accounts) plus one "
        "INSERT ... SELECT (consents).", "",
        "| accounts | seeding | sign-in flows/s | sign-in p50 / p99 (ms) | userinfo req/s | "
        "userinfo p50 / p99 (ms) | errors | load average (1 min) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        f, u = row["flow"], row["userinfo"]
        lines.append(f"| {row['size']:,} | {row['seed_s']:.1f} s | {f['rps']:.1f} | "
                     f"{f['p50']:.0f} / {f['p99']:.0f} | {u['rps']:.1f} | "
                     f"{u['p50']:.0f} / {u['p99']:.0f} | {f['errors'] + u['errors']} | "
                     f"{row['load']:.2f} |")
    lines += ["", "The account lookup at sign-in, as PostgreSQL plans it at each size:", ""]
    lines += [f"- {row['size']:,}: `{row['plan']}`" for row in rows]
    first, last = rows[0], rows[-1]
    drift = (last["flow"]["p50"] / first["flow"]["p50"]) if first["flow"]["p50"] else 0
    lines += ["", f"Sign-in p50 at {last['size']:,} accounts is {drift:.2f}x the p50 at "
              f"{first['size']:,}, userinfo p50 {last['userinfo']['p50']:.0f} ms against "
              f"{first['userinfo']['p50']:.0f} ms. The lookup stays one index scan at every size "
              "(the plans above: its execution time is a fraction of a millisecond), so what "
              "differs between rows is the time argon2id and the rest of the request take on the "
              "machine at that moment; compare with the load average of each row."]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--keep", action="store_true", help="keep the database and temp folder")
    parser.add_argument("--results", default=str(Path(__file__).with_name("RESULTS.md")))
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    tmp = Path(tempfile.mkdtemp(prefix="idp-scale-"))
    (tmp / "logs").mkdir()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    env = servers.idp_env("production", tmp)
    env["IDP_DATABASE_URL"] = PG_URL
    _admin(f"DROP DATABASE IF EXISTS {SCALE_DB} WITH (FORCE)")
    _admin(f"CREATE DATABASE {SCALE_DB}")
    try:
        import psycopg

        password = f"scale {secrets.token_urlsafe(12)} pass"
        seeded = servers.prepare_idp(env, {
            "client": {"client_id": "bench-rp", "redirect_uri": REDIRECT_URI},
            "accounts": [{"login": "hash-donor@scale.test", "level": 1, "password": password,
                          "given_name": "Kenji", "family_name": "Sato", "birthdate": "1985-09-30",
                          "gender": "male", "locale": "vi", "phone_number": "+84901234567"}]})
        conn = psycopg.connect(PG_LIBPQ)
        password_hash = conn.execute("SELECT password_hash FROM accounts WHERE login = "
                                     "'hash-donor@scale.test'").fetchone()[0]
        proc, base = servers.start_idp(env, "granian", os.cpu_count(), 4, tmp / "logs" / "idp.log")
        target = flows.Target("ours", base, servers.ISSUER_HOST, "bench-rp",
                              seeded["client_secret"], REDIRECT_URI,
                              headers={"X-Forwarded-Proto": "https"})
        target.discover()
        rows, have = [], 0
        for size in sizes:
            print(f"[scale] seeding to {size:,} accounts", flush=True)
            seconds = grow(conn, have, size, password_hash)
            have = size
            print(f"[scale] {size:,}: seeded in {seconds:.1f} s; measuring", flush=True)
            result = measure(target, size, password, args, tmp)
            result.update(size=size, seed_s=seconds, plan=lookup_plan(conn, login_of(size // 2)),
                          load=os.getloadavg()[0])
            rows.append(result)
            f, u = result["flow"], result["userinfo"]
            print(f"[scale] {size:>9,} accounts: sign-in {f['rps']:.1f}/s p50 {f['p50']:.0f} ms "
                  f"p99 {f['p99']:.0f} ms; userinfo {u['rps']:.0f}/s p99 {u['p99']:.0f} ms; "
                  f"errors {f['errors'] + u['errors']}", flush=True)
        conn.close()
        write_section(Path(args.results), report(rows, args))
        print(f"[scale] wrote {args.results}")
        if any(r["flow"]["errors"] or r["userinfo"]["errors"] for r in rows):
            sys.exit("errors during the scale benchmark")
    finally:
        servers.stop_all()
        servers.clear_store(env["IDP_STORE_PREFIX"])
        if not args.keep:
            _admin(f"DROP DATABASE IF EXISTS {SCALE_DB} WITH (FORCE)")
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
