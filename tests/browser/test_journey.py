"""The whole journey in a real browser, on a phone-sized screen: the relying-party demo's bank,
landlord and portal against the live IdP (issue: "What a person sees first")."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page
from playwright.sync_api import expect

from relying_party_demo import create_app as create_rp

from ..e2e.conftest import serve
from .conftest import Holder
from .conftest import approve
from .conftest import enter_totp
from .conftest import sign_in_with_password
from .test_passkeys import PASSKEY_SIGN_IN
from .test_passkeys import add_passkey_from_the_account_page

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(live_idp):
    """The relying-party demo on its own port, its three clients registered at the live IdP."""
    def build(port):
        base = f"http://127.0.0.1:{port}"
        clients = {}
        for service, name, level in (("bank", "Saigon Demo Bank", 1),
                                     ("landlord", "Rental registration", 2),
                                     ("portal", "Public-service portal", 1)):
            client, secret = live_idp.factories.client(
                client_id=f"demo-{service}", name=name, min_level=level,
                redirect_uris=[f"{base}/{service}/callback"],
                post_logout_redirect_uris=[f"{base}/"], scope="openid profile email phone")
            clients[service] = {"client_id": client.client_id, "client_secret": secret}
        return create_rp({"RP_ISSUER": live_idp.issuer, "RP_BASE_URL": base,
                          "RP_CLIENTS": clients})

    with serve(build) as rp:
        yield rp.config["RP_BASE_URL"]


@pytest.fixture
def phone(page: Page) -> Page:
    page.set_viewport_size({"width": 390, "height": 844})
    return page


def sign_in_at(page: Page, url: str, holder: Holder) -> None:
    page.goto(url)
    page.click("a.button")  # "Sign in with electronic identification"
    sign_in_with_password(page, holder)
    approve(page)


def transfer(page: Page, amount: str) -> None:
    page.fill("#amount", amount)
    page.click('form:has(#amount) button[type="submit"]')


def test_level_1_balance_then_a_large_transfer_steps_up_with_totp(live_idp, demo, phone):
    holder = live_idp.level2_holder("kenji@example.test")
    sign_in_at(phone, f"{demo}/bank", holder)
    expect(phone.locator("#acr")).to_have_text("1")
    expect(phone.locator("#balance")).to_be_visible()
    transfer(phone, "15000000")
    expect(phone).to_have_url(re.compile(r"/login/second-factor\?flow="))
    expect(phone.locator("#password")).to_have_count(0)  # only the missing factor is asked
    enter_totp(phone, holder)
    expect(phone.locator("#result")).to_contain_text("Transferred VND 15,000,000 (level 2)")
    expect(phone.locator("#acr")).to_have_text("2")


def test_a_passkey_signs_in_at_the_landlord_at_level_2_without_a_username(
        live_idp, demo, phone, authenticator):
    holder = live_idp.level2_holder("maria@example.test")
    add_passkey_from_the_account_page(phone, live_idp, holder)
    phone.goto(f"{live_idp.issuer}/logout")
    phone.click('button[name="confirm"][value="yes"]')
    phone.goto(f"{demo}/landlord")
    phone.click("a.button")
    phone.click(PASSKEY_SIGN_IN)
    approve(phone)
    expect(phone.locator("#acr")).to_have_text("2")


def test_a_level_1_account_is_refused_at_the_landlord_and_told_how_to_get_level_2(
        live_idp, demo, phone):
    live_idp.factories.account(login="tenant@example.test")
    holder = Holder(login="tenant@example.test", totp_secret="")
    phone.goto(f"{demo}/landlord")
    phone.click("a.button")
    sign_in_with_password(phone, holder)
    expect(phone.locator("h1")).to_contain_text("needs level 2")
    expect(phone.locator("main")).to_contain_text("immigration office")
    phone.click("a.button")  # back to the landlord
    expect(phone.locator("#error")).to_have_text("unmet_authentication_requirements")


def test_consent_given_then_revoked_from_the_account_page(live_idp, demo, phone):
    holder = live_idp.level2_holder("an@example.test")
    sign_in_at(phone, f"{demo}/portal", holder)
    expect(phone.locator("#acr")).to_have_text("1")
    phone.goto(f"{live_idp.issuer}/account/services")
    expect(phone.locator("main")).to_contain_text("Public-service portal")
    phone.click('form[action*="revoke"] button')
    expect(phone.locator('form[action*="revoke"]')).to_have_count(0)
    phone.goto(f"{demo}/portal/login")
    expect(phone.locator('button[name="decision"]')).to_have_count(2)  # asked again


def test_sign_out_at_the_bank_ends_both_sessions(live_idp, demo, phone):
    holder = live_idp.level2_holder("out@example.test")
    sign_in_at(phone, f"{demo}/bank", holder)
    expect(phone.locator("#balance")).to_be_visible()
    phone.click("header form button")  # Sign out
    expect(phone).to_have_url(re.compile(re.escape(demo) + r"/\?state="))
    phone.goto(f"{demo}/bank")
    expect(phone.locator("a.button")).to_be_visible()  # the bank forgot us
    phone.goto(f"{live_idp.issuer}/account")
    expect(phone.locator("#password")).to_have_count(1)  # and so did the IdP
