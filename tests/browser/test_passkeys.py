"""Passkeys in a real browser: Chromium's virtual authenticator against the live IdP.

A level-2 holder adds a passkey from the account page (after password + TOTP, SEC-61), signs
out, and signs in at a bank that needs level 2 with the passkey alone, typing no username. When
the authenticator cannot verify the person, the passkey never yields level 2 (SEC-60).
"""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page
from playwright.sync_api import Route
from playwright.sync_api import expect

from .conftest import Holder
from .conftest import LiveIdP
from .conftest import approve
from .conftest import enter_totp
from .conftest import sign_in_with_password
from .conftest import sign_out

pytestmark = pytest.mark.browser

PASSKEY_SIGN_IN = "#passkey-sign-in"
ADD_PASSKEY = "#passkey-add"


def add_passkey_from_the_account_page(page: Page, idp: LiveIdP, holder: Holder) -> None:
    page.goto(f"{idp.issuer}/account")
    sign_in_with_password(page, holder)
    expect(page).to_have_url(f"{idp.issuer}/account")
    expect(page.locator(ADD_PASSKEY)).to_contain_text("Add a passkey")  # SEC-62
    page.fill("#passkey-new-name", "My laptop")
    page.click(ADD_PASSKEY)
    # A password-only session may not add a factor: the page sends the person to step up first.
    expect(page).to_have_url(re.compile(r"/login/second-factor\?next=%2Faccount$"))
    enter_totp(page, holder)
    expect(page).to_have_url(f"{idp.issuer}/account")
    page.fill("#passkey-new-name", "My laptop")
    page.click(ADD_PASSKEY)
    expect(page.locator("#passkeys")).to_contain_text("My laptop")


def test_a_passkey_added_on_the_account_page_signs_in_at_level_2_without_a_username(
        live_idp, page, authenticator):
    holder = live_idp.level2_holder()
    bank = live_idp.relying_party("Bank", min_level=2)
    add_passkey_from_the_account_page(page, live_idp, holder)
    [credential] = authenticator.credentials()
    assert credential["isResidentCredential"] and credential["rpId"] == "localhost"
    sign_out(page, live_idp.issuer)

    page.goto(bank.authorization_url())
    expect(page).to_have_url(re.compile(r"/login\?flow="))
    page.click(PASSKEY_SIGN_IN)
    approve(page)
    page.wait_for_url(bank.redirect_uri + "?*")
    claims = bank.id_token_claims(page.url)
    assert claims["acr"] == "2"
    assert claims["amr"] == ["hwk", "user", "mfa"]
    assert page.locator("#login").count() == 0  # nothing was typed: the code came back


def discourage_user_verification(route: Route) -> None:
    """A client that skips user verification: the options are rewritten on their way to the page.
    The IdP reads the UV flag from the signed authenticator data, never from what it asked."""
    response = route.fetch()
    body = response.json()
    body["publicKey"]["userVerification"] = "discouraged"
    route.fulfill(response=response, body=json.dumps(body))


def test_a_passkey_without_user_verification_never_reaches_level_2(live_idp, page, authenticator):
    holder = live_idp.level2_holder()
    bank = live_idp.relying_party("Bank", min_level=2)
    portal = live_idp.relying_party("Portal")
    add_passkey_from_the_account_page(page, live_idp, holder)
    sign_out(page, live_idp.issuer)
    authenticator.set_user_verified(False)

    page.goto(bank.authorization_url())
    page.click(PASSKEY_SIGN_IN)
    expect(page.locator("#passkey-error")).to_contain_text("cancelled or timed out")
    expect(page).to_have_url(re.compile(r"/login\?flow="))

    page.route("**/login/passkey/options", discourage_user_verification)
    page.goto(portal.authorization_url())
    page.click(PASSKEY_SIGN_IN)
    approve(page)
    page.wait_for_url(portal.redirect_uri + "?*")
    claims = portal.id_token_claims(page.url)
    assert claims["acr"] == "1"
    assert claims["amr"] == ["hwk"]

    page.goto(bank.authorization_url())  # the same session at the bank: sign in again, no code
    expect(page).to_have_url(re.compile(r"/login\?flow="))
    expect(page.locator(PASSKEY_SIGN_IN)).to_be_visible()


def test_a_password_session_steps_up_to_level_2_with_the_passkey(live_idp, page, authenticator):
    holder = live_idp.level2_holder()
    bank = live_idp.relying_party("Bank")
    add_passkey_from_the_account_page(page, live_idp, holder)
    sign_out(page, live_idp.issuer)

    page.goto(bank.authorization_url())
    sign_in_with_password(page, holder)
    approve(page)
    page.wait_for_url(bank.redirect_uri + "?*")
    assert bank.id_token_claims(page.url)["acr"] == "1"

    essential = '{"id_token":{"acr":{"essential":true,"values":["2"]}}}'
    page.goto(bank.authorization_url(claims=essential))
    expect(page).to_have_url(re.compile(r"/login/second-factor\?flow="))
    page.click("#passkey-step-up")  # not the password again: only the missing factor
    page.wait_for_url(bank.redirect_uri + "?*")
    claims = bank.id_token_claims(page.url)
    assert claims["acr"] == "2"
    assert claims["amr"] == ["pwd", "hwk", "user", "mfa"]
