"""The simulated registry's memory: people, their biometric templates, the change log.

One lock guards everything (Flask may serve requests in threads).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta

from . import samples
from .people import Generator
from .people import age_on
from .people import population

PUBLIC_FIELDS = ("person_id", "full_name", "birthdate", "gender", "nationality", "document_type",
                 "document_number", "document_expires", "card_type", "card_number", "card_expires",
                 "has_biometrics", "deceased", "guardian_person_id")
METHODS = ("face", "fingerprint")


class Invalid(ValueError):
    """The request breaks the API (answered 400 with this message)."""


def normal_document(value: str) -> str:
    return re.sub(r"\s+", "", value).upper()


def normal_name(value: str) -> str:
    """NFC + casefold + collapsed spaces: "NGUYỄN  Văn" == "nguyễn văn", but "Nguyen" != "Nguyễn"."""
    folded = unicodedata.normalize("NFC", unicodedata.normalize("NFC", value).casefold())
    return " ".join(folded.split())


def iso(value) -> str | None:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return value.isoformat() if isinstance(value, date) else value


def utcnow() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


class Registry:
    def __init__(self, *, seed: int, size: int, today: date | None = None):
        self.seed = seed
        self.size = size
        self.fixed_today = today
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.today = self.fixed_today or date.today()
            people = population(self.seed, self.size, self.today)
            self.people = {p["person_id"]: p for p in people}
            self.by_document = {normal_document(p["document_number"]): p for p in people}
            self.templates = {
                p["person_id"]: {m: samples.template(self.seed, p["person_id"], m) for m in METHODS}
                for p in people if p["has_biometrics"]}
            self.changes: list[dict] = []
            self.checks = 0
            self.down = False
            self.delay = 0.0
            self.numbers = Generator(self.seed + 1, self.today)
            self.numbers.used = {p["document_number"] for p in people} | {p["card_number"] for p in people}

    # /v1 -------------------------------------------------------------------------------

    def public(self, person: dict) -> dict:
        return {name: iso(person[name]) for name in PUBLIC_FIELDS}

    def match(self, declared: dict) -> dict | None:
        try:
            wanted = {k: declared[k] for k in ("document_number", "full_name", "birthdate", "gender",
                                                "nationality")}
        except (KeyError, TypeError):
            raise Invalid("document_number, full_name, birthdate, gender and nationality are "
                          "required") from None
        if not all(isinstance(v, str) for v in wanted.values()):
            raise Invalid("every declared field is a string")
        try:
            birthdate = date.fromisoformat(wanted["birthdate"])
        except ValueError:
            raise Invalid("birthdate must be YYYY-MM-DD") from None
        with self.lock:
            person = self.by_document.get(normal_document(wanted["document_number"]))
            if (person is None or normal_name(person["full_name"]) != normal_name(wanted["full_name"])
                    or person["birthdate"] != birthdate
                    or person["gender"] != wanted["gender"].strip().lower()
                    or person["nationality"] != wanted["nationality"].strip().upper()):
                return None
            return self.public(person)

    def person(self, person_id: str) -> dict | None:
        with self.lock:
            person = self.people.get(person_id)
            return person and self.public(person)

    def biometric_match(self, person_id: str, method: str, sample: bytes) -> dict | None:
        if method not in METHODS:
            raise Invalid(f"method must be one of {', '.join(METHODS)}")
        if not sample:
            raise Invalid("sample is empty")
        with self.lock:
            person = self.people.get(person_id)
            if person is None:
                return None
            self.checks += 1
            held = self.templates.get(person_id, {}).get(method)
            answer = {"method": method, "reference": f"BMC-{self.seed}-{self.checks:06d}",
                      "checked_at": iso(utcnow())}
            if held is None:
                # Nothing to compare with: the registry keeps this capture as the person's reference.
                self.templates.setdefault(person_id, {})[method] = sample
                person["has_biometrics"] = True
                return {**answer, "matched": None, "score": None, "enrolled": True}
            score = samples.score(sample, held)
            return {**answer, "matched": score >= 0.8, "score": score, "enrolled": False}

    def changes_after(self, cursor: str, limit: int) -> dict:
        if cursor and not cursor.isdigit():
            raise Invalid("cursor is the last change id seen, or empty")
        after = int(cursor or 0)
        with self.lock:
            page = [c for c in self.changes if c["id"] > after][:limit]
        return {"changes": [{**c, "id": str(c["id"]), "at": iso(c["at"]),
                             "data": {k: iso(v) for k, v in c["data"].items()}} for c in page],
                "cursor": str(page[-1]["id"]) if page else cursor}

    # /_sim -----------------------------------------------------------------------------

    def sample(self, person_id: str, method: str) -> bytes | None:
        with self.lock:
            return self.templates.get(person_id, {}).get(method)

    def add_change(self, person_id: str, kind: str, data: dict) -> dict:
        with self.lock:
            person = self.people.get(person_id)
            if person is None:
                raise LookupError(person_id)
            data = self._apply(person, kind, dict(data))
            change = {"id": (self.changes[-1]["id"] + 1) if self.changes else 1, "person_id": person_id,
                      "kind": kind, "data": data, "at": utcnow()}
            self.changes.append(change)
            return change

    def _apply(self, person: dict, kind: str, data: dict) -> dict:
        def day(name, default):
            value = data.get(name)
            try:
                return date.fromisoformat(value) if value else default
            except (TypeError, ValueError):
                raise Invalid(f"{name} must be YYYY-MM-DD") from None

        if kind == "document_renewed":
            number = data.get("document_number") or self.numbers.document_number()
            del self.by_document[normal_document(person["document_number"])]
            person["document_number"] = number
            person["document_expires"] = day("document_expires", self.today + timedelta(days=3650))
            self.by_document[normal_document(number)] = person
            return {"document_number": number, "document_expires": person["document_expires"]}
        if kind == "card_renewed":
            card_type = data.get("card_type") or person["card_type"] or "temporary"
            if card_type not in ("permanent", "temporary"):
                raise Invalid("card_type is permanent or temporary")
            person["card_type"] = card_type
            person["card_number"] = data.get("card_number") or self.numbers.card_number(card_type)
            person["card_expires"] = day("card_expires", self.today + timedelta(days=730))
            return {k: person[k] for k in ("card_type", "card_number", "card_expires")}
        if kind == "name_changed":
            if not isinstance(data.get("full_name"), str) or not data["full_name"].strip():
                raise Invalid("name_changed needs full_name")
            person["full_name"] = unicodedata.normalize("NFC", data["full_name"].strip())
            return {"full_name": person["full_name"]}
        if kind == "deceased":
            person["deceased"] = True
            return {}
        if kind == "number_cancelled":
            person["number_cancelled"] = True
            return {}
        raise Invalid("kind is one of document_renewed, card_renewed, name_changed, deceased, "
                      "number_cancelled")

    def described(self, person: dict) -> dict:
        """The public record plus what tests select on."""
        return {**self.public(person), "age": age_on(person["birthdate"], self.today),
                "culture": person["culture"], "script": person["script"],
                "number_cancelled": person["number_cancelled"], "card_status": self.card_status(person),
                "document_status": "valid" if person["document_expires"] >= self.today else "expired"}

    def card_status(self, person: dict) -> str:
        if not person["card_expires"]:
            return "none"
        return "valid" if person["card_expires"] >= self.today else "expired"
