"""The synthetic population: a few hundred foreign residents, the same for the same seed.

Attributes follow fixed cycles (so every combination find() may ask for exists) and the seeded
random generator (names, numbers, dates). Dates are relative to `today`.
"""

from __future__ import annotations

import random
from datetime import date
from datetime import timedelta

from .names import CULTURES
from .names import WEIGHTS
from .names import compose
from .names import family_of


def years_before(today: date, years: int, extra_days: int) -> date:
    try:
        anchor = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        anchor = today.replace(year=today.year - years, day=28)
    return anchor - timedelta(days=extra_days)


def age_on(birthdate: date, today: date) -> int:
    return today.year - birthdate.year - ((today.month, today.day) < (birthdate.month, birthdate.day))


class Generator:
    def __init__(self, seed: int, today: date):
        self.rng = random.Random(seed)  # noqa: S311 - synthetic test data, reproducible by design
        self.today = today
        self.used: set[str] = set()

    def unique(self, make) -> str:
        while True:
            value = make()
            if value not in self.used:
                self.used.add(value)
                return value

    def digits(self, n: int) -> str:
        return "".join(self.rng.choice("0123456789") for _ in range(n))

    def person_id(self) -> str:
        return self.unique(lambda: "IMM" + self.digits(9))

    def document_number(self) -> str:
        return self.unique(lambda: self.rng.choice("BCEKMNPS") + self.digits(8))

    def card_number(self, card_type: str) -> str:
        prefix = "TTR" if card_type == "permanent" else "TT"
        return self.unique(lambda: prefix + self.digits(7))

    def future(self, low: int, high: int) -> date:
        return self.today + timedelta(days=self.rng.randint(low, high))

    def past(self, low: int, high: int) -> date:
        return self.today - timedelta(days=self.rng.randint(low, high))

    def person(self, i: int, *, age: int, culture: str, gender: str, family=None, card: str,
               document_expired: bool, biometrics: bool, deceased: bool, guardian: str | None) -> dict:
        spec = CULTURES[culture]
        family = family if family is not None else self.rng.choice(spec["family"])
        given = self.rng.choice(spec["male" if gender == "male" else "female"])
        card_type = None if card == "none" else ("permanent" if i % 3 == 0 else "temporary")
        card_expires = None
        if card == "valid":
            card_expires = self.future(30, 1800)
        elif card == "expired":
            card_expires = self.past(1, 400)
        return {
            "person_id": self.person_id(),
            "full_name": compose(culture, family, given, gender),
            "birthdate": years_before(self.today, age, self.rng.randint(1, 360)),
            "gender": gender,
            "nationality": self.rng.choice(spec["nationalities"]),
            "document_type": "travel_document" if i % 13 == 7 else "passport",
            "document_number": self.document_number(),
            "document_expires": self.past(1, 600) if document_expired else self.future(90, 3600),
            "card_type": card_type,
            "card_number": card_type and self.card_number(card_type),
            "card_expires": card_expires,
            "has_biometrics": biometrics,
            "deceased": deceased,
            "guardian_person_id": guardian,
            "number_cancelled": False,
            "culture": culture,
            "script": spec["script"],
        }


CARD_CYCLE = ["valid"] * 8 + ["expired", "none"]


def population(seed: int, size: int, today: date) -> list[dict]:
    """About 85 % adults, then children in three age bands, each with an adult guardian."""
    gen = Generator(seed, today)
    rng = gen.rng
    cultures = list(WEIGHTS)
    weights = [WEIGHTS[c] for c in cultures]
    n_children = max(3, size * 15 // 100) if size >= 10 else 0
    adults = []
    for i in range(size - n_children):
        adults.append(gen.person(
            i, age=rng.randint(18, 75), culture=rng.choices(cultures, weights)[0],
            gender=rng.choice(("female", "male")), card=CARD_CYCLE[i % 10],
            document_expired=i % 11 == 5, biometrics=i % 7 != 3, deceased=i % 47 == 13, guardian=None))
    parents = [p for p in adults if not p["deceased"] and p["card_expires"] and p["card_expires"] > today
               and 25 <= age_on(p["birthdate"], today) <= 60]
    children = []
    bands = [(0, 5), (6, 13), (14, 17)]
    for j in range(n_children):
        parent = parents[rng.randrange(len(parents))]
        low, high = bands[j % 3]
        # Under-6s hold no biometrics (they can only reach level 1).
        child = gen.person(
            j, age=rng.randint(low, high), culture=parent["culture"], gender=rng.choice(("female", "male")),
            family=family_of(parent["culture"], parent["full_name"]),
            card="expired" if j % 9 == 4 else "valid", document_expired=False,
            biometrics=j % 4 != 1 and j % 3 != 0, deceased=False, guardian=parent["person_id"])
        child["nationality"] = parent["nationality"]
        children.append(child)
    return adults + children
