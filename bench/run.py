"""`make bench`: our IdP and panva's oidc-provider, side by side, on 127.0.0.1 only.

Three passes of ours: production shape (IDP_ENV=production, PostgreSQL `idp_bench`, Redis with
its own prefix, one worker per core), the embedded defaults (SQLite in a temp folder, in-process
store, one worker with threads), and the production shape again with both sides signing with
RS256 (the flows that sign or verify a token). The peer runs beside it; each flow runs on ours,
then on the peer, with the same load generator. Prints one line per flow and writes
bench/RESULTS.md.

    .venv/bin/python bench/run.py [--duration 10] [--warmup 2] [--connections 32]
        [--passes production,embedded,rs256] [--server gthread:4] [--compare-servers] [--flows ...]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import signal
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import flows  # noqa: E402
import report  # noqa: E402
import servers  # noqa: E402
from sides import LOAD_FLOWS  # noqa: E402
from sides import REDIRECT_URI  # noqa: E402
from sides import REFRESH_CHAINS  # noqa: E402
from sides import RESOURCE  # noqa: E402
from sides import Side  # noqa: E402
from sides import people  # noqa: E402
from sides import steps_of  # noqa: E402

SCRIPTED_FLOWS = ["code_flow", "code_flow_level2"]
# The RS256 pass: flows whose cost depends on the signing algorithm (discovery and JWKS do not).
RS256_FLOWS = ["client_credentials", "refresh", "userinfo", "introspection", "code_flow"]
PASS_ALG = {"production": "ES256", "embedded": "ES256", "rs256": "RS256"}
PASS_STORAGE = {"production": "production", "embedded": "embedded", "rs256": "production"}
COMPARE_FLOWS = ["discovery", "client_credentials", "userinfo", "code_flow"]
CLEANUP = []  # what to undo at exit, however the bench ends

FAIR_TERMS = """\
Both sides sign access tokens and ID tokens with ES256 (P-256; RS256 with RSA-3072 in the RS256
pass), publish the same JWKS shape (one ES256, one RS256 and one PS256 key, RSA-3072), hash
passwords with Argon2id at our production cost (m=19456 KiB, t=2, p=1; libsodium through PyNaCl
for ours, @node-rs/argon2 for the peer; one hash
took 13 ms here with libsodium, 17 ms with argon2-cffi and 6 ms with @node-rs/argon2, so the peer
spends less than half our time per login in Argon2id) and check unknown
logins against a dummy hash, require PKCE S256, rotate refresh tokens on every use with reuse
detection, issue pairwise subjects (HMAC-SHA256), give 10-minute access tokens and remember
consent per account and client. The TOTP step-up accepts each 30-second step once per account on
both sides (±1 step). One client, `bench-rp`, confidential, `client_secret_basic`, with
`authorization_code`, `refresh_token` and `client_credentials`.

