"""`verified_claims` (OpenID Connect for Identity Assurance 1.0) in ID tokens and UserInfo.

Responses are validated against the working group's own JSON schemas (tests/oidc/ida_schema,
vendored; see SOURCE.md there).
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry

from idp.accounts.events import AccountEvent
from idp.accounts.models import Account
from idp.audit import AuditEvent
from idp.clients import registration
from idp.clock import now
from idp.extensions import db

from ..rp import TestRelyingParty

ISSUER = "https://idp.test"
FRAMEWORK = f"{ISSUER}/trust_framework/vn_nd69_2024"
TEMPORARY_CARD = f"{ISSUER}/document_type/vn_temporary_residence_card"
SCHEMAS = Path(__file__).parent / "ida_schema"
UTC_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")

EVERYTHING = {
    "verification": {
        "trust_framework": None,
        "assurance_level": None,
        "assurance_process": {"policy": None, "procedure": None},
        "time": None,
        "evidence": [{
            "type": {"value": "document"},
            "check_details": [{"check_method": None, "organization": None, "time": None}],
            "document_details": {"type": None, "document_number": None, "date_of_expiry": None,
                                 "issuer": {"country_code": None, "name": None}},
        }],
    },
    "claims": {"given_name": None, "family_name": None, "birthdate": None,
               "nationalities": None, "gender": None},
}


def _schema(name: str) -> Draft202012Validator:
    pairs = [(s["$id"], s) for s in (json.loads(p.read_text()) for p in SCHEMAS.glob("*.json"))]
    schema = json.loads((SCHEMAS / name).read_text())
    return Draft202012Validator(schema, registry=Registry().with_contents(pairs),
                                format_checker=Draft202012Validator.FORMAT_CHECKER)


def assert_valid(payload: dict) -> None:
    """Valid against verified_claims.json, every timestamp in UTC with seconds (IDA §9)."""
    _schema("verified_claims.json").validate(payload)
    text = json.dumps(payload["verified_claims"])
    for stamp in re.findall(r'"time": "([^"]+)"', text):
        assert UTC_TIME.match(stamp), stamp


def claims_param(*, id_token=None, userinfo=None) -> str:
    """The claims parameter, itself valid against verified_claims_request.json."""
    request = {}
    if id_token is not None:
        request["id_token"] = {"verified_claims": id_token}
    if userinfo is not None:
        request["userinfo"] = {"verified_claims": userinfo}
    _schema("verified_claims_request.json").validate(request)
    return json.dumps(request)


def proofed(app, factories, rp: TestRelyingParty, *, days_ago: int = 30) -> TestRelyingParty:
    """Level 2 as an officer records it: documents, face match, nationality, when."""
    rp.totp_secret, rp.recovery_codes = factories.level2(rp.account)
    with app.app_context():
        account = db.session.get(Account, rp.account.id)
        account.nationality = "DEU"
        account.proofed_at = now() - timedelta(days=days_ago)
        account.biometric_method = "face"
        account.biometric_matched_at = account.proofed_at - timedelta(minutes=5)
        db.session.commit()
    return rp


@pytest.fixture
def bank(app, factories) -> TestRelyingParty:
    return proofed(app, factories, TestRelyingParty(app, factories, verified_claims_allowed=True))


def tokens_with(rp: TestRelyingParty, claims: str, **overrides) -> dict:
    """A level-2 sign-in (password, then the authenticator app) asking for verified claims."""
    return rp.tokens(claims=claims, acr_values="2", **overrides)


def test_full_flow_id_token_and_userinfo_carry_valid_verified_claims(app, factories, rp):
    """The `rp` fixture's client, allowed from the console's registration module."""
    with app.app_context():
        registration.update(registration.find(rp.client.client_id), {"verified_claims_allowed": True})
    proofed(app, factories, rp)
    tokens = tokens_with(rp, claims_param(id_token=EVERYTHING, userinfo=EVERYTHING))

    id_claims = rp.verify_id_token(tokens["id_token"])
    assert id_claims["acr"] == "2"
    assert_valid(id_claims)
    userinfo = rp.userinfo(tokens["access_token"]).json
    assert_valid(userinfo)
    verified = userinfo["verified_claims"]
    assert verified == id_claims["verified_claims"]

    verification = verified["verification"]
    assert verification["trust_framework"] == FRAMEWORK
    assert verification["assurance_level"] == "level_2"
    assert verification["assurance_process"]["policy"] == "Decree 69/2024/ND-CP"
    passport, card = verification["evidence"]
    assert passport["document_details"] == {"type": "passport", "document_number": "B1234567",
                                            "date_of_expiry": "2099-12-31",
                                            "issuer": {"country_code": "DEU"}}
    assert [c["check_method"] for c in passport["check_details"]] == ["vpip", "data", "bvp"]
    assert card["document_details"]["type"] == TEMPORARY_CARD
    assert card["document_details"]["document_number"] == "TT0012345"
    assert card["document_details"]["issuer"]["country_code"] == "VNM"
    assert verified["claims"] == {"given_name": "Minh An", "family_name": "Nguyễn",
                                  "birthdate": "1990-04-12", "nationalities": ["DEU"],
                                  "gender": "female"}


def test_only_what_was_requested_is_released(bank):
    request = {"verification": {"trust_framework": None}, "claims": {"family_name": None}}
    tokens = tokens_with(bank, claims_param(userinfo=request))
    assert "verified_claims" not in bank.verify_id_token(tokens["id_token"])  # not asked there
    userinfo = bank.userinfo(tokens["access_token"]).json
    assert_valid(userinfo)
    assert userinfo["verified_claims"] == {"verification": {"trust_framework": FRAMEWORK},
                                           "claims": {"family_name": "Nguyễn"}}


def test_an_evidence_filter_picks_the_matching_documents_and_checks(bank):
    request = {"verification": {"trust_framework": None, "evidence": [{
        "type": {"value": "document"},
        "check_details": [{"check_method": {"value": "bvp"}}],
        "document_details": {"type": None}}]}, "claims": {"given_name": None}}
    tokens = tokens_with(bank, claims_param(id_token=request))
    claims = bank.verify_id_token(tokens["id_token"])
    assert_valid(claims)
    evidence = claims["verified_claims"]["verification"]["evidence"]
    assert evidence == [{"type": "document", "check_details": [{"check_method": "bvp"}],
                         "document_details": {"type": "passport"}}]


def test_a_document_type_filter_and_one_answer_per_request_object(bank):
    """§5.6: an array of requests is answered object by object; §5.5.1: `values` on the type."""
    card_only = {"verification": {"trust_framework": None, "evidence": [{
        "type": {"value": "document"},
        "document_details": {"type": {"values": [TEMPORARY_CARD]}, "date_of_expiry": None}}]},
        "claims": {"birthdate": None}}
    other_framework = {"verification": {"trust_framework": {"value": "de_aml"}},
                       "claims": {"given_name": None}}
    tokens = tokens_with(bank, claims_param(userinfo=[card_only, other_framework]))
    userinfo = bank.userinfo(tokens["access_token"]).json
    assert_valid(userinfo)
    [verified] = userinfo["verified_claims"]
    assert verified["verification"]["evidence"] == [{"type": "document", "document_details": {
        "type": TEMPORARY_CARD, "date_of_expiry": "2099-12-31"}}]
    assert verified["claims"] == {"birthdate": "1990-04-12"}


def test_a_client_not_allowed_gets_no_verified_claims_and_no_error(app, factories):
    rp = proofed(app, factories, TestRelyingParty(app, factories))
    tokens = tokens_with(rp, claims_param(id_token=EVERYTHING, userinfo=EVERYTHING))
    assert "verified_claims" not in rp.verify_id_token(tokens["id_token"])
    userinfo = rp.userinfo(tokens["access_token"]).json
    assert "verified_claims" not in userinfo and userinfo["sub"]


def test_a_level1_account_gets_no_verified_claims(app, factories):
    rp = TestRelyingParty(app, factories, verified_claims_allowed=True)
    tokens = rp.tokens(claims=claims_param(id_token=EVERYTHING, userinfo=EVERYTHING))
    assert "verified_claims" not in rp.verify_id_token(tokens["id_token"])
    assert "verified_claims" not in rp.userinfo(tokens["access_token"]).json


def test_a_password_only_session_of_a_level2_account_gets_none(bank):
    """IDA §10.2: strong identity data needs strong authentication (acr 2)."""
    tokens = bank.tokens(claims=claims_param(id_token=EVERYTHING))
    claims = bank.verify_id_token(tokens["id_token"])
    assert claims["acr"] == "1" and "verified_claims" not in claims


@pytest.mark.parametrize(("constraint", "released"), [
    ({"value": FRAMEWORK}, True),
    ({"values": ["eidas", FRAMEWORK]}, True),
    ({"value": "eidas"}, False),
])
def test_the_trust_framework_filter(bank, constraint, released):
    request = {"verification": {"trust_framework": constraint}, "claims": {"given_name": None}}
    tokens = tokens_with(bank, claims_param(id_token=request))
    assert ("verified_claims" in bank.verify_id_token(tokens["id_token"])) is released


@pytest.mark.parametrize(("max_age", "released"), [(40 * 86400, True), (20 * 86400, False)])
def test_max_age_on_the_verification_time(bank, max_age, released):
    """Proofed 30 days ago: a 40-day limit is met, a 20-day one drops the whole element."""
    request = {"verification": {"trust_framework": None, "time": {"max_age": max_age}},
               "claims": {"given_name": None}}
    tokens = tokens_with(bank, claims_param(userinfo=request))
    userinfo = bank.userinfo(tokens["access_token"]).json
    assert ("verified_claims" in userinfo) is released
    if released:
        assert_valid(userinfo)
        assert "time" in userinfo["verified_claims"]["verification"]


def test_a_claim_failing_its_own_constraint_is_left_out_alone(bank):
    request = {"verification": {"trust_framework": None},
               "claims": {"given_name": {"value": "Someone Else"}, "family_name": None}}
    tokens = tokens_with(bank, claims_param(id_token=request))
    verified = bank.verify_id_token(tokens["id_token"])["verified_claims"]
    assert verified["claims"] == {"family_name": "Nguyễn"}


def test_an_expired_residence_card_stops_the_release(app, factories, bank):
    tokens = tokens_with(bank, claims_param(userinfo=EVERYTHING))
    assert "verified_claims" in bank.userinfo(tokens["access_token"]).json
    with app.app_context():
        account = db.session.get(Account, bank.account.id)
        account.document_expires = now().date() - timedelta(days=1)
        db.session.commit()
    assert "verified_claims" not in bank.userinfo(tokens["access_token"]).json


def test_a_refreshed_id_token_carries_them_again(bank):
    tokens = tokens_with(bank, claims_param(id_token=EVERYTHING))
    refreshed = bank.refresh(tokens["refresh_token"]).json
    claims = bank.verify(refreshed["id_token"])[1]
    assert_valid(claims)
    assert claims["verified_claims"]["claims"]["family_name"] == "Nguyễn"


def test_the_activity_log_names_what_was_released_without_values(app, bank):
    tokens_with(bank, claims_param(userinfo=EVERYTHING))
    with app.app_context():
        events = db.session.scalars(db.select(AccountEvent).where(
            AccountEvent.account_id == bank.account.id, AccountEvent.kind == "claims_released")).all()
    released = events[-1].details["claims"]
    assert {"verified_claims.verification", "verified_claims.evidence",
            "verified_claims.family_name", "verified_claims.nationalities"} <= set(released)
    text = json.dumps(events[-1].details)
    assert "B1234567" not in text and "TT0012345" not in text and "DEU" not in text


def test_discovery_advertises_identity_assurance(client):
    doc = client.get("/.well-known/openid-configuration").json
    assert doc["trust_frameworks_supported"] == [FRAMEWORK]
    assert doc["evidence_supported"] == ["document"]
    assert "passport" in doc["documents_supported"] and TEMPORARY_CARD in doc["documents_supported"]
    assert set(doc["documents_check_methods_supported"]) == {"vpip", "data", "bvp"}
    assert {"given_name", "family_name", "birthdate", "nationalities"} <= set(
        doc["claims_in_verified_claims_supported"])
    assert "verified_claims" in doc["claims_supported"]
    assert doc["claims_parameter_supported"] is True


def test_the_holder_is_asked_before_verified_claims_first_go(app, factories):
    """Consent given for the scopes alone does not cover identity assurance data (§5.7.3)."""
    rp = proofed(app, factories, TestRelyingParty(app, factories, verified_claims_allowed=True))
    rp.tokens(acr_values="2")  # consent to the scopes only
    response = rp.authorize(claims=claims_param(userinfo=EVERYTHING), acr_values="2")
    while response.status_code in (302, 303) and "/consent/" not in response.headers["Location"]:
        response = rp.browser.get(response.headers["Location"])
    page = rp.browser.get(response.headers["Location"])
    assert "passport and residence card numbers" in page.text
    callback = rp.follow_to_client(page, approve=False)
    assert callback["error"] == "access_denied"


def test_the_cli_flag_and_the_console_checkbox_set_the_permission(app):
    """`clients create/update --[no-]verified-claims` and the console form's checkbox."""
    from ..admin.test_console import create_staff
    from ..admin.test_console import register
    from ..admin.test_console import sign_in
    from ..cli import invoke_json

    created = invoke_json(app, "clients", "create", "--name", "Bank", "--redirect-uri",
                          "https://bank.test/cb", "--verified-claims")
    assert created["verified_claims_allowed"] is True
    updated = invoke_json(app, "clients", "update", created["client_id"], "--no-verified-claims")
    assert updated["verified_claims_allowed"] is False
    with app.app_context():
        audited = db.session.scalars(db.select(AuditEvent).where(
            AuditEvent.target == f"client:{created['client_id']}").order_by(AuditEvent.id)).all()
    assert [e.details["verified_claims_allowed"] for e in audited] == [True, False]

    browser = app.test_client()
    assert sign_in(browser, "admin@idp.test", create_staff(app)).status_code == 303
    assert register(browser, name="Ticked", verified_claims_allowed="1").status_code == 201
    assert register(browser, name="Unticked").status_code == 201
    allowed = {c["name"]: c["verified_claims_allowed"] for c in invoke_json(app, "clients", "list")}
    assert allowed["Ticked"] is True and allowed["Unticked"] is False
    with app.app_context():
        ticked = registration.find(next(c["client_id"] for c in invoke_json(app, "clients", "list")
                                        if c["name"] == "Ticked"))
    edit = browser.get(f"/admin/clients/{ticked.client_id}/edit")
    assert re.search(r'name="verified_claims_allowed" value="1"\s+checked', edit.text)
