"""Configuration: config/default.toml, then the file named by IDP_CONFIG, then IDP_* variables.

Validated once at start-up; a production start with a development secret or without signing
keys is refused with a message that says what to fix.
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FILE = PROJECT_ROOT / "config" / "default.toml"

DEV_MARKER = "dev-only-"

# key -> expected type; nested tables are checked key by key.
SCHEMA: dict[str, type | dict[str, type]] = {
    "ENV": str,
    "ISSUER": str,
    "TRUSTED_HOSTS": list,
    "SECRET_KEY": str,
    "PAIRWISE_SALT": str,
    "DATABASE_URL": str,
    "REDIS_URL": str,
    "STORE_PREFIX": str,
    "KEYS_DIR": str,
    "ACCESS_TOKEN_SIGNING_ALG": str,
    "CODE_LIFETIME": int,
    "ACCESS_TOKEN_LIFETIME": int,
    "ID_TOKEN_LIFETIME": int,
    "REFRESH_TOKEN_IDLE_LIFETIME": int,
    "REFRESH_TOKEN_ABSOLUTE_LIFETIME": int,
    "LOGIN_REQUEST_LIFETIME": int,
    "SESSION_LIFETIME": int,
    "LEVEL2_LIFETIME": int,
    "LEVEL2_IDLE_TIMEOUT": int,
    "REQUIRE_PUSHED_AUTHORIZATION_REQUESTS": bool,
    "FACTOR_KEY": str,
    "TOTP_ISSUER_NAME": str,
    "WEBAUTHN_RP_ID": str,
    "WEBAUTHN_ORIGIN": str,
    "WEBAUTHN_RP_NAME": str,
    "PROXY_HOPS": int,
    "METRICS_ALLOW": list,
    "METRICS_TOKEN": str,
    "HOLIDAYS": list,
    "REGISTRY": {"URL": str, "TOKEN": str, "TIMEOUT": float, "RETRIES": int, "BACKOFF": float},
    "ENROLLMENT": {"ACTIVATION_CODE_LIFETIME": int, "OFFICE": str, "CONSENT_TEXT": str},
    "NOTIFY": {"EMAIL_URL": str, "EMAIL_FROM": str, "SMS_URL": str, "SMS_TOKEN": str,
               "MAX_ATTEMPTS": int, "FIRST_RETRY": int, "MAX_RETRY": int},
    "ARGON2": {"TIME_COST": int, "MEMORY_COST": int, "PARALLELISM": int},
    "THROTTLE": {
        "ACCOUNT_IP_FREE_FAILURES": int,
        "ACCOUNT_FREE_FAILURES": int,
        "IP_FREE_FAILURES": int,
        "FIRST_DELAY": int,
        "MAX_DELAY": int,
        "WINDOW": int,
    },
}

SIGNING_ALGS = ("RS256", "PS256", "ES256")


class ConfigError(Exception):
    """The configuration cannot be used; the message says which key and why."""


def load(app, overrides: dict | None = None) -> None:
    """Fill app.config from the files, the environment and `overrides` (tests), then validate."""
    app.config.from_file(str(DEFAULT_FILE), load=tomllib.load, text=False)
    extra = os.environ.get("IDP_CONFIG")
    if extra:
        path = Path(extra)
        if not path.is_absolute():
            path = PROJECT_ROOT / path
        if not path.is_file():
            raise ConfigError(f"IDP_CONFIG names {extra}, which is not a file.")
        app.config.from_file(str(path), load=tomllib.load, text=False)
    app.config.from_prefixed_env("IDP")
    if overrides:
        for key, value in overrides.items():
            if isinstance(value, dict) and isinstance(app.config.get(key), dict):
                app.config[key] = {**app.config[key], **value}
            else:
                app.config[key] = value
    _coerce_and_check_types(app.config)
    _derive(app)
    validate(app.config)


def _coerce_and_check_types(config) -> None:
    for key, expected in SCHEMA.items():
        if isinstance(expected, dict):
            table = config.get(key)
            if not isinstance(table, dict):
                raise ConfigError(f"{key} must be a table of settings.")
            for sub, sub_type in expected.items():
                table[sub] = _coerce(f"{key}__{sub}", table.get(sub), sub_type)
        else:
            config[key] = _coerce(key, config.get(key), expected)


def _coerce(name: str, value, expected: type):
    if value is None:
        raise ConfigError(f"IDP_{name} is missing.")
    if expected is int and isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    if expected is float and not isinstance(value, bool):
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ConfigError(f"IDP_{name} must be a number, not {value!r}.") from None
    if expected is str and isinstance(value, int | float):
        return str(value)
    if expected is list and isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
        raise ConfigError(f"IDP_{name} must be a {expected.__name__}, not {value!r}.")
    return value


def _derive(app) -> None:
    """Settings that follow from others; Flask's own keys are set here and nowhere else."""
    config = app.config
    config["ISSUER"] = config["ISSUER"].rstrip("/")
    issuer = urlsplit(config["ISSUER"])
    if not config["DATABASE_URL"]:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        config["DATABASE_URL"] = f"sqlite:///{Path(app.instance_path) / 'idp.sqlite3'}"
    config["SQLALCHEMY_DATABASE_URI"] = config["DATABASE_URL"]
    try:
        config["HOLIDAY_DATES"] = frozenset(date.fromisoformat(day) for day in config["HOLIDAYS"])
    except (TypeError, ValueError):
        raise ConfigError(f"IDP_HOLIDAYS must list ISO dates like 2026-09-02, not "
                          f"{config['HOLIDAYS']!r}.") from None
    # Idle connections are pinged at check-out (idp/extensions.py); recycled after 30 minutes.
    config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_recycle": 1800}
    keys_dir = Path(config["KEYS_DIR"])
    config["KEYS_PATH"] = keys_dir if keys_dir.is_absolute() else PROJECT_ROOT / keys_dir
    hosts = [issuer.hostname or ""] + list(config["TRUSTED_HOSTS"])
    config["TRUSTED_HOSTS"] = [h for h in hosts if h]
    config["SECURE_COOKIES"] = issuer.scheme == "https"
    # WebAuthn L2 §5.1.3, §7.1 step 9: the RP ID and origin come from here, never from a header.
    config["WEBAUTHN_RP_ID"] = config["WEBAUTHN_RP_ID"] or issuer.hostname or ""
    config["WEBAUTHN_ORIGIN"] = (config["WEBAUTHN_ORIGIN"] or _origin_of(config["ISSUER"])).rstrip("/")
    config["SERVER_NAME"] = issuer.netloc  # url_for outside a request, and the test client
    config["PREFERRED_URL_SCHEME"] = issuer.scheme
    config["MAX_CONTENT_LENGTH"] = 64 * 1024
    config["MAX_FORM_MEMORY_SIZE"] = 64 * 1024
    config["WTF_CSRF_SSL_STRICT"] = False  # we send Referrer-Policy: no-referrer; tokens suffice
    config["WTF_CSRF_TIME_LIMIT"] = None  # the token lives as long as the server-side session
    config["DEBUG"] = False if config["ENV"] == "production" else config.get("DEBUG", False)


