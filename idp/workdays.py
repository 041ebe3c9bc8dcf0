"""Working days, in which the decree counts its deadlines (Decree 69/2024/ND-CP: 3 or 7 working
days to issue a level-2 account; 1 to forward and 2 to decide an authority's lock request).

A working day is Monday to Friday and not a public holiday listed in the HOLIDAYS setting.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from datetime import timedelta


def is_working_day(day: date, holidays: Iterable[date] = ()) -> bool:
    return day.weekday() < 5 and day not in set(holidays)


def add_working_days(start: date, days: int, holidays: Iterable[date] = ()) -> date:
    """The date `days` working days after `start` (a request received on `start` is due then)."""
    off = set(holidays)
    day = start
    remaining = days
    while remaining > 0:
        day += timedelta(days=1)
        if is_working_day(day, off):
            remaining -= 1
    return day


def working_days_between(start: date, end: date, holidays: Iterable[date] = ()) -> int:
    """Working days after `start` up to and including `end` (0 when `end` is not later)."""
    off = set(holidays)
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day, off):
            count += 1
    return count
