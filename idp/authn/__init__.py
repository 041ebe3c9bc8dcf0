"""Proving who the person is: passwords, second factors, throttling, server-side sessions."""

from . import passkey_routes  # noqa: F401 - registers the passkey routes on bp
from . import second_factor  # noqa: F401 - registers the step-up routes on bp
from .routes import bp
from .session import ServerSessionInterface


def init_app(app) -> None:
    app.session_interface = ServerSessionInterface()
    app.register_blueprint(bp)
