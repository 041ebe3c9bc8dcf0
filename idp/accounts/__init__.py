"""Account holders and their durable data, and the holder's own pages at /account."""

from . import activity_routes  # noqa: F401 - registers the activity page on bp
from . import events  # noqa: F401 - registers the activity table
from . import factors  # noqa: F401 - registers the factor tables
from . import lifecycle_commands  # noqa: F401 - adds lock/restore commands to accounts_cli
from . import lock_routes  # noqa: F401 - registers the holder's lock and restore pages on bp
from . import locks  # noqa: F401 - registers the lock table
from . import service_routes  # noqa: F401 - registers the connected-services pages on bp
from . import session_routes  # noqa: F401 - registers the sessions pages on bp
from . import totp_routes  # noqa: F401 - registers the TOTP pages on bp
from .commands import accounts_cli
from .routes import bp


def init_app(app) -> None:
    app.cli.add_command(accounts_cli)
    app.register_blueprint(bp)
