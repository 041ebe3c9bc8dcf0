"""The figures the authorities watch (DESIGN.md "The domain rules"): applications received,
accounts issued (level 1, level 2), activated, pending, overdue, per office and per day, and
accounts locked by reason.

A handful of GROUP BY queries over the indexes on applications(office, received_at),
applications(decided_at), accounts(activated_at) and account_locks(state); no row is loaded as
an object. Each figure is dated by its own event: received by `received_at`, issued and refused
by `decided_at`, activated by `activated_at`. "Pending" counts the accounts issued that day and
still not activated; "overdue" the applications received that day, still undecided and past
their due date today.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from dataclasses import fields
from datetime import date
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa

from ..accounts.locks import IN_FORCE
from ..accounts.locks import AccountLock
from ..accounts.models import Account
from ..enrollment import models as enrollment
from ..enrollment.models import Application
from ..extensions import db

apps = Application.__table__
accounts = Account.__table__
locks = AccountLock.__table__


@dataclass
class Counts:
    received: int = 0
    issued_level1: int = 0
    issued_level2: int = 0
    activated: int = 0
    pending: int = 0
    overdue: int = 0
    refused: int = 0

    @property
    def issued(self) -> int:
        return self.issued_level1 + self.issued_level2

    def add(self, other: Counts) -> None:
        for name in NAMES:
            setattr(self, name, getattr(self, name) + getattr(other, name))


NAMES = tuple(f.name for f in fields(Counts))


@dataclass
class Figures:
    start: date
    end: date
    office: str | None
    days: list[tuple[date, Counts]]
    offices: list[tuple[str, Counts]]
    total: Counts
    locked: list[tuple[str, int]] = field(default_factory=list)


def _day(column):
    """The calendar day (UTC) of a timestamp; SQLite answers a string, PostgreSQL a date."""
    return sa.func.date(column).label("day")


def _as_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _count(condition) -> sa.ColumnElement:
    return sa.func.sum(sa.case((condition, 1), else_=0))


def _between(column, start: date, end: date) -> sa.ColumnElement:
    """[start 00:00, end+1 00:00): a range the column's index answers."""
    return sa.and_(column >= datetime.combine(start, datetime.min.time()),
                   column < datetime.combine(end + timedelta(days=1), datetime.min.time()))


def offices() -> list[str]:
    return list(db.session.scalars(sa.select(apps.c.office).distinct().order_by(apps.c.office)))


def period(today: date) -> tuple[date, date]:
    """The whole period with data: first application received to the last event recorded."""
    first, last_received, last_decided = db.session.execute(sa.select(
        sa.func.min(apps.c.received_at), sa.func.max(apps.c.received_at),
        sa.func.max(apps.c.decided_at))).one()
    last_activated = db.session.scalar(sa.select(sa.func.max(accounts.c.activated_at)).where(
        accounts.c.id.in_(sa.select(apps.c.account_id))))
    if first is None:
        return today, today
    ends = [_as_date(moment) for moment in (last_received, last_decided, last_activated) if moment]
    return _as_date(first), max(ends)


def _received(start, end, office, today):
    day = _day(apps.c.received_at)
    query = sa.select(apps.c.office, day, sa.func.count().label("received"), _count(sa.and_(
        apps.c.status == enrollment.RECEIVED, apps.c.due_on < today)).label("overdue")
    ).where(_between(apps.c.received_at, start, end)).group_by(apps.c.office, day)
    return query.where(apps.c.office == office) if office else query


def _decided(start, end, office):
    day = _day(apps.c.decided_at)
    issued = apps.c.status == enrollment.ISSUED
    query = sa.select(
        apps.c.office, day,
        _count(sa.and_(issued, apps.c.requested_level == 1)).label("issued_level1"),
        _count(sa.and_(issued, apps.c.requested_level == 2)).label("issued_level2"),
        _count(sa.and_(issued, accounts.c.id.is_not(None), accounts.c.activated_at.is_(None)))
        .label("pending"),
        _count(apps.c.status == enrollment.REFUSED).label("refused"),
    ).select_from(apps.outerjoin(accounts, accounts.c.id == apps.c.account_id)).where(
        _between(apps.c.decided_at, start, end)).group_by(apps.c.office, day)
    return query.where(apps.c.office == office) if office else query


def _activated(start, end, office):
    """Activations count once per account, at the office of its first application (a level-1
    account raised to level 2 in place has two applications and one activation)."""
    earlier = apps.alias("earlier")
    first_application = apps.c.id == (sa.select(sa.func.min(earlier.c.id))
                                      .where(earlier.c.account_id == accounts.c.id)
                                      .scalar_subquery())
    day = _day(accounts.c.activated_at)
    query = (sa.select(apps.c.office, day, sa.func.count().label("activated"))
             .select_from(accounts.join(apps, apps.c.account_id == accounts.c.id))
             .where(_between(accounts.c.activated_at, start, end), first_application)
             .group_by(apps.c.office, day))
    return query.where(apps.c.office == office) if office else query


def locked_by_reason(office: str | None = None) -> list[tuple[str, int]]:
    """Accounts with a lock in force now, per reason (an account locked twice counts twice)."""
    query = (sa.select(locks.c.reason, sa.func.count(sa.distinct(locks.c.account_id)))
             .where(locks.c.state == IN_FORCE).group_by(locks.c.reason).order_by(locks.c.reason))
    if office:
        query = query.where(locks.c.account_id.in_(
            sa.select(apps.c.account_id).where(apps.c.office == office)))
    return [(reason, count) for reason, count in db.session.execute(query)]


def figures(start: date, end: date, office: str | None, today: date) -> Figures:
    by_cell: dict[tuple[str, date], Counts] = {}
    for query in (_received(start, end, office, today), _decided(start, end, office),
                  _activated(start, end, office)):
        for row in db.session.execute(query).mappings():
            counts = by_cell.setdefault((row["office"], _as_date(row["day"])), Counts())
            for name in NAMES:
                if name in row:
                    setattr(counts, name, getattr(counts, name) + int(row[name] or 0))
    days = {start + timedelta(days=n): Counts() for n in range((end - start).days + 1)}
    per_office: dict[str, Counts] = {}
    total = Counts()
    for (office_name, day), counts in by_cell.items():
        days[day].add(counts)
        per_office.setdefault(office_name, Counts()).add(counts)
        total.add(counts)
    ranked = sorted(per_office.items(), key=lambda item: (-item[1].received, item[0]))
    return Figures(start, end, office, sorted(days.items()), ranked, total,
                   locked_by_reason(office))
