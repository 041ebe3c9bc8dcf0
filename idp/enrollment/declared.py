"""The declared data of form TK01 (Decree 69/2024/ND-CP, form TK01; Circular 17/2024/TT-BCA):
parsed and checked for shape here; whether it is true is the registry's answer.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import cache

from babel import Locale
from babel.core import get_global
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

GENDERS = {"female": _l("Female"), "male": _l("Male")}
# Vietnamese mobile numbers: +84 or 0, then nine digits starting 3, 5, 7, 8 or 9.
MOBILE = re.compile(r"(?:\+84|0084|84|0)([35789]\d{8})")
DOCUMENT = re.compile(r"[A-Z0-9]{5,20}")
EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]+")
MAX_NAME = 200

MESSAGES = {
    "required": _l("This is required."),
    "name": _l("Enter the full name exactly as in your passport (up to 200 characters)."),
    "date": _l("Enter a real date, for example 1990-04-12."),
    "future": _l("The date of birth cannot be in the future."),
    "choose": _l("Choose one."),
    "nationality": _l("Choose a nationality from the list."),
    "document": _l("Enter the number as printed in the document: 5 to 20 letters and digits."),
    "phone": _l("Enter a Vietnamese mobile number: +84 or 0, then 9 digits."),
    "email": _l("Enter an e-mail address like name@example.com."),
}


@cache
def _alpha3() -> dict[str, str]:
    """ISO 3166-1 alpha-3 -> alpha-2, from the CLDR data Babel ships."""
    english = Locale("en").territories
    return {three: twos[0] for three, twos in get_global("territory_aliases").items()
            if len(three) == 3 and three.isalpha() and len(twos) == 1 and twos[0] in english
            and twos[0].isalpha() and twos[0] not in ("EU", "EZ", "UN", "QO", "ZZ")}


def nationalities() -> list[tuple[str, str]]:
    """(alpha-3, name in the reader's language), sorted by name."""
    names = Locale.parse(str(get_locale() or "en")).territories
    pairs = [(three, names.get(two, three)) for three, two in _alpha3().items()]
    return sorted(pairs, key=lambda pair: unicodedata.normalize("NFKD", pair[1]).casefold())


def normalise_phone(value: str) -> str | None:
    """E.164 (+84...) for a Vietnamese mobile number, or None."""
    compact = re.sub(r"[\s.\-()]", "", value or "")
    match = MOBILE.fullmatch(compact)
    return f"+84{match.group(1)}" if match else None


def normalise_document(value: str) -> str:
    return re.sub(r"[\s\-]", "", value or "").upper()


def normalise_name(value: str) -> str:
    """NFC, single spaces: diacritics kept as typed (Nguyễn stays Nguyễn)."""
    return " ".join(unicodedata.normalize("NFC", value or "").split())


@dataclass(frozen=True)
class Person:
    """Who the form is about: what the registry matches."""

    full_name: str
    birthdate: date
    gender: str
    nationality: str
    document_number: str

    def match(self, registry):
        """The registry's record of this person, or None (raises RegistryUnavailable)."""
        return registry.match(document_number=self.document_number, full_name=self.full_name,
                              birthdate=self.birthdate, gender=self.gender,
                              nationality=self.nationality)


def parse_person(form, today: date) -> tuple[Person | None, dict[str, str]]:
    errors: dict[str, str] = {}
    name = normalise_name(form.get("full_name", ""))
    if not name or len(name) > MAX_NAME:
        errors["full_name"] = "name"
    birthdate = None
    try:
        birthdate = date.fromisoformat((form.get("birthdate") or "").strip())
    except ValueError:
        errors["birthdate"] = "date"
    if birthdate and (birthdate > today or birthdate.year < 1900):
        errors["birthdate"] = "future" if birthdate > today else "date"
    gender = form.get("gender", "")
    if gender not in GENDERS:
        errors["gender"] = "choose"
    nationality = (form.get("nationality") or "").strip().upper()
    if nationality not in _alpha3():
        errors["nationality"] = "nationality"
    document = normalise_document(form.get("document_number", ""))
    if not DOCUMENT.fullmatch(document):
        errors["document_number"] = "document"
    if errors:
        return None, errors
    return Person(name, birthdate, gender, nationality, document), {}


def parse_contact(form, errors: dict[str, str]) -> tuple[str | None, str | None]:
    """(mobile in E.164, e-mail) or errors added for either."""
    phone = normalise_phone(form.get("phone_number", ""))
    if phone is None:
        errors["phone_number"] = "phone"
    email = (form.get("email") or "").strip()
    if not EMAIL.fullmatch(email) or len(email) > 254:
        errors["email"] = "email"
    return phone, email or None


def messages(errors: dict[str, str]) -> dict[str, str]:
    return {field: str(MESSAGES[code]) for field, code in errors.items()}
