"""Account holders and their durable data."""

from . import events  # noqa: F401 - registers the activity table
from . import factors  # noqa: F401 - registers the factor tables
from .commands import accounts_cli


def init_app(app) -> None:
    app.cli.add_command(accounts_cli)
