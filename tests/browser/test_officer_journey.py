"""Level 2 from the desk to a relying party, in a real browser: an officer proofs the applicant in
the console (TK01, documents, the registry's face match, consent, issue); the applicant activates
the account with the code from the message, adds an authenticator app, and signs in to the
landlord demo, which requires level 2 (Decree 69/2024/ND-CP Art. 12, steps 1-5).

The registry is the simulated one, served for real (fixture `registry`). The activation code is
read from the outbox row before delivery, as the SMS gateway would receive it.
"""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from playwright.sync_api import Page
from playwright.sync_api import expect

from idp.accounts.models import Account
from idp.extensions import db
from idp.notify.models import Notification
from idp.notify.outbox import reveal

from ..admin.test_console import STAFF_PASSWORD
from ..admin.test_console import create_staff
from . import test_journey
from .conftest import ARTIFACTS

pytestmark = pytest.mark.browser

demo = test_journey.demo  # the relying-party demo (bank, landlord, portal) on its own port
NEW_PASSWORD = "lanterns over the old quarter at dusk"
OFFICER = "officer@idp.test"


def officer_signs_in(page: Page, issuer: str, secret: str) -> None:
    page.goto(f"{issuer}/admin/login")
    page.fill("#login", OFFICER)
    page.fill("#password", STAFF_PASSWORD)
    page.click('form:has(#password) button[type="submit"]')
    page.fill("#code", pyotp.TOTP(secret).now())
    page.click('form:has(#code) button[type="submit"]')
    expect(page).to_have_url(f"{issuer}/admin/applications")


def officer_proofs(page: Page, person: dict, face: bytes) -> str:
    page.click('a[href$="/admin/applications/new"]')
    page.fill("#full_name", person["full_name"])
    page.fill("#birthdate", person["birthdate"])
    page.select_option("#gender", person["gender"])
    page.fill("#nationality", person["nationality"])
    page.fill("#document_number", person["document_number"])
    page.fill("#phone_number", "0912 345 678")
    page.fill("#email", "applicant@example.test")
    page.fill("#office", "Hanoi PA08")
    page.click('form:has(#full_name) button[type="submit"]')
    reference = page.locator("#reference").inner_text()

    page.select_option("#document_type", person["document_type"])
    page.fill("#document_expires", person["document_expires"])
    page.select_option("#card_type", person["card_type"])
    page.fill("#card_number", person["card_number"])
    page.fill("#card_expires", person["card_expires"])
    page.check('input[name="card_original"]')
    page.click('form:has(#card_number) button[type="submit"]')
    expect(page.locator("#documents")).to_contain_text(person["card_number"])

    page.select_option("#method", "face")
    page.set_input_files("#sample", files=[{"name": "face.png", "mimeType": "image/png",
                                            "buffer": face}])
    page.click('form:has(#sample) button[type="submit"]')
    expect(page.locator("#biometric-result")).to_contain_text("matched")

    expect(page.locator("#consent-text")).to_be_visible()
    page.check('input[name="agreed"]')
    page.click('form:has(input[name="agreed"]) button[type="submit"]')
    expect(page.locator("#consent")).to_be_visible()

    page.click('button[name="decision"][value="issue"]')
    expect(page.locator("#issued")).to_be_visible()
    return reference


def message_sent(app, reference: str) -> tuple[str, str]:
    """(identification number, activation code) as the applicant's SMS carries them."""
    with app.app_context():
        row = db.session.scalar(db.select(Notification).where(
            Notification.kind == "issued", Notification.channel == "sms"))
        account = db.session.get(Account, row.account_id)
        text = reveal(row.body)
    assert account.identification_number in text
    code = re.search(r"(?<!\d)(\d{8})(?!\d)", text.replace(account.identification_number, ""))
    return account.identification_number, code.group(1)


def test_an_officer_proofs_level_2_and_the_applicant_signs_in_to_the_landlord_at_level_2(
        live_idp, demo, registry, page, chromium):
    app = live_idp.app
    app.config["REGISTRY"] = {**app.config["REGISTRY"], "URL": registry.url, "BACKOFF": 0.01}
    person = registry.find(card="valid", document="valid", biometrics=True)
    secret = create_staff(app, OFFICER, "officer")

    officer_signs_in(page, live_idp.issuer, secret)
    reference = officer_proofs(page, person, registry.sample(person["person_id"], "face"))
    number, code = message_sent(app, reference)

    context = chromium.new_context(locale="en-GB")
    context.set_default_timeout(15_000)
    applicant = context.new_page()
    try:
        applicant.goto(f"{live_idp.issuer}/activate")
        applicant.fill("#identification_number", number)
        applicant.fill("#code", code)
        applicant.click('form:has(#code) button[type="submit"]')
        applicant.fill("#new_password", NEW_PASSWORD)
        applicant.click('form:has(#new_password) button[type="submit"]')

        applicant.goto(f"{live_idp.issuer}/account/totp")
        applicant.fill("#login", number)
        applicant.fill("#password", NEW_PASSWORD)
        applicant.click('form:has(#password) button[type="submit"]')
        applicant.click('form[action$="/account/totp/enroll"] button[type="submit"]')
        totp = pyotp.TOTP(applicant.locator("#totp-key").inner_text().replace(" ", ""))
        applicant.fill("#code", totp.now())
        applicant.click('form:has(#code) button[type="submit"]')

        applicant.goto(f"{demo}/landlord")
        applicant.click("a.button")
        # Step-up asks only for the missing factor; the next time step's code, since the one
        # that confirmed the app is spent (RFC 6238 §5.2).
        applicant.fill("#code", totp.at(time.time() + 30))
        applicant.click('form:has(#code) button[type="submit"]')
        applicant.click('button[name="decision"][value="approve"]')
        expect(applicant.locator("#acr")).to_have_text("2")
    finally:
        ARTIFACTS.mkdir(exist_ok=True)
        applicant.screenshot(path=str(ARTIFACTS / "officer-journey-applicant.png"), full_page=True)
        context.close()
