"""The holder's signed-in sessions (SEC-74): see them, sign out one, or all the others.

Ending a session also ends the tokens that services received under it, as signing out there
would have (SEC-73).
"""

from __future__ import annotations

from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from flask_babel import gettext

from ..authn import devices
from ..extensions import db
from ..oidc.records import revoke_grants
from ..oidc.signout import end_browser_session
from ..web import client_ip
from . import events
from .guards import holder_required
from .guards import reauthenticate
from .routes import bp

# (substring of the User-Agent, plain name), first match wins: a hint, not a fingerprint.
SYSTEMS = [("iPhone", "iPhone"), ("iPad", "iPad"), ("Android", "Android"), ("Windows", "Windows"),
           ("Mac OS X", "Mac"), ("CrOS", "ChromeOS"), ("Linux", "Linux")]
BROWSERS = [("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"),
            ("Safari/", "Safari")]


def device_label(user_agent: str) -> str | None:
    def first(table):
        return next((name for needle, name in table if needle in user_agent), None)

    browser, system = first(BROWSERS), first(SYSTEMS)
    if browser and system:
        return gettext("%(browser)s on %(system)s", browser=browser, system=system)
    return browser or system


def _back():
    return url_for("account.sessions")


@bp.get("/sessions")
@holder_required
def sessions(account, login):
    rows = [{**info, "device": device_label(info.get("user_agent") or ""),
             "current": info["sid"] == login.sid} for info in devices.listing(account.id)]
    rows.sort(key=lambda row: not row["current"])
    return render_template("account/sessions.html", sessions=rows,
                           others=sum(not row["current"] for row in rows))


def _end(account, sids: list[str]) -> None:
    if not sids:
        return
    revoke_grants(account.id, "session_ended", sids=sids)
    events.record(account.id, events.SESSIONS_ENDED, ip=client_ip(), count=len(sids))
    for sid in sids:
        devices.end(account.id, sid)
    db.session.commit()


@bp.post("/sessions/<sid>/end")
@holder_required
def end_session(account, login, sid):
    """Only the holder's own sessions: any other id is unknown here (404)."""
    if sid == login.sid:
        end_browser_session()
        return redirect(url_for("authn.home"), 303)
    if sid not in {info["sid"] for info in devices.listing(account.id)}:
        abort(404)
    if (step_up := reauthenticate(account, _back())) is not None:
        return step_up
    _end(account, [sid])
    flash("", "session_ended")
    return redirect(_back(), 303)


@bp.post("/sessions/end-others")
@holder_required
def end_other_sessions(account, login):
    if (step_up := reauthenticate(account, _back())) is not None:
        return step_up
    others = [info["sid"] for info in devices.listing(account.id) if info["sid"] != login.sid]
    _end(account, others)
    flash(str(len(others)), "others_ended")
    return redirect(_back(), 303)
