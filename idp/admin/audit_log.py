"""The audit log, as staff read it: newest first, and as CSV (cells that a spreadsheet would
run as a formula are defused, ASVS 5 V1.2.10)."""

from __future__ import annotations

import csv
import io
import json

from flask import Response
from flask import render_template

from ..audit import AuditEvent
from ..extensions import db
from . import bp
from .guards import requires_role

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")


def _cell(value) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


@bp.get("/audit")
@requires_role("auditor")
def audit_log():
    events = db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id.desc())
                                .limit(500)).all()
    return render_template("admin/audit.html", events=events)


@bp.get("/audit.csv")
@requires_role("auditor")
def audit_csv():
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["at", "actor", "action", "target", "details"])
    for event in db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id)):
        writer.writerow([event.at.isoformat(timespec="seconds") + "Z", _cell(event.actor),
                         _cell(event.action), _cell(event.target), _cell(event.details)])
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=audit.csv"})
