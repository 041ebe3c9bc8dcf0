"""Passkeys through HTTP, with a software authenticator standing in for the phone.

`Device` answers navigator.credentials.create()/get() as a browser plus a CTAP2 authenticator
would (W3C WebAuthn L2 §6.1 authenticator data, §6.5.4 "none" attestation, §5.8.1 client data):
an EC P-256 key, a discoverable credential, UP always, UV when the test says so. Nothing in the
IdP is mocked; tests/browser/ repeats the main paths with Chromium's virtual authenticator.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import struct

import cbor2
import pyotp
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from idp import create_app
from idp.accounts.events import AccountEvent
from idp.accounts.factors import Passkey
from idp.accounts.models import Account
from idp.authn.passkeys import SIGN_COUNT_REGRESSION
from idp.authn.passkeys import user_handle
from idp.extensions import db

from ..factories import PASSWORD
from ..rp import FLOW
from ..rp import TestRelyingParty
from ..rp import assert_agree
from ..rp import csrf_of
from ..rp import query_of

ORIGIN = "https://idp.test"
ESSENTIAL_2 = json.dumps({"id_token": {"acr": {"essential": True, "values": ["2"]}}})


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Device:
    """One authenticator holding one discoverable credential."""

    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = secrets.token_bytes(32)
        self.sign_count = 0
        self.user_handle: str | None = None

    def cose_key(self, alg: int = -7) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps({1: 2, 3: alg, -1: 1, -2: numbers.x.to_bytes(32, "big"),
                            -3: numbers.y.to_bytes(32, "big")})

    def _auth_data(self, rp_id: str, *, uv: bool, attested: bytes = b"") -> bytes:
        flags = 0x01 | (0x04 if uv else 0) | (0x40 if attested else 0)  # UP, UV, AT
        return (hashlib.sha256(rp_id.encode()).digest() + bytes([flags])
                + struct.pack(">I", self.sign_count) + attested)

    @staticmethod
    def _client_data(kind: str, challenge: str, origin: str) -> bytes:
        return json.dumps({"type": kind, "challenge": challenge, "origin": origin,
                           "crossOrigin": False}).encode()

    def create(self, options: dict, *, origin: str = ORIGIN, alg: int = -7, uv: bool = True,
               kind: str = "webauthn.create", challenge: str | None = None) -> dict:
        self.user_handle = options["user"]["id"]
        attested = (bytes(16) + struct.pack(">H", len(self.credential_id)) + self.credential_id
                    + self.cose_key(alg))
        auth_data = self._auth_data(options["rp"]["id"], uv=uv, attested=attested)
        client_data = self._client_data(kind, challenge or options["challenge"], origin)
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return {"id": b64url(self.credential_id), "rawId": b64url(self.credential_id),
                "type": "public-key", "authenticatorAttachment": "platform",
                "clientExtensionResults": {},
                "response": {"clientDataJSON": b64url(client_data),
                             "attestationObject": b64url(attestation),
                             "transports": ["internal"]}}

    def get(self, options: dict, *, origin: str = ORIGIN, uv: bool = True) -> dict:
        self.sign_count += 1
        auth_data = self._auth_data(options["rpId"], uv=uv)
        client_data = self._client_data("webauthn.get", options["challenge"], origin)
        signature = self.key.sign(auth_data + hashlib.sha256(client_data).digest(),
                                  ec.ECDSA(hashes.SHA256()))
        return {"id": b64url(self.credential_id), "rawId": b64url(self.credential_id),
                "type": "public-key", "authenticatorAttachment": "platform",
                "clientExtensionResults": {},
                "response": {"clientDataJSON": b64url(client_data),
                             "authenticatorData": b64url(auth_data),
                             "signature": b64url(signature), "userHandle": self.user_handle}}


# --- what a browser page does ------------------------------------------------------------------

def token_of(browser) -> str:
    return csrf_of(browser.get("/login").text)


def post_json(browser, path: str, body: dict | None = None, token: str | None = None):
    return browser.post(path, json=body or {}, headers={"X-CSRFToken": token or token_of(browser)})


def sign_in_with_password(rp) -> None:
    response = rp.browser.post("/login", data={"csrf_token": token_of(rp.browser), "flow": "",
                                               "login": rp.login, "password": PASSWORD})
    assert response.status_code == 303


def step_up_with_totp(rp) -> None:
    page = rp.browser.get("/login/second-factor")
    response = rp.browser.post("/login/second-factor", data={
        "csrf_token": csrf_of(page.text), "flow": "", "code": pyotp.TOTP(rp.totp_secret).now()})
    assert response.status_code == 303


def add_passkey(browser, device: Device, name: str = "My phone", **crafted):
    options = post_json(browser, "/account/passkeys/options")
    assert options.status_code == 200, options.text
    credential = device.create(options.json["publicKey"], **crafted)
    return post_json(browser, "/account/passkeys", {"credential": credential, "name": name})


def sign_in_with_passkey(browser, device: Device, *, flow: str = "", uv: bool = True,
                         origin: str = ORIGIN):
    token = token_of(browser)
    options = post_json(browser, "/login/passkey/options", token=token).json["publicKey"]
    credential = device.get(options, uv=uv, origin=origin)
    return post_json(browser, "/login/passkey", {"credential": credential, "flow": flow},
                     token=token), credential


def signed_in(browser) -> bool:
    return "Signed in" in browser.get("/").text


def account_page(browser) -> str:
    page = browser.get("/account")
    assert page.status_code == 200
    return page.text


def enroll(app, account, device: Device, *, sign_count: int = 0, name: str = "Phone") -> None:
    """Set-up only, as factories.level2 enrolls TOTP: a passkey registered earlier."""
    with app.app_context():
        stored = db.session.get(Account, account.id)
        device.user_handle = b64url(user_handle(stored))
        db.session.add(Passkey(account_id=account.id, credential_id=b64url(device.credential_id),
                               public_key=device.cose_key(), sign_count=sign_count,
                               transports=["internal"], name=name))
        db.session.commit()
    device.sign_count = sign_count




@pytest.fixture
def holder(app, factories):
    """A level-2 holder with password and TOTP, and a bank that needs level 2."""
    rp = TestRelyingParty(app, factories, min_level=2)
    rp.totp_secret, _ = factories.level2(rp.account)
    return rp


# --- registration (WebAuthn L2 §7.1; SEC-61, SEC-75) -------------------------------------------

def test_adding_a_passkey_needs_level_2_in_this_session(holder):
    device = Device()
    sign_in_with_password(holder)
    refused = post_json(holder.browser, "/account/passkeys/options")
    assert refused.status_code == 403
    assert refused.json["redirect"].startswith("/login/second-factor?next=")
    crafted = device.create({"user": {"id": "AA"}, "rp": {"id": "idp.test"},
                             "challenge": b64url(b"x" * 32)})
    assert post_json(holder.browser, "/account/passkeys",
                     {"credential": crafted}).status_code == 403
    assert "You have no passkey yet" in account_page(holder.browser)

    step_up_with_totp(holder)
    added = add_passkey(holder.browser, device, name="Pixel 9")
    assert added.status_code == 201 and added.json["redirect"] == "/account"
    page = account_page(holder.browser)
    assert "Pixel 9" in page and "Add a passkey" in page


def test_registration_options_exclude_the_holders_passkeys_and_allow_three_algorithms(holder):
    sign_in_with_password(holder)
    step_up_with_totp(holder)
    device = Device()
    add_passkey(holder.browser, device)
    options = post_json(holder.browser, "/account/passkeys/options").json["publicKey"]
    assert [c["id"] for c in options["excludeCredentials"]] == [b64url(device.credential_id)]
    assert [p["alg"] for p in options["pubKeyCredParams"]] == [-7, -8, -257]
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["rp"] == {"id": "idp.test", "name": "VN eID"}
    assert holder.login not in options["user"]["id"]


@pytest.mark.parametrize("crafted", [
    {"origin": "https://evil.test"},
    {"challenge": b64url(secrets.token_bytes(64))},
    {"alg": -65535},
    {"kind": "webauthn.get"},
], ids=["wrong-origin", "wrong-challenge", "alg-65535", "wrong-type"])
def test_a_crafted_registration_is_refused(holder, crafted):
    sign_in_with_password(holder)
    step_up_with_totp(holder)
    refused = add_passkey(holder.browser, Device(), name="Crafted", **crafted)
    assert refused.status_code == 400
    assert "could not be added" in refused.json["message"]
    assert "Crafted" not in account_page(holder.browser)


def test_a_credential_id_registered_to_anyone_is_refused(app, factories, holder):
    device = Device()
    sign_in_with_password(holder)
    step_up_with_totp(holder)
    assert add_passkey(holder.browser, device, name="First").status_code == 201

    other = TestRelyingParty(app, factories, login="other@example.test")
    sign_in_with_password(other)  # level 1, no second factor: a recent password is enough
    duplicate = add_passkey(other.browser, device, name="Copy")
    assert duplicate.status_code == 400
    assert "Copy" not in account_page(other.browser)


# --- sign-in with a discoverable credential (WebAuthn L2 §7.2; SEC-60) -------------------------

def test_a_passkey_with_user_verification_signs_in_usernameless_at_level_2(app, holder):
    device = Device()
    sign_in_with_password(holder)
    step_up_with_totp(holder)
    assert add_passkey(holder.browser, device).status_code == 201

    holder.browser = app.test_client()  # later, on a new device: no username typed anywhere
    login_page = holder.browser.get(holder.authorize().headers["Location"])
    assert "Sign in with a passkey" in login_page.text
    response, _ = sign_in_with_passkey(holder.browser, device,
                                       flow=FLOW.search(login_page.text).group(1))
    assert response.status_code == 200
    assert response.json["redirect"].startswith("/authorize/resume/")
    callback = holder.follow_to_client(holder.browser.get(response.json["redirect"]))
    claims = assert_agree(holder, holder.exchange(callback["code"]).json)
    assert claims["acr"] == "2"
    assert claims["amr"] == ["hwk", "user", "mfa"]


def test_without_user_verification_a_passkey_is_one_factor(app, factories, holder):
    device = Device()
    enroll(app, holder.account, device)
    login_page = holder.browser.get(holder.authorize().headers["Location"])
    response, _ = sign_in_with_passkey(holder.browser, device, uv=False,
                                       flow=FLOW.search(login_page.text).group(1))
    assert response.status_code == 200
    again = holder.browser.get(response.json["redirect"])
    assert again.status_code == 302  # the bank (level 2) gets no code: sign in again
    assert again.headers["Location"].startswith("/login?flow=")

    portal = TestRelyingParty(app, factories, share_with=holder, name="Portal",
                              redirect_uris=["https://portal.test/cb"])
    claims = assert_agree(portal, portal.tokens())
    assert claims["acr"] == "1" and claims["amr"] == ["hwk"]
    assert assert_agree(portal, portal.tokens(acr_values="1"))["acr"] == "1"


def test_a_replayed_assertion_is_refused(app, holder):
    device = Device()
    enroll(app, holder.account, device)
    response, captured = sign_in_with_passkey(holder.browser, device)
    assert response.status_code == 200

    attacker = app.test_client()
    token = token_of(attacker)
    assert post_json(attacker, "/login/passkey", {"credential": captured},
                     token=token).status_code == 401  # no challenge of its own
    post_json(attacker, "/login/passkey/options", token=token)
    replay = post_json(attacker, "/login/passkey", {"credential": captured}, token=token)
    assert replay.status_code == 401  # a fresh challenge is not the one signed
    assert "could not sign you in" in replay.json["message"]
    assert not signed_in(attacker)
    assert post_json(holder.browser, "/login/passkey",
                     {"credential": captured}).status_code == 401  # and not twice here


def test_a_usernameless_assertion_must_name_the_passkeys_holder(app, factories, holder):
    device = Device()
    enroll(app, holder.account, device)
    device.user_handle = None  # names nobody
    assert sign_in_with_passkey(holder.browser, device)[0].status_code == 401
    device.user_handle = b64url(b"someone else")
    assert sign_in_with_passkey(holder.browser, device)[0].status_code == 401
    assert not signed_in(holder.browser)


def test_an_assertion_from_another_origin_is_refused(app, holder):
    device = Device()
    enroll(app, holder.account, device)
    response, _ = sign_in_with_passkey(holder.browser, device, origin="https://evil.test")
    assert response.status_code == 401
    assert not signed_in(holder.browser)


def test_a_sign_count_going_backwards_is_refused_and_recorded(app, holder):
    device = Device()
    enroll(app, holder.account, device, sign_count=10)
    device.sign_count = 3  # a clone that fell behind the original
    response, _ = sign_in_with_passkey(holder.browser, device)
    assert response.status_code == 401
    assert not signed_in(holder.browser)
    with app.app_context():
        kinds = db.session.scalars(db.select(AccountEvent.kind)
                                   .where(AccountEvent.account_id == holder.account.id)).all()
    assert SIGN_COUNT_REGRESSION in kinds


def test_a_locked_account_cannot_sign_in_with_its_passkey(app, holder):
    device = Device()
    enroll(app, holder.account, device)
    with app.app_context():
        db.session.execute(db.update(Account).values(status="locked"))
        db.session.commit()
    login_page = holder.browser.get(holder.authorize(state="lk").headers["Location"])
    response, _ = sign_in_with_passkey(holder.browser, device,
                                       flow=FLOW.search(login_page.text).group(1))
    assert response.status_code == 403
    assert "This account is locked" in response.json["message"]
    assert not signed_in(holder.browser)
    back = query_of(holder.browser.get(response.json["back"]).headers["Location"])
    assert back["error"] == "access_denied" and back["state"] == "lk"


def test_json_endpoints_need_the_csrf_token(app, holder):
    device = Device()
    enroll(app, holder.account, device)
    token = token_of(holder.browser)
    options = post_json(holder.browser, "/login/passkey/options", token=token).json["publicKey"]
    response = holder.browser.post("/login/passkey", json={"credential": device.get(options)})
    assert response.status_code == 400
    assert not signed_in(holder.browser)


# --- step-up from a password session -----------------------------------------------------------

def step_up_options(rp):
    page = rp.browser.get(rp.authorize(claims=ESSENTIAL_2).headers["Location"])
    assert "Use your passkey" in page.text
    token = csrf_of(page.text)
    options = post_json(rp.browser, "/login/second-factor/passkey/options", token=token)
    return FLOW.search(page.text).group(1), token, options.json["publicKey"]


def test_a_passkey_steps_a_password_session_up_to_level_2(app, holder):
    device = Device()
    enroll(app, holder.account, device)
    sign_in_with_password(holder)
    flow, token, options = step_up_options(holder)
    assert options["allowCredentials"][0]["id"] == b64url(device.credential_id)
    assert options["userVerification"] == "required"
    response = post_json(holder.browser, "/login/second-factor/passkey",
                         {"credential": device.get(options), "flow": flow}, token=token)
    assert response.status_code == 200
    callback = holder.follow_to_client(holder.browser.get(response.json["redirect"]))
    claims = assert_agree(holder, holder.exchange(callback["code"]).json)
    assert claims["acr"] == "2" and claims["amr"] == ["pwd", "hwk", "user", "mfa"]


def test_a_step_up_without_user_verification_is_refused(app, holder):
    device = Device()
    enroll(app, holder.account, device)
    sign_in_with_password(holder)
    flow, token, options = step_up_options(holder)
    response = post_json(holder.browser, "/login/second-factor/passkey",
                         {"credential": device.get(options, uv=False), "flow": flow}, token=token)
    assert response.status_code == 401
    assert "fingerprint, face or PIN" in response.json["message"]
    assert holder.authorize().headers["Location"].startswith("/login/second-factor")


def test_another_holders_passkey_cannot_step_up_this_session(app, factories, holder):
    enroll(app, holder.account, Device())
    other = factories.account(login="other@example.test")
    theirs = Device()
    enroll(app, other, theirs)
    sign_in_with_password(holder)
    flow, token, options = step_up_options(holder)
    response = post_json(holder.browser, "/login/second-factor/passkey",
                         {"credential": theirs.get(options), "flow": flow}, token=token)
    assert response.status_code == 401
    assert holder.authorize().headers["Location"].startswith("/login/second-factor")


# --- rename and remove (SEC-75) ----------------------------------------------------------------

def passkey_ids(app, account) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(db.select(Passkey.id)
                                       .where(Passkey.account_id == account.id)))


def test_the_holder_renames_and_removes_passkeys_removal_needs_level_2(app, factories, holder):
    enroll(app, holder.account, Device(), name="Old phone")
    enroll(app, holder.account, Device(), name="Laptop")
    old_phone, laptop = passkey_ids(app, holder.account)
    sign_in_with_password(holder)
    token = token_of(holder.browser)

    renamed = holder.browser.post(f"/account/passkeys/{laptop}/rename",
                                  data={"csrf_token": token, "name": "  Work   laptop "})
    assert renamed.status_code == 303
    page = account_page(holder.browser)
    assert "Work laptop" in page and "Old phone" in page

    refused = holder.browser.post(f"/account/passkeys/{old_phone}/delete",
                                  data={"csrf_token": token})
    assert refused.status_code == 303
    assert refused.headers["Location"].startswith("/login/second-factor?next=")
    assert "Old phone" in account_page(holder.browser)

    step_up_with_totp(holder)
    removed = holder.browser.post(f"/account/passkeys/{old_phone}/delete",
                                  data={"csrf_token": token})
    assert removed.status_code == 303 and removed.headers["Location"] == "/account#passkeys"
    page = account_page(holder.browser)
    assert "Old phone" not in page and "Work laptop" in page

    stranger = TestRelyingParty(app, factories, login="stranger@example.test")
    sign_in_with_password(stranger)
    token = token_of(stranger.browser)
    for action in ("rename", "delete"):
        assert stranger.browser.post(f"/account/passkeys/{laptop}/{action}", data={
            "csrf_token": token, "name": "Mine"}).status_code == 404
    assert "Work laptop" in account_page(holder.browser)


# --- configuration -----------------------------------------------------------------------------

def test_rp_id_and_origin_default_to_the_issuer_and_must_match_it(tmp_path, monkeypatch):
    for name in [n for n in os.environ if n.startswith("IDP_")]:
        monkeypatch.delenv(name)  # only what this test sets counts
    base = {"DATABASE_URL": f"sqlite:///{tmp_path / 'idp.sqlite3'}",
            "KEYS_DIR": str(tmp_path / "keys"), "ISSUER": "https://login.example.test:8443"}
    app = create_app(base)
    assert app.config["WEBAUTHN_RP_ID"] == "login.example.test"
    assert app.config["WEBAUTHN_ORIGIN"] == "https://login.example.test:8443"
    assert create_app({**base, "WEBAUTHN_RP_ID": "example.test"}).config["WEBAUTHN_RP_ID"] == \
        "example.test"
    for bad in ({"WEBAUTHN_RP_ID": "evil.test"}, {"WEBAUTHN_ORIGIN": "https://x.test/path"},
                {"WEBAUTHN_RP_NAME": " "}):
        with pytest.raises(SystemExit) as refused:
            create_app({**base, **bad})
        assert "IDP_WEBAUTHN_" in str(refused.value.code)
    production = {**base, "ENV": "production", "ISSUER": "https://192.0.2.10",
                  **{k: secrets.token_urlsafe(36) for k in ("SECRET_KEY", "PAIRWISE_SALT",
                                                           "FACTOR_KEY")}}
    with pytest.raises(SystemExit) as refused:
        create_app(production)  # browsers refuse passkeys for an IP address
    assert "IDP_WEBAUTHN_RP_ID must be a domain name" in str(refused.value.code)
