"""`flask --app idp demo campaign`: replay the national campaign at full size, for the figures.

The Immigration Department's published figures for 1 July to 19 August 2025 (DESIGN.md "The
domain rules"): 50,809 applications in 50 days, 43,926 accounts issued, 33,601 activated, 10,325
pending. The split of the 6,883 undecided or refused applications is ours. Rows are synthetic,
deterministic for a --seed, and written with bulk inserts in one transaction (all or nothing).

Campaign rows are recognisable and never collide with real ones: application references start
with "CAMP-", and accounts use a 12-digit identification number with a leading zero (login = that
number), which `new_identification_number` never assigns.
"""

from __future__ import annotations

import base64
import functools
import itertools
import json
import math
import random
import time
from datetime import date
from datetime import datetime
from datetime import timedelta

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from ..accounts.models import ACTIVE
from ..accounts.models import PENDING
from ..accounts.models import Account
from ..cli import emit
from ..cli import fail
from ..cli import json_option
from ..extensions import db
from ..workdays import add_working_days
from . import models
from .models import Application

FIRST_DAY = date(2025, 7, 1)
DAYS = 50  # to 19 August 2025
END = datetime(2025, 8, 19, 23, 0)  # the figures were published as of this evening
PUBLISHED = {"received": 50_809, "issued": 43_926, "activated": 33_601, "pending": 10_325}
REFUSED = 4_100  # ours: the rest of the 6,883 undecided applications are still being processed
REFERENCE_PREFIX = "CAMP-"

# Share of the campaign's applications; "online" is level-1 self-service, the rest desks.
OFFICES = {models.ONLINE_OFFICE: 20, "Hanoi": 22, "Ho Chi Minh City": 27, "Da Nang": 6,
           "Hai Phong": 5, "Binh Duong": 8, "Quang Ninh": 3, "Khanh Hoa": 5, "Can Tho": 4}
NATIONALITIES = {"KOR": 30, "CHN": 25, "JPN": 10, "TWN": 8, "USA": 5, "IND": 4, "RUS": 4,
                 "AUS": 3, "FRA": 3, "DEU": 2, "GBR": 2, "THA": 2, "PHL": 2}
GIVEN = ("Min-jun", "Ji-woo", "Wei", "Li Na", "Haruto", "Yui", "John", "Emma", "Arjun", "Olga",
         "Pierre", "Anna", "Somchai", "Maria", "Chen", "Sakura", "David", "Sofia")
FAMILY = ("Kim", "Lee", "Park", "Wang", "Zhang", "Sato", "Suzuki", "Smith", "Brown", "Sharma",
          "Ivanov", "Martin", "Müller", "Taylor", "Lin", "Tanaka", "Garcia", "Nguyen")
REFUSALS = ("Declared data did not match the registry.", "Residence card not valid.",
            "Biometrics did not match the registry.")


def targets(scale: float = 1.0) -> dict:
    """The totals a run at `scale` reproduces (exactly the published ones at 1.0)."""
    activated = round(PUBLISHED["activated"] * scale)
    pending = round(PUBLISHED["pending"] * scale)
    received = round(PUBLISHED["received"] * scale)
    refused = round(REFUSED * scale)
    issued = activated + pending
    return {"received": received, "issued": issued, "activated": activated, "pending": pending,
            "refused": refused, "open": received - issued - refused}


def _apportion(total: int, weights: dict) -> dict:
    """Split `total` over the keys in proportion to their weights (largest remainder): exact."""
    whole = sum(weights.values())
    shares = {k: total * w / whole for k, w in weights.items()}
    counts = {k: math.floor(s) for k, s in shares.items()}
    by_remainder = sorted(shares, key=lambda k: (counts[k] - shares[k], str(k)))
    for key in by_remainder[: total - sum(counts.values())]:
        counts[key] += 1
    return counts


