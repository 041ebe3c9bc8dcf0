"""The simulated registry itself: the population tests and the demo rely on, and its rules.
These use the simulator's own Flask test client (no IdP involved)."""

from __future__ import annotations

import base64
from collections import Counter
from datetime import date

import pytest

from registry_simulator import create_app

TODAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def sim():
    return create_app(seed=2026, size=300, token="", today=TODAY).test_client()


def everyone(sim, traits: str = "") -> list[dict]:
    people, nth = [], 0
    while True:
        answer = sim.get(f"/_sim/find?age_min=0&nth={nth}{traits}")
        if answer.status_code == 404:
            return people
        people.append(answer.json["person"])
        nth += 1


def test_the_same_seed_gives_the_same_people():
    first = create_app(seed=7, size=40, today=TODAY).test_client().get("/_sim/find?nth=3").json
    again = create_app(seed=7, size=40, today=TODAY).test_client().get("/_sim/find?nth=3").json
    other = create_app(seed=8, size=40, today=TODAY).test_client().get("/_sim/find?nth=3").json
    assert first == again and first != other


def test_the_population_covers_what_registration_and_lifecycle_meet(sim):
    people = everyone(sim)
    dead = everyone(sim, "&deceased=true")
    assert len(people) + len(dead) == 300 and len(dead) >= 3
    assert {p["script"] for p in people} == {"latin", "hangul", "han", "cyrillic", "arabic", "thai"}
    assert any("ễ" in p["full_name"] or "ị" in p["full_name"] for p in people)
    assert Counter(p["card_status"] for p in people).keys() == {"valid", "expired", "none"}
    assert {p["card_type"] for p in people} == {"permanent", "temporary", None}
    assert any(p["document_status"] == "expired" for p in people)
    assert any(not p["has_biometrics"] for p in people if p["age"] >= 18)
    assert all(len(p["nationality"]) == 3 and p["nationality"].isupper() for p in people)
    assert len({p["document_number"] for p in people}) == len(people)


@pytest.mark.parametrize("low, high", [(0, 5), (6, 13), (14, 17)])
def test_children_of_each_age_band_have_an_adult_guardian_in_the_registry(sim, low, high):
    child = sim.get(f"/_sim/find?age_min={low}&age_max={high}").json["person"]
    guardian = sim.get(f"/v1/persons/{child['guardian_person_id']}").json["person"]
    assert low <= child["age"] <= high
    assert sim.get(f"/_sim/persons/{guardian['person_id']}").json["person"]["age"] >= 18
    assert guardian["nationality"] == child["nationality"]


def test_find_refuses_an_unknown_trait_and_says_so(sim):
    answer = sim.get("/_sim/find?hair=red")
    assert answer.status_code == 400 and "hair" in answer.json["detail"]


def test_a_deceased_person_is_found_only_when_asked(sim):
    dead = sim.get("/_sim/find?deceased=true").json["person"]
    assert dead["deceased"] is True
    assert all(not p["deceased"] for p in everyone(sim))


def test_the_index_page_lists_people_with_their_samples(sim):
    page = sim.get("/").get_data(as_text=True)
    person = sim.get("/_sim/find?culture=korean&card=valid&biometrics=true&document=valid").json["person"]
    assert person["full_name"] in page and person["document_number"] in page
    assert f"/_sim/persons/{person['person_id']}/sample/face" in page
    face = sim.get(f"/_sim/persons/{person['person_id']}/sample/face")
    assert face.mimetype == "image/png" and face.data.startswith(b"\x89PNG")


def test_a_token_when_configured_is_required():
    guarded = create_app(seed=1, size=20, token="registry-token", today=TODAY).test_client()
    assert guarded.get("/v1/status").status_code == 401
    assert guarded.get("/v1/status", headers={"Authorization": "Bearer wrong"}).status_code == 401
    allowed = guarded.get("/v1/status", headers={"Authorization": "Bearer registry-token"})
    assert allowed.json == {"status": "ok"}


@pytest.mark.parametrize("path, body", [
    ("/v1/persons/match", {"full_name": "x"}),
    ("/v1/persons/match", {"document_number": "C1", "full_name": "x", "birthdate": "1990-13-01",
                           "gender": "male", "nationality": "USA"}),
    ("/v1/persons/IMM1/biometric-match", {"method": "iris", "sample": "eA=="}),
    ("/v1/persons/IMM1/biometric-match", {"method": "face", "sample": "not base64!"}),
])
def test_a_malformed_request_is_a_400_that_says_why(sim, path, body):
    answer = sim.post(path, json=body)
    assert answer.status_code == 400
    assert answer.json["error"] == "invalid_request" and answer.json["detail"]


def test_a_cursor_that_is_not_a_change_id_is_refused(sim):
    assert sim.get("/v1/changes?cursor=abc").status_code == 400
    assert sim.get("/v1/changes?limit=0").status_code == 400


def test_biometric_match_of_an_unknown_person_is_404(sim):
    answer = sim.post("/v1/persons/IMM000000000/biometric-match",
                      json={"method": "face", "sample": base64.b64encode(b"x").decode()})
    assert answer.status_code == 404 and answer.json == {"error": "not_found"}
