"""The authorization request's checks, in order. Each is small and named after what it checks.

They run after the client and its redirect_uri are trusted, so each failure is redirected to the
client as an OAuth error (RFC 6749 §4.1.2.1). Authlib checks response_type, scope and PKCE.
"""

from __future__ import annotations

import json

from authlib.oauth2.rfc6749.errors import InvalidRequestError
from authlib.oauth2.rfc6749.errors import OAuth2Error

PROMPTS = {"none", "login", "consent", "select_account"}
MAX_NONCE = 512


class RequestNotSupportedError(OAuth2Error):
    error = "request_not_supported"


def check_single_values(values: dict[str, list[str]]) -> None:
    """RFC 6749 §3.1: request parameters MUST NOT be included more than once."""
    for name, given in values.items():
        if len(given) > 1:
            raise InvalidRequestError(f"Parameter {name!r} is given more than once.")


def check_request_objects(params: dict) -> None:
    """Request objects are not supported (OIDC Core §6); say so with the registered code.
    A request_uri never gets here: /authorize resolves it from the PAR store, /par refuses it."""
    if "request" in params:
        raise RequestNotSupportedError("Request objects are not supported.")


def check_response_mode(params: dict) -> None:
    """Only the default query response mode is offered (ASVS 5 V10.4.12)."""
    if params.get("response_mode", "query") != "query":
        raise InvalidRequestError("response_mode must be query.")


def check_prompt(params: dict) -> None:
    """OIDC Core §3.1.2.1: known values only, and `none` alone."""
    prompts = params.get("prompt", "").split()
    unknown = [p for p in prompts if p not in PROMPTS]
    if unknown:
        raise InvalidRequestError(f"Unknown prompt value {unknown[0]!r}.")
    if "none" in prompts and len(prompts) > 1:
        raise InvalidRequestError("prompt=none cannot be combined with other values.")


def check_max_age(params: dict) -> None:
    """max_age is a non-negative number of seconds."""
    value = params.get("max_age")
    if value is not None and (not value.isdigit() or len(value) > 10):
        raise InvalidRequestError("max_age must be a non-negative whole number of seconds.")


def check_claims_param(params: dict) -> None:
    """The claims parameter, when given, is a JSON object (OIDC Core §5.5)."""
    raw = params.get("claims")
    if raw is None:
        return
    try:
        value = json.loads(raw)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise InvalidRequestError("claims must be a JSON object.")


def check_nonce(params: dict) -> None:
    if len(params.get("nonce", "")) > MAX_NONCE:
        raise InvalidRequestError(f"nonce must be at most {MAX_NONCE} characters.")


AUTHORIZE_CHECKS = [
    check_request_objects,
    check_response_mode,
    check_prompt,
    check_max_age,
    check_claims_param,
    check_nonce,
]
