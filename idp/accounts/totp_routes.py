"""Authenticator app (TOTP, RFC 6238) and recovery codes, from the account page.

Enrolment keeps the new secret, sealed (SEC-58), in this browser's server-side session until a
code from the app confirms it; only then is it stored with the account and counted as a factor.
The confirming code marks its time step used, so it cannot then be replayed to sign in
(RFC 6238 §5.2). A failed confirmation is logged as an attempt (SEC-91); a confirmed one as
`factor.added`, through events.record.
"""

from __future__ import annotations

import base64

import segno
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_babel import gettext
from markupsafe import Markup
from sqlalchemy import delete

from .. import security_log
from ..assurance.amr import TOTP
from ..authn import throttle
from ..authn import totp
from ..authn.sealing import seal
from ..authn.sealing import unseal
from ..clock import timestamp
from ..extensions import db
from ..web import client_ip
from . import events
from .factors import RecoveryCode
from .factors import TotpFactor
from .guards import holder_required
from .guards import reauthenticate
from .routes import bp
from .routes import recovery_codes_left

SETUP = "totp_setup"
SETUP_LIFETIME = 600  # seconds to scan the code and type the first one
RECOVERY_CODES = "recovery_codes"


def _back():
    return url_for("account.totp_page")


@bp.get("/totp")
@holder_required
def totp_page(account, login):
    enrolled = totp.confirmed_factor(account.id) is not None
    return render_template("account/totp.html", enrolled=enrolled,
                           recovery_left=recovery_codes_left(account.id),
                           level=account.proofed_level)


def _setup_context(account) -> str:
    return f"totp-setup:{account.id}"


def _start_setup(account) -> None:
    sealed = seal(totp.new_secret(), context=_setup_context(account))
    session[SETUP] = {"account_id": account.id, "started": timestamp(),
                      "secret": base64.b64encode(sealed).decode()}


def _pending_secret(account) -> str | None:
    setup = session.get(SETUP)
    if (not setup or setup["account_id"] != account.id
            or timestamp() - setup["started"] > SETUP_LIFETIME):
        return None
    return unseal(base64.b64decode(setup["secret"]), context=_setup_context(account))


def _setup_page(account, secret: str, error: str | None = None, status: int = 200,
                headers: dict | None = None):
    uri = totp.provisioning_uri(secret, account.login)
    # segno writes only the <svg> of the QR code (no script, no external resource: CSP-safe).
    svg = segno.make(uri, error="m").svg_inline(
        scale=5, border=4, dark="#000", light="#fff", omitsize=True,
        title=gettext("QR code for your authenticator app"))
    qr = Markup(svg)  # noqa: S704 - segno's own SVG; the data is drawn as paths, not text
    key = " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
    return render_template("account/totp_setup.html", qr=qr, key=key, error=error), \
        status, headers or {}


def _codes_page(codes: list[str], *, new_factor: bool):
    """Shown once, in the answer to the POST that made them; only their hashes are kept."""
    return render_template("account/recovery_codes.html", codes=codes, new_factor=new_factor)


@bp.post("/totp/enroll")
@holder_required
def totp_enroll(account, login):
    if (step_up := reauthenticate(account, _back())) is not None:
        return step_up
    if totp.confirmed_factor(account.id) is not None:
        flash("", "totp_exists")
        return redirect(_back(), 303)
    _start_setup(account)
    return redirect(url_for("account.totp_setup"), 303)


@bp.get("/totp/setup")
@holder_required
def totp_setup(account, login):
    secret = _pending_secret(account)
    if secret is None:
        return redirect(_back())
    return _setup_page(account, secret)


@bp.post("/totp/confirm")
@holder_required
def totp_confirm(account, login):
    """The first code proves the app holds the secret; wrong codes are throttled like sign-ins."""
    if (step_up := reauthenticate(account, _back())) is not None:
        return step_up
    secret = _pending_secret(account)
    if secret is None or totp.confirmed_factor(account.id) is not None:
        flash("", "setup_expired")
        return redirect(_back(), 303)
    try:
        totp.confirm(account.id, secret, request.form.get("code", ""), ip=client_ip())
    except throttle.Throttled as exc:
        security_log.attempt(TOTP, "failure", reason="throttled", stage="enrolment",
                             account_id=account.id)
        return _setup_page(account, secret, "throttled", 429, {"Retry-After": str(exc.retry_after)})
    except totp.TotpInvalid as exc:
        error = "replayed" if isinstance(exc, totp.TotpReplayed) else "invalid"
        security_log.attempt(TOTP, "failure", reason=error, stage="enrolment", account_id=account.id)
        return _setup_page(account, secret, error, 400)
    session.pop(SETUP)
    codes = totp.new_recovery_codes(account.id)
    events.record(account.id, events.FACTOR_ADDED, factor=TOTP, ip=client_ip())
    db.session.commit()
    return _codes_page(codes, new_factor=True)


@bp.post("/totp/recovery-codes")
@holder_required
def regenerate_recovery_codes(account, login):
    """Ten new codes; the old ones stop working at once."""
    if (step_up := reauthenticate(account, _back())) is not None:
        return step_up
    if totp.confirmed_factor(account.id) is None:
        return redirect(_back(), 303)
    codes = totp.new_recovery_codes(account.id)
    events.record(account.id, events.FACTOR_ADDED, factor=RECOVERY_CODES, ip=client_ip())
    db.session.commit()
    return _codes_page(codes, new_factor=False)


@bp.post("/totp/remove")
@holder_required
def totp_remove(account, login):
    """A level-2 session only, when the account holds a second factor (SEC-75)."""
    if (step_up := reauthenticate(account, _back())) is not None:
        return step_up
    if totp.confirmed_factor(account.id) is not None:
        db.session.execute(delete(TotpFactor).where(TotpFactor.account_id == account.id))
        db.session.execute(delete(RecoveryCode).where(RecoveryCode.account_id == account.id))
        events.record(account.id, events.FACTOR_REMOVED, factor=TOTP, ip=client_ip())
        db.session.commit()
        flash("", "totp_removed")
    return redirect(_back(), 303)
