"""Test set-up: a fresh app per test on a real database and store.

IDP_TEST_DATABASE_URL / IDP_TEST_REDIS_URL switch from SQLite + the in-process store to
PostgreSQL + Redis (.ci/run does both). When they are set and the service is down, tests fail.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import pytest
import sqlalchemy as sa

from idp import create_app
from idp.clients import cache as client_cache
from idp.extensions import db
from idp.signing.keyset import Keyring

from .factories import Factories
from .rp import TestRelyingParty

pytest_plugins = ["tests.registry_fixtures"]

ISSUER = "https://idp.test"
DATABASE_URL = os.environ.get("IDP_TEST_DATABASE_URL", "")
REDIS_URL = os.environ.get("IDP_TEST_REDIS_URL", "")
CHEAP_ARGON2 = {"TIME_COST": 1, "MEMORY_COST": 1024, "PARALLELISM": 1}


@pytest.fixture(scope="session")
def keys_dir(tmp_path_factory) -> Path:
    """One set of generated keys for the whole run (3072-bit RSA takes a moment)."""
    folder = tmp_path_factory.mktemp("keys")
    Keyring(folder).generate()
    return folder


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """Migrate an empty database once; tests then empty the tables after themselves."""
    url = DATABASE_URL or f"sqlite:///{tmp_path_factory.mktemp('db') / 'idp.sqlite3'}"
    if url.startswith("postgresql"):
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        engine.dispose()
    app = create_app({"DATABASE_URL": url, "ISSUER": ISSUER})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.engine.dispose()
    return url


_created_apps: list = []


@pytest.fixture(autouse=True)
def _close_connections():
    """Every app a test made gives its database connections back (no ResourceWarning)."""
    yield
    while _created_apps:
        created = _created_apps.pop()
        with created.app_context():
            db.session.remove()
            db.engine.dispose()
            client_cache.close()


def make_app(database_url: str, keys_dir: Path, **overrides):
    config = {
        "ISSUER": ISSUER,
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "STORE_PREFIX": f"test-{secrets.token_hex(6)}:",
        "KEYS_DIR": str(keys_dir),
        "SECRET_KEY": "test-secret-key",
        "ARGON2": CHEAP_ARGON2,
        # Nothing listens here: a test that needs the registry asks for `registry_app`, which
        # points at the simulated one (tests/registry_fixtures.py), never at a demo's on 5002.
        "REGISTRY": {"URL": "http://127.0.0.1:9"},
    }
    config.update(overrides)
    app = create_app(config)
    _created_apps.append(app)
    return app


def _empty_tables(app) -> None:
    with app.app_context():
        db.session.remove()
        tables = list(reversed(db.metadata.sorted_tables))
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                names = ", ".join(t.name for t in tables)
                conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    conn.execute(table.delete())
        db.engine.dispose()


@pytest.fixture
def app(database_url, keys_dir):
    """No app context stays pushed: each request gets its own, as in production (a shared one
    would share `g`, and with it Flask-WTF's cached CSRF token, between browsers)."""
    app = make_app(database_url, keys_dir)
    yield app
    _empty_tables(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def factories(app) -> Factories:
    return Factories(app)


@pytest.fixture
def rp(app, factories) -> TestRelyingParty:
    """A confidential client with a signed-up account, ready to run the code flow."""
    return TestRelyingParty(app, factories)
