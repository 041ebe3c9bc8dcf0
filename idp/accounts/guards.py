"""Who may use the account pages: the signed-in holder, and for sensitive changes only a session
that authenticated recently and strongly enough (idp.authn.reauth)."""

from __future__ import annotations

from functools import wraps

from flask import redirect
from flask import request
from flask import url_for

from ..authn.reauth import step_up_url
from ..authn.sso import current_login
from ..authn.sso import end_login
from ..authn.sso import touch
from ..extensions import db
from .models import Account


def _back_here() -> str:
    """Where to continue after signing in: this page for a GET, the overview after a form."""
    if request.method == "GET":
        return request.full_path.rstrip("?")
    return url_for("account.overview")


def holder_required(view):
    """Call `view(account, login, ...)` for the signed-in holder; send anyone else to sign in."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        login = current_login()
        account = db.session.get(Account, login.account_id) if login else None
        if account is None or not account.is_active:
            if login is not None:
                end_login()  # locked or removed since it signed in: this session is over
            return redirect(url_for("authn.login", next=_back_here()), 303)
        touch()
        return view(account, login, *args, **kwargs)

    return wrapper


def reauthenticate(account: Account, back: str):
    """A 303 to the step-up or sign-in page that returns to `back`; None if this session may
    make a sensitive change now (SEC-75, NIST SP 800-63B-4 §4.1.2.1)."""
    url = step_up_url(account, back)
    return None if url is None else redirect(url, 303)
