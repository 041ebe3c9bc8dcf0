"""What the registry answers, as plain values, and strict parsing of its JSON.

Parsing is strict on the fields we use and ignores fields we do not know (the registry may add
some). Anything malformed raises `Malformed`, which the client turns into RegistryUnavailable.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import date
from datetime import datetime

BIOMETRIC_METHODS = ("face", "fingerprint")
CARD_TYPES = ("permanent", "temporary")


class Malformed(ValueError):
    """The registry's answer does not have the shape its API promises."""


@dataclass(frozen=True)
class Person:
    person_id: str
    full_name: str
    birthdate: date
    gender: str
    nationality: str
    document_type: str
    document_number: str
    document_expires: date
    card_type: str | None
    card_number: str | None
    card_expires: date | None
    has_biometrics: bool
    deceased: bool
    guardian_person_id: str | None


@dataclass(frozen=True)
class BiometricResult:
    """`matched` is None (and `enrolled` True) when the registry held no biometrics for the
    person: it stored this capture instead (the processing deadline is then 7 working days)."""

    method: str
    matched: bool | None
    score: float | None
    reference: str
    checked_at: datetime
    enrolled: bool


@dataclass(frozen=True)
class Change:
    id: str
    person_id: str
    kind: str
    data: dict
    at: datetime


@dataclass(frozen=True)
class ChangePage:
    changes: list[Change] = field(default_factory=list)
    cursor: str = ""


def _field(obj: dict, name: str, kind: type | tuple, *, optional: bool = False):
    if not isinstance(obj, dict):
        raise Malformed(f"expected a JSON object, got {type(obj).__name__}")
    value = obj.get(name)
    if value is None and optional:
        return None
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise Malformed(f"field {name!r} is missing or not a {getattr(kind, '__name__', kind)}")
    return value


def _text(obj: dict, name: str, *, optional: bool = False) -> str | None:
    value = _field(obj, name, str, optional=optional)
    if value is not None and not value.strip():
        raise Malformed(f"field {name!r} is empty")
    return value


def _date(obj: dict, name: str, *, optional: bool = False) -> date | None:
    value = _text(obj, name, optional=optional)
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Malformed(f"field {name!r} is not an ISO date: {value!r}") from None


def _datetime(obj: dict, name: str) -> datetime:
    """ISO 8601 with an offset (or Z) -> naive UTC, as idp.clock.now() gives."""
    value = _text(obj, name)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise Malformed(f"field {name!r} is not an ISO date-time: {value!r}") from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def parse_person(obj) -> Person:
    card_type = _text(obj, "card_type", optional=True)
    if card_type is not None and card_type not in CARD_TYPES:
        raise Malformed(f"field 'card_type' is {card_type!r}")
    return Person(
        person_id=_text(obj, "person_id"),
        full_name=_text(obj, "full_name"),
        birthdate=_date(obj, "birthdate"),
        gender=_text(obj, "gender"),
        nationality=_text(obj, "nationality"),
        document_type=_text(obj, "document_type"),
        document_number=_text(obj, "document_number"),
        document_expires=_date(obj, "document_expires"),
        card_type=card_type,
        card_number=_text(obj, "card_number", optional=True),
        card_expires=_date(obj, "card_expires", optional=True),
        has_biometrics=_field(obj, "has_biometrics", bool),
        deceased=_field(obj, "deceased", bool),
        guardian_person_id=_text(obj, "guardian_person_id", optional=True),
    )


def parse_biometric(obj, method: str) -> BiometricResult:
    matched = _field(obj, "matched", bool, optional=True)
    score = _field(obj, "score", (int, float), optional=True)
    enrolled = _field(obj, "enrolled", bool)
    if _text(obj, "method") != method:
        raise Malformed(f"answered for method {obj.get('method')!r}, asked {method!r}")
    if matched is None and not enrolled:
        raise Malformed("no match result and nothing enrolled")
    if score is not None and not 0.0 <= score <= 1.0:
        raise Malformed(f"score {score!r} is outside 0..1")
    return BiometricResult(method=method, matched=matched, score=None if score is None else float(score),
                           reference=_text(obj, "reference"), checked_at=_datetime(obj, "checked_at"),
                           enrolled=enrolled)


# What each kind of change carries; dates arrive as ISO strings and leave as `date`.
CHANGE_FIELDS = {
    "document_renewed": {"document_number": _text, "document_expires": _date},
    "card_renewed": {"card_type": _text, "card_number": _text, "card_expires": _date},
    "name_changed": {"full_name": _text},
    "deceased": {},
    "number_cancelled": {},
}
CHANGE_KINDS = tuple(CHANGE_FIELDS)


def parse_change(obj) -> Change:
    kind = _text(obj, "kind")
    if kind not in CHANGE_FIELDS:
        raise Malformed(f"unknown change kind {kind!r}")
    raw = _field(obj, "data", dict)
    data = {name: read(raw, name) for name, read in CHANGE_FIELDS[kind].items()}
    if kind == "card_renewed" and data["card_type"] not in CARD_TYPES:
        raise Malformed(f"card_renewed with card_type {data['card_type']!r}")
    raw_id = _field(obj, "id", (str, int))
    return Change(id=str(raw_id), person_id=_text(obj, "person_id"), kind=kind, data=data,
                  at=_datetime(obj, "at"))


def parse_changes(obj) -> ChangePage:
    items = _field(obj, "changes", list)
    return ChangePage(changes=[parse_change(item) for item in items], cursor=_field(obj, "cursor", str))
