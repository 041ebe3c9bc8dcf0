"""Step-up pages: ask only for the missing second factor, never the password again (DESIGN.md).

They follow a password sign-in in the same session (SEC-59): the factor is checked against the
signed-in account, and success renews the session id and auth_time (SEC-65).
"""

from __future__ import annotations

from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from .. import metrics
from .. import security_log
from ..accounts import events
from ..assurance.amr import RECOVERY_CODE
from ..assurance.amr import TOTP
from ..assurance.amr import level_of
from ..extensions import db
from ..web import client_ip
from . import flow as flows
from . import throttle
from . import totp
from .reauth import safe_next
from .routes import after_authentication
from .routes import bp
from .sso import add_second_factor
from .sso import current_login


def _page(flow_id, error=None, status=200, retry_after=None):
    headers = {"Retry-After": str(retry_after)} if retry_after else {}
    return render_template("authn/second_factor.html", flow_id=flow_id or "", error=error,
                           next_path=safe_next(request.values.get("next")) or ""), \
        status, headers


@bp.get("/login/second-factor")
def second_factor():
    if current_login() is None:
        return redirect(url_for("authn.login", flow=request.args.get("flow", ""),
                                next=safe_next(request.args.get("next"))))
    flow_id = request.args.get("flow")
    return _page(flow_id if flows.load(flow_id) else None)


@bp.post("/login/second-factor")
def second_factor_submit():
    login = current_login()
    flow_id = request.form.get("flow") or None
    if login is None:
        return redirect(url_for("authn.login", flow=flow_id or ""), 303)
    code = request.form.get("code", "")
    recovery = request.form.get("recovery_code", "")
    factor = RECOVERY_CODE if recovery else TOTP

    def attempt(result, reason=None, acr=None):  # one `authn.<factor>` event each (SEC-91)
        security_log.attempt(factor, result, reason=reason, stage="step_up", acr=acr,
                             account_id=login.account_id, client_id=flows.client_of(flow_id))

    try:
        if recovery:
            totp.use_recovery_code(login.account_id, recovery, ip=client_ip())
        else:
            totp.verify(login.account_id, code, ip=client_ip())
    except throttle.Throttled as exc:
        metrics.step_up("throttled")
        attempt("failure", "throttled")
        return _page(flow_id, "throttled", 429, exc.retry_after)
    except totp.TotpReplayed:
        metrics.step_up("replayed")
        attempt("failure", security_log.REPLAYED)
        return _page(flow_id, "replayed", 401)
    except totp.TotpInvalid:
        metrics.step_up("failure")
        attempt("failure", "invalid")
        return _page(flow_id, "recovery_invalid" if recovery else "invalid", 401)
    events.record(login.account_id, events.STEP_UP, ip=client_ip(), factor=factor)
    db.session.commit()
    raised = add_second_factor(factor)
    attempt("success", acr=str(level_of(raised.factors).value))
    metrics.step_up("success")
    return after_authentication(flow_id)
