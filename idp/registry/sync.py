"""Registry sync: identity changes flow one way, from the immigration registry into accounts
(Decree 69/2024/ND-CP Art. 8: data from the National Immigration Database is updated
automatically; Art. 15: a death or a cancelled number locks for good, a renewal lifts the
matching expiry lock).

One transaction per change, holding the change, its account event, its notification and the
cursor that covers it. The cursor is `<page cursor>` once a page is done, or
`<cursor the page was asked with>@<changes applied from it>` part-way through a page, so a run
that stops anywhere (the registry down, the process killed) resumes exactly after the last change
it committed. Applying a change again changes nothing (idempotent).
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from dataclasses import field

from ..accounts import events
from ..accounts import expiry
from ..accounts import lifecycle
from ..accounts.locks import CARD_EXPIRED
from ..accounts.locks import DEATH
from ..accounts.locks import DOCUMENT_EXPIRED
from ..accounts.locks import NUMBER_CANCELLED
from ..accounts.models import CLOSED
from ..accounts.models import Account
from ..clock import now
from ..extensions import db
from ..notify import outbox
from .client import registry_client
from .models import SyncCursor

CURSOR_NAME = "registry"
ACTOR = "registry_sync"
FINAL_KINDS = {"deceased": DEATH, "number_cancelled": NUMBER_CANCELLED}


@dataclass
class SyncResult:
    applied: list[dict] = field(default_factory=list)  # changes that changed an account
    unchanged: int = 0  # already applied, or no account for the person
    cursor: str = ""

    def as_dict(self) -> dict:
        return {"applied": self.applied, "unchanged": self.unchanged, "cursor": self.cursor}


def split_cursor(stored: str) -> tuple[str, int]:
    """("page cursor", changes of that page already applied)."""
    base, sep, count = stored.rpartition("@")
    if sep and count.isdigit():
        return base, int(count)
    return stored, 0


def _cursor_row() -> SyncCursor:
    row = db.session.get(SyncCursor, CURSOR_NAME)
    if row is None:
        row = SyncCursor(name=CURSOR_NAME, cursor="")
        db.session.add(row)
        db.session.commit()
    return row


def _set(account: Account, values: dict) -> list[str]:
    """Assign the values that differ; the names of those that changed."""
    changed = [name for name, value in values.items() if getattr(account, name) != value]
    for name in changed:
        setattr(account, name, values[name])
    return changed


def _identity_change(account: Account, change) -> list[str]:
    data = change.data
    if change.kind == "document_renewed":
        return _set(account, {"document_number": "".join(data["document_number"].split()).upper(),
                              "document_expires": data["document_expires"]})
    if change.kind == "card_renewed":
        return _set(account, {"residence_card_type": data["card_type"],
                              "residence_card_number": "".join(data["card_number"].split()).upper(),
                              "residence_card_expires": data["card_expires"]})
    if change.kind == "name_changed":
        if account.name == data["full_name"].strip():
            return []
        # As issuing does (enrollment/issue.py): the registry's full name in one field.
        return _set(account, {"given_name": data["full_name"].strip(), "family_name": None})
    return []


def apply_change(change) -> dict | None:
    """Apply one change to its account (no commit); a description if anything changed."""
    account = db.session.scalar(db.select(Account).where(
        Account.registry_person_id == change.person_id))
    if account is None:
        return None
    if change.kind in FINAL_KINDS:
        reason = FINAL_KINDS[change.kind]
        if any(lk.reason == reason for lk in lifecycle.locks_in_force(account)):
            return None
        lifecycle.lock(account, reason, source="registry_sync",
                       requested_by=f"registry change {change.id}", actor=ACTOR)
        return {"change": change.id, "account": account.identification_number,
                "kind": change.kind, "status": account.status}
    if account.status == CLOSED:
        return None  # final: nothing more to keep current
    fields = _identity_change(account, change)
    if not fields:
        return None
    events.record(account.id, events.IDENTITY_CHANGED, fields=fields, change=change.id)
    outbox.enqueue(account, "identity_changed", fields=fields)
    today = now().date()
    renewed = []
    if change.kind == "document_renewed" and account.document_expires >= today:
        renewed.append(DOCUMENT_EXPIRED)
    if change.kind == "card_renewed" and account.residence_card_expires >= today:
        renewed.append(CARD_EXPIRED)
    lifted = lifecycle.lift_automatic(account, renewed, actor=ACTOR,
                                      why=f"renewal synced from the registry (change {change.id})")
    return {"change": change.id, "account": account.identification_number, "kind": change.kind,
            "fields": fields, "lifted": [lk.id for lk in lifted], "status": account.status}


def run(client, *, limit: int = 100, max_pages: int | None = None) -> SyncResult:
    """Fetch pages from the stored cursor and apply them; RegistryUnavailable propagates with
    every change before it committed and nothing of the failed call written."""
    result = SyncResult()
    row = _cursor_row()
    pages = 0
    while max_pages is None or pages < max_pages:
        base, done = split_cursor(row.cursor)
        page = client.changes(base, limit)
        pages += 1
        count = len(page.changes)
        if not count:
            break
        for index in range(done, count):
            try:
                applied = apply_change(page.changes[index])
            except Exception:
                db.session.rollback()  # nothing of this change, nor its cursor, is kept
                raise
            if applied:
                result.applied.append(applied)
            else:
                result.unchanged += 1
            row.cursor = page.cursor if index + 1 == count else f"{base}@{index + 1}"
            db.session.commit()
        if done >= count:  # the cursor counted into a longer page than this one
            rest = done - count
            row.cursor = f"{page.cursor}@{rest}" if rest else page.cursor
            db.session.commit()
        if page.cursor == base:
            break  # a registry that does not move its cursor: stop rather than loop
    result.cursor = row.cursor
    return result


def sync_once(*, limit: int = 100) -> dict:
    """One scheduled run: the registry's changes, then the daily expiry check. Raises
    RegistryUnavailable with every change before the failure committed."""
    result = run(registry_client(), limit=limit).as_dict()
    checked = expiry.check(today=now().date(), actor=f"cli:{getpass.getuser()}")
    return result | checked
