"""`flask --app idp accounts lock|restore|locks|lock-review|expire`: options in, --json out,
one-line refusals, audited as cli:<os user>."""

from __future__ import annotations

import getpass
from datetime import date

from idp.accounts.models import Account
from idp.extensions import db

from ..cli import assert_refused_in_one_line
from ..cli import invoke
from ..cli import invoke_json
from .helpers import outbox
from .helpers import status


def _number(account) -> str:
    return account.identification_number


def test_lock_and_restore_from_the_command_line(app, factories):
    account = factories.account()
    locked = invoke_json(app, "accounts", "lock", _number(account), "--reason", "terms_breach",
                         "--source", "operator", "--requested-by", "Officer Tran")
    assert locked["state"] == "in_force" and locked["account_status"] == "locked"
    assert locked["decided_by"] == f"cli:{getpass.getuser()}"
    restored = invoke_json(app, "accounts", "restore", _number(account), "--lock",
                           str(locked["id"]), "--reason", "breach remedied")
    assert restored["state"] == "lifted" and restored["account_status"] == "active"
    assert [k for k, *_ in outbox(app)] == ["locked", "locked", "restored", "restored"]


def test_an_authority_request_is_reviewed_from_the_command_line(app, factories):
    account = factories.account()
    request = invoke_json(app, "accounts", "lock", _number(account), "--reason",
                          "authority_request", "--source", "authority", "--requested-by",
                          "Hanoi People's Court", "--legal-basis", "Decision 12/2026/QD-TA")
    assert request["state"] == "pending_review" and request["forward_due"]
    assert status(app, account) == "active"
    pending = invoke_json(app, "accounts", "locks", "--pending")
    assert [row["id"] for row in pending] == [request["id"]]
    lock_id = str(request["id"])
    refused = invoke(app, "accounts", "lock-review", lock_id, "refuse")
    assert_refused_in_one_line(refused, "forwarded")
    assert invoke_json(app, "accounts", "lock-review", lock_id, "forward")["decide_due"]
    assert_refused_in_one_line(invoke(app, "accounts", "lock-review", lock_id, "refuse"),
                               "written reasons")
    decided = invoke_json(app, "accounts", "lock-review", lock_id, "refuse", "--reason",
                          "No legal basis given.")
    assert decided["state"] == "refused" and decided["refusal_reason"] == "No legal basis given."
    assert invoke_json(app, "accounts", "locks", "--pending") == []
    assert "refused" in invoke(app, "accounts", "locks").output


def test_final_locks_refuse_restore_in_one_line(app, factories):
    account = factories.account()
    lock = invoke_json(app, "accounts", "lock", _number(account), "--reason", "death",
                       "--source", "registry_sync", "--requested-by", "registry")
    assert lock["account_status"] == "closed" and lock["final"] is True
    result = invoke(app, "accounts", "restore", _number(account), "--lock", str(lock["id"]),
                    "--reason", "mistake")
    assert_refused_in_one_line(result, "final")
    assert status(app, account) == "closed"


def test_refusals_are_one_line(app, factories):
    account = factories.account()
    assert_refused_in_one_line(invoke(app, "accounts", "lock", "000000000000", "--reason",
                                      "terms_breach", "--source", "operator", "--requested-by",
                                      "x"), "No account")
    assert_refused_in_one_line(invoke(app, "accounts", "lock", _number(account), "--reason",
                                      "authority_request", "--source", "authority",
                                      "--requested-by", "Court"), "legal basis")
    assert_refused_in_one_line(invoke(app, "accounts", "restore", _number(account), "--lock",
                                      "999", "--reason", "x"), "No lock 999")
    assert invoke(app, "accounts", "lock", _number(account), "--reason", "bored", "--source",
                  "operator", "--requested-by", "x").exit_code != 0


def test_expire_locks_expired_documents_once_and_lifts_when_renewed(app, factories):
    account = factories.account(residence_card_expires=date(2020, 1, 31),
                                document_expires=date(2099, 1, 1))
    first = invoke_json(app, "accounts", "expire")
    assert first["locked"] == [account.identification_number]
    assert status(app, account) == "locked"
    assert invoke_json(app, "accounts", "expire") == {"locked": [], "restored": []}
    with app.app_context():
        db.session.get(Account, account.id).residence_card_expires = date(2099, 1, 31)
        db.session.commit()
    assert invoke_json(app, "accounts", "expire")["restored"] == [account.identification_number]
    assert status(app, account) == "active"
