"""Password sign-in as a person (and an attacker) experiences it."""

import re

import pytest

from idp.accounts.models import Account
from idp.extensions import db

from ..factories import PASSWORD
from ..rp import csrf_of

COOKIE = "__Host-idp_session"


def login_page(browser):
    return browser.get("/login")


def post_login(browser, login, password, ip="198.51.100.7"):
    page = login_page(browser)
    return browser.post("/login", data={"csrf_token": csrf_of(page.text), "login": login,
                                        "password": password, "flow": ""},
                        environ_base={"REMOTE_ADDR": ip})


def test_the_form_works_with_password_managers(client):
    page = login_page(client).text
    assert 'autocomplete="username"' in page
    assert 'autocomplete="current-password"' in page
    assert "onpaste" not in page


def test_right_password_signs_in_with_303_and_a_fresh_secure_session(client, factories):
    factories.account()
    login_page(client)
    before = client.get_cookie(COOKIE, domain="idp.test").value
    response = post_login(client, "Holder@Example.test ", PASSWORD)
    assert response.status_code == 303
    after = client.get_cookie(COOKIE, domain="idp.test")
    assert after.value != before  # a new id at sign-in: no session fixation (SEC-67)
    header = response.headers["Set-Cookie"]
    for attribute in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"):
        assert attribute in header
    assert "Domain=" not in header
    assert "Signed in" in client.get("/").text


def test_a_planted_pre_login_cookie_stays_anonymous(app, client, factories):
    factories.account()
    login_page(client)
    planted = client.get_cookie(COOKIE, domain="idp.test").value
    post_login(client, "holder@example.test", PASSWORD)
    attacker = app.test_client()
    attacker.set_cookie(COOKIE, planted, domain="idp.test")
    assert "Signed in" not in attacker.get("/").text


def test_unknown_account_and_wrong_password_look_the_same(client, factories):
    factories.account()
    wrong = post_login(client, "holder@example.test", "wrong password, long enough")
    unknown = post_login(client, "nobody@example.test", "wrong password, long enough")
    assert wrong.status_code == unknown.status_code == 401

    def strip(text):
        return re.sub(r'value="[^"]*"', "", text)

    assert strip(wrong.text) == strip(unknown.text)
    assert "The sign-in identifier or password is not correct." in wrong.text


def test_the_form_needs_its_csrf_token(client, factories):
    factories.account()
    response = client.post("/login", data={"login": "holder@example.test", "password": PASSWORD})
    assert response.status_code == 400
    assert "The form has expired" in response.text


def test_repeated_failures_slow_down_with_growing_waits(client, factories):
    factories.account()
    for _ in range(5):
        assert post_login(client, "holder@example.test", "not the password at all").status_code == 401
    sixth = post_login(client, "holder@example.test", "not the password at all")
    assert sixth.status_code == 401
    throttled = post_login(client, "holder@example.test", PASSWORD)
    assert throttled.status_code == 429
    assert int(throttled.headers["Retry-After"]) > 0
    assert "Too many attempts" in throttled.text


def test_an_attacker_elsewhere_does_not_lock_the_holder_out(app, client, factories):
    factories.account()
    for _ in range(7):
        post_login(client, "holder@example.test", "guessing guessing guessing", ip="203.0.113.9")
    holder = app.test_client()
    assert post_login(holder, "holder@example.test", PASSWORD, ip="198.51.100.20").status_code == 303


def test_x_forwarded_for_is_ignored_without_a_configured_proxy(client, factories):
    factories.account()
    for index in range(7):
        page = login_page(client)
        client.post("/login", data={"csrf_token": csrf_of(page.text),
                                    "login": "holder@example.test", "password": "wrong x 15 chars!",
                                    "flow": ""},
                    headers={"X-Forwarded-For": f"10.0.0.{index}"},
                    environ_base={"REMOTE_ADDR": "192.0.2.1"})
    assert post_login(client, "holder@example.test", PASSWORD, ip="192.0.2.1").status_code == 429


