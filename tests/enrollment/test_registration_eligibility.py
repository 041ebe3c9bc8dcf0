"""Who may register online (Decree 69/2024/ND-CP Art. 11; DESIGN.md "The domain rules"): a valid
residence card and passport, alive, 14 or over. Each refusal explains itself and writes nothing."""

from __future__ import annotations

import pytest

from .registration_steps import counts
from .registration_steps import messages
from .registration_steps import register

CARD = "An account needs a valid permanent or temporary residence card"
CASES = {
    "expired residence card": ({"card": "expired", "document": "valid"}, CARD),
    "no residence card": ({"card": "none", "document": "valid"}, CARD),
    "expired passport": ({"card": "valid", "document": "expired"},
                         "The passport or travel document recorded in the immigration registry "
                         "has expired."),
    "under 14 alone": ({"card": "valid", "document": "valid", "age_max": 13},
                       "People under 14 cannot register themselves."),
    "deceased": ({"deceased": True},
                 "An account cannot be issued online for these details."),
}


@pytest.mark.parametrize("case", list(CASES))
def test_an_ineligible_person_is_told_why_and_nothing_is_written(registry_app, client, registry,
                                                                 case):
    traits, explanation = CASES[case]
    person = registry.find(**traits)
    page = register(client, person)
    assert page.status_code == 403
    assert "An account cannot be issued" in page.text
    assert explanation in page.text
    assert counts(registry_app) == (0, 0)
    assert messages(registry_app) == []


def test_a_fourteen_year_old_registers_alone(registry_app, client, registry):
    person = registry.find(card="valid", document="valid", age_min=14, age_max=14)
    page = register(client, person)
    assert page.status_code == 200
    assert counts(registry_app) == (1, 1)
