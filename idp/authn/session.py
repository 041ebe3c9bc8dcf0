"""Server-side sessions: Flask's `session` backed by the ephemeral store, not a signed cookie.

The cookie holds only an opaque 256-bit id (ASVS 5 V7.2.1, V7.2.3); logout, expiry and a
new id at every sign-in (`regenerate`) take effect on the server (SEC-66, SEC-67).
"""

from __future__ import annotations

import re
import secrets

from flask.sessions import SessionInterface
from flask.sessions import SessionMixin
from werkzeug.datastructures import CallbackDict

from ..store import get_json
from ..store import key
from ..store import put_json

SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{43}$")


def _store(app):
    return app.extensions["idp.store"]


class ServerSession(CallbackDict, SessionMixin):
    def __init__(self, initial=None, sid: str | None = None) -> None:
        def on_update(session):
            session.modified = True

        super().__init__(initial, on_update)
        self.sid = sid
        self.modified = False
        self.rotate = False

    def regenerate(self) -> None:
        """Give the session a new id at the next save; the old id stops working."""
        self.rotate = True
        self.modified = True


class ServerSessionInterface(SessionInterface):
    serializer = None

    def cookie_name(self, app) -> str:
        # __Host- needs Secure (RFC 6265bis §4.1.3.2): only when the issuer is https.
        return "__Host-idp_session" if app.config["SECURE_COOKIES"] else "idp_session"

    def open_session(self, app, request):
        sid = request.cookies.get(self.cookie_name(app))
        if sid and SESSION_ID.match(sid):
            data = get_json(_store(app), key("sess", sid))
            if data is not None:
                return ServerSession(data, sid=sid)
        return ServerSession()

    def save_session(self, app, session: ServerSession, response) -> None:
        name = self.cookie_name(app)
        store = _store(app)
        if not session:
            if session.sid:
                store.delete(key("sess", session.sid))
                response.delete_cookie(name, path="/", secure=app.config["SECURE_COOKIES"],
                                       httponly=True, samesite="Lax")
                response.headers["Clear-Site-Data"] = '"cookies"'  # signed out (SEC-73)
            return
        if not session.modified:
            return
        if session.rotate and session.sid:
            store.delete(key("sess", session.sid))
            session.sid = None
        if session.sid is None:
            session.sid = secrets.token_urlsafe(32)
        lifetime = app.config["SESSION_LIFETIME"]
        put_json(store, key("sess", session.sid), dict(session), lifetime)
        response.set_cookie(
            name,
            session.sid,
            max_age=lifetime,
            path="/",
            secure=app.config["SECURE_COOKIES"],
            httponly=True,
            samesite="Lax",
        )
        response.vary.add("Cookie")
