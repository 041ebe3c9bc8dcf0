"""The relying-party demo against a running IdP, over real HTTP: what a bank's, a landlord's and
a portal's user sees, including the RFC 9470 step-up of a large transfer."""

from __future__ import annotations

import pyotp
import pytest

from relying_party_demo import create_app as create_rp

from ..e2e.conftest import CSRF
from ..e2e.conftest import FLOW
from ..e2e.conftest import HTTP_TIMEOUT
from ..e2e.conftest import serve
from ..e2e.conftest import through_idp_pages


@pytest.fixture
def demo(idp):
    """The RP demo on its own port, its three clients registered at the live IdP."""
    def build(port):
        base = f"http://127.0.0.1:{port}"
        clients = {}
        for service, min_level in (("bank", 1), ("landlord", 2), ("portal", 1)):
            client, secret = idp.factories.client(
                client_id=f"demo-{service}", name=f"Demo {service}", min_level=min_level,
                redirect_uris=[f"{base}/{service}/callback"],
                post_logout_redirect_uris=[f"{base}/"], scope="openid profile email phone",
                require_pushed_authorization_requests=service == "bank")
            clients[service] = {"client_id": client.client_id, "client_secret": secret}
        return create_rp({"RP_ISSUER": idp.issuer, "RP_BASE_URL": base, "RP_CLIENTS": clients})

    with serve(build) as rp:
        yield rp.config["RP_BASE_URL"]


def sign_in(browser, url, login, totp_secret=None):
    """Follow the IdP's pages (password, consent, TOTP) back to the relying party."""
    response, _ = through_idp_pages(browser, browser.get(url, timeout=HTTP_TIMEOUT), login)
    if 'autocomplete="one-time-code"' in response.text:
        response = browser.post(response.url.split("?")[0], timeout=HTTP_TIMEOUT, data={
            "csrf_token": CSRF.search(response.text).group(1),
            "flow": FLOW.search(response.text).group(1),
            "code": pyotp.TOTP(totp_secret).now()})
        response, _ = through_idp_pages(browser, response, login)
    return response


def post(browser, page, url, **data):
    data["csrf_token"] = CSRF.search(page.text).group(1)
    return browser.post(url, data=data, timeout=HTTP_TIMEOUT)


def level2_holder(idp, login="bank.customer@example.test"):
    account = idp.factories.account(login=login)
    secret, _ = idp.factories.level2(account)
    return secret


def test_balance_at_level_1_and_a_large_transfer_steps_up_to_level_2(idp, demo, browser):
    secret = level2_holder(idp)
    page = sign_in(browser, f"{demo}/bank/login", "bank.customer@example.test")
    assert page.url == f"{demo}/bank"
    assert 'id="acr">1<' in page.text and "VND 152,400,000" in page.text
    small = post(browser, page, f"{demo}/bank/transfer", amount="5000000")
    assert "Transferred VND 5,000,000 (level 1)" in small.text
    big = post(browser, small, f"{demo}/bank/transfer", amount="15000000")
    # The bank's API answered 401 insufficient_user_authentication; the front end took the
    # person to the IdP, which asks only for the second factor.
    assert 'autocomplete="one-time-code"' in big.text and 'type="password"' not in big.text
    done = browser.post(big.url.split("?")[0], timeout=HTTP_TIMEOUT, data={
        "csrf_token": CSRF.search(big.text).group(1), "flow": FLOW.search(big.text).group(1),
        "code": pyotp.TOTP(secret).now()})
    assert "Transferred VND 15,000,000 (level 2)" in done.text
    assert 'id="acr">2<' in done.text


def test_the_daily_total_over_20_million_also_needs_level_2(idp, demo, browser):
    level2_holder(idp)
    page = sign_in(browser, f"{demo}/bank/login", "bank.customer@example.test")
    for _ in range(2):
        page = post(browser, page, f"{demo}/bank/transfer", amount="9000000")
        assert "Transferred VND 9,000,000" in page.text
    third = post(browser, page, f"{demo}/bank/transfer", amount="3000000")
    assert 'autocomplete="one-time-code"' in third.text


def test_a_level_1_account_is_refused_by_the_landlord_with_unmet(idp, demo, browser):
    idp.factories.account(login="tenant@example.test")
    response, _ = through_idp_pages(
        browser, browser.get(f"{demo}/landlord/login", timeout=HTTP_TIMEOUT),
        "tenant@example.test")
    assert response.status_code == 403 and "needs level 2" in response.text
    back = response.text.split('class="button" href="')[1].split('"')[0].replace("&amp;", "&")
    rp_page = browser.get(back, timeout=HTTP_TIMEOUT)
    assert 'id="error">unmet_authentication_requirements<' in rp_page.text


def test_the_portal_submits_at_level_2_and_explains_when_the_account_cannot(idp, demo, browser):
    idp.factories.account(login="citizen@example.test")
    page = sign_in(browser, f"{demo}/portal/login", "citizen@example.test")
    assert 'id="acr">1<' in page.text
    refused = post(browser, page, f"{demo}/portal/apply")
    assert refused.status_code == 403 and "Submitting needs level 2" in refused.text


def test_sign_out_ends_both_sessions(idp, demo, browser):
    level2_holder(idp)
    page = sign_in(browser, f"{demo}/bank/login", "bank.customer@example.test")
    out = post(browser, page, f"{demo}/logout")
    assert out.url.startswith(f"{demo}/?state=")
    again = browser.get(f"{demo}/bank/login", timeout=HTTP_TIMEOUT)
    assert 'action="/login"' in again.text  # the IdP asks for the password again


def test_opening_an_account_asks_for_level_2(idp, demo, browser):
    secret = level2_holder(idp)
    page = sign_in(browser, f"{demo}/bank/login", "bank.customer@example.test")
    step_up = post(browser, page, f"{demo}/bank/open-account")
    assert 'autocomplete="one-time-code"' in step_up.text  # the essential acr 2 request
    at_level_2 = browser.post(step_up.url.split("?")[0], timeout=HTTP_TIMEOUT, data={
        "csrf_token": CSRF.search(step_up.text).group(1),
        "flow": FLOW.search(step_up.text).group(1), "code": pyotp.TOTP(secret).now()})
    assert 'id="acr">2<' in at_level_2.text
    opened = post(browser, at_level_2, f"{demo}/bank/open-account")
    assert "opened" in opened.text and "Account VN" in opened.text