def _origin_of(url: str) -> str:
    """scheme://host[:port] as a browser serialises an origin (no default port, lower case)."""
    parts = urlsplit(url)
    default = {"https": 443, "http": 80}.get(parts.scheme)
    port = f":{parts.port}" if parts.port and parts.port != default else ""
    return f"{parts.scheme}://{(parts.hostname or '').lower()}{port}"


def _check_webauthn(config) -> None:
    """WebAuthn L2 §5.1.3: the RP ID is the origin's host or a registrable suffix of it."""
    origin, rp_id = config["WEBAUTHN_ORIGIN"], config["WEBAUTHN_RP_ID"]
    parts = urlsplit(origin)
    try:
        canonical = _origin_of(origin)
    except ValueError:  # a port that is not a number
        canonical = None
    if parts.scheme not in ("https", "http") or not parts.hostname or canonical != origin:
        raise ConfigError(f"IDP_WEBAUTHN_ORIGIN must be scheme://host[:port] only, not {origin!r}.")
    host = parts.hostname
    if not rp_id or rp_id != rp_id.lower() or not (host == rp_id or host.endswith("." + rp_id)):
        raise ConfigError(f"IDP_WEBAUTHN_RP_ID {rp_id!r} must be the host of IDP_WEBAUTHN_ORIGIN "
                          f"({host}) or a parent domain of it.")
    if not config["WEBAUTHN_RP_NAME"].strip():
        raise ConfigError("IDP_WEBAUTHN_RP_NAME must name the service shown by authenticators.")
    if config["ENV"] == "production":
        if parts.scheme != "https":
            raise ConfigError("Refusing to start in production with an http IDP_WEBAUTHN_ORIGIN.")
        if _is_ip_address(rp_id):
            raise ConfigError("IDP_WEBAUTHN_RP_ID must be a domain name: browsers refuse "
                              "passkeys for IP addresses.")


