"""Writes docs/security.md: every row of the security checklist with its state.

    .venv/bin/python -m tests.security.table          # or: python tests/security/table.py

A row is tested when some test under tests/ is named test_sec_NN_* (found by reading the source,
nothing is imported or run); otherwise tests/security/status.toml says why it is pending (and
what it waits on) or not applicable. Row titles come from ../shared/reference/security-checklist.md
and, where that file is not at hand (a bare checkout), from the previous docs/security.md.
`--check` exits non-zero when docs/security.md is not up to date (tests/security/test_table.py
asserts the same).
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHECKLIST = ROOT.parent / "shared" / "reference" / "security-checklist.md"
STATUS = Path(__file__).with_name("status.toml")
OUTPUT = ROOT / "docs" / "security.md"
TESTS = ROOT / "tests"

CHECKLIST_ROW = re.compile(r"^\| (SEC-\d+) \| (.+?) \| ")
OUTPUT_ROW = re.compile(r"^\| (SEC-\d+) \| (.+?) \| ")
TEST_NAME = re.compile(r"^test_sec_(\d+)_\w+$")
TITLE_LENGTH = 110


@dataclass
class Row:
    id: str
    title: str
    tests: list[str] = field(default_factory=list)
    status: dict = field(default_factory=dict)

    @property
    def state(self) -> str:
        return "tested" if self.tests else self.status.get("status", "missing")


def _title(requirement: str) -> str:
    """The requirement's first sentence, shortened for a table cell."""
    first = re.split(r"(?<=\.)\s(?=[A-Z`*])", requirement.strip(), maxsplit=1)[0].rstrip(".")
    if len(first) > TITLE_LENGTH:
        first = first[:TITLE_LENGTH].rsplit(" ", 1)[0] + " …"
    return first.replace("|", "\\|")


def checklist_rows() -> dict[str, str]:
    """id -> title, in the checklist's order."""
    if CHECKLIST.is_file():
        lines, pattern, shorten = CHECKLIST.read_text().splitlines(), CHECKLIST_ROW, True
    elif OUTPUT.is_file():
        lines, pattern, shorten = OUTPUT.read_text().splitlines(), OUTPUT_ROW, False
    else:
        raise SystemExit(f"Neither {CHECKLIST} nor {OUTPUT} exists: nothing to read the rows from.")
    rows = {}
    for line in lines:
        match = pattern.match(line)
        if match:
            rows[match.group(1)] = _title(match.group(2)) if shorten else match.group(2)
    return rows


def row_id(number: str) -> str:
    return f"SEC-{int(number):02d}"


def named_tests() -> dict[str, list[str]]:
    """SEC-NN -> ["tests/…/file.py::test_sec_NN_…", …] for every test function named after a row."""
    found: dict[str, list[str]] = {}
    for path in sorted(TESTS.rglob("test_*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                match = TEST_NAME.match(node.name)
                if match:
                    where = f"{path.relative_to(ROOT).as_posix()}::{node.name}"
                    found.setdefault(row_id(match.group(1)), []).append(where)
    return found


def load_status() -> dict[str, dict]:
    return tomllib.loads(STATUS.read_text())


def rows() -> list[Row]:
    titles, tests, status = checklist_rows(), named_tests(), load_status()
    return [Row(id, title, tests.get(id, []), status.get(id, {})) for id, title in titles.items()]


def problems() -> list[str]:
    """Everything that keeps the table from being true: each row in exactly one state."""
    titles, tests, status = checklist_rows(), named_tests(), load_status()
    found = []
    for id in titles:
        entry = status.get(id, {})
        if tests.get(id) and entry.get("status"):
            found.append(f"{id} has tests and is also marked {entry['status']} in status.toml")
        if not tests.get(id) and entry.get("status") not in ("pending", "n/a"):
            found.append(f"{id} has no test_sec_{id[4:]}_* test and no pending or n/a entry")
        if entry.get("status") and not entry.get("reason"):
            found.append(f"{id} is {entry['status']} without a reason")
        if entry.get("status") == "pending" and not entry.get("waits_on"):
            found.append(f"{id} is pending without waits_on")
        if entry.get("note") and not tests.get(id):
            found.append(f"{id} has a note but no test (use status and reason instead)")
    for id in set(tests) - set(titles):
        found.append(f"{', '.join(tests[id])} is named after {id}, which the checklist does not have")
    for id in set(status) - set(titles):
        found.append(f"status.toml names {id}, which the checklist does not have")
    return found


def _cell(row: Row) -> str:
    if row.tests:
        names = "<br>".join(f"`{t.split('::')[1]}` ({t.split('::')[0].removeprefix('tests/')})"
                            for t in row.tests)
        note = f"<br>*Note:* {row.status['note']}" if row.status.get("note") else ""
        return f"tested: {names}{note}"
    if row.state == "pending":
        return f"**pending** ({row.status['waits_on']}): {row.status['reason']}"
    if row.state == "n/a":
        return f"n/a: {row.status['reason']}"
    return "**missing**"


def render() -> str:
    table = rows()
    counts = {state: sum(1 for r in table if r.state == state) for state in ("tested", "pending", "n/a")}
    lines = [
        "# Security checklist: where each row is proven",
        "",
        "Generated by `.venv/bin/python -m tests.security.table` from "
        "`../shared/reference/security-checklist.md` (SEC-01 to SEC-100), the test functions "
        "named `test_sec_NN_*` under `tests/` and `tests/security/status.toml`. Do not edit by "
        "hand; `tests/security/test_table.py` fails when this file is out of date.",
        "",
        f"**{counts['tested']} rows tested, {counts['pending']} pending, {counts['n/a']} not "
        f"applicable** (of {len(table)}). CI runs every test on SQLite with the in-process store "
        "and again on PostgreSQL + Redis.",
        "",
        "| id | requirement | status |",
        "|---|---|---|",
    ]
    lines += [f"| {r.id} | {r.title} | {_cell(r)} |" for r in table]
    waiting: dict[str, list[str]] = {}
    for row in table:
        if row.state == "pending":
            waiting.setdefault(row.status["waits_on"], []).append(row.id)
    if waiting:
        lines += ["", "## Pending, by what they wait on", ""]
        lines += [f"- {what}: {', '.join(ids)}" for what, ids in sorted(waiting.items())]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    found = problems()
    for problem in found:
        print(f"security table: {problem}", file=sys.stderr)
    text = render()
    if "--check" in argv:
        current = OUTPUT.read_text() if OUTPUT.is_file() else ""
        if current != text:
            print("security table: docs/security.md is out of date; run "
                  ".venv/bin/python -m tests.security.table", file=sys.stderr)
            return 1
        return 1 if found else 0
    OUTPUT.parent.mkdir(exist_ok=True)
    OUTPUT.write_text(text)
    print(f"wrote {OUTPUT.relative_to(ROOT)}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
