"""What the officer types at the desk, read and checked (form TK01 and the document check).

Plain values in, a dataclass or a DeskError naming the field out; the console and the CLI share
these rules. Decree 69/2024/ND-CP: a Vietnamese mobile number and an e-mail are required; under
14 the applicant comes with a representative who declares with their own phone.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l

from ..accounts.proofing import CARD_TYPES
from ..accounts.proofing import DOCUMENT_TYPES

GENDERS = ("female", "male")
RELATIONSHIPS = ("parent", "guardian")
MESSAGE_LANGUAGES = ("en", "vi")
REPRESENTED_UNDER = 14  # under 14 an applicant comes with a parent or guardian
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
MOBILE = re.compile(r"^(?:\+?84|0)([35789]\d{8})$")
DOCUMENT_NUMBER = re.compile(r"^[A-Z0-9]{5,20}$")
NATIONALITY = re.compile(r"^[A-Z]{3}$")
IDENTIFICATION_NUMBER = re.compile(r"^\d{12}$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


class DeskError(ValueError):
    """A step cannot be taken as asked; `message` tells the officer why, `field` points at it."""

    def __init__(self, message, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = str(message)
        self.field = field


def age_on(birthdate: date, today: date) -> int:
    return today.year - birthdate.year - ((today.month, today.day) < (birthdate.month, birthdate.day))


def new_reference(today: date) -> str:
    """E.g. TK01-20261123-7KQ3XM: the form, the day received, and a random part."""
    tail = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))
    return f"TK01-{today:%Y%m%d}-{tail}"


def compact(value: str | None) -> str:
    return "".join((value or "").split()).upper()


def mobile_number(value: str | None) -> str | None:
    """A Vietnamese mobile number as +84XXXXXXXXX, or None."""
    match = MOBILE.match(re.sub(r"[\s.\-()]", "", value or ""))
    return f"+84{match.group(1)}" if match else None


def _date(value: str | None, field: str) -> date:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        raise DeskError(_l("Enter the date as YYYY-MM-DD."), field) from None


def _text(form: Mapping, name: str, limit: int) -> str:
    return " ".join((form.get(name) or "").split())[:limit]


@dataclass(frozen=True)
class Declaration:
    full_name: str
    birthdate: date
    gender: str
    nationality: str
    document_number: str
    phone_number: str
    email: str
    requested_level: int
    office: str
    representative_name: str | None = None
    representative_number: str | None = None
    representative_relationship: str | None = None
    locale: str = "en"  # the language of the messages the applicant receives

    @classmethod
    def from_form(cls, form: Mapping, *, today: date) -> Declaration:
        """TK01 as typed; raises DeskError on the first field that is wrong."""
        name = _text(form, "full_name", 200)
        if not name:
            raise DeskError(_l("Enter the full name as in the passport."), "full_name")
        birthdate = _date(form.get("birthdate"), "birthdate")
        if birthdate > today or birthdate.year < 1900:
            raise DeskError(_l("The date of birth is not possible."), "birthdate")
        gender = (form.get("gender") or "").strip()
        if gender not in GENDERS:
            raise DeskError(_l("Choose the gender shown in the passport."), "gender")
        nationality = compact(form.get("nationality"))
        if not NATIONALITY.match(nationality):
            raise DeskError(_l("Nationality: the three-letter code in the passport, e.g. KOR."),
                            "nationality")
        number = compact(form.get("document_number"))
        if not DOCUMENT_NUMBER.match(number):
            raise DeskError(_l("Enter the passport or travel-document number (letters and "
                               "digits)."), "document_number")
        phone = mobile_number(form.get("phone_number"))
        if phone is None:
            raise DeskError(_l("Enter a Vietnamese mobile number, e.g. 0912 345 678."),
                            "phone_number")
        email = (form.get("email") or "").strip()
        if len(email) > 254 or not EMAIL.match(email):
            raise DeskError(_l("Enter an e-mail address."), "email")
        level = (form.get("requested_level") or "").strip()
        if level not in ("1", "2"):
            raise DeskError(_l("Choose level 1 or level 2."), "requested_level")
        office = _text(form, "office", 60)
        if not office:
            raise DeskError(_l("Enter the office receiving the application."), "office")
        if int(level) == 2 and age_on(birthdate, today) < 6:
            raise DeskError(_l("Children under 6 can only hold a level-1 account: choose level 1 "
                               "to continue."), "requested_level")
        locale = (form.get("locale") or "").strip()
        if locale not in MESSAGE_LANGUAGES:
            raise DeskError(_l("Choose the language of the applicant's messages."), "locale")
        return cls(name, birthdate, gender, nationality, number, phone, email, int(level), office,
                   locale=locale,
                   **_representative(form, minor=age_on(birthdate, today) < REPRESENTED_UNDER))


def _representative(form: Mapping, *, minor: bool) -> dict:
    name = _text(form, "representative_name", 200)
    number = compact(form.get("representative_number"))
    relationship = (form.get("representative_relationship") or "").strip()
    if not (name or number) and not minor:
        return {}
    if not name:
        raise DeskError(_l("Under 14, a parent or guardian applies: enter their name."),
                        "representative_name")
    if not IDENTIFICATION_NUMBER.match(number):
        raise DeskError(_l("Enter the representative's 12-digit identification number."),
                        "representative_number")
    if relationship not in RELATIONSHIPS:
        raise DeskError(_l("Choose the representative's relationship."),
                        "representative_relationship")
    return {"representative_name": name, "representative_number": number,
            "representative_relationship": relationship}


@dataclass(frozen=True)
class DocumentCheck:
    document_type: str
    document_number: str
    document_expires: date
    card_type: str
    card_number: str
    card_expires: date

    @classmethod
    def from_form(cls, form: Mapping) -> DocumentCheck:
        document_type = (form.get("document_type") or "").strip()
        if document_type not in DOCUMENT_TYPES:
            raise DeskError(_l("Choose the kind of travel document."), "document_type")
        number = compact(form.get("document_number"))
        if not DOCUMENT_NUMBER.match(number):
            raise DeskError(_l("Enter the passport or travel-document number (letters and "
                               "digits)."), "document_number")
        card_type = (form.get("card_type") or "").strip()
        if card_type not in CARD_TYPES:
            raise DeskError(_l("Choose a permanent or temporary residence card."), "card_type")
        card_number = compact(form.get("card_number"))
        if not DOCUMENT_NUMBER.match(card_number):
            raise DeskError(_l("Enter the residence card number."), "card_number")
        if form.get("card_original") != "yes":
            raise DeskError(_l("Level 2 needs the original residence card, seen at the desk."),
                            "card_original")
        return cls(document_type, number, _date(form.get("document_expires"), "document_expires"),
                   card_type, card_number, _date(form.get("card_expires"), "card_expires"))
