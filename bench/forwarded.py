"""`idp.wsgi:app` for granian, which (unlike gunicorn) ignores X-Forwarded-Proto: trust it from
127.0.0.1 only, as gunicorn's default `forwarded_allow_ips` does, so both servers see https
behind the same imaginary TLS-terminating proxy. Bench only; the IdP is unchanged."""

from idp.wsgi import app as idp_app

LOCAL = ("127.0.0.1", "::1")


def app(environ, start_response):
    if environ.get("REMOTE_ADDR") in LOCAL and environ.get("HTTP_X_FORWARDED_PROTO") == "https":
        environ["wsgi.url_scheme"] = "https"
    return idp_app(environ, start_response)
