"""The registry adapter's own HTTP behaviour. The registry's API is mocked with `responses` here,
and only here: timeouts, 5xx answers and malformed JSON cannot be provoked reliably otherwise."""

from __future__ import annotations

import json
import logging
from datetime import date
from datetime import datetime

import pytest
import requests
import responses

from idp.registry import RegistryClient
from idp.registry import RegistryUnavailable
from idp.registry.client import MAX_ANSWER_BYTES

URL = "https://registry.test"
PERSON = {
    "person_id": "IMM000000001", "full_name": "Nguyễn Thị Mai", "birthdate": "1990-04-12",
    "gender": "female", "nationality": "USA", "document_type": "passport", "document_number": "C12345678",
    "document_expires": "2031-01-01", "card_type": "temporary", "card_number": "TT1234567",
    "card_expires": "2027-06-30", "has_biometrics": True, "deceased": False, "guardian_person_id": None,
}
DECLARED = {"document_number": "C12345678", "full_name": "Nguyễn Thị Mai", "birthdate": date(1990, 4, 12),
            "gender": "female", "nationality": "USA"}


class Client(RegistryClient):
    """Records the delays it would have slept, and the lines it logged, instead of sleeping."""

    def __init__(self, **settings):
        self.delays = []
        self.logged = []
        logger = logging.Logger("registry-under-test")
        handler = logging.Handler()
        handler.emit = lambda record: self.logged.append(record.getMessage())
        logger.addHandler(handler)
        super().__init__(URL, **{"retries": 2, "backoff": 0.2, **settings}, sleep=self.delays.append,
                         logger=logger)


@responses.activate
def test_a_match_returns_the_registry_record_with_real_dates():
    responses.post(f"{URL}/v1/persons/match", json={"person": PERSON})
    person = Client().match(**DECLARED)
    assert person.person_id == "IMM000000001"
    assert person.birthdate == date(1990, 4, 12)
    assert person.card_type == "temporary"
    assert person.card_expires == date(2027, 6, 30)
    sent = json.loads(responses.calls[0].request.body)
    assert sent == {**DECLARED, "birthdate": "1990-04-12"}


@responses.activate
def test_no_match_is_none_without_a_retry():
    responses.post(f"{URL}/v1/persons/match", json={"error": "no_match"}, status=404)
    client = Client()
    assert client.match(**DECLARED) is None
    assert len(responses.calls) == 1 and client.delays == []


@pytest.mark.parametrize("status", [301, 302, 307, 308])
@responses.activate
def test_a_redirect_is_not_followed_and_says_where_it_pointed(status):
    """SEC-99: the registry's address comes from configuration only; a redirect elsewhere (with
    our bearer token, for a POST of declared data) is refused, not followed."""
    elsewhere = "https://elsewhere.test/v1/persons/match"
    responses.post(f"{URL}/v1/persons/match", status=status, headers={"Location": elsewhere})
    responses.post(elsewhere, json={"person": PERSON})
    with pytest.raises(RegistryUnavailable, match=f"HTTP {status}, a redirect to '{elsewhere}'"):
        Client(token="s3cret").match(**DECLARED)
    assert [call.request.url for call in responses.calls] == [f"{URL}/v1/persons/match"]


@pytest.mark.parametrize("declared_length", [True, False], ids=["content_length", "streamed"])
def test_an_answer_past_the_size_cap_is_unavailable_not_read_into_memory(declared_length):
    """SEC-99: at most MAX_ANSWER_BYTES are read, whether or not the length is announced."""
    huge = b'{"person": "' + b"x" * MAX_ANSWER_BYTES + b'"}'
    with responses.RequestsMock() as registry:
        registry.add(responses.Response("POST", f"{URL}/v1/persons/match", body=huge,
                                        content_type="application/json",
                                        auto_calculate_content_length=declared_length))
        with pytest.raises(RegistryUnavailable, match=f"larger than {MAX_ANSWER_BYTES} bytes"):
            Client().match(**DECLARED)


@responses.activate
def test_an_answer_just_under_the_cap_is_read():
    padding = "x" * (MAX_ANSWER_BYTES - 2000)
    responses.post(f"{URL}/v1/persons/match", json={"person": PERSON, "padding": padding})
    assert Client().match(**DECLARED).person_id == "IMM000000001"


