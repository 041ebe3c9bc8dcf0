"""A lock takes effect at once: tokens die, sessions end, the next sign-in is refused, and the
relying party hears `access_denied` with words a person can read (DESIGN.md)."""

from __future__ import annotations

import re

from idp.accounts import lifecycle
from idp.authn import devices

from ..rp import query_of
from .helpers import act


def _lock(app, account, reason="terms_breach"):
    act(app, account, lambda a: lifecycle.lock(a, reason, source="operator",
                                               requested_by="Officer Tran", actor="staff:tran"))


def test_a_lock_kills_live_tokens_sessions_and_the_next_sign_in(app, rp):
    tokens = rp.tokens()
    assert rp.introspect(tokens["access_token"]).json["active"] is True
    assert rp.browser.get("/account").status_code == 200
    with app.test_request_context():
        assert devices.listing(rp.account.id)

    _lock(app, rp.account)

    assert rp.introspect(tokens["access_token"]).json == {"active": False}
    assert rp.introspect(tokens["refresh_token"]).json == {"active": False}
    userinfo = rp.userinfo(tokens["access_token"])
    assert userinfo.status_code == 401
    assert 'error="invalid_token"' in userinfo.headers["WWW-Authenticate"]
    refreshed = rp.refresh(tokens["refresh_token"])
    assert refreshed.status_code == 400 and refreshed.json["error"] == "invalid_grant"
    with app.test_request_context():
        assert devices.listing(rp.account.id) == []
    assert rp.browser.get("/account").status_code in (302, 303)  # signed out

    # The next sign-in: the person sees why, the service hears access_denied.
    page = rp.authorize()
    while page.status_code in (302, 303):
        page = rp.browser.get(page.headers["Location"])
    refused = rp.submit_login(page)
    assert refused.status_code == 403
    assert "This account is locked" in refused.text and "immigration office" in refused.text
    assert "/account/restore" in refused.text
    back = rp.browser.get(re.search(r'href="(/authorize/resume/[^"]+)"', refused.text).group(1))
    answer = query_of(back.headers["Location"])
    assert answer["error"] == "access_denied"
    assert answer["error_description"] == "The account is locked and cannot sign in."


def test_a_session_signed_in_before_the_lock_gets_no_code(app, rp):
    rp.tokens()
    _lock(app, rp.account, "holder_request")
    answer = query_of(rp.authorize(prompt="none").headers["Location"])
    assert answer["error"] == "login_required"  # the session is over; no code, no lower acr
