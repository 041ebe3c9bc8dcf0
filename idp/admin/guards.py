"""Who is signed in to the console, and what their role lets them do (checked on the server:
templates may hide a button, the route refuses)."""

from __future__ import annotations

import functools

from flask import abort
from flask import current_app
from flask import g
from flask import redirect
from flask import request
from flask import session
from flask import url_for

from ..clock import timestamp
from ..extensions import db
from .staff import Staff

STAFF_SESSION_IDLE = 15 * 60  # console sessions end after 15 idle minutes


def current_staff() -> Staff | None:
    data = session.get("staff")
    if not data or timestamp() - data["seen"] > STAFF_SESSION_IDLE:
        session.pop("staff", None)
        return None
    staff = db.session.get(Staff, data["id"])
    if staff is None or staff.disabled:
        session.pop("staff", None)
        return None
    session["staff"] = {**data, "seen": timestamp()}
    return staff


def requires_role(*roles: str):
    """Allow the listed roles; `admin` may do everything."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            staff = current_staff()
            if staff is None:
                return redirect(url_for("admin.login", next=request.path))
            if staff.role != "admin" and staff.role not in roles:
                current_app.logger.warning("console refused %s for %s", request.path, staff.login)
                abort(403)
            g.staff = staff
            return view(*args, **kwargs)

        return wrapper

    return decorator