@responses.activate
def test_connecting_takes_three_seconds_at_most_whatever_the_read_timeout():
    """SEC-99: a registry that does not accept the connection is given up on within 3 s."""
    responses.get(f"{URL}/v1/status", json={"status": "ok"})
    Client(timeout=8.0).ping()
    Client(timeout=1.5).ping()
    assert [call.request.req_kwargs["timeout"] for call in responses.calls] == [(3.0, 8.0), (1.5, 1.5)]


@responses.activate
def test_an_unknown_person_is_none():
    responses.get(f"{URL}/v1/persons/IMM9", json={"error": "not_found"}, status=404)
    assert Client().person("IMM9") is None


@responses.activate
def test_timeouts_are_retried_with_doubling_delays_then_the_registry_is_unavailable():
    responses.post(f"{URL}/v1/persons/match", body=requests.ConnectTimeout("slow"))
    client = Client(retries=3, timeout=1.5)
    with pytest.raises(RegistryUnavailable) as raised:
        client.match(**DECLARED)
    assert len(responses.calls) == 4
    assert client.delays == [0.2, 0.4, 0.8]
    message = str(raised.value)
    assert f"{URL}/v1/persons/match" in message and "no answer within 1.5 s" in message
    assert "4 attempts" in message
    assert [line.split("; ")[1] for line in client.logged] == [
        "retry 1 of 3 in 0.20 s", "retry 2 of 3 in 0.40 s", "retry 3 of 3 in 0.80 s"]
    assert not any("Nguyễn" in line or "C12345678" in line for line in client.logged)


@responses.activate
def test_connection_refused_is_unavailable_with_the_url():
    responses.get(f"{URL}/v1/persons/IMM1", body=requests.ConnectionError("refused"))
    with pytest.raises(RegistryUnavailable, match="connection failed"):
        Client(retries=0).person("IMM1")


@responses.activate
def test_a_5xx_is_retried_and_a_later_success_is_used():
    responses.get(f"{URL}/v1/persons/IMM000000001", status=502)
    responses.get(f"{URL}/v1/persons/IMM000000001", status=503, json={"error": "unavailable"})
    responses.get(f"{URL}/v1/persons/IMM000000001", json={"person": PERSON})
    client = Client()
    assert client.person("IMM000000001").full_name == "Nguyễn Thị Mai"
    assert len(responses.calls) == 3 and client.delays == [0.2, 0.4]


@responses.activate
def test_a_persistent_5xx_says_which_status():
    responses.get(f"{URL}/v1/changes", status=500)
    with pytest.raises(RegistryUnavailable, match="answered HTTP 500"):
        Client().changes("")
    assert len(responses.calls) == 3


@pytest.mark.parametrize("status", [400, 401, 403, 409, 429])
@responses.activate
def test_a_4xx_is_never_retried(status):
    responses.post(f"{URL}/v1/persons/match", status=status, json={"error": "invalid_request"})
    client = Client()
    with pytest.raises(RegistryUnavailable, match=f"HTTP {status}"):
        client.match(**DECLARED)
    assert len(responses.calls) == 1 and client.delays == []


@responses.activate
def test_a_refused_token_points_the_operator_at_the_setting():
    responses.get(f"{URL}/v1/status", status=401, json={"error": "unauthorized"})
    with pytest.raises(RegistryUnavailable, match="REGISTRY.TOKEN"):
        Client().ping()


@responses.activate
def test_the_bearer_token_is_sent_when_configured():
    responses.get(f"{URL}/v1/status", json={"status": "ok"})
    Client(token="s3cret").ping()
    Client().ping()
    assert responses.calls[0].request.headers["Authorization"] == "Bearer s3cret"
    assert "Authorization" not in responses.calls[1].request.headers


@pytest.mark.parametrize("answer", [
    "not json at all",
    json.dumps(["a", "list"]),
    json.dumps({"persons": PERSON}),
    json.dumps({"person": {**PERSON, "birthdate": "12/04/1990"}}),
    json.dumps({"person": {**PERSON, "has_biometrics": "yes"}}),
    json.dumps({"person": {k: v for k, v in PERSON.items() if k != "document_number"}}),
    json.dumps({"person": {**PERSON, "card_type": "golden"}}),
])
@responses.activate
def test_a_malformed_answer_is_unavailable_not_a_crash(answer):
    responses.post(f"{URL}/v1/persons/match", body=answer, content_type="application/json")
    with pytest.raises(RegistryUnavailable, match="not a JSON object|malformed"):
        Client().match(**DECLARED)