What differs. *Storage*: the peer keeps everything in memory in one Node process (oidc-provider's
in-memory adapter, on a plain map with expiry: its default store is an LRU of 1,000 entries that
drops live tokens under this load; accounts and consents in JavaScript maps), while ours writes
grants, refresh tokens, consents and the activity log to PostgreSQL (or SQLite) and codes,
sessions, flows and throttles to Redis (or the in-process store): ours survives restarts and runs
on several hosts, the peer as configured does neither. *Access tokens*: oidc-provider 9 issues JWT
access tokens only for a resource server (RFC 8707, here `urn:bench:api`, `aud` = that resource)
and refuses them at its own userinfo and introspection endpoints ("structured tokens cannot be
introspected"); so the peer's code, refresh and client_credentials runs use JWT access tokens,
while its userinfo and introspection runs use the opaque access token it issues for userinfo. Ours
has one format, an RFC 9068 JWT (`aud` = client_id), verified by signature and then checked
against its grant, account and client in the database at userinfo and introspection; our
introspection answer also carries `acr`, `amr` and `auth_time`, the peer's does not. With its
access token bound to a resource server, the peer puts the profile claims in the ID token, ours
keeps them at userinfo. *Work per request*: ours also refuses unknown Host headers, sets security
headers on every response, keeps server-side sessions with CSRF tokens on every form, throttles
sign-in failures in the store, records an activity-log row per sign-in, step-up and claims
release, and registers each session per account; the peer's login pages are the bench's own
minimal pages (no CSRF token: the interaction cookie binds them). *Processes*: ours runs one
worker process per core (the server chosen by measurement above: granian, or gunicorn with the
better worker class), the peer one Node
process whose JavaScript is single-threaded but whose Argon2 and crypto work runs on libuv's
thread pool, so both can use both cores. The load generator (autocannon; the scripted driver for
flows, Python threads with requests) shares the same two cores with the servers on both sides. The
peer's issuer is http://127.0.0.1:<port> while ours is https://idp.bench reached with a Host
header (ours refuses an http issuer in production); no TLS on either side."""


def parse_server(spec: str) -> tuple[str, int]:
    kind, _, threads = spec.partition(":")
    return kind, int(threads or 1)


def compare_servers(args, workers: int, ours_side, data: dict, compare: list, work: Path) -> None:
    """Ours alone under each candidate server, on a few flows; consent is primed once (in the DB)."""
    for candidate in args.compare_servers.split(","):
        side = ours_side(candidate, workers)
        print(f"[compare] {candidate}: preparing", flush=True)
        side.prepare([] if compare else data["accounts"], data["accounts"][0])
        results = {}
        for flow in COMPARE_FLOWS:
            results[flow] = side.run(flow, args, work)
            print(f"[compare] {candidate:<12} {report.line(flow, results[flow], None)}", flush=True)
        compare.append({"server": candidate, "workers": workers, "results": results})
        servers.stop(side.proc)


def best_server(compare: list) -> str:
    """The candidate with the highest geometric mean of throughput over the compared flows."""
    if not compare:
        return "gthread:4"

    def score(entry):
        rates = [max(r["rps"], 0.01) for r in entry["results"].values()]
        return math.prod(rates) ** (1 / len(rates)) if not any(
            r["errors"] for r in entry["results"].values()) else 0

    return max(compare, key=score)["server"]


def run_pass(kind: str, args, tmp: Path, compare: list) -> dict:
    work = tmp / kind
    (work / "logs").mkdir(parents=True)
    alg, storage = PASS_ALG[kind], PASS_STORAGE[kind]
    env = servers.idp_env(storage, work, alg)
    if storage == "production":
        servers.create_database()
        CLEANUP.append(lambda: servers.clear_store(env["IDP_STORE_PREFIX"]))
    data = people(args.level1_accounts, args.level2_accounts)
    print(f"[{kind}] migrating, generating keys, seeding {len(data['accounts'])} accounts", flush=True)
    seeded = servers.prepare_idp(env, data)
    for account in data["accounts"]:
        account["totp_secret"] = seeded["totp"].get(account["login"])
    client = {**data["client"], "client_secret": seeded["client_secret"]}

    def ours_side(server_spec: str, workers: int) -> Side:
        server, threads = parse_server(server_spec)
        log = work / "logs" / f"ours-{server}.log"
        proc, base = servers.start_idp(env, server, workers, threads, log)
        # As behind a TLS-terminating proxy on this host: gunicorn trusts X-Forwarded-Proto from
        # 127.0.0.1 by default (forwarded_allow_ips), so the IdP sees https with PROXY_HOPS=0.
        target = flows.Target("ours", base, servers.ISSUER_HOST, client["client_id"],
                              client["client_secret"], REDIRECT_URI,
                              headers={"X-Forwarded-Proto": "https"})
        target.discover()
        return Side("ours", target, proc, data["accounts"])

    primed = False
    if kind == "production":
        workers = os.cpu_count()
        if args.compare_servers:
            compare_servers(args, workers, ours_side, data, compare, work)
            primed = True  # consent is in this pass's database now
        server_spec = args.server = best_server(compare) if args.server == "auto" else args.server
        shape = (f"IDP_ENV=production, PostgreSQL database `{servers.BENCH_DB}`, Redis with its own "
                 f"prefix, `{server_spec}` with {workers} workers (one per core).")
    elif kind == "rs256":
        workers = os.cpu_count()
        server_spec = args.server = best_server(compare) if args.server == "auto" else args.server
        shape = (f"As the production pass (PostgreSQL, Redis, `{server_spec}` with {workers} "
                 "workers), but both sides sign access tokens and ID tokens with RS256 (RSA-3072 "
                 "on both sides); only the flows that sign or verify a token.")
    else:
        workers, server_spec = 1, f"gthread:{args.embedded_threads}"
        shape = ("IDP_ENV=production on the embedded defaults: SQLite file in a temp folder, "
                 f"in-process store, one gunicorn worker with {args.embedded_threads} threads.")


    ours = ours_side(server_spec, workers)
    peer_proc, peer_base = servers.start_peer(client, data["accounts"], RESOURCE, work,
                                              work / "logs" / "peer.log", alg)
    peer_target = flows.Target("peer", peer_base, peer_base.removeprefix("http://"),
                               client["client_id"], client["client_secret"], REDIRECT_URI)
    peer_target.discover()
    jwt_target = flows.Target(**{**peer_target.__dict__, "extra": {"resource": RESOURCE}})
    peer = Side("peer", peer_target, peer_proc, data["accounts"], jwt_target)
    for side in (ours, peer):
        print(f"[{kind}] {side.name}: consent for {len(data['accounts'])} accounts, "
              f"{REFRESH_CHAINS} refresh chains", flush=True)
        side.prepare([] if primed and side is ours else data["accounts"], data["accounts"][0])

    results = {}
    for flow in [f for f in args.flows if kind != "rs256" or f in RS256_FLOWS]:
        results[flow] = {side.name: side.run(flow, args, work) for side in (ours, peer)}
        print(f"[{kind}] {report.line(flow, results[flow]['ours'], results[flow]['peer'])}", flush=True)
        for side_name, result in results[flow].items():
            if result["errors"]:
                print(f"    {side_name} errors: {json.dumps(result['detail'])[:600]}", flush=True)
    for side in (ours, peer):
        side.sample_memory()
        servers.stop(side.proc)
    formats = "; ".join(f"{s.name}: " + ", ".join(f"{k} {v}" for k, v in s.formats.items())
                        for s in (ours, peer)) + "."
    steps = "; ".join(f"{report.TITLES[f]}: ours {steps_of(r['ours'])}, peer {steps_of(r['peer'])}"
                      for f, r in results.items() if f in SCRIPTED_FLOWS)
    trails = [f"{s}, {report.TITLES[f]}: `{r[s]['detail']['example'][0]}`" for f, r in results.items()
              if f in SCRIPTED_FLOWS for s in ("ours", "peer") if r[s]["detail"]["example"]]
    title = "RS256 pass" if kind == "rs256" else f"{kind.capitalize()} pass"
    return {"title": title, "shape": shape, "results": results, "steps": steps,
            "trails": trails,
            "formats": formats,
            "memory": {s.name: sorted(s.memory.values()) for s in (ours, peer)}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--passes", default="production,embedded,rs256")
    parser.add_argument("--flows", default=",".join(LOAD_FLOWS + SCRIPTED_FLOWS))
    parser.add_argument("--server", default="auto",
                        help="ours in the production pass: sync, gthread:THREADS, granian:THREADS, "
                             "or auto: the best of --compare-servers (else gthread:4)")
    parser.add_argument("--compare-servers", default="",
                        help="e.g. sync,gthread:4,granian:4 (ours only, before the main runs)")
    parser.add_argument("--embedded-threads", type=int, default=8)
    parser.add_argument("--level1-accounts", type=int, default=32)
    parser.add_argument("--level2-accounts", type=int, default=640,
                        help="each serves about two TOTP sign-ins per 30 s: 640 covers ~50 flows/s")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder and its logs")
    parser.add_argument("--time-limit", type=int, default=2400, help="seconds for the whole bench")
    parser.add_argument("--results", default=str(Path(__file__).with_name("RESULTS.md")))
    args = parser.parse_args()
    args.flows = args.flows.split(",")
    unknown = set(args.passes.split(",")) - set(PASS_ALG)
    if unknown:
        parser.error(f"unknown pass {', '.join(sorted(unknown))}: choose from {', '.join(PASS_ALG)}")

    def interrupted(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGALRM, interrupted)
    signal.alarm(args.time_limit)
    tmp = Path(tempfile.mkdtemp(prefix="idp-bench-"))
    meta = {"machine": report.machine(), "versions": report.versions(servers.installed_node_version),
            "load": f"{args.connections} connections (or people signing in at once), {args.warmup:g} s "
                    f"warm-up then {args.duration:g} s per flow and side; ours first, then the peer, "
                    "flow by flow. Single requests with autocannon (bench/peer/load.mjs); the two "
                    "sign-in flows with the scripted driver (bench/flows.py: Python threads with "
                    "requests, a fresh browser per flow, the rate being flows finished per second).",
            "note": "A virtual machine shared with other tenants: absolute figures move from day "
                    "to day for both sides alike; read the ratios."}
    passes, compare = [], []
    try:
        for kind in args.passes.split(","):
            passes.append(run_pass(kind, args, tmp, compare))
    except BaseException:
        for log in sorted(tmp.glob("*/logs/*.log")):
            print(f"--- last lines of {log.name} ---\n" + "\n".join(
                log.read_text(errors="replace").splitlines()[-30:]), file=sys.stderr)
        raise
    finally:
        servers.stop_all()
        if passes or compare:
            meta["load_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
            meta["choice"] = (f"Chosen for the main runs (highest geometric mean of throughput, no "
                              f"errors): `{args.server}` with {os.cpu_count()} workers." if compare else "")
            report.write(Path(args.results), meta, passes, compare or None,
                         "\n\n".join(" ".join(p.split()) for p in FAIR_TERMS.split("\n\n")))
            print(f"wrote {args.results}")
        if args.keep:
            print(f"kept {tmp} (logs in */logs/)")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
        if any(PASS_STORAGE[kind] == "production" for kind in args.passes.split(",")):
            CLEANUP.append(servers.drop_database)
        for undo in CLEANUP:
            try:
                undo()
            except Exception as exc:  # noqa: BLE001 - best effort at exit
                print(f"cleanup failed: {exc}", file=sys.stderr)
    failed = [f for run in passes for f, r in run["results"].items() if any(s["errors"] for s in r.values())]
    if failed:
        sys.exit(f"errors in: {', '.join(failed)}")


if __name__ == "__main__":
    main()
