"""`flask --app idp demo seed`: what `make demo` prints works, twice, and never in production."""

import json

from .conftest import make_app
from .rp import TestRelyingParty


def seed(app):
    result = app.test_cli_runner().invoke(args=["demo", "seed", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_seed_prints_working_credentials_and_is_idempotent(app, factories, tmp_path):
    app.instance_path = str(tmp_path)
    first = seed(app)
    second = seed(app)
    assert first == second
    levels = {a["login"]: a["level"] for a in first["accounts"]}
    assert sorted(levels.values()) == [1, 2, 2]
    assert sorted(first["clients"]) == ["bank", "landlord", "portal"]
    assert first["staff"]["role"] == "admin" and first["staff"]["totp_secret"]
    assert oct((tmp_path / "demo-clients.json").stat().st_mode)[-3:] == "600"
    totp_holder = next(a for a in first["accounts"] if a["totp_secret"])
    rp = TestRelyingParty(app, factories, login="unused@example.test", min_level=2)
    rp.login, rp.totp_secret = totp_holder["login"], totp_holder["totp_secret"]
    callback = rp.follow_to_client(rp.authorize(), password=totp_holder["password"])
    claims = rp.verify_id_token(rp.exchange(callback["code"]).json["id_token"])
    assert claims["acr"] == "2"


def test_seed_is_refused_in_production(database_url, keys_dir, app):
    production = make_app(database_url, keys_dir, ENV="production",
                          SECRET_KEY="x" * 40, PAIRWISE_SALT="y" * 40, FACTOR_KEY="z" * 40)
    result = production.test_cli_runner().invoke(args=["demo", "seed"])
    assert result.exit_code != 0
    assert "refused in production" in result.output
