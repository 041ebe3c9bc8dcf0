"""The acr decision, table-driven: DESIGN.md's table row for row, then every reason code."""

from datetime import date

import pytest

from idp.assurance.amr import PASSKEY
from idp.assurance.amr import PASSKEY_VERIFIED
from idp.assurance.amr import PASSWORD
from idp.assurance.amr import TOTP
from idp.assurance.amr import amr_of
from idp.assurance.levels import AccountFacts
from idp.assurance.levels import Level
from idp.assurance.policy import Authenticate
from idp.assurance.policy import Denied
from idp.assurance.policy import Satisfied
from idp.assurance.policy import SessionFacts
from idp.assurance.policy import StepUp
from idp.assurance.policy import Unmet
from idp.assurance.policy import decide
from idp.assurance.requirements import Requirements

TODAY = date(2026, 11, 23)
NOW = 1_800_000_000
VALID_CARD = date(2027, 6, 30)


def account(level, **kw):
    kw.setdefault("residence_card_expires", VALID_CARD if level == 2 else None)
    kw.setdefault("has_totp", level == 2)
    return AccountFacts(proofed_level=Level(level), **kw)


def session(*factors, age=60, second_factor_age=None, idle=None):
    second = None if second_factor_age is None else NOW - second_factor_age
    return SessionFacts(frozenset(factors), auth_time=NOW - age, second_factor_time=second,
                        last_seen=None if idle is None else NOW - idle)


NO_REQUIREMENTS = Requirements()


def run(req=NO_REQUIREMENTS, acct=None, sess=None, **kw):
    return decide(req, acct or account(1), sess, now=NOW, today=TODAY, **kw)


# DESIGN.md, "Assurance: how acr is decided": account level x how the session authenticated.
@pytest.mark.parametrize("proofed, factors, acr", [
    (1, {PASSWORD}, "1"),
    (2, {PASSWORD}, "1"),
    (2, {PASSWORD, TOTP}, "2"),
    (2, {PASSKEY_VERIFIED}, "2"),
])
def test_design_table(proofed, factors, acr):
    decision = run(acct=account(proofed, has_passkey=True), sess=session(*factors, second_factor_age=60))
    assert decision == Satisfied(acr, Level(int(acr)))


def test_a_passkey_without_user_verification_is_one_factor():
    assert run(acct=account(2, has_passkey=True), sess=session(PASSKEY)).acr == "1"
    assert amr_of({PASSKEY}) == ["hwk"]


@pytest.mark.parametrize("factors, amr", [
    ({PASSWORD}, ["pwd"]),
    ({PASSWORD, TOTP}, ["pwd", "otp", "mfa"]),
    ({PASSKEY_VERIFIED}, ["hwk", "user", "mfa"]),
])
def test_amr_uses_rfc8176_values_only(factors, amr):
    assert amr_of(factors) == amr


def test_level_two_implies_level_one_and_answers_exactly_what_was_asked():
    req = Requirements(essential=("1",))
    decision = run(req, account(2), session(PASSWORD, TOTP, second_factor_age=60))
    assert decision == Satisfied("1", Level.TWO)


def test_eidas_names_are_answered_with_the_same_value():
    req = Requirements(voluntary=("http://eidas.europa.eu/LoA/substantial",))
    decision = run(req, account(2), session(PASSWORD, TOTP, second_factor_age=10))
    assert decision.acr == "http://eidas.europa.eu/LoA/substantial"


def test_voluntary_acr_values_steps_up_when_the_account_can():
    decision = run(Requirements(voluntary=("2",)), account(2), session(PASSWORD))
    assert decision == StepUp(("totp",), "acr_values")


def test_voluntary_acr_values_answers_the_real_level_when_the_account_cannot():
    assert run(Requirements(voluntary=("2",)), account(1), session(PASSWORD)) == \
        Satisfied("1", Level.ONE)


def test_step_up_offers_each_enrolled_second_factor():
    acct = account(2, has_passkey=True)
    decision = run(Requirements(essential=("2",)), acct, session(PASSWORD))
    assert decision == StepUp(("totp", "passkey"), "essential_acr")