def test_unicode_passwords_match_in_any_normal_form(client, factories):
    nfc = "Pässwort-Saigon-2025 ✓"
    factories.account(password=nfc)
    import unicodedata

    nfd = unicodedata.normalize("NFD", nfc)
    assert nfd != nfc
    assert post_login(client, "holder@example.test", nfd).status_code == 303


def test_passwords_are_never_truncated(client, factories):
    long_password = "x" * 80 + "the real ending"
    factories.account(password=long_password)
    assert post_login(client, "holder@example.test", "x" * 80 + "another ending!").status_code == 401
    assert post_login(client, "holder@example.test", long_password).status_code == 303


def test_a_locked_account_is_explained_only_after_the_right_password(app, client, factories):
    factories.account()
    with app.app_context():
        db.session.execute(db.update(Account).values(status="locked"))
        db.session.commit()
    assert post_login(client, "holder@example.test", "wrong wrong wrong!!").status_code == 401
    response = post_login(client, "holder@example.test", PASSWORD)
    assert response.status_code == 403
    assert "This account is locked" in response.text
    assert "Signed in" not in client.get("/").text


def test_hashes_are_argon2id_and_rise_with_the_parameters(app, client, factories):
    factories.account()
    with app.app_context():
        stored = db.session.scalar(db.select(Account.password_hash))
    assert re.match(r"^\$argon2id\$v=19\$m=1024,t=1,p=1\$", stored)
    from ..conftest import make_app

    stronger = make_app(app.config["DATABASE_URL"], app.config["KEYS_PATH"],
                        ARGON2={"TIME_COST": 2, "MEMORY_COST": 19456, "PARALLELISM": 1})
    assert post_login(stronger.test_client(), "holder@example.test", PASSWORD).status_code == 303
    with app.app_context():
        upgraded = db.session.scalar(db.select(Account.password_hash))
    assert upgraded.startswith("$argon2id$v=19$m=19456,t=2,p=1$")


@pytest.mark.parametrize("parallelism", [1, 2])
def test_hashes_of_either_argon2_library_verify_and_need_no_rehash(app, parallelism):
    """One-lane hashes are made and checked by libsodium, others by argon2-cffi: a hash stored
    by either (accounts from before the switch included) verifies with the same result."""
    from argon2 import PasswordHasher

    from idp.authn import password

    params = {"TIME_COST": 1, "MEMORY_COST": 1024, "PARALLELISM": parallelism}
    cffi = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=parallelism)
    with app.app_context():
        app.config["ARGON2"] = params
        ours = password.hash_password(PASSWORD)
        assert ours.startswith(f"$argon2id$v=19$m=1024,t=1,p={parallelism}$")
        assert cffi.verify(ours, PASSWORD)
        for stored in (ours, cffi.hash(PASSWORD)):
            assert password.verify(stored, PASSWORD) == (True, None)  # no rehash: same params
            assert password.verify(stored, PASSWORD + "!") == (False, None)
        assert password.verify(None, PASSWORD) == (False, None)
        assert password.verify("$argon2id$v=19$m=1024,t=1,p=1$broken", PASSWORD) == (False, None)


def test_production_argon2_defaults_meet_owasp(app):
    import tomllib

    from idp.config import DEFAULT_FILE

    defaults = tomllib.loads(DEFAULT_FILE.read_text())["ARGON2"]
    assert defaults["MEMORY_COST"] >= 19456 and defaults["TIME_COST"] >= 2
    assert defaults["PARALLELISM"] == 1


@pytest.mark.parametrize("path", ["/", "/login"])
def test_pages_carry_the_security_headers(client, path):
    headers = client.get(path).headers
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "object-src 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["Cache-Control"] == "no-store"
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "Access-Control-Allow-Origin" not in headers


def test_pages_load_nothing_from_other_origins(client):
    page = client.get("/login").text
    assert not re.search(r'(src|href)="(https?:)?//', page)
