"""`flask --app idp enrollment list|show|decide`: options in, --json out, one-line errors and a
non-zero exit; deciding follows the console's rules and is audited as cli:<os user>."""

from __future__ import annotations

import getpass

from idp.accounts.models import Account
from idp.audit import AuditEvent
from idp.extensions import db

from .officer import application
from .officer import cli
from .officer import count
from .officer import desk_app_fixture  # noqa: F401 - fixture
from .officer import desk_fixture  # noqa: F401 - fixture


def test_list_and_show_the_queue_as_json(desk_app, desk, registry_service):
    first = desk.receive(registry_service.find(card="valid", biometrics=True))
    second = desk.receive(registry_service.find(card="valid", biometrics=False),
                          office="Da Nang")
    result, listing = cli(desk_app, "list", "--json")
    assert result.exit_code == 0
    assert [row["reference"] for row in listing] == [first, second]
    assert listing[0]["due_on"] and listing[0]["status"] == "received"
    _, danang = cli(desk_app, "list", "--office", "Da Nang", "--json")
    assert [row["reference"] for row in danang] == [second]
    assert cli(desk_app, "list", "--overdue", "--json")[1] == []
    assert cli(desk_app, "list", "--status", "issued", "--json")[1] == []

    result, shown = cli(desk_app, "show", first.lower(), "--json")
    assert result.exit_code == 0 and shown["reference"] == first
    assert "consent" in shown["missing"] and shown["biometric"]["matched"] is None


def test_decide_issues_a_complete_application_and_refuses_an_incomplete_one(
        desk_app, desk, registry_service):
    complete = desk.proof(registry_service, registry_service.find(card="valid", biometrics=True))
    incomplete = desk.receive(registry_service.find(card="valid", biometrics=True, nth=1))

    result, _ = cli(desk_app, "decide", incomplete, "issue", "--json")
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and "Missing" in result.stderr
    assert "Traceback" not in result.output
    assert application(desk_app, incomplete).status == "received"

    accounts = count(desk_app, Account)
    result, decided = cli(desk_app, "decide", complete, "issue", "--json")
    assert result.exit_code == 0, result.output
    assert decided["status"] == "issued" and decided["identification_number"]
    assert count(desk_app, Account) == accounts + 1

    again, _ = cli(desk_app, "decide", complete, "refuse", "--reason", "late")
    assert again.exit_code == 1 and "already been decided" in again.stderr
    with desk_app.app_context():
        actors = db.session.scalars(db.select(AuditEvent.actor).where(
            AuditEvent.action == "application.issue")).all()
    assert actors == [f"cli:{getpass.getuser()}"]


def test_refusing_needs_written_reasons(desk_app, desk, registry_service):
    reference = desk.receive(registry_service.find(card="valid", biometrics=True))
    missing, _ = cli(desk_app, "decide", reference, "refuse")
    assert missing.exit_code == 1 and "reasons" in missing.stderr
    result, decided = cli(desk_app, "decide", reference, "refuse", "--reason",
                          "The applicant withdrew.", "--json")
    assert result.exit_code == 0 and decided["status"] == "refused"
    assert decided["refusal_reason"] == "The applicant withdrew."


def test_bad_input_is_a_one_line_error_and_a_non_zero_exit(desk_app):
    unknown, _ = cli(desk_app, "show", "TK01-19990101-NOPE42")
    assert unknown.exit_code == 1 and "No application" in unknown.stderr
    bad_choice, _ = cli(desk_app, "decide", "TK01-19990101-NOPE42", "approve")
    assert bad_choice.exit_code == 2
    bad_status, _ = cli(desk_app, "list", "--status", "pending")
    assert bad_status.exit_code == 2
