"""Every kind of message reads well in both languages, and a wrong call fails loudly."""

from __future__ import annotations

import pytest

from idp.accounts.locks import REASONS
from idp.extensions import db
from idp.notify.messages import KINDS
from idp.notify.outbox import enqueue_to
from idp.notify.outbox import reveal

PARAMS = {
    "issued": {"reference": "TK01-1", "identification_number": "800012345678",
               "activation_code": "K7Q2-9XWM"},
    "activation_code": {"activation_code": "K7Q2-9XWM"},
    "level_raised": {"reference": "TK01-2"},
    "already_registered": {"identification_number": "800012345678"},
    "activated": {},
    "locked": {"reason": "holder_request"},
    "restored": {"reason": "card_expired"},
    "identity_changed": {"fields": ["family_name", "document_expires"]},
    "new_device": {"device": "Firefox, Windows, IP 203.0.113.x"},
    "lock_refused": {"reason": "No legal basis was given."},
    "guardian_link_ended": {},
    "lock_request_approved": {"reason": "authority_request"},
    "lock_request_refused": {"reason": "No legal basis was given."},
}


def render(app, kind, locale, **params):
    with app.app_context():
        made = enqueue_to(email="x@example.test", phone="+84900000000", locale=locale, kind=kind,
                          **params)
        db.session.rollback()
        return {row.channel: (row.subject, reveal(row.body)) for row in made}


def test_every_kind_is_covered_here():
    assert set(PARAMS) == set(KINDS)


@pytest.mark.parametrize("kind", sorted(PARAMS))
def test_each_kind_has_an_email_and_a_short_sms_in_both_languages(app, kind):
    english = render(app, kind, "en", **PARAMS[kind])
    vietnamese = render(app, kind, "vi", **PARAMS[kind])
    for texts in (english, vietnamese):
        subject, body = texts["email"]
        assert subject and body.strip()
        assert len(texts["sms"][1]) < 160
        assert "%(" not in body and "%(" not in texts["sms"][1]  # every placeholder was filled
    assert english["email"][0] != vietnamese["email"][0]  # translated, not English twice
    assert english["sms"][1] != vietnamese["sms"][1]


@pytest.mark.parametrize("reason", REASONS)
def test_every_lock_reason_reads_as_words_in_both_languages(app, reason):
    for locale in ("en", "vi"):
        text = render(app, "locked", locale, reason=reason)["email"][1]
        assert reason not in text


def test_identity_changes_name_the_fields_in_words(app):
    text = render(app, "identity_changed", "en", fields=["family_name", "card_expires"])["sms"][1]
    assert "family name, residence card expiry date" in text


def test_an_unknown_kind_or_a_missing_parameter_is_refused(app):
    with pytest.raises(ValueError, match="unknown notification kind"):
        render(app, "account_sold", "en")
    with pytest.raises(ValueError, match="reason"):
        render(app, "locked", "en")


def test_no_contact_means_no_message(app):
    with app.app_context():
        assert enqueue_to(locale="vi", kind="activated") == []


def test_a_crafted_parameter_cannot_add_lines(app):
    text = render(app, "new_device", "en", device="Evil\r\nBcc: x@evil.test")["sms"][1]
    assert "\n" not in text and "\r" not in text
