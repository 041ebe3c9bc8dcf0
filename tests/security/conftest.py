"""The checklist tests run other tests' bodies (checks.run) and resolve fixtures inside them."""

import pytest


@pytest.fixture(autouse=True)
def _migrated_at_set_up(database_url):
    """The session's migration runs during set-up, never inside a test body: alembic's fileConfig
    replaces the root logger's handlers, and with them the one `caplog` reads."""
    return database_url