def _cell_weights(rng: random.Random) -> dict:
    """(day, office) -> weight: a slow first week, a rush before the deadline; desks are shut on
    Sundays and half-open on Saturdays, online works every day."""
    weights = {}
    for offset in range(DAYS):
        day = FIRST_DAY + timedelta(days=offset)
        volume = (min(1.0, 0.4 + offset / 10) * (1.6 if offset >= DAYS - 7 else 1.0)
                  * rng.uniform(0.85, 1.15))
        for office, share in OFFICES.items():
            open_factor = 1.0 if office == models.ONLINE_OFFICE or day.weekday() < 5 else (
                0.3 if day.weekday() == 5 else 0.0)
            weights[(offset, office)] = volume * share * open_factor * rng.uniform(0.8, 1.2)
    return weights


def _pick(rng: random.Random, items: list, k: int, weight) -> set:
    """k items drawn without replacement with probability ~ weight (Efraimidis-Spirakis)."""
    keyed = sorted(items, key=lambda item: rng.random() ** (1.0 / weight(item)), reverse=True)
    return set(keyed[:k])


_NATIONS = list(NATIONALITIES)
_NATION_CUMULATIVE = list(itertools.accumulate(NATIONALITIES.values()))


def _person(rng: random.Random) -> dict:
    draw = rng.random
    nationality = rng.choices(_NATIONS, cum_weights=_NATION_CUMULATIVE)[0]
    return {"given": GIVEN[int(draw() * len(GIVEN))], "family": FAMILY[int(draw() * len(FAMILY))],
            "nationality": nationality,
            "birthdate": date(1950, 1, 1) + timedelta(days=int(draw() * 365 * 60)),
            "gender": "female" if draw() < 0.5 else "male",
            "document_number": f"{nationality[0]}{10**7 + int(draw() * 9 * 10**7)}",
            "phone": f"+849{10**7 + int(draw() * 9 * 10**7)}"}


@functools.cache
def _due(day: date, working_days: int, holidays: frozenset) -> date:
    return add_working_days(day, working_days, holidays)


def _application(rng, offset: int, office: str, holidays) -> dict:
    online = office == models.ONLINE_OFFICE
    day = FIRST_DAY + timedelta(days=offset)
    start = 0 if online else 7 * 60 + 30  # desks open 07:30-17:00
    received = datetime.combine(day, datetime.min.time()) + timedelta(
        minutes=rng.randrange(start, 24 * 60 if online else 17 * 60))
    person = _person(rng)
    level = 1 if online or rng.random() < 0.06 else 2  # level 1 at a desk: a child via a guardian
    biometrics = None if online else rng.random() < 0.7
    row = {"reference": None, "channel": models.ONLINE if online
           else models.DESK, "office": office, "requested_level": level, "status": models.RECEIVED,
           "full_name": f"{person['given']} {person['family']}", "birthdate": person["birthdate"],
           "gender": person["gender"], "nationality": person["nationality"],
           "document_number": person["document_number"], "phone_number": person["phone"],
           "email": None, "registry_has_biometrics": biometrics, "document_type": "passport",
           "received_at": received, "received_by": "self" if online
           else f"staff:officer@{office.lower().replace(' ', '-')}.campaign",
           "due_on": None if online else _due(day, 3 if biometrics else 7, holidays),
           "decided_at": None, "decided_by": None, "refusal_reason": None, "account_id": None,
           "details": {"campaign": "2025-07"}, "card_type": None, "card_expires": None,
           "biometric_method": None, "biometric_matched": None, "biometric_score": None,
           "biometric_checked_at": None}
    if level == 2:
        row.update(card_type=rng.choice(("temporary", "permanent")),
                   card_expires=day + timedelta(days=rng.randrange(200, 1500)),
                   biometric_method=rng.choice(("face", "fingerprint")), biometric_matched=True,
                   biometric_score=round(rng.uniform(0.9, 1.0), 3),
                   biometric_checked_at=received + timedelta(minutes=10))
    return row


