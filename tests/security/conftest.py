"""The checklist tests run other tests' bodies (checks.run) and resolve fixtures inside them;
`stream` reads the security events a test produces (SEC-91)."""

import logging

import pytest

from idp.security_log import LOGGER

from .stream import Stream


@pytest.fixture(autouse=True)
def _migrated_at_set_up(database_url):
    """The session's migration runs during set-up, never inside a test body: alembic's fileConfig
    replaces the root logger's handlers, and with them the one `caplog` reads."""
    return database_url


@pytest.fixture
def stream(caplog) -> Stream:
    """The security events (idp.security_log) this test produces, one take() per action."""
    caplog.set_level(logging.INFO, logger=LOGGER.name)
    return Stream(caplog)
