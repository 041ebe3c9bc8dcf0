"""`flask --app idp keys generate|rotate|list|retire`, and what relying parties see of it.

Rotation must not break tokens already issued: the previous key keeps verifying (and stays in
/jwks.json) until an operator retires it; only then are its tokens refused.
"""

from __future__ import annotations

import base64
import json
import shutil
import stat

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import rsa

from idp.signing import keyset

from ..cli import assert_refused_in_one_line
from ..cli import invoke
from ..cli import invoke_json
from ..conftest import _empty_tables
from ..conftest import make_app
from ..factories import Factories
from ..rp import TestRelyingParty

PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "k", "oth"}


@pytest.fixture(autouse=True)
def reload_at_once(monkeypatch):
    """The running app sees a CLI change at its next request, not up to 5 s later."""
    monkeypatch.setattr(keyset, "RELOAD_INTERVAL", 0)


@pytest.fixture
def empty_app(database_url, tmp_path):
    app = make_app(database_url, tmp_path / "fresh-keys")
    yield app
    _empty_tables(app)


@pytest.fixture
def keyed_app(database_url, keys_dir, tmp_path):
    """A private copy of the session's generated keys, free to rotate and retire."""
    folder = tmp_path / "keys"
    shutil.copytree(keys_dir, folder)
    app = make_app(database_url, folder)
    yield app
    _empty_tables(app)


def cli(app, *args):
    return invoke(app, "keys", *args)


def cli_json(app, *args):
    return invoke_json(app, "keys", *args)


def published(app) -> list[dict]:
    return app.test_client().get("/jwks.json").json["keys"]




def test_generate_creates_one_strong_key_per_algorithm_readable_by_the_owner_only(empty_app):
    folder = empty_app.config["KEYS_PATH"]
    created = cli_json(empty_app, "generate")
    assert sorted(e["alg"] for e in created) == ["ES256", "PS256", "RS256"]
    assert all(e["status"] == "active" for e in created)
    for entry in created:
        pem = folder / f"{entry['kid']}.pem"
        assert stat.S_IMODE(pem.stat().st_mode) == 0o600
        private = serialization.load_pem_private_key(pem.read_bytes(), password=None)
        if entry["alg"] == "ES256":
            assert isinstance(private, ec.EllipticCurvePrivateKey)
            assert private.curve.name == "secp256r1"
        else:
            assert isinstance(private, rsa.RSAPrivateKey)
            assert private.key_size == 3072
    assert "PRIVATE KEY" not in (folder / "keyring.json").read_text()

    files = sorted(p.name for p in folder.iterdir())
    assert cli_json(empty_app, "generate") == []
    again = cli(empty_app, "generate")
    assert again.exit_code == 0 and "already have a key" in again.stdout
    assert sorted(p.name for p in folder.iterdir()) == files
    assert {e["kid"] for e in cli_json(empty_app, "list")} == {e["kid"] for e in created}


def test_generate_for_one_algorithm_only(empty_app):
    created = cli_json(empty_app, "generate", "--alg", "ES256")
    assert [e["alg"] for e in created] == ["ES256"]
    assert [k["kid"] for k in published(empty_app)] == [created[0]["kid"]]


def _bits(b64: str) -> int:
    return int.from_bytes(base64.urlsafe_b64decode(b64 + "=" * (-len(b64) % 4)), "big").bit_length()


def test_jwks_publishes_every_active_key_and_nothing_private(keyed_app):
    keys = published(keyed_app)
    active = {e["kid"]: e["alg"] for e in cli_json(keyed_app, "list") if e["status"] == "active"}
    assert {k["kid"]: k["alg"] for k in keys} == active
    assert len({k["kid"] for k in keys}) == len(keys) == 3
    for key in keys:
        assert key["use"] == "sig"
        assert not PRIVATE_MEMBERS & set(key), key["kid"]
        if key["kty"] == "RSA":
            assert _bits(key["n"]) >= 3072
        else:
            assert key["kty"] == "EC" and key["crv"] == "P-256"
    response = keyed_app.test_client().get("/jwks.json")
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_rotation_keeps_old_tokens_working_until_the_old_key_is_retired(keyed_app):
    rp = TestRelyingParty(keyed_app, Factories(keyed_app))
    before = rp.tokens()["access_token"]
    old_header, _ = rp.verify(before)
    assert old_header["alg"] == "ES256"
    old_kid = old_header["kid"]
    old_pem = keyed_app.config["KEYS_PATH"] / f"{old_kid}.pem"

    new_kid = cli_json(keyed_app, "rotate", "--alg", "ES256")["kid"]
    assert new_kid != old_kid
    es256 = {k["kid"] for k in published(keyed_app) if k["alg"] == "ES256"}
    assert es256 == {old_kid, new_kid}
    statuses = {e["kid"]: e["status"] for e in cli_json(keyed_app, "list")}
    assert statuses[old_kid] == "previous" and statuses[new_kid] == "active"

    assert rp.userinfo(before).status_code == 200
    assert rp.introspect(before).json["active"] is True
    after = rp.tokens()["access_token"]
    assert rp.verify(after)[0]["kid"] == new_kid

    retired = cli_json(keyed_app, "retire", old_kid)
    assert retired["status"] == "retired"
    assert old_kid not in {k["kid"] for k in published(keyed_app)}
    assert new_kid in {k["kid"] for k in published(keyed_app)}
    assert not old_pem.exists()
    assert rp.userinfo(before).status_code == 401
    assert rp.introspect(before).json == {"active": False}
    assert rp.userinfo(after).status_code == 200


