"""Client applications: registration, secrets, keys, policies."""

from .commands import clients_cli


def init_app(app) -> None:
    app.cli.add_command(clients_cli)
