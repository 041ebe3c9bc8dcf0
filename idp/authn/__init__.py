"""Proving who the person is: passwords, throttling, server-side sessions."""

from .routes import bp
from .session import ServerSessionInterface


def init_app(app) -> None:
    app.session_interface = ServerSessionInterface()
    app.register_blueprint(bp)
