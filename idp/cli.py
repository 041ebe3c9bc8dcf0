"""Shared helpers of the scriptable CLI: options in, `--json` out, one-line errors, exit 1."""

from __future__ import annotations

import json

import click

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")


def emit(data, as_json: bool, text: str | None = None) -> None:
    """Print `data` as JSON for scripts, or `text` (default: key: value lines) for people."""
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))
    elif text is not None:
        click.echo(text)
    elif isinstance(data, list):
        for item in data:
            click.echo("  ".join(f"{k}={v}" for k, v in item.items()))
    else:
        for k, v in data.items():
            click.echo(f"{k}: {v}")


def fail(message: str) -> None:
    """Stop with a one-line message on stderr and exit status 1 (click.ClickException)."""
    raise click.ClickException(message)
