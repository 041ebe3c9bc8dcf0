"""Authlib's AuthorizationServer, wired with our grants, endpoints and client authentication.

Hooks of ours that Authlib calls: query_client (here); save_authorization_code,
query_authorization_code, authenticate_user, authenticate_refresh_token, save_token
(grants.py); process_token (claims.py); query_token, revoke_token, introspect_token,
check_permission, end_session (the endpoint classes below); validate_request, create_response
(par.py, RFC 9126).
"""

from __future__ import annotations

from authlib.integrations.flask_oauth2 import AuthorizationServer as _FlaskAuthorizationServer
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from authlib.oidc.rpinitiated import EndSessionEndpoint
from flask import current_app

from .. import security_log
from ..clients import cache as client_cache
from ..clients.registration import SCOPES
from ..clock import to_timestamp
from ..signing import get_keyring
from . import records
from .claims import OpenIDCode
from .claims import RefreshedIdToken
from .client_auth import PrivateKeyJWT
from .grants import ALL_METHODS
from .grants import CONFIDENTIAL_METHODS
from .grants import AuthorizationCodeGrant
from .grants import ClientCredentialsGrant
from .grants import RefreshTokenGrant
from .grants import S256CodeChallenge
from .signout import end_browser_session
from .subjects import client_subject
from .tokens import AccessTokenGenerator

ID_TOKEN_ALGS = ["RS256", "ES256", "PS256"]
REVOKED_BY_CLIENT = "revoked_by_client"


def query_client(client_id):
    """A disabled client is as good as unknown: it starts no sign-in and gets no token."""
    if not isinstance(client_id, str) or len(client_id) > 64:
        return None
    client = client_cache.lookup(client_id)
    return client if client is not None and not client.disabled else None


def _save_token_unused(token, request):
    raise RuntimeError("each grant class saves its own tokens")


class AuthorizationServer(_FlaskAuthorizationServer):
    def handle_response(self, status_code, payload, headers):
        response = super().handle_response(status_code, payload, headers)
        if response.mimetype == "application/json":
            # RFC 6749 §5.1: token responses, errors included, are never cached.
            response.headers["Cache-Control"] = "no-store"
            response.headers["Pragma"] = "no-cache"
        return response


class Revocation(RevocationEndpoint):
    """RFC 7009. Revoking a refresh token, or an access token of a grant, ends the grant; each
    revocation is a `token.revoked` security event (SEC-91)."""

    CLIENT_AUTH_METHODS = ALL_METHODS

    def query_token(self, token_string, token_type_hint):
        return records.read_token(token_string, token_type_hint)

    def revoke_token(self, token, request):
        if token.kind == "refresh_token":
            grant_id, account_id = token.grant.id, token.grant.account_id
        else:
            grant_id, account_id = token.grant_id, token.account_id
        if grant_id is not None:
            records.revoke_grant(grant_id, REVOKED_BY_CLIENT)
        else:
            records.revoke_access_token(token.claims)
        security_log.emit("token.revoked", result="success", reason=REVOKED_BY_CLIENT,
                          client_id=token.client_id, account_id=account_id, token_type=token.kind,
                          grant=security_log.short_hash(grant_id) if grant_id else None)


class Introspection(IntrospectionEndpoint):
    """RFC 7662, for authenticated clients about their own tokens; with acr and auth_time."""

    CLIENT_AUTH_METHODS = CONFIDENTIAL_METHODS

    def query_token(self, token_string, token_type_hint):
        return records.read_token(token_string, token_type_hint)

    def check_permission(self, token, client, request):
        return token.check_client(client)

    def introspect_token(self, token):
        issuer = current_app.config["ISSUER"]
        if token.kind == "access_token":
            claims = token.claims
            body = {
                "active": True,
                "token_type": "Bearer",
                "client_id": claims["client_id"],
                "scope": claims.get("scope", ""),
                "sub": claims["sub"],
                "aud": claims["aud"],
                "iss": issuer,
                "exp": claims["exp"],
                "iat": claims["iat"],
                "jti": claims["jti"],
            }
            for name in ("auth_time", "acr", "amr", "sid"):
                if name in claims:
                    body[name] = claims[name]
            return body
        grant = token.grant
        return {
            "active": True,
            "token_type": "refresh_token",
            "client_id": grant.client_id,
            "scope": grant.scope,
            "sub": client_subject(token.account, token.client),
            "iss": issuer,
            "exp": to_timestamp(min(token.row.expires_at, grant.expires_at)),
            "iat": to_timestamp(token.row.issued_at),
            "auth_time": grant.auth_time,
            "acr": grant.acr,
            "amr": grant.amr,
        }


class EndSession(EndSessionEndpoint):
    """OIDC RP-Initiated Logout 1.0; the session itself is ended by oidc/logout.py."""

    def get_server_jwks(self):
        return get_keyring().snapshot().verifying

    def get_algorithms(self):
        return ID_TOKEN_ALGS

    def end_session(self, end_session_request):
        end_browser_session()


def build_server(app) -> AuthorizationServer:
    server = AuthorizationServer()
    server.init_app(app, query_client=query_client, save_token=_save_token_unused)
    # Unknown scopes are invalid_scope; known ones the client may not use are left out (§3.3).
    server.scopes_supported = list(SCOPES)
    server.register_token_generator("default", AccessTokenGenerator())
    server.register_grant(AuthorizationCodeGrant, [S256CodeChallenge(), OpenIDCode()])
    server.register_grant(RefreshTokenGrant, [RefreshedIdToken()])
    server.register_grant(ClientCredentialsGrant)
    server.register_client_auth_method("private_key_jwt", PrivateKeyJWT())
    server.register_endpoint(Revocation)
    server.register_endpoint(Introspection)
    server.register_endpoint(EndSession)
    from .par import PushedAuthorization  # par.py validates through validation.py, which imports us

    server.register_endpoint(PushedAuthorization)
    return server


def get_server() -> AuthorizationServer:
    return current_app.extensions["idp.authorization_server"]
