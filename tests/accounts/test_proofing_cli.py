"""`accounts proof-level2 | downgrade | add-totp`: the operator's way to set levels and factors,
every change in the audit log."""

from __future__ import annotations

import pyotp

from idp.audit import AuditEvent
from idp.extensions import db

from ..cli import assert_refused_in_one_line
from .test_cli import cli
from .test_cli import cli_json

LEVEL2 = ["--document-number", "b 1234567", "--document-expires", "2099-01-31",
          "--card-type", "temporary", "--card-number", "tt0012345",
          "--card-expires", "2099-06-30", "--biometric-match-ref", "registry-match-77",
          "--consent-ref", "consent-2026-11-23-001"]


def audit_actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(db.select(AuditEvent.action).order_by(AuditEvent.id)))


def test_proof_level2_raises_the_account_and_is_audited(app, factories):
    factories.account()
    result = cli_json(app, "proof-level2", "holder@example.test", *LEVEL2)
    assert result["proofed_level"] == 2
    assert result["residence_card_expires"] == "2099-06-30"
    assert result["document_type"] == "passport"
    assert audit_actions(app) == ["account.proof_level2"]
    with app.app_context():
        event = db.session.scalar(db.select(AuditEvent))
        assert event.details["biometric_match_ref"] == "registry-match-77"
        assert event.actor.startswith("cli:")


def test_an_expired_card_is_refused_and_nothing_changes(app, factories):
    factories.account()
    args = [a if a != "2099-06-30" else "2020-01-01" for a in LEVEL2]
    assert_refused_in_one_line(cli(app, "proof-level2", "holder@example.test", *args),
                               "residence card has expired")
    assert cli_json(app, "show", "holder@example.test")["proofed_level"] == 1
    assert audit_actions(app) == []


def test_downgrade_needs_a_reason_and_is_audited(app, factories):
    factories.account()
    cli_json(app, "proof-level2", "holder@example.test", *LEVEL2)
    result = cli_json(app, "downgrade", "holder@example.test", "--reason", "biometric mismatch")
    assert result["proofed_level"] == 1
    assert audit_actions(app) == ["account.proof_level2", "account.downgrade"]


def test_add_totp_prints_a_working_secret_and_ten_recovery_codes_once(app, factories):
    from ..rp import TestRelyingParty

    rp = TestRelyingParty(app, factories, min_level=2)
    cli_json(app, "proof-level2", rp.login, *LEVEL2)
    enrolled = cli_json(app, "add-totp", rp.login)
    assert enrolled["otpauth_uri"].startswith("otpauth://totp/")
    assert len(enrolled["recovery_codes"]) == 10
    assert pyotp.TOTP(enrolled["secret"]).now()
    rp.totp_secret = enrolled["secret"]
    claims = rp.verify_id_token(rp.tokens()["id_token"])
    assert claims["acr"] == "2"
    with app.app_context():
        stored = db.session.execute(db.text("SELECT secret_encrypted FROM totp_factors")).scalar()
    assert enrolled["secret"].encode() not in stored  # encrypted at rest (SEC-58)


def test_unknown_account_is_a_one_line_error(app):
    assert_refused_in_one_line(cli(app, "add-totp", "nobody@example.test"), "No account")
