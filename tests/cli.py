"""Running `flask --app idp ...` commands in tests, and what a refusal must look like."""

from __future__ import annotations

import json


def invoke(app, group: str, *args: str, stdin: str | None = None):
    return app.test_cli_runner().invoke(args=[group, *args], input=stdin)


def invoke_json(app, group: str, *args: str, stdin: str | None = None):
    result = invoke(app, group, *args, "--json", stdin=stdin)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def assert_refused_in_one_line(result, *fragments: str) -> None:
    """A refusal: exit status 1, one line on stderr that says why, never a traceback."""
    assert result.exit_code != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    for fragment in fragments:
        assert fragment in lines[0]
    assert "Traceback" not in result.output
