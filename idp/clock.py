"""The one place the time comes from (tests move it with time-machine).

Datetimes are naive UTC, as the database stores them on SQLite and PostgreSQL alike.
"""

import time
from datetime import UTC
from datetime import datetime


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def timestamp() -> int:
    """Seconds since the epoch, as JWT NumericDate claims carry them (RFC 7519 §2)."""
    return int(time.time())


def from_timestamp(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)


def to_timestamp(moment: datetime) -> int:
    return int(moment.replace(tzinfo=UTC).timestamp())
