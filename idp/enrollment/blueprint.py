"""The person-facing enrollment pages share one blueprint: /register, /activate, /takeover and
the guardian's /account/dependants."""

from __future__ import annotations

from flask import Blueprint
from flask import render_template

bp = Blueprint("enrollment", __name__)


def throttled_page(template: str, retry_after: int, **context):
    """429 with the wait in minutes on the page and in Retry-After (RFC 6585 §4)."""
    minutes = max(1, -(-retry_after // 60))
    return (render_template(template, error="throttled", minutes=minutes, **context), 429,
            {"Retry-After": str(retry_after)})


def unavailable_page():
    """The registry cannot be reached: nothing was written; try again later (503)."""
    return render_template("enrollment/registry_down.html"), 503, {"Retry-After": "60"}