def _is_ip_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def validate(config) -> None:
    """Refuse what cannot work, and in production what is unsafe."""
    issuer = urlsplit(config["ISSUER"])
    if issuer.scheme not in ("https", "http") or not issuer.hostname:
        raise ConfigError(f"IDP_ISSUER must be an absolute http(s) URL, not {config['ISSUER']!r}.")
    if issuer.query or issuer.fragment or issuer.path not in ("", "/"):
        raise ConfigError("IDP_ISSUER must be scheme://host[:port] only: the IdP serves from its root.")
    if issuer.scheme == "http" and issuer.hostname not in ("localhost", "127.0.0.1", "::1"):
        raise ConfigError("IDP_ISSUER may use http only on loopback (localhost, 127.0.0.1); "
                          "use https.")
    if config["ENV"] not in ("development", "production"):
        raise ConfigError("IDP_ENV must be 'development' or 'production'.")
    if config["ACCESS_TOKEN_SIGNING_ALG"] not in SIGNING_ALGS:
        raise ConfigError(f"IDP_ACCESS_TOKEN_SIGNING_ALG must be one of {', '.join(SIGNING_ALGS)}.")
    if not 1 <= config["CODE_LIFETIME"] <= 600:
        raise ConfigError("IDP_CODE_LIFETIME must be between 1 and 600 seconds.")
    if not 0 < config["REGISTRY"]["TIMEOUT"] <= 10:  # SEC-99: an answer within 10 s
        raise ConfigError("IDP_REGISTRY__TIMEOUT must be more than 0 and at most 10 seconds.")
    aliases = config.get("ACR_ALIASES") or {}
    if not isinstance(aliases, dict) or any(
        not isinstance(name, str) or level not in (1, 2) for name, level in aliases.items()
    ):
        raise ConfigError("IDP_ACR_ALIASES must map acr names to level 1 or 2.")
    if config["ENV"] != "production":
        _check_webauthn(config)
        return
    for key in ("SECRET_KEY", "PAIRWISE_SALT", "FACTOR_KEY"):
        value = config[key]
        if value.startswith(DEV_MARKER) or len(value) < 32:
            raise ConfigError(
                f"Refusing to start in production with a development or short IDP_{key}: "
                f"set IDP_{key} to a random value of at least 32 characters."
            )
    if issuer.scheme != "https":
        raise ConfigError("Refusing to start in production with an http IDP_ISSUER: use https.")
    _check_backends(config)
    _check_webauthn(config)


TLS_SSLMODES = ("require", "verify-ca", "verify-full")


def on_this_host(host: str | None) -> bool:
    """A Unix socket (no host, or a path) or a loopback name or address: traffic to it never
    leaves the machine, so TLS would protect nothing."""
    if not host or host.startswith("/") or host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_backends(config) -> None:
    """SEC-99, SEC-100 (ASVS 5 V12.3.1, V13.2.1): in production, PostgreSQL, Redis, the registry
    and the SMS gateway on another host are reached over TLS, and Redis with a password
    (PostgreSQL may authenticate by certificate or a password file, so only TLS is checked)."""
    database = urlsplit(config["DATABASE_URL"])
    if database.scheme.startswith("postgres"):
        query = parse_qs(database.query)
        host = database.hostname or (query.get("host") or [""])[0]
        if not on_this_host(host) and (query.get("sslmode") or [""])[-1] not in TLS_SSLMODES:
            raise ConfigError("Refusing to start in production with IDP_DATABASE_URL on another host "
                              "without TLS: add ?sslmode=verify-full (or require).")
    for name, url in (("REGISTRY__URL", config["REGISTRY"]["URL"]),
                      ("NOTIFY__SMS_URL", config["NOTIFY"]["SMS_URL"])):
        parts = urlsplit(url)
        if url and parts.scheme != "https" and not on_this_host(parts.hostname):
            raise ConfigError(f"Refusing to start in production with IDP_{name} on another host "
                              f"over plain http: use https.")
    if not config["REDIS_URL"]:
        return
    redis = urlsplit(config["REDIS_URL"])
    if on_this_host(redis.hostname):
        return
    if redis.scheme != "rediss":
        raise ConfigError("Refusing to start in production with IDP_REDIS_URL on another host "
                          "without TLS: use rediss://.")
    if not redis.password:
        raise ConfigError("Refusing to start in production with IDP_REDIS_URL without a password: "
                          "use rediss://[user]:password@host:port/db.")
