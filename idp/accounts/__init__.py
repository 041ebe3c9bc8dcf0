"""Account holders and their durable data."""

from .commands import accounts_cli


def init_app(app) -> None:
    app.cli.add_command(accounts_cli)
