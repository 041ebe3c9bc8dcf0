"""`flask --app idp accounts create|list|show`, for operators and test harnesses.

A refused account exits non-zero with one line that says why, and stores nothing; an account
made here can then sign in through the authorization code flow.
"""

from __future__ import annotations

import json

import pytest

from ..cli import assert_refused_in_one_line
from ..cli import invoke
from ..cli import invoke_json
from ..rp import TestRelyingParty

PASSWORD = "lantern orchard velvet quarry"


def cli(app, *args, password: str | None = None):
    return invoke(app, "accounts", *args, stdin=None if password is None else password + "\n")


def cli_json(app, *args, password: str | None = None):
    return invoke_json(app, "accounts", *args,
                       stdin=None if password is None else password + "\n")


def stored(app) -> list[dict]:
    return cli_json(app, "list")


def create(app, login="Minh.An@Example.test", password=PASSWORD, *options):
    return cli(app, "create", login, "--password-stdin", *options, password=password)


def test_create_stores_the_profile_and_prints_the_identifiers(app):
    created = cli_json(
        app, "create", "  Minh.An@Example.TEST ", "--password-stdin",
        "--given-name", "Minh An", "--family-name", "Nguyễn", "--email", "minh.an@example.test",
        "--phone-number", "+84901234567", "--birthdate", "1990-04-12", "--gender", "female",
        "--nationality", "KOR", "--locale", "vi", password=PASSWORD,
    )
    assert isinstance(created["id"], int)
    assert created["login"] == "minh.an@example.test"  # trimmed, case-folded
    assert created["family_name"] == "Nguyễn"
    assert created["birthdate"] == "1990-04-12"
    assert created["status"] == "active"
    assert "password_hash" not in created and "subject_key" not in created
    assert PASSWORD not in json.dumps(stored(app))
    assert cli_json(app, "show", "MINH.AN@example.test") == created
    assert [a["login"] for a in stored(app)] == ["minh.an@example.test"]


def test_plain_output_is_readable(app):
    result = create(app, "reader@example.test", PASSWORD, "--given-name", "Lan")
    assert result.exit_code == 0, result.output
    assert "login: reader@example.test" in result.stdout
    assert "given_name: Lan" in result.stdout


@pytest.mark.parametrize(("login", "password", "reason"), [
    ("an@example.test", "fourteen chars", "at least 15 characters"),
    ("an@example.test", "passwordpassword1", "too common"),
    ("an@example.test", "Password1234567890", "too common"),  # common word + digit run
    ("an@example.test", "Password123!Password123!", "too common"),  # common password twice
    ("tranthibich", "tranthibich-loves-pho", "identifiers"),
    ("TranThiBich", "my name is tranthibich", "identifiers"),
])
def test_weak_passwords_are_refused_and_nothing_is_stored(app, login, password, reason):
    result = create(app, login, password)
    assert_refused_in_one_line(result, "Password refused", reason)
    assert password not in result.output
    assert stored(app) == []


def test_a_password_with_the_holders_name_or_email_is_refused(app):
    result = create(app, "an@example.test", "nguyenvanbinh forever young", "--family-name",
                    "Nguyen", "--given-name", "Van Binh", "--email", "nguyenvanbinh@example.test")
    assert_refused_in_one_line(result, "Password refused")
    assert stored(app) == []


def test_a_duplicate_login_is_refused_even_in_another_case(app):
    assert create(app, "holder@example.test").exit_code == 0
    for login in ("holder@example.test", "HOLDER@Example.Test", " holder@example.test"):
        assert_refused_in_one_line(create(app, login), "already exists")
    assert len(stored(app)) == 1


@pytest.mark.parametrize("birthdate", ["1990-13-01", "12/04/1990", "1990-4-12", "19900412",
                                       "tomorrow"])
def test_a_bad_birthdate_is_refused(app, birthdate):
    result = create(app, "an@example.test", PASSWORD, "--birthdate", birthdate)
    assert_refused_in_one_line(result, "--birthdate")
    assert stored(app) == []


def test_an_empty_login_is_refused(app):
    assert_refused_in_one_line(create(app, "   "), "LOGIN")
    assert stored(app) == []


def test_show_of_an_unknown_account_fails_cleanly(app):
    assert_refused_in_one_line(cli(app, "show", "nobody@example.test"), "nobody@example.test")


def test_an_account_created_here_signs_in_through_the_code_flow(app, factories):
    cli_json(app, "create", "Bich.Tran@Example.test", "--password-stdin",
             "--given-name", "Thị Bích", "--family-name", "Trần", "--email", "bich@example.test",
             password=PASSWORD)
    rp = TestRelyingParty(app, factories, login="someone.else@example.test")
    callback = rp.follow_to_client(rp.authorize(), login="BICH.TRAN@example.test", password=PASSWORD)
    response = rp.exchange(callback["code"])
    assert response.status_code == 200, response.json
    claims = rp.userinfo(response.json["access_token"]).json
    assert claims["given_name"] == "Thị Bích"
    assert claims["family_name"] == "Trần"
    assert claims["email"] == "bich@example.test"


def test_an_account_created_without_a_password_cannot_sign_in(app, factories):
    assert cli(app, "create", "nopass@example.test").exit_code == 0
    rp = TestRelyingParty(app, factories, login="someone.else@example.test")
    page = rp.browser.get(rp.authorize().headers["Location"])
    refused = rp.submit_login(page, login="nopass@example.test", password=PASSWORD)
    assert refused.status_code == 401
    assert "Location" not in refused.headers
