"""What a holder's browser does on the account pages: sign in, read forms, submit them."""

from __future__ import annotations

import re

from ..factories import PASSWORD
from ..rp import csrf_of

END_SESSION = re.compile(r'action="/account/sessions/([^/"]+)/end"')
REVOKE = re.compile(r'action="/account/services/(\d+)/revoke"')
TOTP_KEY = re.compile(r'id="totp-key">([A-Z2-7 ]+)<')
RECOVERY_CODE = re.compile(r"<code>([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4})</code>")


def next_field(html: str, action: str) -> str:
    """The `next` a form carries, read from the form posting to `action` (not another form)."""
    form = re.search(rf'<form[^>]*action="{re.escape(action)}".*?</form>', html, re.S).group(0)
    return re.search(r'name="next" value="([^"]*)"', form).group(1)


def sign_in(browser, login="holder@example.test", password=PASSWORD, next_path="/account"):
    page = browser.get("/login", query_string={"next": next_path})
    return browser.post("/login", data={"csrf_token": csrf_of(page.text), "flow": "",
                                        "next": next_field(page.text, "/login"),
                                        "login": login, "password": password})


def submit(browser, action, page="/account", **fields):
    """Press a button: the form's CSRF token comes from the page that shows it."""
    shown = browser.get(page)
    assert shown.status_code == 200, shown.headers.get("Location")
    return browser.post(action, data={"csrf_token": csrf_of(shown.text), **fields})


def step_up(browser, location, code):
    """Answer the second-factor page the way a person does, from the page's own form."""
    page = browser.get(location)
    return browser.post("/login/second-factor", data={
        "csrf_token": csrf_of(page.text), "flow": "", "code": code,
        "next": next_field(page.text, "/login/second-factor")})


def enroll_totp(browser):
    """Start the set-up; returns the set-up page and the key typed from it into an app."""
    started = submit(browser, "/account/totp/enroll", "/account/totp")
    assert started.status_code == 303, started.headers.get("Location")
    assert started.headers["Location"] == "/account/totp/setup"
    page = browser.get("/account/totp/setup")
    return page, TOTP_KEY.search(page.text).group(1).replace(" ", "")


def is_signed_in(browser) -> bool:
    return browser.get("/account").status_code == 200
