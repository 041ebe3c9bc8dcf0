"""`flask --app idp registry ping|sync`: checking the registry connection, and applying its
identity changes to accounts (sync.py)."""

from __future__ import annotations

import time

import click
from flask.cli import with_appcontext

from ..cli import emit
from ..cli import fail
from ..cli import json_option
from .client import registry_client
from .errors import RegistryUnavailable


@click.group("registry", help="The national immigration registry.")
def registry_cli():
    pass


@registry_cli.command("ping")
@json_option
@with_appcontext
def ping(as_json):
    """Check that the registry answers (exit status 1 and one line on stderr if not)."""
    client = registry_client()
    started = time.monotonic()
    try:
        client.ping()
    except RegistryUnavailable as exc:
        fail(str(exc))
    elapsed_ms = round((time.monotonic() - started) * 1000)
    emit({"url": client.url, "status": "ok", "elapsed_ms": elapsed_ms}, as_json,
         f"Registry at {client.url} answers ({elapsed_ms} ms).")


@registry_cli.command("sync")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 1000),
              help="Changes asked per page.")
@click.option("--loop", is_flag=True, help="Keep running: sync, wait, sync again.")
@click.option("--interval", default=300, show_default=True, type=click.IntRange(10),
              help="Seconds between runs with --loop.")
@json_option
@with_appcontext
def sync(limit, loop, interval, as_json):
    """Apply the registry's identity changes to accounts, then lock expired documents
    (resumable, idempotent; idp/registry/sync.py)."""
    from .sync import sync_once  # accounts and lifecycle: loaded only when syncing

    while True:
        try:
            result = sync_once(limit=limit)
        except RegistryUnavailable as exc:
            if not loop:
                fail(f"{exc} Nothing was half-applied; the next run resumes from the cursor.")
            click.echo(f"Error: {exc}", err=True)
        else:
            emit(result, as_json, f"applied {len(result['applied'])} changes "
                 f"({result['unchanged']} unchanged); expiry locks: {len(result['locked'])}, "
                 f"lifted: {len(result['restored'])}; cursor {result['cursor']!r}")
        if not loop:
            return
        time.sleep(interval)
