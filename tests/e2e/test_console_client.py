"""A client an admin registers in the staff console signs a person in through Authlib's client:
the console and the protocol agree, with nothing else in between."""

from __future__ import annotations

import base64
import json
import re

import pyotp
import requests

from .conftest import CSRF
from .conftest import HTTP_TIMEOUT
from .conftest import serve
from .test_authlib_client import LOGIN
from .test_authlib_client import RelyingParty
from .test_authlib_client import sign_in

STAFF_PASSWORD = "console keeper of the gates"


def register_in_console(idp, redirect_base: str) -> tuple[str, str]:
    created = idp.app.test_cli_runner().invoke(
        args=["staff", "create", "admin@idp.test", "--name", "Admin", "--role", "admin",
              "--password-stdin", "--json"], input=STAFF_PASSWORD + "\n")
    totp_secret = json.loads(created.stdout)["totp_secret"]
    staff = requests.Session()
    staff.trust_env = False
    page = staff.get(f"{idp.issuer}/admin/login", timeout=HTTP_TIMEOUT)
    page = staff.post(f"{idp.issuer}/admin/login", timeout=HTTP_TIMEOUT, data={
        "csrf_token": CSRF.search(page.text).group(1), "login": "admin@idp.test",
        "password": STAFF_PASSWORD})
    staff.post(f"{idp.issuer}/admin/login/code", timeout=HTTP_TIMEOUT, data={
        "csrf_token": CSRF.search(page.text).group(1), "code": pyotp.TOTP(totp_secret).now()})
    form = staff.get(f"{idp.issuer}/admin/clients/new", timeout=HTTP_TIMEOUT)
    created = staff.post(f"{idp.issuer}/admin/clients/new", timeout=HTTP_TIMEOUT, data={
        "csrf_token": CSRF.search(form.text).group(1), "name": "Console-made RP",
        "redirect_uris": f"{redirect_base}/callback",
        "post_logout_redirect_uris": f"{redirect_base}/signed-out",
        "grant_types": ["authorization_code", "refresh_token"],
        "scope": ["openid", "profile", "email", "phone"],
        "token_endpoint_auth_method": "client_secret_basic",
        "id_token_signed_response_alg": "ES256", "subject_type": "pairwise", "min_level": "1"})
    assert created.status_code == 201, created.text
    client_id = re.search(r"<dt>client_id</dt><dd>([^<]+)</dd>", created.text).group(1)
    secret = re.search(r'id="client-secret">([^<]+)<', created.text).group(1)
    return client_id, secret


def test_a_console_registered_client_signs_a_person_in_with_authlib(idp, browser):
    idp.sign_up(LOGIN)

    def build(port: int) -> RelyingParty:
        base = f"http://127.0.0.1:{port}"
        client_id, secret = register_in_console(idp, base)
        return RelyingParty(idp.issuer, client_id, secret, base)

    with serve(build) as rp_app:
        signin = sign_in(rp_app, browser)
        claims = signin.token["userinfo"]  # validated by Authlib: signature, iss, aud, nonce
        assert claims["aud"] == rp_app.client_id and claims["acr"] == "1"
        header = json.loads(base64.urlsafe_b64decode(
            signin.token["id_token"].split(".")[0] + "=="))
        assert header["alg"] == "ES256"  # the algorithm chosen in the console
