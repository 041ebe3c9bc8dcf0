"""Selecting a person by traits, for tests and the demo (GET /_sim/find?trait=value...).

Traits (all optional; a person must have every one asked):
  card=valid|expired|none        residence card state today
  card_type=permanent|temporary
  document=valid|expired         passport or travel document state today
  biometrics=true|false          whether the registry holds face and fingerprint templates
  age_min=N, age_max=N           age in whole years today; with neither, age_min=18 (adults)
  guardian=true|false            has a guardian_person_id (all under-18s have one)
  deceased=true|false            default false
  number_cancelled=true|false    default false
  script=latin|hangul|han|cyrillic|arabic|thai   the script of the full name
  culture=vietnamese|korean|japanese|chinese|russian|arabic|thai|western
  nationality=KOR, gender=female|male
  diacritics=true|false          the name has letters outside ASCII (e.g. "Nguyễn")
  nth=N                          the N-th (0-based) person with these traits, for distinct people
"""

from __future__ import annotations

from .state import Invalid

BOOLEAN = {"true": True, "false": False, "1": True, "0": False}
CHOICES = {
    "card": ("valid", "expired", "none"),
    "card_type": ("permanent", "temporary"),
    "document": ("valid", "expired"),
    "script": ("latin", "hangul", "han", "cyrillic", "arabic", "thai"),
    "culture": ("vietnamese", "korean", "japanese", "chinese", "russian", "arabic", "thai", "western"),
    "gender": ("female", "male"),
}
FLAGS = ("biometrics", "guardian", "deceased", "number_cancelled", "diacritics")
NUMBERS = ("age_min", "age_max", "nth")


def parse(args: dict) -> dict:
    traits = {"deceased": False, "number_cancelled": False}
    for name, value in args.items():
        if name in CHOICES:
            if value not in CHOICES[name]:
                raise Invalid(f"{name} is one of {', '.join(CHOICES[name])}")
            traits[name] = value
        elif name in FLAGS:
            if value.lower() not in BOOLEAN:
                raise Invalid(f"{name} is true or false")
            traits[name] = BOOLEAN[value.lower()]
        elif name in NUMBERS:
            if not value.isdigit():
                raise Invalid(f"{name} is a whole number")
            traits[name] = int(value)
        elif name == "nationality":
            traits[name] = value.upper()
        else:
            raise Invalid(f"unknown trait {name!r}")
    if "age_min" not in traits and "age_max" not in traits:
        traits["age_min"] = 18
    return traits


def fits(described: dict, traits: dict) -> bool:
    checks = {
        "card": lambda v: described["card_status"] == v,
        "card_type": lambda v: described["card_type"] == v,
        "document": lambda v: described["document_status"] == v,
        "biometrics": lambda v: described["has_biometrics"] is v,
        "age_min": lambda v: described["age"] >= v,
        "age_max": lambda v: described["age"] <= v,
        "guardian": lambda v: (described["guardian_person_id"] is not None) is v,
        "deceased": lambda v: described["deceased"] is v,
        "number_cancelled": lambda v: described["number_cancelled"] is v,
        "script": lambda v: described["script"] == v,
        "culture": lambda v: described["culture"] == v,
        "nationality": lambda v: described["nationality"] == v,
        "gender": lambda v: described["gender"] == v,
        "diacritics": lambda v: (not described["full_name"].isascii()) is v,
    }
    return all(checks[name](value) for name, value in traits.items() if name in checks)


def find(registry, args: dict) -> dict | None:
    traits = parse(args)
    wanted = traits.get("nth", 0)
    with registry.lock:
        for person in registry.people.values():
            described = registry.described(person)
            if fits(described, traits):
                if wanted == 0:
                    return described
                wanted -= 1
    return None