def test_a_fresh_process_sees_the_rotation_too(keyed_app, database_url):
    """Another worker (a new app on the same folder) signs with the new key at once."""
    new_kid = cli_json(keyed_app, "rotate", "--alg", "ES256")["kid"]
    other = make_app(database_url, keyed_app.config["KEYS_PATH"])
    rp = TestRelyingParty(other, Factories(other))
    assert rp.verify(rp.tokens()["access_token"])[0]["kid"] == new_kid


def test_retiring_a_key_that_still_signs_is_refused(keyed_app):
    active = next(e for e in cli_json(keyed_app, "list") if e["alg"] == "RS256")
    result = cli(keyed_app, "retire", active["kid"])
    assert_refused_in_one_line(result, active["kid"], "rotate")
    assert active["kid"] in {k["kid"] for k in published(keyed_app)}
    assert (keyed_app.config["KEYS_PATH"] / f"{active['kid']}.pem").exists()


def test_a_kid_that_begins_with_a_dash_is_retired_like_any_other(keyed_app):
    """A thumbprint kid may begin with "-" (base64url); the CLI must not read it as an option."""
    folder = keyed_app.config["KEYS_PATH"]
    old_kid = next(e["kid"] for e in cli_json(keyed_app, "list") if e["alg"] == "ES256")
    cli_json(keyed_app, "rotate", "--alg", "ES256")
    dashed = "-" + old_kid[1:]
    index = json.loads((folder / "keyring.json").read_text())
    for entry in index["keys"]:
        if entry["kid"] == old_kid:
            entry["kid"] = dashed
    (folder / "keyring.json").write_text(json.dumps(index))
    (folder / f"{old_kid}.pem").rename(folder / f"{dashed}.pem")
    assert dashed in {k["kid"] for k in published(keyed_app)}

    assert cli_json(keyed_app, "retire", dashed)["status"] == "retired"
    assert dashed not in {k["kid"] for k in published(keyed_app)}
    assert not (folder / f"{dashed}.pem").exists()


@pytest.mark.parametrize("first_kid", ["-dash", "_underscore"])
def test_a_new_kid_never_begins_with_a_dash_or_an_underscore(keyed_app, monkeypatch, first_kid):
    """The first key drawn gets a kid beginning with "-" or "_" (1 in 32 thumbprints do); the
    rotation draws another."""
    drawn = []
    generate = keyset.ECKey.generate_key

    def draw(*args, parameters, **kwargs):
        extra = {"kid": first_kid} if not drawn else {}
        drawn.append(generate(*args, parameters={**parameters, **extra}, **kwargs))
        return drawn[-1]

    monkeypatch.setattr(keyset.ECKey, "generate_key", draw)
    kid = cli_json(keyed_app, "rotate", "--alg", "ES256")["kid"]
    # A second draw may itself begin with "-" or "_" (1 in 32): then a third is drawn, and so on.
    assert len(drawn) >= 2 and drawn[0].kid == first_kid and kid == drawn[-1].kid
    assert kid[0] not in "-_"
    assert kid in {k["kid"] for k in published(keyed_app)}


def test_retiring_an_unknown_kid_is_refused(keyed_app):
    before = cli_json(keyed_app, "list")
    assert_refused_in_one_line(cli(keyed_app, "retire", "no-such-kid"), "no-such-kid")
    assert cli_json(keyed_app, "list") == before
