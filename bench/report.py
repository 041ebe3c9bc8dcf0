"""The bench's output: one line per flow on the terminal, and bench/RESULTS.md."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import subprocess
import time
from pathlib import Path

UNITS = {"code_flow": "flows/s", "code_flow_level2": "flows/s"}
TITLES = {
    "discovery": "discovery GET",
    "jwks": "JWKS GET",
    "client_credentials": "client_credentials token",
    "refresh": "refresh grant (rotation)",
    "userinfo": "userinfo GET",
    "introspection": "introspection",
    "code_flow": "code + PKCE, password",
    "code_flow_level2": "code + PKCE, password + TOTP",
}


def ratio(ours: dict, peer: dict) -> str:
    return f"{ours['rps'] / peer['rps']:.2f}x" if peer.get("rps") else "n/a"


def line(flow: str, ours: dict, peer: dict | None) -> str:
    unit = UNITS.get(flow, "req/s")

    def side(r):
        return (f"{r['rps']:8.1f} {unit} p50 {r['p50']:6.1f} ms p99 {r['p99']:7.1f} ms "
                f"errors {r['errors']}")

    text = f"{TITLES[flow]:<30} ours {side(ours)}"
    if peer:
        text += f" | peer {side(peer)} | ours/peer {ratio(ours, peer)}"
    return text


def machine() -> dict:
    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                if ln.startswith("model name")), platform.processor())
    mem_kib = int(next(ln.split()[1] for ln in Path("/proc/meminfo").read_text().splitlines()
                       if ln.startswith("MemTotal")))
    return {"cores": os.cpu_count(), "ram": f"{mem_kib / 1024 / 1024:.1f} GiB", "cpu": cpu,
            "load": " ".join(f"{x:.2f}" for x in os.getloadavg())}


def versions(node_version) -> dict:
    def dist(name):
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            return "not installed"

    node = subprocess.run(["node", "--version"],  # noqa: S603, S607 - the installed Node
                          capture_output=True, text=True).stdout.strip()
    return {"Python": platform.python_version(), "Flask": dist("flask"),
            "Authlib": dist("authlib"), "gunicorn": dist("gunicorn"), "granian": dist("granian"),
            "PyNaCl": dist("pynacl"),
            "Node": node, "oidc-provider": node_version("oidc-provider"),
            "@node-rs/argon2": node_version("@node-rs/argon2"),
            "autocannon": node_version("autocannon")}


def _table(results: dict) -> list[str]:
    rows = ["| flow | ours | peer | ratio | ours p50 / p99 (ms) | peer p50 / p99 (ms) | errors ours / peer |",
            "|---|---:|---:|---:|---:|---:|---:|"]
    for flow, sides in results.items():
        ours, peer = sides["ours"], sides.get("peer")
        unit = UNITS.get(flow, "req/s")
        peer_cells = (f"{peer['rps']:.1f} {unit}", ratio(ours, peer),
                      f"{peer['p50']:.1f} / {peer['p99']:.1f}", peer["errors"]) if peer else \
            ("-", "-", "-", "-")
        rows.append(f"| {TITLES[flow]} | {ours['rps']:.1f} {unit} | {peer_cells[0]} | {peer_cells[1]} "
                    f"| {ours['p50']:.1f} / {ours['p99']:.1f} | {peer_cells[2]} "
                    f"| {ours['errors']} / {peer_cells[3]} |")
    return rows


def _memory(memory: dict) -> list[str]:
    rows = ["| process | peak RSS (MiB) |", "|---|---:|"]
    for side, procs in memory.items():
        for cmd, kib in procs:
            rows.append(f"| {side}: {cmd} | {kib / 1024:.0f} |")
    return rows


RUN_START, RUN_END = "<!-- run:start -->", "<!-- run:end -->"
PREVIOUS_START, PREVIOUS_END = "<!-- previous:start -->", "<!-- previous:end -->"
SCALE_START, SCALE_END = "<!-- scale:start -->", "<!-- scale:end -->"


def _between(text: str, start: str, end: str) -> str | None:
    if start in text and end in text:
        return text.split(start, 1)[1].split(end, 1)[0].strip("\n")
    return None


def _run_block(meta: dict, passes: list[dict], compare: list[dict] | None) -> list[str]:
    out = [
        f"## Run of {time.strftime('%Y-%m-%d %H:%M %Z')}",
        "",
        f"**Machine:** {meta['machine']['cores']} cores, {meta['machine']['ram']} RAM, "
        f"{meta['machine']['cpu']}; load average at start {meta['machine']['load']}, at end "
        f"{meta['load_end']}. {meta['note']}",
        "",
        "**Versions:** " + ", ".join(f"{k} {v}" for k, v in meta["versions"].items()) + ".",
        "",
        f"**Load:** {meta['load']}",
        "",
    ]
    if compare:
        out += ["### Choosing our server (production pass, ours only)", "",
                "| server | " + " | ".join(TITLES[f] for f in compare[0]["results"]) + " |",
                "|---|" + "---:|" * len(compare[0]["results"])]
        for entry in compare:
            cells = [f"{r['rps']:.1f} (p99 {r['p99']:.0f} ms, {r['errors']} err)"
                     for r in entry["results"].values()]
            out.append(f"| {entry['server']} x {entry['workers']} workers | " + " | ".join(cells) + " |")
        out += ["", meta.get("choice", ""), ""]
    for run in passes:
        out += [f"### {run['title']}", "", run["shape"], "", *_table(run["results"]), "",
                f"HTTP requests per sign-in (median): {run['steps'] or 'not run'}. One sign-in each:",
                "", *(f"- {trail}" for trail in run["trails"]), "",
                "Token formats checked before the runs: " + run["formats"], "",
                *_memory(run["memory"]), ""]
    return out


def write(path: Path, meta: dict, passes: list[dict], compare: list[dict] | None,
          fair_terms: str) -> None:
    """The new run first, the run before it kept below it (two consecutive runs), then the scale
    section of bench/scale.py if there is one, then the fair terms."""
    old = path.read_text() if path.exists() else ""
    previous = _between(old, RUN_START, RUN_END)
    scale = _between(old, SCALE_START, SCALE_END)
    out = [
        "# Benchmark: our IdP and panva's oidc-provider, side by side",
        "",
        "Written by `make bench` (bench/run.py): the latest run, then the one before it. The "
        "scale section comes from `bench/scale.py`.",
        "",
        RUN_START, *_run_block(meta, passes, compare), RUN_END, "",
    ]
    if previous:
        out += [PREVIOUS_START, previous, PREVIOUS_END, ""]
    if scale:
        out += [SCALE_START, scale, SCALE_END, ""]
    out += ["## Fair terms", "", fair_terms, ""]
    path.write_text("\n".join(out))
