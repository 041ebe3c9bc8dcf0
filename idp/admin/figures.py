"""Figures in the console: per office, per day and in total, as a page with a chart (inline SVG
drawn on the server: the CSP allows no script, and the table is the accessible fallback) and
as CSV (formula cells defused, ASVS 5 V1.2.10). Officers, auditors and admins may read them."""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from datetime import date

from flask import Response
from flask import render_template
from flask import request
from flask_babel import lazy_gettext as _l

from ..accounts import locks
from ..clock import now
from . import bp
from . import figures_queries as queries
from .audit_log import _cell
from .guards import requires_role

MAX_DAYS = 731  # two years of days on one page
REASONS = {
    locks.HOLDER_REQUEST: _l("The holder asked"),
    locks.TERMS_BREACH: _l("Terms of use breached"),
    locks.DOCUMENT_EXPIRED: _l("Passport or travel document expired"),
    locks.CARD_EXPIRED: _l("Residence card expired"),
    locks.DEATH: _l("Death"),
    locks.NUMBER_CANCELLED: _l("Identification number re-issued or cancelled"),
    locks.AUTHORITY_REQUEST: _l("A competent authority asked"),
    locks.SERVICE_USER_REQUEST: _l("A service user asked"),
}
SERIES = (("received", _l("Applications received"), "#1f5fa8"),
          ("issued", _l("Accounts issued"), "#c2410c"),
          ("activated", _l("Accounts activated"), "#15803d"))


class BadFilter(ValueError):
    pass


def _filters() -> tuple[date, date, str | None]:
    """The date range (inclusive) and office asked for; by default the whole period with data."""
    office = request.args.get("office", "").strip() or None
    default_start, default_end = queries.period(now().date())
    try:
        start = date.fromisoformat(request.args.get("from") or default_start.isoformat())
        end = date.fromisoformat(request.args.get("to") or default_end.isoformat())
    except ValueError:
        raise BadFilter(_l("Dates are written like 2025-07-01.")) from None
    if start > end:
        raise BadFilter(_l("The first day comes after the last day."))
    if (end - start).days >= MAX_DAYS:
        raise BadFilter(_l("Choose at most %(days)s days.", days=MAX_DAYS))
    return start, end, office


@dataclass
class Chart:
    width: int
    height: int
    left: int
    top: int
    plot_width: int
    plot_height: int
    y_ticks: list[tuple[float, int]]
    x_ticks: list[tuple[float, str]]
    lines: list[tuple[str, str, str, list[tuple[float, float]]]]


def _axis(value: int) -> tuple[int, int]:
    """A round step (1, 2, 2.5 or 5 x 10^n) for at most five gridlines, and the axis top."""
    magnitude = 1
    while True:
        for step in (1, 2, 2.5, 5) if magnitude >= 10 else (1, 2, 5):
            if step * magnitude * 5 >= value:
                size = int(step * magnitude)
                return size, size * math.ceil(value / size)
        magnitude *= 10


def chart(days: list[tuple[date, queries.Counts]]) -> Chart:
    """A per-day line chart of received, issued and activated (coordinates in SVG units)."""
    width, height, left, top, right, bottom = 600, 300, 56, 12, 12, 44
    plot_width, plot_height = width - left - right, height - top - bottom
    gridline, peak = _axis(max([1] + [getattr(c, name) for _, c in days for name, *_ in SERIES]))
    pitch = plot_width / max(len(days) - 1, 1)

    def x(index: int) -> float:
        return round(left + (index * pitch if len(days) > 1 else plot_width / 2), 1)

    def y(value: int) -> float:
        return round(top + plot_height * (1 - value / peak), 1)

    every = max(1, round(len(days) / 8))
    x_ticks = [(x(i), day.strftime("%d/%m")) for i, (day, _) in enumerate(days) if i % every == 0]
    y_ticks = [(y(value), value) for value in range(0, peak + 1, gridline)]
    lines = [(name, str(label), colour, [(x(i), y(getattr(c, name))) for i, (_, c) in enumerate(days)])
             for name, label, colour in SERIES]
    return Chart(width, height, left, top, plot_width, plot_height, y_ticks, x_ticks, lines)


@bp.get("/figures")
@requires_role("officer", "auditor")
def figures():
    try:
        start, end, office = _filters()
    except BadFilter as exc:
        return render_template("admin/figures.html", error=str(exc), data=None,
                               offices=queries.offices(), args=request.args), 400
    data = queries.figures(start, end, office, now().date())
    return render_template("admin/figures.html", data=data, chart=chart(data.days),
                           offices=queries.offices(), reasons=REASONS, args=request.args,
                           error=None, series=SERIES)


CSV_COLUMNS = ("section", "day_or_office", "received", "issued_level1", "issued_level2", "issued",
               "activated", "pending", "overdue", "refused", "locked")


def _csv_row(section: str, key: str, counts: queries.Counts) -> list:
    return [section, _cell(key)] + [getattr(counts, name) for name in CSV_COLUMNS[2:-1]] + [""]


@bp.get("/figures.csv")
@requires_role("officer", "auditor")
def figures_csv():
    try:
        start, end, office = _filters()
    except BadFilter as exc:
        return Response(str(exc) + "\n", status=400, mimetype="text/plain")
    data = queries.figures(start, end, office, now().date())
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    writer.writerows(_csv_row("day", day.isoformat(), counts) for day, counts in data.days)
    writer.writerows(_csv_row("office", name, counts) for name, counts in data.offices)
    writer.writerow(_csv_row("total", office or "all", data.total))
    writer.writerows(["locked", _cell(reason)] + [""] * 8 + [count]
                     for reason, count in data.locked)
    name = f"figures-{start.isoformat()}-{end.isoformat()}.csv"
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={name}"})