def _later(rng, start: datetime, hours: float) -> datetime:
    """`hours` after start, or a random moment before the campaign's end if that is later."""
    moment = start + timedelta(hours=hours)
    return moment if moment <= END else start + (END - start) * rng.random()


def _decide(rng, row: dict) -> datetime:
    hours = rng.uniform(0.05, 0.5) if row["channel"] == models.ONLINE else rng.triangular(0.5, 72, 6)
    return _later(rng, row["received_at"], hours)


def _subject_key(rng: random.Random) -> str:
    return base64.urlsafe_b64encode(rng.getrandbits(192).to_bytes(24, "big")).decode()


def build(seed: int = 2025, scale: float = 1.0,
          holidays: frozenset = frozenset()) -> tuple[list[dict], list[dict]]:
    """The campaign's applications and accounts (accounts carry `_reference` to link them)."""
    rng = random.Random(seed)  # noqa: S311 - synthetic demo data, reproducible by design
    goal = targets(scale)
    cells = _apportion(goal["received"], _cell_weights(rng))
    applications = []
    for (offset, office), count in sorted(cells.items(), key=lambda c: (c[0][0], str(c[0][1]))):
        for _ in range(count):
            applications.append(_application(rng, offset, office, holidays))
    applications.sort(key=lambda row: row["received_at"])
    for number, row in enumerate(applications, 1):
        row["reference"] = f"{REFERENCE_PREFIX}{number:06d}"
    indexes = list(range(len(applications)))
    age = {i: (END - applications[i]["received_at"]).total_seconds() / 86400 for i in indexes}
    still_open = _pick(rng, indexes, goal["open"], lambda i: math.exp(-age[i] / 4) + 0.02)
    rest = [i for i in indexes if i not in still_open]
    refused = _pick(rng, rest, goal["refused"], lambda i: 1.0)
    issued = [i for i in rest if i not in refused]
    for i in refused:
        row = applications[i]
        row.update(status=models.REFUSED, decided_at=_decide(rng, row),
                   decided_by=row["received_by"] if row["received_by"] != "self" else "system",
                   refusal_reason=rng.choice(REFUSALS))
    for i in issued:
        row = applications[i]
        row.update(status=models.ISSUED, decided_at=_decide(rng, row),
                   decided_by=row["received_by"] if row["received_by"] != "self" else "system")
    activated = _pick(rng, issued, goal["activated"], lambda i: 0.3 + age[i])
    numbers = rng.sample(range(10**10, 10**11), len(issued))
    accounts = [_account(rng, applications[i], f"0{number}", i in activated)
                for i, number in zip(issued, numbers, strict=True)]
    return applications, accounts


def _account(rng, row: dict, number: str, activated: bool) -> dict:
    issued_at = row["decided_at"]
    activated_at = _later(rng, issued_at, rng.expovariate(1 / 30)) if activated else None
    given, family = row["full_name"].split(" ", 1)
    level2 = row["requested_level"] == 2
    return {"_reference": row["reference"], "subject_key": _subject_key(rng),
            "identification_number": number, "login": number, "password_hash": None,
            "given_name": given, "family_name": family, "email": None, "email_verified": False,
            "phone_number": row["phone_number"], "phone_number_verified": True,
            "birthdate": row["birthdate"].isoformat(), "gender": row["gender"],
            "nationality": row["nationality"], "locale": "en", "proofed_level": row["requested_level"],
            "document_type": "passport", "document_number": row["document_number"],
            "residence_card_type": row.get("card_type"),
            "residence_card_expires": row.get("card_expires"),
            "proofed_at": issued_at if level2 else None,
            "biometric_method": row.get("biometric_method"),
            "biometric_matched_at": row.get("biometric_checked_at"),
            "status": ACTIVE if activated else PENDING, "activated_at": activated_at,
            "created_at": issued_at, "updated_at": activated_at or issued_at}


def loaded() -> bool:
    return db.session.scalar(sa.select(Application.id).where(
        Application.reference.startswith(REFERENCE_PREFIX)).limit(1)) is not None


