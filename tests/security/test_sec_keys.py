"""Checklist §3.4, keys (SEC-38 to SEC-40), with the key tests' own fixtures."""

import base64
import subprocess
from pathlib import Path

from ..oidc import test_discovery as discovery_tests
from ..signing import test_keys as key_tests
from ..signing.test_keys import empty_app  # noqa: F401 - fixtures of the tests run below
from ..signing.test_keys import keyed_app  # noqa: F401
from ..signing.test_keys import reload_at_once  # noqa: F401
from .checks import rows
from .checks import run

ROOT = Path(__file__).resolve().parents[2]
PRIVATE_KEY_PEM = "-----BEGIN [A-Z ]*PRIVATE KEY-----"


def test_sec_38_key_strength(client):
    for key in client.get("/jwks.json").json["keys"]:
        if key["kty"] == "RSA":
            n = base64.urlsafe_b64decode(key["n"] + "=" * (-len(key["n"]) % 4))
            assert len(n) * 8 >= 3072
        else:
            assert key["kty"] == "EC" and key["crv"] == "P-256" or key.get("crv") == "Ed25519"


@rows(discovery_tests.test_jwks_publishes_public_keys_only,
      key_tests.test_jwks_publishes_every_active_key_and_nothing_private,
      key_tests.test_generate_creates_one_strong_key_per_algorithm_readable_by_the_owner_only)
def test_sec_39_jwks_public_only_and_no_private_key_in_git(case, request):
    run(case, request)
    kids = [k["kid"] for k in request.getfixturevalue("client").get("/jwks.json").json["keys"]]
    assert len(kids) == len(set(kids))
    tracked = subprocess.run(["git", "grep", "-l", "-E", PRIVATE_KEY_PEM], cwd=ROOT, capture_output=True,
                             text=True)
    assert tracked.stdout.strip() == "", tracked.stdout


@rows(key_tests.test_rotation_keeps_old_tokens_working_until_the_old_key_is_retired,
      key_tests.test_retiring_a_key_that_still_signs_is_refused)
def test_sec_40_key_rotation(case, request):
    run(case, request)
