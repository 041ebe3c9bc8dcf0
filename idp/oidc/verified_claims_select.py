"""Answering one `verified_claims` request from the data we hold (OpenID Connect for Identity
Assurance 1.0 §5.3-5.7): only what is named, constraints honoured, omission instead of errors.

- Each `verification` sub-element and each claim must be named (§5.4, §7).
- value / values / max_age (§5.5): a constraint inside `verification` that the data does not meet
  drops the whole `verified_claims`; on a claim, only that claim (§5.7.4).
- Evidence entries of the request are filters joined by OR (§5.4): ours pass if one matches, and
  when none does the whole element goes. `check_details` entries filter the same way.
"""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta

CONSTRAINT_KEYS = {"essential", "value", "values", "max_age", "purpose"}


class Unmet(Exception):
    """A value/values/max_age constraint on verification data is not met (§5.7.4)."""


def answer(held: dict, person: dict, wanted: dict, supported, now: datetime) -> dict | None:
    """`verified_claims` for one request object, or None when a verification constraint fails."""
    try:
        verification = _verification(held, wanted.get("verification"), now)
    except Unmet:
        return None  # §5.7.4: the whole element, and no error
    requested_claims = wanted.get("claims") if isinstance(wanted.get("claims"), dict) else {}
    claims = {}
    for name, spec in requested_claims.items():
        if name in supported and name in person and _meets(spec, person[name], now):
            claims[name] = person[name]
    return {"verification": verification, "claims": claims}


def _verification(held: dict, wanted, now: datetime) -> dict:
    wanted = wanted if isinstance(wanted, dict) else {}
    if not _meets(wanted.get("trust_framework"), held["trust_framework"], now):
        raise Unmet("trust_framework")
    result = {"trust_framework": held["trust_framework"]}  # required in every response
    for name, spec in wanted.items():
        if name == "trust_framework":
            continue
        if name not in held:
            if _constrains(spec):
                raise Unmet(name)  # a requirement on data we do not have cannot be met
            continue
        if name == "evidence":
            result["evidence"] = _evidence(held["evidence"], spec, now)
        elif isinstance(held[name], dict):
            result[name] = _select(held[name], spec, now)
        elif _meets(spec, held[name], now):
            result[name] = held[name]
        else:
            raise Unmet(name)
    return result


def _first_fit(held: list[dict], templates, pick, missing: str) -> list[dict]:
    """Each held item as picked by the first request template it fits (items that fit none are
    left out); Unmet when none is left. A single template may be given without a list."""
    if not isinstance(templates, list):
        templates = [None]
    chosen = []
    for item in held:
        for template in templates:
            result = pick(item, template)
            if result is not None:
                chosen.append(result)
                break
    if not chosen:
        raise Unmet(missing)
    return chosen


def _evidence(held: list[dict], templates, now: datetime) -> list[dict]:
    """Each requested entry filters by type (and any constraint); ours pass if one matches."""
    return _first_fit(held, templates, lambda item, template: _evidence_item(
        item, template if isinstance(template, dict) else {}, now), "evidence")


def _evidence_item(item: dict, template: dict, now: datetime) -> dict | None:
    if not _meets(template.get("type"), item["type"], now):
        return None
    result = {"type": item["type"]}
    try:
        for name, spec in template.items():
            if name == "type" or name not in item:
                continue
            if name == "check_details":
                result[name] = _checks(item[name], spec, now)
            elif name == "document_details":
                details = _select(item[name], spec, now)
                result[name] = {"type": item[name]["type"], **details}  # type is required
            elif isinstance(item[name], dict):
                result[name] = _select(item[name], spec, now)
            elif _meets(spec, item[name], now):
                result[name] = item[name]
            else:
                return None
    except Unmet:
        return None
    return result


def _checks(held: list[dict], templates, now: datetime) -> list[dict]:
    def pick(check: dict, template) -> dict | None:
        try:
            selected = _select(check, template, now)
        except Unmet:
            return None
        return {"check_method": check["check_method"], **selected}

    return _first_fit(held, templates, pick, "check_details")


def _select(held: dict, wanted, now: datetime) -> dict:
    """The requested members of an object (null or only constraints: all of it)."""
    if not isinstance(wanted, dict) or not set(wanted) - CONSTRAINT_KEYS:
        return dict(held)
    result = {}
    for name, spec in wanted.items():
        if name not in held:
            if _constrains(spec):
                raise Unmet(name)
            continue
        if isinstance(held[name], dict):
            result[name] = _select(held[name], spec, now)
        elif _meets(spec, held[name], now):
            result[name] = held[name]
        else:
            raise Unmet(name)
    return result


def _constrains(spec) -> bool:
    return isinstance(spec, dict) and bool({"value", "values", "max_age"} & set(spec))


def _meets(spec, value, now: datetime) -> bool:
    """OIDC Core §5.5.1 value/values, IDA §5.5.2 max_age (seconds since a date or time)."""
    if not isinstance(spec, dict):
        return True
    if "value" in spec and spec["value"] != value:
        return False
    if "values" in spec and (not isinstance(spec["values"], list) or value not in spec["values"]):
        return False
    if "max_age" in spec:
        limit = spec["max_age"]
        if isinstance(limit, bool) or not isinstance(limit, int | float) or limit < 0:
            return False
        moment = _last_second(value)
        return moment is not None and (now - moment).total_seconds() <= limit
    return True


def _last_second(value) -> datetime | None:
    """A date counts from its last valid second (§5.5.2); a time as it is (naive UTC)."""
    if not isinstance(value, str):
        return None
    try:
        if len(value) == 10:
            return datetime.fromisoformat(value) + timedelta(days=1, seconds=-1)
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment
