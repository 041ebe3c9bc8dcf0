"""panva's openid-client 6 (OpenID Certified, Node) runs the code flow against the running IdP.

What this proves: a strict certified client, configured from discovery alone and with its
defaults (client_secret_post when given a secret), accepts everything the IdP sends: the
authorization response (state, iss), the token response and its ID token (signature, iss, aud,
azp, nonce, iat/exp), userinfo (same sub), a refresh (rotated refresh token, conforming new ID
token), introspection and revocation, and RP-initiated logout. The script is node/code_flow.mjs.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from ..factories import PASSWORD

NODE_DIR = Path(__file__).with_name("node")
SCRIPT = NODE_DIR / "code_flow.mjs"
LOGIN = "openid-client@example.test"
REDIRECT_URI = "http://127.0.0.1/openid-client/callback"  # never reached: the script stops there
POST_LOGOUT_REDIRECT_URI = "http://127.0.0.1/openid-client/signed-out"


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js 20 or later is needed for tests/e2e (it runs openid-client).")
    if not (NODE_DIR / "node_modules" / "openid-client").is_dir():
        pytest.fail("tests/e2e/node/node_modules is missing: run `make install` (after "
                    "`rm -f .venv/.installed` if the venv is already installed), or "
                    "`npm ci --prefix tests/e2e/node`.")
    return node


@pytest.fixture
def run_openid_client(idp) -> Callable[[], dict]:
    """Registers a client and an account; calling it runs the script against the live IdP.

    Called from the test itself, so a missing Node.js or node_modules fails the test."""
    client, secret = idp.factories.client(
        name="openid-client RP", redirect_uris=[REDIRECT_URI],
        post_logout_redirect_uris=[POST_LOGOUT_REDIRECT_URI],
        grant_types=["authorization_code", "refresh_token"],
        token_endpoint_auth_method="client_secret_post",  # openid-client's default with a secret
        scope="openid profile email phone",
    )
    idp.sign_up(LOGIN)

    def run() -> dict:
        return _run(client.client_id, {
            "E2E_ISSUER": idp.issuer,
            "E2E_CLIENT_ID": client.client_id,
            "E2E_CLIENT_SECRET": secret,
            "E2E_REDIRECT_URI": REDIRECT_URI,
            "E2E_POST_LOGOUT_REDIRECT_URI": POST_LOGOUT_REDIRECT_URI,
            "E2E_LOGIN": LOGIN,
            "E2E_PASSWORD": PASSWORD,
        })

    return run


def _run(client_id: str, settings: dict) -> dict:
    node = _node()
    env = {"PATH": os.environ.get("PATH", ""), **settings}
    run = subprocess.run([node, str(SCRIPT)], cwd=NODE_DIR, env=env, capture_output=True,
                         text=True, timeout=60, check=False)
    assert run.returncode == 0, f"openid-client failed:\n{run.stderr}\n{run.stdout}"
    result = json.loads(run.stdout)
    result["client_id"] = client_id
    return result


def test_openid_client_signs_in_and_validates_the_id_token(idp, run_openid_client):
    summary = run_openid_client()
    first = summary["first"]
    assert first["pages"] == ["login", "consent"]
    assert first["token_type"].lower() == "bearer" and first["has_refresh_token"]
    assert first["scope"] == "openid profile email"
    claims = first["id_token"]
    assert claims["iss"] == idp.issuer
    assert claims["aud"] == summary["client_id"] and claims["azp"] == summary["client_id"]
    assert claims["nonce"] == first["nonce"]
    assert claims["acr"] == "1" and claims["amr"] == ["pwd"]
    # Signed in once, the second authorization needs no page and names the same person.
    assert summary["second"] == {"pages": [], "sub": claims["sub"]}


def test_openid_client_reads_userinfo_for_the_same_subject(run_openid_client):
    summary = run_openid_client()
    sub = summary["first"]["id_token"]["sub"]
    assert summary["userinfo"] == {
        "sub": sub, "email": LOGIN, "email_verified": True, "name": "Minh An Nguyễn",
        "given_name": "Minh An", "family_name": "Nguyễn", "birthdate": "1990-04-12",
        "gender": "female", "locale": "vi",
    }


def test_openid_client_refresh_rotates_and_reuse_is_refused(run_openid_client):
    summary = run_openid_client()
    refresh = summary["refresh"]
    assert refresh["rotated"] and refresh["new_access_token"]
    first = summary["first"]["id_token"]
    for name in ("iss", "sub", "aud", "auth_time", "acr", "amr"):
        assert refresh["id_token"][name] == first[name], name
    assert refresh["reuse"]["refused"] and refresh["reuse"]["error"] == "invalid_grant"
    assert refresh["family_after_reuse"]["error"] == "invalid_grant"


def test_openid_client_introspection_then_revocation(run_openid_client):
    summary = run_openid_client()
    introspection = summary["introspection"]
    assert introspection["active"] is True
    assert introspection["client_id"] == summary["client_id"]
    assert introspection["sub"] == summary["first"]["id_token"]["sub"]
    assert introspection["acr"] == "1"
    assert introspection["auth_time"] == summary["first"]["id_token"]["auth_time"]
    after = summary["after_revocation"]
    assert after["introspection"] == {"active": False}
    assert after["userinfo"]["refused"] and after["userinfo"]["status"] == 401
    assert after["userinfo"]["error"] == "invalid_token"


def test_openid_client_rp_initiated_logout(run_openid_client):
    summary = run_openid_client()
    logout = summary["logout"]
    assert logout["status"] == 302
    assert logout["location"] == f"{POST_LOGOUT_REDIRECT_URI}?state={logout['sent_state']}"
    assert logout["next_authorization_pages"] == ["login"]  # the IdP session is gone