# --- every reason code --------------------------------------------------------------------
@pytest.mark.parametrize("req, acct, sess, expected", [
    (Requirements(), account(2, locked=True), session(PASSWORD), Denied("account_locked")),
    (Requirements(essential=("unknown",)), account(2), None, Unmet("essential_acr")),
    (Requirements(essential=("2",)), account(1), session(PASSWORD), Unmet("essential_acr")),
    (Requirements(client_min_level=Level.TWO), account(1), session(PASSWORD),
     Unmet("client_min_level")),
    (Requirements(client_min_level=Level.TWO),
     account(2, residence_card_expires=date(2026, 1, 1)), session(PASSWORD), Unmet("card_expired")),
    (Requirements(client_min_level=Level.TWO), account(2, has_totp=False), session(PASSWORD),
     Unmet("no_second_factor")),
    (Requirements(), account(1), None, Authenticate("no_session", Level.ONE)),
    (Requirements(force_login=True), account(1), session(PASSWORD),
     Authenticate("prompt_login", Level.ONE)),
    (Requirements(max_age=30), account(1), session(PASSWORD, age=60),
     Authenticate("max_age", Level.ONE)),
    (Requirements(client_min_level=Level.TWO), account(2), session(PASSWORD),
     StepUp(("totp",), "client_min_level")),
    (Requirements(essential=("2",)), account(2), session(PASSWORD, TOTP, second_factor_age=13 * 3600),
     StepUp(("totp",), "level2_window_expired")),
    (Requirements(essential=("2",)), account(2), session(PASSWORD, TOTP, second_factor_age=600, idle=31 * 60),
     StepUp(("totp",), "level2_window_expired")),
    (Requirements(essential=("2",)), account(2, has_passkey=True), session(PASSKEY),
     Authenticate("essential_acr", Level.TWO)),
])
def test_reason_codes(req, acct, sess, expected):
    assert run(req, acct, sess) == expected


def test_a_fresh_sign_in_after_the_request_satisfies_prompt_login_and_max_age():
    fresh = session(PASSWORD, age=5)
    assert run(Requirements(force_login=True), account(1), fresh, fresh_since=NOW - 10).acr == "1"
    assert run(Requirements(max_age=0), account(1), fresh, fresh_since=NOW - 10).acr == "1"


def test_within_max_age_the_session_is_enough():
    assert run(Requirements(max_age=3600), account(1), session(PASSWORD, age=600)).acr == "1"


def test_an_expired_residence_card_caps_the_account_at_level_one():
    expired = account(2, residence_card_expires=date(2026, 11, 22))
    decision = run(Requirements(), expired, session(PASSWORD, TOTP, second_factor_age=10))
    assert decision == Satisfied("1", Level.ONE)


def test_requirements_read_from_request_parameters():
    req = Requirements.from_request({
        "acr_values": "2 bogus",
        "claims": '{"id_token": {"acr": {"essential": true, "values": ["2", "1"]}}}',
        "max_age": "300", "prompt": "login consent"}, client_min_level=1)
    assert req == Requirements(voluntary=("2",), essential=("2", "1"),
                               client_min_level=Level.ONE, max_age=300, force_login=True)
    single = Requirements.from_request(
        {"claims": '{"userinfo": {"acr": {"essential": true, "value": "2"}}}'}, 2)
    assert single.essential == ("2",) and single.client_min_level == Level.TWO
    voluntary_claim = Requirements.from_request({"claims": '{"id_token": {"acr": {"values": ["2"]}}}'}, 1)
    assert voluntary_claim.essential == ()


def test_a_fresh_uv_less_passkey_sign_in_answers_voluntary_acr_values_with_level_1():
    fresh = session(PASSKEY, age=5)
    acct = account(2, has_passkey=True)
    decision = run(Requirements(voluntary=("2",)), acct, fresh, fresh_since=NOW - 10)
    assert decision == Satisfied("1", Level.ONE)
    hard = run(Requirements(essential=("2",)), acct, fresh, fresh_since=NOW - 10)
    assert hard == Authenticate("essential_acr", Level.TWO)
