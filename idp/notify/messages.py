"""The texts of each notification, in English and Vietnamese (the holder's `locale`, default vi).

One entry per kind: an e-mail subject and body, and a short SMS (under 160 characters where the
parameters allow). Texts go through Flask-Babel, so the merged catalogue translates them;
`render` picks the language with `force_locale`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

LANGUAGES = ("en", "vi")
DEFAULT_LANGUAGE = "vi"
SECRET_PARAMS = ("activation_code",)  # masked in the stored body once sent (outbox.redact)


@dataclass(frozen=True)
class Template:
    params: tuple[str, ...]
    subject: object
    body: object
    sms: object
    warn: bool = False  # ends with what to do if it was not the holder


@dataclass(frozen=True)
class Message:
    subject: str
    body: str
    sms: str


KINDS: dict[str, Template] = {
    "issued": Template(
        ("reference", "identification_number", "activation_code"),
        _l("Your electronic identification account has been issued"),
        _l("Your electronic identification account has been issued (application %(reference)s).\n\n"
           "Identification number: %(identification_number)s\n"
           "Activation code: %(activation_code)s\n\n"
           "Use the activation code to choose your password and activate the account. "
           "The code works for a short time only: if it has expired, ask for a new one on the "
           "page where you activate the account. "
           "Keep the code to yourself: staff will never ask for it."),
        _l("eID account issued. ID no. %(identification_number)s. Activation code: "
           "%(activation_code)s. Do not share it."),
    ),
    "activation_code": Template(
        ("activation_code",),
        _l("Your activation code"),
        _l("Your activation code for the electronic identification account: %(activation_code)s\n\n"
           "Use it to choose your password and activate the account. "
           "It works for a short time only: if it has expired, ask for a new one on the page "
           "where you activate the account. "
           "Keep it to yourself: staff will never ask for it."),
        _l("eID activation code: %(activation_code)s. Do not share it."),
    ),
    "level_raised": Template(
        ("reference",),
        _l("Your electronic identification account is now level 2"),
        _l("Your identity was checked in person (application %(reference)s) and your electronic "
           "identification account is now level 2. You sign in as before: same identification "
           "number and password."),
        _l("Your eID account is now level 2 (application %(reference)s). Sign in as before."),
        warn=True,
    ),
    "already_registered": Template(
        ("identification_number",),
        _l("You already have an electronic identification account"),
        _l("Someone asked to register an electronic identification account with your details. "
           "You already have one: identification number %(identification_number)s. To sign in, "
           "use that number and your password. If you did not ask, you need do nothing."),
        _l("You already have an eID account, ID no. %(identification_number)s. Sign in with it."),
    ),
    "activated": Template(
        (),
        _l("Your electronic identification account is active"),
        _l("Your electronic identification account is now active. You can sign in to services "
           "that accept electronic identification."),
        _l("Your eID account is now active. Not you? Contact an immigration office."),
        warn=True,
    ),
    "locked": Template(
        ("reason",),
        _l("Your electronic identification account has been locked"),
        _l("Your electronic identification account has been locked. Reason: %(reason)s.\n\n"
           "While it is locked you cannot sign in, and services cannot use it. To ask for it to "
           "be unlocked, contact an immigration office."),
        _l("Your eID account has been locked. Reason: %(reason)s."),
    ),
    "restored": Template(
        ("reason",),  # the reason of the lock now lifted
        _l("Your electronic identification account has been unlocked"),
        _l("Your electronic identification account has been unlocked (it had been locked for "
           "this reason: %(reason)s).\n\nYou can sign in again."),
        _l("Your eID account has been unlocked (it was locked for: %(reason)s)."),
    ),
    "identity_changed": Template(
        ("fields",),
        _l("Your identity details have been updated"),
        _l("The immigration registry has updated your identity details, and your electronic "
           "identification account now shows them: %(fields)s."),
        _l("Your eID account details were updated from the immigration registry: %(fields)s."),
        warn=True,
    ),
    "new_device": Template(
        ("device",),
        _l("New sign-in to your electronic identification account"),
        _l("Your electronic identification account was just signed in to from a device not "
           "seen before: %(device)s.\n\nIf this was you, there is nothing to do."),
        _l("New sign-in to your eID account: %(device)s. Not you? Change your password now."),
        warn=True,
    ),
    "lock_refused": Template(
        ("reason",),
        _l("A request to lock your account was refused"),
        _l("A request to lock your electronic identification account was refused, so the account "
           "stays usable. Reason for the refusal: %(reason)s."),
        _l("A request to lock your eID account was refused: %(reason)s."),
    ),
    # To whoever asked for a lock (an authority, a service), not to the holder.
    "lock_request_approved": Template(
        ("reason",),
        _l("Your request to lock an account was approved"),
        _l("Your request to lock an electronic identification account (reason: %(reason)s) was "
           "approved: the account is locked."),
        _l("Your request to lock an eID account was approved: the account is locked."),
    ),
    "lock_request_refused": Template(
        ("reason",),
        _l("Your request to lock an account was refused"),
        _l("Your request to lock an electronic identification account was refused. Reason for "
           "the refusal: %(reason)s."),
        _l("Your request to lock an eID account was refused: %(reason)s."),
    ),
    "guardian_link_ended": Template(
        (),
        _l("A guardian link has ended"),
        _l("The guardian link on an electronic identification account has ended. The guardian "
           "can no longer act for the holder on this account."),
        _l("The guardian link on an eID account has ended."),
    ),
}

# The codes of idp/accounts/locks.py REASONS (a test checks every one has words here).
REASONS = {
    "holder_request": _l("your own request"),
    "terms_breach": _l("breach of the terms of use"),
    "document_expired": _l("your passport or travel document has expired"),
    "card_expired": _l("your residence card has expired"),
    "death": _l("the holder has died, according to the immigration registry"),
    "number_cancelled": _l("the identification number was cancelled"),
    "authority_request": _l("request of a competent authority"),
    "service_user_request": _l("request of a service that uses electronic identification"),
}

FIELDS = {
    "full_name": _l("full name"),
    "name": _l("full name"),
    "given_name": _l("given name"),
    "family_name": _l("family name"),
    "birthdate": _l("date of birth"),
    "gender": _l("gender"),
    "nationality": _l("nationality"),
    "document_type": _l("type of travel document"),
    "document_number": _l("passport or travel document number"),
    "document_expires": _l("passport or travel document expiry date"),
    "card_type": _l("type of residence card"),
    "residence_card_type": _l("type of residence card"),
    "card_number": _l("residence card number"),
    "residence_card_number": _l("residence card number"),
    "card_expires": _l("residence card expiry date"),
    "residence_card_expires": _l("residence card expiry date"),
}

FOOTER = _l("This is an automatic message from the electronic identification service for foreign "
            "residents of Vietnam. Please do not reply.")
WARN = _l("If this was not you, change your password at once and contact an immigration office.")
NOT_STATED = _l("not stated")


def language(locale: str | None) -> str:
    """'en' or 'vi' from a stored locale such as 'en-US'; Vietnamese when unknown or unset."""
    code = (locale or "").replace("_", "-").split("-")[0].lower()
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


def render(kind: str, lang: str, *, secret: Callable[[object], str] = str, **params) -> Message:
    """The message of `kind` in `lang`; `secret` wraps secret values. Unknown kind -> ValueError."""
    template = KINDS.get(kind)
    if template is None:
        raise ValueError(f"unknown notification kind: {kind!r}")
    missing = [name for name in template.params if name not in params]
    if missing:
        raise ValueError(f"notification {kind!r} needs {', '.join(missing)}")
    with force_locale(lang):
        values = {name: _value(name, params[name], secret) for name in template.params}
        body = str(template.body) % values
        if template.warn:
            body += "\n\n" + str(WARN)
        return Message(subject=str(template.subject),
                       body=f"{body}\n\n-- \n{FOOTER}",
                       sms=str(template.sms) % values)


def _value(name: str, value, secret) -> str:
    if name in SECRET_PARAMS:
        return secret(value)
    if name == "reason":
        return reason_words(value)
    if name == "fields":
        return field_words(value)
    return _clip(value)


def reason_words(reason) -> str:
    """A lock reason code in words; free text (a refusal's or lift's reason) as given."""
    if not reason:
        return str(NOT_STATED)
    words = REASONS.get(reason)
    return str(words) if words is not None else _clip(reason)


def field_words(fields) -> str:
    names = [fields] if isinstance(fields, str) else list(fields or ())
    return ", ".join(str(FIELDS.get(n, str(n).replace("_", " "))) for n in names) or str(NOT_STATED)


def _clip(value, limit: int = 120) -> str:
    text = " ".join(str(value).split())  # one line: no forged headers or SMS line breaks
    return text if len(text) <= limit else text[: limit - 1] + "…"
