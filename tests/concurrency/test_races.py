"""Races that must have exactly one winner (SEC-22, SEC-28, SEC-57): run on SQLite + the
in-process store, and in CI's second pass on PostgreSQL + Redis."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pyotp

from idp.accounts.models import Consent
from idp.extensions import db

from ..factories import REDIRECT_URI
from ..rp import TestRelyingParty
from ..rp import csrf_of

PARALLEL = 20


def race(app, request, count=PARALLEL):
    """Run `request(browser)` from `count` threads released at the same instant."""
    barrier = threading.Barrier(count)

    def one(_):
        browser = app.test_client()
        barrier.wait()
        return request(browser)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(one, range(count)))


def test_one_code_redeemed_by_20_at_once_gives_one_token(app, rp):
    code = rp.sign_in_and_get_code()["code"]
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI,
            "code_verifier": rp.verifier}
    statuses = race(app, lambda b: b.post("/token", data=form,
                                          auth=(rp.client.client_id, rp.secret)).status_code)
    assert sorted(statuses) == [200] + [400] * (PARALLEL - 1)


def test_one_refresh_token_used_by_20_at_once_rotates_once(app, rp):
    refresh_token = rp.tokens()["refresh_token"]
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    results = race(app, lambda b: b.post("/token", data=form,
                                         auth=(rp.client.client_id, rp.secret)))
    winners = [r for r in results if r.status_code == 200]
    assert len(winners) == 1
    assert all(r.json["error"] == "invalid_grant" for r in results if r.status_code != 200)
    # The losers were reuse: the family is revoked, the winner's token too (RFC 9700 §4.14.2).
    assert rp.refresh(winners[0].json["refresh_token"]).status_code == 400


def test_one_totp_code_submitted_20_times_at_once_counts_once(app, factories):
    rp = TestRelyingParty(app, factories)
    rp.totp_secret, _ = factories.level2(rp.account)
    rp.tokens()
    essential = '{"id_token":{"acr":{"essential":true,"values":["2"]}}}'
    page = rp.browser.get(rp.authorize(claims=essential).headers["Location"])
    flow = page.text.split('name="flow" value="')[1].split('"')[0]
    code = pyotp.TOTP(rp.totp_secret).now()
    cookie = rp.browser.get_cookie("__Host-idp_session", domain="idp.test").value
    form = {"csrf_token": csrf_of(page.text), "flow": flow, "code": code}

    def submit(browser):
        browser.set_cookie("__Host-idp_session", cookie, domain="idp.test")
        return browser.post("/login/second-factor", data=form).status_code

    statuses = race(app, submit)
    assert statuses.count(303) == 1
    # The others: the code already used (401), throttled after repeated failures (429), or the
    # session the winner just renewed is gone with its CSRF token (400). Never a second 303.
    assert set(statuses) <= {303, 400, 401, 429}


def test_parallel_consents_leave_one_row(app, rp):
    response = rp.authorize()
    page = rp.submit_login(rp.browser.get(response.headers["Location"]))
    consent_path = rp.browser.get(page.headers["Location"]).headers["Location"]
    consent_page = rp.browser.get(consent_path)
    cookie = rp.browser.get_cookie("__Host-idp_session", domain="idp.test").value
    form = {"csrf_token": csrf_of(consent_page.text), "decision": "approve"}

    def approve(browser):
        browser.set_cookie("__Host-idp_session", cookie, domain="idp.test")
        return browser.post(consent_path, data=form).status_code

    statuses = race(app, approve, count=10)
    assert all(status in (303, 400) for status in statuses)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Consent.id))) == 1