def _campaign_accounts():
    table = Account.__table__
    return sa.select(table.c.id).where(table.c.identification_number.startswith("0"),
                                       table.c.login == table.c.identification_number)


def clear() -> None:
    """Delete a loaded campaign: its applications, its accounts and rows that point at them."""
    db.session.execute(sa.delete(Application.__table__).where(
        Application.reference.startswith(REFERENCE_PREFIX)))
    ids = _campaign_accounts()
    for table in db.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table.name != "accounts" or table.name == "accounts":
                continue
            if fk.ondelete == "SET NULL":
                db.session.execute(sa.update(table).where(fk.parent.in_(ids)).values(
                    {fk.parent.name: None}))
            else:
                db.session.execute(sa.delete(table).where(fk.parent.in_(ids)))
    db.session.execute(sa.delete(Account.__table__).where(Account.id.in_(ids)))


def _insert(table: sa.Table, rows: list[dict], copy: bool) -> None:
    """Core executemany in chunks; on PostgreSQL, COPY FROM STDIN in the session's transaction
    when `copy` (measured faster: see the report in the commit)."""
    if not copy:
        for start in range(0, len(rows), 5_000):
            db.session.execute(sa.insert(table), rows[start:start + 5_000])
        return
    names = list(rows[0])
    raw = db.session.connection().connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(
            f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as out:
        for row in rows:
            out.write_row([json.dumps(row[n]) if isinstance(row[n], dict) else row[n]
                           for n in names])


def load(applications: list[dict], accounts: list[dict], *, copy: bool | None = None) -> None:
    """Bulk-insert the accounts, then the applications linked to them; no commit."""
    if copy is None:
        copy = db.session.connection().dialect.name == "postgresql"
    _insert(Account.__table__, [{k: v for k, v in account.items() if k != "_reference"}
                                for account in accounts], copy)
    ids = dict(db.session.execute(sa.select(Account.identification_number, Account.id)
                                  .where(Account.id.in_(_campaign_accounts()))).all())
    by_reference = {a["_reference"]: ids[a["identification_number"]] for a in accounts}
    for row in applications:
        row["account_id"] = by_reference.get(row["reference"])
    _insert(Application.__table__, applications, copy)
    if db.session.connection().dialect.name == "postgresql":
        db.session.execute(sa.text("ANALYZE accounts, applications"))  # plans for the figures


@click.command("campaign")
@click.option("--seed", default=2025, show_default=True, help="Same seed, same rows.")
@click.option("--scale", default=1.0, show_default=True, type=click.FloatRange(0.001, 1.0),
              help="A smaller run in proportion (1.0 = the published figures).")
@click.option("--replace", is_flag=True, help="Delete a campaign already loaded, then load.")
@json_option
@with_appcontext
def campaign(seed, scale, replace, as_json):
    """Load the 2025 national campaign (synthetic people) for the figures page."""
    if current_app.config["ENV"] == "production":
        fail("Demo data is refused in production.")
    if loaded() and not replace:
        fail("A campaign is already loaded; run again with --replace to delete it and reload.")
    started = time.perf_counter()
    applications, accounts = build(seed, scale, current_app.config["HOLIDAY_DATES"])
    built = time.perf_counter()
    try:
        if replace:
            clear()
        load(applications, accounts)
        db.session.commit()
    except sa.exc.SQLAlchemyError as exc:
        db.session.rollback()
        fail(f"The campaign could not be loaded, nothing was written: {exc.__class__.__name__}.")
    done = time.perf_counter()
    result = targets(scale) | {"seed": seed, "scale": scale, "seconds_build": round(built - started, 2),
                               "seconds_insert": round(done - built, 2)}
    emit(result, as_json, text=(
        f"Loaded {result['received']} applications: {result['issued']} issued "
        f"({result['activated']} activated, {result['pending']} pending), {result['refused']} "
        f"refused, {result['open']} still open, in {done - started:.1f} s."))
