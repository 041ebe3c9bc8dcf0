"""The staff console (/admin): client applications and the audit log. The top layer: it may
call every package below it."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from ..enrollment import officer_routes  # noqa: E402, F401 - the officer's desk, /admin/applications
from . import audit_log  # noqa: E402, F401 - registers routes on bp
from . import auth  # noqa: E402, F401
from . import clients  # noqa: E402, F401
from . import figures  # noqa: E402, F401
from . import locks  # noqa: E402, F401
from .commands import staff_cli  # noqa: E402


def init_app(app) -> None:
    app.register_blueprint(bp)
    app.cli.add_command(staff_cli)
