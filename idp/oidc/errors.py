"""OAuth error codes Authlib lacks, one class per code (STYLE.md habit 10)."""

from __future__ import annotations

from authlib.oauth2.rfc6749.errors import OAuth2Error


class UnmetAuthenticationRequirementsError(OAuth2Error):
    """OpenID Connect Core errata / OpenID Connect Core Error Code (2021): the authentication
    requirements of the request (essential acr, the client's minimum level) cannot be met."""

    error = "unmet_authentication_requirements"


UNMET_DESCRIPTIONS = {
    "essential_acr": "The requested authentication level cannot be reached for this account.",
    "client_min_level": "This service requires level 2, which this account does not have.",
    "card_expired": "Level 2 needs a valid residence card; the account's card has expired.",
    "no_second_factor": "Level 2 needs a second factor (TOTP or passkey); none is enrolled.",
}
