"""The officer's desk driven through the console's HTTP routes, as tests/admin sign staff in.

Shared by the officer and enrollment-CLI tests. Everything talks to the running simulated
registry (fixture `registry_service`); nothing is mocked.
"""

from __future__ import annotations

import io
import json
import re
from datetime import date

import pytest

from idp.enrollment.models import Application
from idp.extensions import db

from ..admin.test_console import create_staff
from ..admin.test_console import sign_in
from ..factories import Factories
from ..rp import csrf_of

OFFICER = "officer@idp.test"
DIGEST = re.compile(r'name="consent_digest" value="([0-9a-f]+)"')
LANG = re.compile(r'name="consent_lang" value="([a-z]+)"')


@pytest.fixture(name="desk_app")
def desk_app_fixture(registry_app):
    """The IdP talking to the simulated registry (reset for each test)."""
    return registry_app


@pytest.fixture(name="desk_factories")
def desk_factories_fixture(factories) -> Factories:
    return factories


def staff_browser(app, login=OFFICER, role="officer"):
    secret = create_staff(app, login, role)
    browser = app.test_client()
    assert sign_in(browser, login, secret).status_code == 303
    return browser


class Desk:
    """What an officer does in the console, one POST per step."""

    def __init__(self, app, browser) -> None:
        self.app = app
        self.browser = browser

    def csrf(self) -> str:
        return csrf_of(self.browser.get("/admin/applications/new").text)

    @staticmethod
    def declaration(person: dict, **overrides) -> dict:
        form = {"full_name": person["full_name"], "birthdate": person["birthdate"],
                "gender": person["gender"], "nationality": person["nationality"],
                "document_number": person["document_number"], "phone_number": "0912 345 678",
                "email": "applicant@example.test", "requested_level": "2", "office": "Hanoi PA08",
                "locale": "en"}
        form.update(overrides)
        return form

    def new(self, person: dict, **overrides):
        page = self.browser.get("/admin/applications/new")
        data = {"csrf_token": csrf_of(page.text), **self.declaration(person, **overrides)}
        return self.browser.post("/admin/applications/new", data=data)

    def receive(self, person: dict, **overrides) -> str:
        """Enter the TK01 and return the application's reference."""
        response = self.new(person, **overrides)
        assert response.status_code == 303, response.text[-1500:]
        return response.headers["Location"].rsplit("/", 1)[1]

    def page(self, reference: str, **query):
        return self.browser.get(f"/admin/applications/{reference}", query_string=query)

    def post(self, reference: str, step: str, data: dict | None = None, **kwargs):
        return self.browser.post(f"/admin/applications/{reference}/{step}",
                                 data={"csrf_token": self.csrf(), **(data or {})}, **kwargs)

    def documents(self, reference: str, person: dict, **overrides):
        data = {"document_type": person["document_type"],
                "document_number": person["document_number"],
                "document_expires": person["document_expires"],
                "card_type": person["card_type"], "card_number": person["card_number"],
                "card_expires": person["card_expires"], "card_original": "yes"}
        data.update(overrides)
        return self.post(reference, "documents", data)

    def biometric(self, reference: str, sample: bytes, method: str = "face"):
        return self.post(reference, "biometric",
                         {"method": method, "sample": (io.BytesIO(sample), f"{method}.bin")},
                         content_type="multipart/form-data")

    def consent(self, reference: str, by: str = "applicant", language: str = "en"):
        page = self.page(reference, consent_lang=language)
        return self.post(reference, "consent", {
            "by": by, "agreed": "yes", "consent_lang": LANG.search(page.text).group(1),
            "consent_digest": DIGEST.search(page.text).group(1)})

    def issue(self, reference: str):
        return self.post(reference, "issue")

    def refuse(self, reference: str, reason: str):
        return self.post(reference, "refuse", {"reason": reason})

    def proof(self, registry_service, person: dict, **overrides) -> str:
        """The whole level-2 desk: TK01, documents, the matching face, consent. Not decided."""
        reference = self.receive(person, **overrides)
        assert self.documents(reference, person).status_code == 303
        sample = registry_service.sample(person["person_id"], "face")
        assert self.biometric(reference, sample).status_code == 303
        by = "representative" if overrides.get("representative_name") else "applicant"
        assert self.consent(reference, by=by).status_code == 303
        return reference


@pytest.fixture(name="desk")
def desk_fixture(desk_app) -> Desk:
    return Desk(desk_app, staff_browser(desk_app))


def application(app, reference: str) -> Application:
    with app.app_context():
        found = db.session.scalar(db.select(Application).where(Application.reference == reference))
        db.session.expunge(found)
        return found


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(model))


def cli(app, *args, stdin: str | None = None):
    result = app.test_cli_runner().invoke(args=["enrollment", *args], input=stdin)
    data = None
    if result.exit_code == 0 and "--json" in args:
        data = json.loads(result.stdout)
    return result, data


def iso(value: str | date) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)
