"""English and Vietnamese (Flask-Babel): the person's choice on the page's switch, else the
authorization request's `ui_locales` (OIDC Core §3.1.2.1), else the browser's language."""

from __future__ import annotations

from flask import Blueprint
from flask import has_request_context
from flask import redirect
from flask import request
from flask import session
from flask import url_for
from flask_babel import Babel
from flask_babel import get_locale

from .authn.reauth import safe_next
from .extensions import csrf

LANGUAGES = ("en", "vi")

babel = Babel()
bp = Blueprint("i18n", __name__)


def remember_ui_locales(ui_locales: str | None) -> None:
    """The first supported language of an authorization request's ui_locales, if any."""
    for tag in (ui_locales or "").split():
        language = tag.split("-")[0].lower()
        if language in LANGUAGES:
            session["lang"] = language
            return


def select_locale() -> str:
    if not has_request_context():
        return "en"  # the CLI and background jobs: operators read English
    try:
        chosen = session.get("lang")
    except Exception:  # noqa: BLE001 - no session (e.g. the store is down): the browser decides
        chosen = None
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or "en"


@bp.post("/language")
@csrf.exempt  # a display preference only; error pages show the switch without touching the store
def switch_language():
    """The switch on every page (a form: nothing changes on a GET)."""
    language = request.form.get("lang")
    if language in LANGUAGES:
        session["lang"] = language
    return redirect(safe_next(request.form.get("next")) or url_for("authn.home"), 303)


def init_app(app) -> None:
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories="translations")
    app.register_blueprint(bp)
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale() or "en")
