"""The HTTP adapter to the national immigration registry (the only code that talks to it).

One `requests.Session` per client keeps connections pooled. Each call has a timeout (at most 3 s to
connect, the configured one to read; SEC-99), follows no redirect and reads at most
`MAX_ANSWER_BYTES` of the answer; connection
errors, timeouts and 5xx answers are retried with exponential backoff, 4xx never (asking again
would get the same answer); a biometric check, which may enrol a capture, only when it cannot have
arrived. When every attempt failed, or the answer is not what the API
promises, `RegistryUnavailable` says which URL and what failed. The API is described in
registry_simulator/__init__.py.
"""

from __future__ import annotations

import base64
import json
import logging
import time
import weakref
from datetime import date
from urllib.parse import quote

import requests
from flask import current_app

from .errors import RegistryUnavailable
from .records import BIOMETRIC_METHODS
from .records import BiometricResult
from .records import Change  # noqa: F401 - part of this module's interface
from .records import ChangePage
from .records import Malformed
from .records import Person
from .records import parse_biometric
from .records import parse_changes
from .records import parse_person

log = logging.getLogger("idp.registry")

CONNECT_TIMEOUT = 3.0  # seconds; SEC-99 (ASVS 5 V12.3.2): connect within 3 s, read within 10 s
MAX_ANSWER_BYTES = 1 << 20  # the largest answer, a page of changes, is a few tens of kB


class _TooLarge(Exception):
    pass