@responses.activate
def test_a_404_that_is_not_the_apis_is_not_taken_for_no_match():
    responses.post(f"{URL}/v1/persons/match", status=404, body="<html>Not Found</html>")
    with pytest.raises(RegistryUnavailable, match="HTTP 404"):
        Client().match(**DECLARED)


@responses.activate
def test_biometric_match_sends_base64_and_reads_the_score():
    responses.post(f"{URL}/v1/persons/IMM000000001/biometric-match", json={
        "method": "face", "matched": True, "score": 0.97, "reference": "BMC-1",
        "checked_at": "2026-11-23T07:30:00+07:00", "enrolled": False})
    result = Client().biometric_match("IMM000000001", "face", b"\x89PNG...")
    assert json.loads(responses.calls[0].request.body) == {"method": "face", "sample": "iVBORy4uLg=="}
    assert (result.matched, result.score, result.reference, result.enrolled) == (True, 0.97, "BMC-1", False)
    assert result.checked_at == datetime(2026, 11, 23, 0, 30)  # naive UTC, like idp.clock.now()


@pytest.mark.parametrize("answer", [
    {"method": "face", "matched": None, "score": None, "reference": "B", "checked_at": "2026-11-23T00:00:00Z",
     "enrolled": False},
    {"method": "face", "matched": True, "score": 1.7, "reference": "B", "checked_at": "2026-11-23T00:00:00Z",
     "enrolled": False},
    {"method": "fingerprint", "matched": True, "score": 0.9, "reference": "B",
     "checked_at": "2026-11-23T00:00:00Z", "enrolled": False},
])
@responses.activate
def test_an_impossible_biometric_answer_is_unavailable(answer):
    responses.post(f"{URL}/v1/persons/IMM1/biometric-match", json=answer)
    with pytest.raises(RegistryUnavailable, match="malformed"):
        Client().biometric_match("IMM1", "face", b"x")


@responses.activate
def test_changes_parse_dates_and_carry_the_cursor_forward():
    responses.get(f"{URL}/v1/changes", json={"cursor": "8", "changes": [
        {"id": "7", "person_id": "IMM1", "kind": "card_renewed", "at": "2026-11-23T01:00:00Z",
         "data": {"card_type": "permanent", "card_number": "TTR1", "card_expires": "2036-11-23"}},
        {"id": 8, "person_id": "IMM2", "kind": "deceased", "at": "2026-11-23T02:00:00Z", "data": {}},
    ]})
    page = Client().changes("6", limit=2)
    assert responses.calls[0].request.url == f"{URL}/v1/changes?cursor=6&limit=2"
    assert page.cursor == "8"
    assert [c.id for c in page.changes] == ["7", "8"]
    assert page.changes[0].data == {"card_type": "permanent", "card_number": "TTR1",
                                    "card_expires": date(2036, 11, 23)}


@responses.activate
def test_a_change_of_unknown_kind_or_missing_data_is_malformed():
    responses.get(f"{URL}/v1/changes", json={"cursor": "1", "changes": [
        {"id": "1", "person_id": "IMM1", "kind": "name_changed", "at": "2026-11-23T01:00:00Z", "data": {}}]})
    with pytest.raises(RegistryUnavailable, match="full_name"):
        Client().changes("")


@responses.activate
def test_a_biometric_check_that_may_have_arrived_is_not_sent_twice():
    """A first capture is enrolled by the registry: a replay would be matched against itself."""
    responses.post(f"{URL}/v1/persons/IMM1/biometric-match", body=requests.ReadTimeout("slow"))
    client = Client()
    with pytest.raises(RegistryUnavailable, match="1 attempt\\)"):
        client.biometric_match("IMM1", "face", b"x")
    assert len(responses.calls) == 1


@responses.activate
def test_a_biometric_check_that_surely_did_not_arrive_is_retried():
    url = f"{URL}/v1/persons/IMM1/biometric-match"
    responses.post(url, body=requests.ConnectionError("refused"))
    responses.post(url, status=503)
    responses.post(url, json={"method": "face", "matched": None, "score": None, "reference": "B",
                              "checked_at": "2026-11-23T00:00:00Z", "enrolled": True})
    assert Client().biometric_match("IMM1", "face", b"x").enrolled is True
    assert len(responses.calls) == 3


def test_a_url_that_is_not_one_is_reported_as_the_setting():
    with pytest.raises(RegistryUnavailable, match="REGISTRY.URL"):
        RegistryClient("registry.internal:5002").ping()
