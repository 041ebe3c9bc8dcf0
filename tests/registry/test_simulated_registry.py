"""The adapter against the simulated registry, served over real HTTP (fixture `registry`)."""

from __future__ import annotations

import time
import unicodedata
from datetime import date
from datetime import timedelta

import pytest

from idp.registry import RegistryUnavailable
from idp.registry import registry_client

DECLARED = ("document_number", "full_name", "birthdate", "gender", "nationality")


def declared(person: dict, **changes) -> dict:
    data = {k: person[k] for k in DECLARED}
    data["birthdate"] = date.fromisoformat(data["birthdate"])
    data.update(changes)
    return data


def without_diacritics(name: str) -> str:
    stripped = "".join(c for c in unicodedata.normalize("NFD", name) if not unicodedata.combining(c))
    return stripped.replace("đ", "d").replace("Đ", "D")


def test_declared_data_with_vietnamese_diacritics_matches_the_person(registry_app, registry):
    person = registry.find(culture="vietnamese", diacritics=True, card="valid")
    with registry_app.app_context():
        found = registry_client().match(**declared(person))
    assert found.person_id == person["person_id"]
    assert found.full_name == person["full_name"]
    assert found.card_expires == date.fromisoformat(person["card_expires"])
    assert found.has_biometrics is person["has_biometrics"]


@pytest.mark.parametrize("script", ["hangul", "han", "cyrillic", "arabic", "thai"])
def test_names_in_their_own_script_match(registry_app, registry, script):
    person = registry.find(script=script)
    with registry_app.app_context():
        assert registry_client().match(**declared(person)).person_id == person["person_id"]


def test_case_spacing_and_unicode_form_do_not_matter(registry_app, registry):
    person = registry.find(culture="vietnamese", diacritics=True)
    number = person["document_number"]
    shouted = unicodedata.normalize("NFD", person["full_name"].upper()).replace(" ", "   ")
    spaced = f" {number[:3]} {number[3:].lower()} "
    sloppy = declared(person, document_number=spaced, full_name=f"  {shouted}")
    with registry_app.app_context():
        assert registry_client().match(**sloppy).person_id == person["person_id"]


@pytest.mark.parametrize("field", ["document_number", "full_name", "birthdate", "gender", "nationality"])
def test_one_wrong_field_is_no_match(registry_app, registry, field):
    person = registry.find(culture="vietnamese", diacritics=True)
    other = registry.find(nth=1)
    wrong = {
        "document_number": other["document_number"],
        "full_name": without_diacritics(person["full_name"]),
        "birthdate": date.fromisoformat(person["birthdate"]) + timedelta(days=1),
        "gender": "male" if person["gender"] == "female" else "female",
        "nationality": "GBR" if person["nationality"] != "GBR" else "USA",
    }[field]
    assert wrong != person[field]
    with registry_app.app_context():
        assert registry_client().match(**declared(person, **{field: wrong})) is None


def test_person_by_id_includes_a_minors_guardian(registry_app, registry):
    child = registry.find(age_max=13)
    with registry_app.app_context():
        found = registry_client().person(child["person_id"])
        guardian = registry_client().person(found.guardian_person_id)
        assert registry_client().person("IMM000000000") is None
    assert found.birthdate == date.fromisoformat(child["birthdate"])
    assert guardian is not None and guardian.guardian_person_id is None


@pytest.mark.parametrize("method", ["face", "fingerprint"])
def test_the_persons_own_capture_matches_and_another_does_not(registry_app, registry, method):
    person = registry.find(biometrics=True, card="valid")
    someone_else = registry.find(biometrics=True, card="valid", nth=1)
    with registry_app.app_context():
        own = registry_client().biometric_match(person["person_id"], method,
                                                registry.sample(person["person_id"], method))
        wrong = registry_client().biometric_match(person["person_id"], method,
                                                  registry.sample(someone_else["person_id"], method))
    assert (own.matched, own.enrolled) == (True, False) and own.score > 0.9
    assert (wrong.matched, wrong.enrolled) == (False, False) and wrong.score < 0.3
    assert own.reference != wrong.reference and own.method == method


def test_without_stored_biometrics_the_capture_is_enrolled_then_matched(registry_app, registry):
    person = registry.find(biometrics=False, card="valid")
    capture = b"face captured at the immigration office"
    with registry_app.app_context():
        first = registry_client().biometric_match(person["person_id"], "face", capture)
        again = registry_client().biometric_match(person["person_id"], "face", capture)
        record = registry_client().person(person["person_id"])
    assert (first.matched, first.score, first.enrolled) == (None, None, True)
    assert (again.matched, again.enrolled) == (True, False)
    assert record.has_biometrics is True


def test_changes_page_through_the_log_with_the_cursor(registry_app, registry):
    person = registry.find(card="expired")
    renewal = registry.add_change(person["person_id"], "card_renewed", card_expires=date(2031, 5, 1))
    registry.add_change(person["person_id"], "name_changed", full_name="Trần Thị Mai")
    registry.add_change(person["person_id"], "deceased")
    with registry_app.app_context():
        client = registry_client()
        first = client.changes("", limit=2)
        second = client.changes(first.cursor, limit=2)
        nothing_new = client.changes(second.cursor, limit=2)
        record = client.person(person["person_id"])
    assert [c.kind for c in first.changes] == ["card_renewed", "name_changed"]
    assert first.changes[0].data == {"card_type": person["card_type"], "card_expires": date(2031, 5, 1),
                                     "card_number": renewal["data"]["card_number"]}
    assert [c.kind for c in second.changes] == ["deceased"]
    assert nothing_new.changes == [] and nothing_new.cursor == second.cursor
    assert record.full_name == "Trần Thị Mai"
    assert (record.card_expires, record.deceased) == (date(2031, 5, 1), True)


def test_a_renewed_passport_matches_under_its_new_number_only(registry_app, registry):
    person = registry.find(document="expired")
    change = registry.add_change(person["person_id"], "document_renewed")
    with registry_app.app_context():
        client = registry_client()
        assert client.match(**declared(person)) is None
        renewed = client.match(**declared(person, document_number=change["data"]["document_number"]))
    assert renewed.person_id == person["person_id"] and renewed.document_expires > date.today()


def test_a_registry_that_is_down_fails_fast_without_retries(registry_app, registry):
    registry_app.config["REGISTRY"] = {**registry_app.config["REGISTRY"], "RETRIES": 0}
    person = registry.find()
    registry.set_down(True)
    started = time.monotonic()
    with registry_app.app_context(), pytest.raises(RegistryUnavailable, match="HTTP 503"):
        registry_client().match(**declared(person))
    assert time.monotonic() - started < 1
    registry.set_down(False)
    with registry_app.app_context():
        assert registry_client().match(**declared(person)).person_id == person["person_id"]


def test_nobody_listening_is_unavailable(registry_app):
    registry_app.config["REGISTRY"] = {**registry_app.config["REGISTRY"], "URL": "http://127.0.0.1:9",
                                       "RETRIES": 1, "BACKOFF": 0.0}
    with registry_app.app_context(), \
            pytest.raises(RegistryUnavailable, match="127.0.0.1:9.*connection failed"):
        registry_client().person("IMM1")


def test_a_registry_slower_than_the_timeout_is_unavailable(registry_app, registry):
    registry_app.config["REGISTRY"] = {**registry_app.config["REGISTRY"], "TIMEOUT": 0.2, "RETRIES": 1}
    registry.set_delay(0.5)
    with registry_app.app_context(), pytest.raises(RegistryUnavailable, match="no answer within 0.2 s"):
        registry_client().changes("")