class RegistryClient:
    def __init__(self, url: str, *, token: str = "", timeout: float = 3.0, retries: int = 2,
                 backoff: float = 0.2, logger: logging.Logger | None = None, sleep=time.sleep):
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.retries = max(0, retries)
        self.backoff = max(0.0, backoff)
        self.log = logger or log
        self._sleep = sleep
        self.session = requests.Session()
        self.session.trust_env = False  # no proxy or .netrc credentials picked up by accident
        self.session.headers["Accept"] = "application/json"
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def close(self) -> None:
        self.session.close()

    # The registry's questions ------------------------------------------------------------

    def match(self, *, document_number: str, full_name: str, birthdate: date, gender: str,
              nationality: str) -> Person | None:
        """The person whose record holds exactly this declared data, or None. A mismatch never
        says which field differed (Decree 69 Art. 11: declared data matched automatically)."""
        body = {"document_number": document_number, "full_name": full_name,
                "birthdate": birthdate.isoformat(), "gender": gender, "nationality": nationality}
        answer = self._call("POST", "/v1/persons/match", json=body, absent="no_match")
        return None if answer is None else self._parse(parse_person, answer, "person", "/v1/persons/match")

    def person(self, person_id: str) -> Person | None:
        path = f"/v1/persons/{quote(person_id, safe='')}"
        answer = self._call("GET", path, absent="not_found")
        return None if answer is None else self._parse(parse_person, answer, "person", path)

    def biometric_match(self, person_id: str, method: str, sample: bytes) -> BiometricResult:
        """The registry compares the capture with the biometrics it holds and gives a score; when
        it holds none it stores this capture instead (matched None, enrolled True)."""
        if method not in BIOMETRIC_METHODS:
            raise ValueError(f"method must be one of {BIOMETRIC_METHODS}, not {method!r}")
        path = f"/v1/persons/{quote(person_id, safe='')}/biometric-match"
        body = {"method": method, "sample": base64.b64encode(sample).decode("ascii")}
        # Not replayable: a first capture is enrolled, so a replay would be matched against itself.
        answer = self._call("POST", path, json=body, replayable=False)
        return self._parse(lambda obj: parse_biometric(obj, method), answer, None, path)

    def changes(self, cursor: str, limit: int = 100) -> ChangePage:
        """Identity changes after `cursor` ("" = from the start), oldest first; the page's cursor
        is where the next call continues (Decree 69 Art. 8: one-way sync from the registry)."""
        answer = self._call("GET", "/v1/changes", params={"cursor": cursor, "limit": limit})
        return self._parse(parse_changes, answer, None, "/v1/changes")

    def ping(self) -> None:
        """Raises RegistryUnavailable unless the registry answers its status call."""
        answer = self._call("GET", "/v1/status")
        if answer.get("status") != "ok":
            raise RegistryUnavailable(f"Registry GET {self.url}/v1/status: not ready "
                                      f"({answer.get('status')!r}).")

    # HTTP ------------------------------------------------------------------------------

    def _call(self, method: str, path: str, *, absent: str | None = None, replayable: bool = True,
              **kwargs) -> dict | None:
        """The JSON object answered; None for a 404 whose error is `absent`. A call that is not
        `replayable` (the registry may have acted on it) is retried only when it surely did not
        arrive: a refused connection, or a 502/503/504 from in front of the registry."""
        url = self.url + path
        attempts = self.retries + 1
        for attempt in range(attempts):
            retry = True
            try:
                response = self.session.request(
                    method, url, timeout=(min(self.timeout, CONNECT_TIMEOUT), self.timeout),
                    allow_redirects=False, stream=True, **kwargs)
            except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                    requests.exceptions.InvalidSchema):
                raise RegistryUnavailable(f"REGISTRY.URL {self.url!r} is not a usable http(s) URL.") from None
            except requests.Timeout as exc:
                problem = f"no answer within {self.timeout:g} s"
                retry = replayable or isinstance(exc, requests.ConnectTimeout)
            except requests.RequestException as exc:
                problem = f"connection failed ({type(exc).__name__})"
                retry = replayable or isinstance(exc, requests.ConnectionError)
            else:
                with response:
                    if response.status_code < 500:
                        return self._answer(response, url, absent)
                problem = f"answered HTTP {response.status_code}"
                retry = replayable or response.status_code in (502, 503, 504)
            if not retry:
                attempts = attempt + 1
                break
            if attempt + 1 < attempts:
                delay = self.backoff * 2**attempt
                self.log.warning("Registry %s %s: %s; retry %d of %d in %.2f s", method, url, problem,
                                 attempt + 1, self.retries, delay)
                self._sleep(delay)
        raise RegistryUnavailable(f"Registry {method} {url}: {problem}"
                                  f" (after {attempts} attempt{'s' if attempts > 1 else ''}).")

    def _answer(self, response: requests.Response, url: str, absent: str | None) -> dict | None:
        status = response.status_code
        method = response.request.method
        if 300 <= status < 400:
            raise RegistryUnavailable(
                f"Registry {method} {url}: answered HTTP {status}, a redirect to "
                f"{response.headers.get('Location', '')!r}, which is not followed (check REGISTRY.URL).")
        try:
            body = json.loads(_read_capped(response))
        except _TooLarge:
            raise RegistryUnavailable(f"Registry {method} {url}: the answer is larger than "
                                      f"{MAX_ANSWER_BYTES} bytes; it was not read.") from None
        except requests.RequestException as exc:
            raise RegistryUnavailable(f"Registry {method} {url}: the answer broke off "
                                      f"({type(exc).__name__}).") from None
        except ValueError:
            body = None
        if status == 404 and absent and isinstance(body, dict) and body.get("error") == absent:
            return None
        if status != 200:
            error = body.get("error") if isinstance(body, dict) else None
            hint = " (check REGISTRY.TOKEN)" if status in (401, 403) else ""
            raise RegistryUnavailable(f"Registry {method} {url}: refused with HTTP "
                                      f"{status}{f' {error!r}' if error else ''}{hint}.")
        if not isinstance(body, dict):
            raise RegistryUnavailable(f"Registry {method} {url}: the answer is not a "
                                      f"JSON object.")
        return body

    def _parse(self, parse, answer: dict, key: str | None, path: str):
        try:
            return parse(answer[key] if key else answer)
        except (KeyError, Malformed) as exc:
            raise RegistryUnavailable(f"Registry {self.url}{path}: malformed answer ({exc}).") from None


def _read_capped(response: requests.Response) -> bytes:
    """The body, or _TooLarge as soon as it passes MAX_ANSWER_BYTES (SEC-99)."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > MAX_ANSWER_BYTES:
        raise _TooLarge
    body = bytearray()
    for chunk in response.iter_content(64 * 1024):
        body += chunk
        if len(body) > MAX_ANSWER_BYTES:
            raise _TooLarge
    return bytes(body)


def registry_client() -> RegistryClient:
    """The app's client, built from config REGISTRY (one per app and settings, so connections
    are pooled across requests; a test changing the settings gets a fresh one)."""
    app = current_app._get_current_object()
    settings = app.config["REGISTRY"]
    wanted = tuple(settings.get(k) for k in ("URL", "TOKEN", "TIMEOUT", "RETRIES", "BACKOFF"))
    cached = app.extensions.get("idp.registry")
    if cached and cached[0] == wanted:
        return cached[1]
    client = RegistryClient(settings["URL"], token=settings.get("TOKEN", ""), timeout=settings["TIMEOUT"],
                            retries=settings["RETRIES"], backoff=settings["BACKOFF"], logger=app.logger)
    if cached:
        cached[1].close()
    app.extensions["idp.registry"] = (wanted, client)
    # Pooled sockets are closed when the app goes away, not left to the garbage collector.
    weakref.finalize(app, client.close)
    return client
