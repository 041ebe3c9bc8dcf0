"""Configuration as an operator meets it: files, IDP_* variables, and the refusals at start-up.

A refused start is a SystemExit with one line that starts "Configuration error:" and says what
to fix; idp/wsgi.py (the production entry point) also refuses to serve without signing keys.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import subprocess
import sys

import pytest

from idp import create_app
from idp.authn.password import hash_password
from idp.extensions import db

PROJECT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GOOD_SECRET = secrets.token_urlsafe(36)
GOOD_SALT = secrets.token_urlsafe(36)
GOOD_FACTOR_KEY = secrets.token_urlsafe(36)


@pytest.fixture(autouse=True)
def no_idp_environment(monkeypatch):
    """Only the variables a test sets itself count."""
    for name in list(os.environ):
        if name.startswith("IDP_"):
            monkeypatch.delenv(name)


@pytest.fixture
def base(tmp_path) -> dict:
    return {"DATABASE_URL": f"sqlite:///{tmp_path / 'idp.sqlite3'}",
            "KEYS_DIR": str(tmp_path / "keys")}


def _refusal(overrides: dict) -> str:
    with pytest.raises(SystemExit) as refused:
        create_app(overrides)
    message = str(refused.value.code)
    assert message.startswith("Configuration error: ")
    assert "\n" not in message
    return message


def test_issuer_from_the_environment_is_what_discovery_announces(monkeypatch, base):
    monkeypatch.setenv("IDP_ISSUER", "https://login.example.test")
    app = create_app(base)
    document = app.test_client().get("/.well-known/openid-configuration").json
    assert document["issuer"] == "https://login.example.test"
    assert document["token_endpoint"] == "https://login.example.test/token"


def test_database_url_from_the_environment_is_the_database_used(monkeypatch, tmp_path):
    path = tmp_path / "from-env.sqlite3"
    monkeypatch.setenv("IDP_DATABASE_URL", f"sqlite:///{path}")
    app = create_app({"KEYS_DIR": str(tmp_path / "keys")})
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    with sqlite3.connect(path) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    assert "accounts" in tables


def test_nested_and_typed_settings_from_the_environment(monkeypatch, base):
    monkeypatch.setenv("IDP_ARGON2__MEMORY_COST", "65536")
    monkeypatch.setenv("IDP_CODE_LIFETIME", "30")
    app = create_app(base)
    assert app.config["CODE_LIFETIME"] == 30
    assert app.config["ARGON2"]["TIME_COST"] == 2  # the rest of the table keeps its defaults
    with app.app_context():
        assert "$m=65536,t=2," in hash_password("a long enough pass phrase")


def test_a_setting_of_the_wrong_type_is_refused_by_name(monkeypatch, base):
    monkeypatch.setenv("IDP_CODE_LIFETIME", "soon")
    assert "IDP_CODE_LIFETIME" in _refusal(base)


def test_config_file_is_read_and_environment_variables_win_over_it(monkeypatch, tmp_path, base):
    extra = tmp_path / "site.toml"
    extra.write_text('ISSUER = "https://file.example.test"\nCODE_LIFETIME = 45\n')
    monkeypatch.setenv("IDP_CONFIG", str(extra))
    monkeypatch.setenv("IDP_ISSUER", "https://env.example.test")
    app = create_app(base)
    assert app.config["CODE_LIFETIME"] == 45
    assert app.config["ISSUER"] == "https://env.example.test"


def test_a_missing_config_file_is_refused(monkeypatch, tmp_path, base):
    monkeypatch.setenv("IDP_CONFIG", str(tmp_path / "nowhere.toml"))
    assert "IDP_CONFIG" in _refusal(base)


def test_trailing_slash_of_the_issuer_is_removed(base):
    app = create_app({**base, "ISSUER": "https://idp.test/"})
    document = app.test_client().get("/.well-known/openid-configuration").json
    assert document["issuer"] == "https://idp.test"
    assert document["authorization_endpoint"] == "https://idp.test/authorize"


@pytest.mark.parametrize("issuer", [
    "https://idp.test/oidc",
    "https://idp.test/?tenant=a",
    "https://idp.test?tenant=a",
    "https://idp.test/#top",
    "idp.test",
    "ftp://idp.test",
])
def test_an_issuer_that_is_not_scheme_host_port_is_refused(base, issuer):
    assert "IDP_ISSUER" in _refusal({**base, "ISSUER": issuer})


def _production(base, **settings) -> dict:
    return {**base, "ENV": "production", "ISSUER": "https://idp.example.test",
            "SECRET_KEY": GOOD_SECRET, "PAIRWISE_SALT": GOOD_SALT,
            "FACTOR_KEY": GOOD_FACTOR_KEY, **settings}


@pytest.mark.parametrize("key", ["SECRET_KEY", "PAIRWISE_SALT", "FACTOR_KEY"])
def test_production_refuses_the_development_secrets(base, key):
    config = _production(base)
    del config[key]  # falls back to the dev-only default of config/default.toml
    message = _refusal(config)
    assert f"IDP_{key}" in message


@pytest.mark.parametrize("key", ["SECRET_KEY", "PAIRWISE_SALT", "FACTOR_KEY"])
def test_production_refuses_a_short_secret(base, key):
    assert f"IDP_{key}" in _refusal(_production(base, **{key: "s3cr3t-but-only-28-characters"}))


def test_production_refuses_an_http_issuer(base):
    message = _refusal(_production(base, ISSUER="http://idp.example.test"))
    assert "IDP_ISSUER" in message and "https" in message


@pytest.mark.parametrize("settings, fix", [
    ({"DATABASE_URL": "postgresql+psycopg://idp:pw@db.example.test/idp"}, "sslmode=verify-full"),
    ({"DATABASE_URL": "postgresql+psycopg://idp:pw@10.0.0.5/idp?sslmode=prefer"}, "sslmode=verify-full"),
    ({"REDIS_URL": "redis://:pw@cache.example.test:6379/0"}, "rediss://"),
    ({"REDIS_URL": "rediss://cache.example.test:6380/0"}, "password"),
    ({"REGISTRY": {"URL": "http://registry.example.test"}}, "https"),
    ({"NOTIFY": {"SMS_URL": "http://sms.example.test/v1/messages"}}, "https"),
], ids=["database_without_sslmode", "database_with_sslmode_prefer", "redis_without_tls",
        "redis_without_password", "registry_over_http", "sms_gateway_over_http"])
def test_production_refuses_a_database_or_redis_elsewhere_without_tls(base, settings, fix):
    """SEC-99, SEC-100: PostgreSQL, Redis, the registry and the SMS gateway on another host are
    reached over TLS (and Redis with a password), or the IdP does not start."""
    message = _refusal(_production(base, **settings))
    key, value = next(iter(settings.items()))
    name = f"{key}__{next(iter(value))}" if isinstance(value, dict) else key
    assert f"IDP_{name}" in message and fix in message


@pytest.mark.parametrize("settings", [
    {"DATABASE_URL": "postgresql+psycopg://idp@db.example.test/idp?sslmode=verify-full",
     "REDIS_URL": "rediss://:pw@cache.example.test:6380/0",
     "REGISTRY": {"URL": "https://registry.example.test"},
     "NOTIFY": {"SMS_URL": "https://sms.example.test/v1/messages"}},
    {"DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:5432/idp",
     "REDIS_URL": "redis://localhost:6379/0"},
    {"DATABASE_URL": "postgresql+psycopg://idp@/idp?host=/run/postgresql",
     "REDIS_URL": "unix:///run/redis/redis.sock"},
], ids=["tls_elsewhere", "loopback", "unix_sockets"])
def test_production_takes_tls_elsewhere_and_plain_connections_on_this_host(base, settings):
    """Loopback and Unix sockets never leave the machine; nothing is connected at start-up."""
    app = create_app(_production(base, **settings))
    assert app.config["DATABASE_URL"] == settings["DATABASE_URL"]


@pytest.mark.parametrize("timeout", ["0", "10.5"])
def test_a_registry_timeout_past_ten_seconds_or_zero_is_refused(monkeypatch, base, timeout):
    """SEC-99: the registry must answer within 10 s; the setting cannot allow more."""
    monkeypatch.setenv("IDP_REGISTRY__TIMEOUT", timeout)
    assert "IDP_REGISTRY__TIMEOUT" in _refusal(base)


def test_production_with_good_secrets_builds_an_app(base):
    app = create_app(_production(base))
    assert app.config["DEBUG"] is False
    assert app.config["SECURE_COOKIES"] is True


def _serve(tmp_path, keys_dir, **extra) -> subprocess.CompletedProcess:
    """Import the production entry point as gunicorn would, in a clean environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("IDP_")}
    env.update({
        "IDP_ENV": "production",
        "IDP_ISSUER": "https://idp.example.test",
        "IDP_SECRET_KEY": GOOD_SECRET,
        "IDP_PAIRWISE_SALT": GOOD_SALT,
        "IDP_FACTOR_KEY": GOOD_FACTOR_KEY,
        "IDP_KEYS_DIR": str(keys_dir),
        "IDP_DATABASE_URL": f"sqlite:///{tmp_path / 'idp.sqlite3'}",
        **extra,
    })
    return subprocess.run([sys.executable, "-c", "import idp.wsgi"], cwd=PROJECT, env=env,
                          capture_output=True, text=True, timeout=60)


def test_production_entry_point_refuses_to_start_without_signing_keys(tmp_path):
    result = _serve(tmp_path, tmp_path / "empty-keys")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Configuration error: ")
    assert "keys generate" in lines[0]


def test_production_entry_point_refuses_a_development_secret(tmp_path, keys_dir):
    result = _serve(tmp_path, keys_dir, IDP_SECRET_KEY="dev-only-secret-key-do-not-use-in-production")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().startswith("Configuration error: ")
    assert "IDP_SECRET_KEY" in result.stderr


def test_production_entry_point_starts_with_keys_present(tmp_path, keys_dir):
    result = _serve(tmp_path, keys_dir)
    assert result.returncode == 0, result.stderr
    assert "Configuration error" not in result.stderr


def test_http_issuer_is_for_loopback_only(base):
    assert "loopback" in _refusal({**base, "ISSUER": "http://idp.example.test"})
    create_app({**base, "ISSUER": "http://localhost:5000"})  # the demo's issuer starts
