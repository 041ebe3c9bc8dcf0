"""The production entry point: `granian --interface wsgi idp.wsgi:app` (or `gunicorn idp.wsgi:app`).

Refuses to start (exit status 1, one-line reason) on a configuration that is unsafe for
production: a development secret, an http issuer, or missing signing keys.
"""

from . import config
from . import create_app
from . import signing

app = create_app()
try:
    signing.check_keys(app)
except config.ConfigError as exc:
    raise SystemExit(f"Configuration error: {exc}") from None
