"""Database migrations as an operator runs them: `flask --app idp db upgrade` on an empty
database builds the whole schema, and the models hold nothing the migrations lack.

Run in a subprocess with IDP_DATABASE_URL, as in a deployment (and so that Alembic's logging
set-up stays out of the test process).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import sqlalchemy as sa

PROJECT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TABLES = {"accounts", "clients", "consents", "grants", "refresh_tokens", "revoked_tokens"}


@pytest.fixture
def database(tmp_path):
    path = tmp_path / "empty.sqlite3"
    env = {k: v for k, v in os.environ.items() if not k.startswith("IDP_")}
    env.update(IDP_DATABASE_URL=f"sqlite:///{path}", IDP_KEYS_DIR=str(tmp_path / "keys"))

    def flask_db(*args):
        return subprocess.run([sys.executable, "-m", "flask", "--app", "idp", "db", *args],
                              cwd=PROJECT, env=env, capture_output=True, text=True, timeout=120)

    return path, flask_db


def _tables(path) -> set[str]:
    engine = sa.create_engine(f"sqlite:///{path}")
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_builds_the_schema_and_check_finds_nothing_to_generate(database):
    path, flask_db = database
    upgrade = flask_db("upgrade")
    assert upgrade.returncode == 0, upgrade.stderr
    assert TABLES <= _tables(path)

    check = flask_db("check")
    assert check.returncode == 0, check.stderr
    assert "No new upgrade operations detected" in check.stdout + check.stderr

    assert "(head)" in flask_db("current").stdout


def test_check_notices_a_schema_that_differs_from_the_models(database):
    """The check is not vacuous: a table missing from the database is reported."""
    path, flask_db = database
    assert flask_db("upgrade").returncode == 0
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE revoked_tokens"))
    engine.dispose()
    check = flask_db("check")
    assert check.returncode != 0
    assert "New upgrade operations detected" in check.stderr


def test_downgrade_to_base_and_upgrade_again(database):
    path, flask_db = database
    assert flask_db("upgrade").returncode == 0
    down = flask_db("downgrade", "base")
    assert down.returncode == 0, down.stderr
    assert not TABLES & _tables(path)
    assert flask_db("upgrade").returncode == 0
    assert TABLES <= _tables(path)
