"""Unbound extension singletons; `create_app` binds them with init_app. Also how pooled
database connections are checked and how SQLite is set up."""

import sqlite3
import time

from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy import event
from sqlalchemy import exc
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import Pool

# Named constraints from the first migration on, so later migrations can alter them by name.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate(compare_type=True, render_as_batch=True)
csrf = CSRFProtect()


IDLE_PING_AFTER = 10.0  # seconds a pooled connection may sit unused before it is checked again


@event.listens_for(Pool, "checkin")
def _note_idle_since(dbapi_connection, record) -> None:
    record.info["idle_since"] = time.monotonic()


@event.listens_for(Pool, "checkout")
def _ping_if_idle(dbapi_connection, record, proxy) -> None:
    """`pool_pre_ping`, but only for connections that sat idle: under load a connection is reused
    within milliseconds and the extra round trip per request cost a third of userinfo's time
    (bench/PROFILE.md). A dead connection raises DisconnectionError, and the pool retries with a
    fresh one; a disconnect seen in a request invalidates the whole pool (SQLAlchemy does that)."""
    idle_since = record.info.get("idle_since")
    if idle_since is None or time.monotonic() - idle_since < IDLE_PING_AFTER:
        return
    try:
        cursor = dbapi_connection.cursor()
        cursor.execute("SELECT 1")
        cursor.close()
        dbapi_connection.rollback()  # end the transaction the ping began (autocommit_reads)
    except Exception as error:
        raise exc.DisconnectionError() from error


def autocommit_reads() -> None:
    """For a request that only reads (UserInfo, introspection): its SELECTs run in autocommit,
    without the BEGIN and ROLLBACK round trips of a transaction (bench/PROFILE.md). The
    connection's usual isolation level comes back when it returns to the pool."""
    if not db.session().in_transaction():
        db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


@event.listens_for(Engine, "connect")
def _sqlite_settings(dbapi_connection, record) -> None:
    """The embedded SQLite file: readers do not wait for the writer (WAL), and a writer waits for
    another instead of failing at once."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()
