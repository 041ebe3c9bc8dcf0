"""The back-channel endpoints, each a thin call into Authlib: token, revocation, introspection,
pushed authorization requests."""

from __future__ import annotations

from authlib.oauth2.rfc6749.errors import InvalidRequestError
from flask import request

from ..extensions import autocommit_reads
from ..extensions import db
from .server import get_server

FORM = "application/x-www-form-urlencoded"


def _form_only():
    """RFC 6749 §3.2: the token endpoint takes form-encoded parameters, each once (§3.1)."""
    if request.mimetype != FORM:
        return InvalidRequestError("Send parameters as application/x-www-form-urlencoded.")
    for name in request.form:
        if len(request.form.getlist(name)) > 1:
            return InvalidRequestError(f"Parameter {name!r} is given more than once.")
    return None


def token():
    server = get_server()
    error = _form_only()
    if error is not None:
        return server.handle_error_response(None, error)
    response = server.create_token_response()
    # One transaction per token request: the grant, the rotated refresh token and its successor
    # commit together, once the response is built and before it is sent. Nothing is handed out
    # that was not recorded: a failed commit answers 503 (errors.py).
    session = db.session()
    if not session.in_transaction():
        return response  # client_credentials: nothing was read or written
    if response.status_code == 200:
        session.commit()
    else:
        session.rollback()
    return response


def revoke():
    server = get_server()
    error = _form_only()
    if error is not None:
        return server.handle_error_response(None, error)
    return server.create_endpoint_response("revocation")


def introspect():
    server = get_server()
    error = _form_only()
    if error is not None:
        return server.handle_error_response(None, error)
    autocommit_reads()
    return server.create_endpoint_response("introspection")


def par():
    """RFC 9126 §2.1: the pushed parameters come in the form body, none in the query."""
    server = get_server()
    error = _form_only()
    if error is None and request.args:
        error = InvalidRequestError("Send the parameters in the form body, not in the URL.")
    if error is not None:
        return server.handle_error_response(None, error)
    return server.create_endpoint_response("pushed_authorization")
