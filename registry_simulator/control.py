"""Controls for tests and the demo (/_sim/...), and the index page. Not part of the registry's
API: a real registry has none of this."""

from __future__ import annotations

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import jsonify
from flask import render_template
from flask import request

from . import find as finder
from .state import METHODS
from .state import Invalid

bp = Blueprint("sim", __name__)


def registry():
    return current_app.extensions["registry_simulator"]


@bp.errorhandler(Invalid)
def invalid(exc):
    return jsonify(error="invalid_request", detail=str(exc)), 400


@bp.post("/_sim/reset")
def reset():
    registry().reset()
    return jsonify(persons=len(registry().people))


@bp.post("/_sim/down")
def down():
    data = request.get_json(silent=True) or {}
    registry().down = bool(data.get("down", True))
    return jsonify(down=registry().down)


@bp.post("/_sim/delay")
def delay():
    data = request.get_json(silent=True) or {}
    seconds = data.get("seconds", 0)
    if not isinstance(seconds, int | float) or not 0 <= seconds <= 60:
        raise Invalid("seconds is a number from 0 to 60")
    registry().delay = float(seconds)
    return jsonify(delay=registry().delay)


@bp.get("/_sim/find")
def find():
    person = finder.find(registry(), request.args.to_dict())
    if person is None:
        return jsonify(error="not_found", detail="nobody has all these traits"), 404
    return jsonify(person=person)


@bp.get("/_sim/persons/<person_id>")
def describe(person_id):
    person = registry().people.get(person_id)
    if person is None:
        return jsonify(error="not_found"), 404
    return jsonify(person=registry().described(person))


@bp.post("/_sim/persons/<person_id>/changes")
def add_change(person_id):
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or not isinstance(data.get("kind"), str):
        raise Invalid("the body is a JSON object with a kind")
    kind = data.pop("kind")
    try:
        change = registry().add_change(person_id, kind, data)
    except LookupError:
        return jsonify(error="not_found"), 404
    page = registry().changes_after(str(change["id"] - 1), 1)
    return jsonify(change=page["changes"][0], person=registry().described(registry().people[person_id])), 201


@bp.get("/_sim/persons/<person_id>/sample/<method>")
def sample(person_id, method):
    if method not in METHODS:
        abort(404)
    data = registry().sample(person_id, method)
    if data is None:
        return jsonify(error="not_found", detail="the registry holds no such biometric"), 404
    mimetype = "image/png" if data.startswith(b"\x89PNG") else "application/octet-stream"
    extension = "png" if mimetype == "image/png" else "bin"
    return current_app.response_class(data, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{person_id}-{method}.{extension}"'})


DEMO_PICKS = [
    ("Adult, valid card, biometrics held (level 2 in 3 working days)",
     {"card": "valid", "biometrics": "true", "document": "valid"}, ["vietnamese", "korean", "japanese",
                                                                    "chinese", "russian", "arabic", "thai",
                                                                    "western"]),
    ("Adult, valid card, no biometrics held yet (7 working days)",
     {"card": "valid", "biometrics": "false", "document": "valid"}, [None]),
    ("Residence card expired", {"card": "expired", "document": "valid"}, [None]),
    ("Passport expired", {"document": "expired", "card": "valid"}, [None]),
    ("No residence card", {"card": "none"}, [None]),
    ("Child 14-17 (registers with a guardian's consent)", {"age_min": "14", "age_max": "17"}, [None]),
    ("Child 6-13 (registered by the guardian)", {"age_min": "6", "age_max": "13"}, [None]),
    ("Child under 6 (level 1 only)", {"age_max": "5"}, [None]),
    ("Deceased", {"deceased": "true"}, [None]),
]


@bp.get("/")
def index():
    groups = []
    for title, traits, cultures in DEMO_PICKS:
        people = []
        for culture in cultures:
            args = {**traits, **({"culture": culture} if culture else {})}
            person = finder.find(registry(), args)
            if person:
                people.append(person)
        groups.append((title, people))
    by_id = registry().people
    return render_template("index.html", groups=groups, people=by_id, described=registry().described,
                           size=len(by_id), seed=registry().seed)
