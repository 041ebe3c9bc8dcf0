"""Applications (TK01), level-1 self-registration, level-2 in-person proofing, activation."""

from . import activation  # noqa: F401 - registers /activate on bp
from . import commands
from . import guardians  # noqa: F401 - registers /account/dependants on bp
from . import models  # noqa: F401 - registers the applications table
from . import registration  # noqa: F401 - registers /register on bp
from . import takeover  # noqa: F401 - registers /takeover on bp
from .blueprint import bp


def init_app(app) -> None:
    app.register_blueprint(bp)
    app.cli.add_command(commands.enrollment_cli)
