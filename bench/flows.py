"""The scripted driver: what a relying party and a person's browser do, over real HTTP.

Used for the multi-request flows (authorization code + PKCE, with and without a TOTP step-up)
and to mint the tokens the load tests replay. It speaks to one Target, ours or the peer, with
the same code: endpoints come from discovery, pages are read as forms (action + hidden fields).
Cookies are kept by hand: our production cookies are `Secure` (https issuer), but the bench
talks plain HTTP to 127.0.0.1 with a `Host:` header.
"""

from __future__ import annotations

import base64
import collections
import hashlib
import html
import http.cookiejar
import re
import secrets
import statistics
import threading
import time
from dataclasses import dataclass
from dataclasses import field
from urllib.parse import parse_qs
from urllib.parse import urljoin
from urllib.parse import urlsplit

import pyotp
import requests

TIMEOUT = 10
FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S)
ACTION = re.compile(r'action="([^"]*)"')
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


@dataclass
class Target:
    """One identity provider as the bench sees it."""

    name: str
    base: str  # where the bytes go: http://127.0.0.1:<port>
    host: str  # the Host header it answers to
    client_id: str
    client_secret: str
    redirect_uri: str
    extra: dict = field(default_factory=dict)  # authorization parameters of this side (resource)
    headers: dict = field(default_factory=dict)  # sent with every request (X-Forwarded-Proto)
    metadata: dict = field(default_factory=dict)

    def local(self, url: str) -> str:
        """An absolute URL of the issuer, sent to 127.0.0.1 instead."""
        issuer = self.metadata.get("issuer", self.base)
        return self.base + url[len(issuer):] if url.startswith(issuer) else url

    def endpoint(self, name: str) -> str:
        return self.local(self.metadata[name])

    def discover(self) -> None:
        response = requests.get(f"{self.base}/.well-known/openid-configuration",
                                headers={"Host": self.host, **self.headers}, timeout=TIMEOUT)
        response.raise_for_status()
        self.metadata = response.json()


class FlowError(Exception):
    pass


class Browser:
    """A user agent: one keep-alive connection pool, cookies by name, no redirects followed."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.http = requests.Session()
        self.http.trust_env = False  # loopback only, whatever the environment says
        self.http.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
        self.cookies: dict[str, str] = {}
        self.count = 0
        self.trail: list[str] = []  # "METHOD /path status" of the current person, for reports

    def reset(self) -> None:
        """A new person on the same machine: no cookies, connections kept."""
        self.cookies.clear()
        self.trail.clear()

    def request(self, method: str, url: str, **kwargs) -> requests.Response:
        headers = {"Host": self.target.host, **self.target.headers, **kwargs.pop("headers", {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        response = self.http.request(method, url, headers=headers, allow_redirects=False,
                                     timeout=TIMEOUT, **kwargs)
        self.count += 1
        self.trail.append(f"{method} {urlsplit(url).path} {response.status_code}")
        for raw in response.raw.headers.getlist("Set-Cookie"):
            pair, _, attributes = raw.partition(";")
            name, _, value = pair.strip().partition("=")
            attributes = attributes.lower()
            if not value or "max-age=0" in attributes or "1970" in attributes:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return response


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _form(page: requests.Response, marker: str) -> tuple[str, dict]:
    """The page's form holding `marker`: where it posts, and its hidden fields."""
    match = next((m for m in FORM.finditer(page.text) if marker in m.group(2)), None)
    if match is None:
        raise FlowError(f"no form with {marker} at {page.status_code} {page.url}: {page.text[:300]!r}")
    action = ACTION.search(match.group(1))
    target = urljoin(page.url, html.unescape(action.group(1))) if action else page.url
    return target, {k: html.unescape(v) for k, v in HIDDEN.findall(match.group(2))}


def sign_in(browser: Browser, account: dict, *, level2: bool = False, scope: str,
            extra: dict | None = None, totp=None) -> dict:
    """authorize -> pages (password, TOTP, consent) -> code -> token; returns the token response."""
    target = browser.target
    verifier, challenge = pkce_pair()
    params = {"response_type": "code", "client_id": target.client_id,
              "redirect_uri": target.redirect_uri, "scope": scope,
              "state": secrets.token_urlsafe(12), "nonce": secrets.token_urlsafe(12),
              "code_challenge": challenge, "code_challenge_method": "S256",
              **target.extra, **(extra or {})}
    if level2:
        params["acr_values"] = "2"
    response = browser.request("GET", target.endpoint("authorization_endpoint"), params=params)
    for _ in range(12):
        location = response.headers.get("Location")
        if location and location.startswith(target.redirect_uri):
            callback = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
            break
        if location:
            response = browser.request("GET", urljoin(response.url, target.local(location)))
            continue
        if response.status_code != 200:
            raise FlowError(f"{response.status_code} at {response.url}: {response.text[:300]!r}")
        if 'name="password"' in response.text:
            url, data = _form(response, 'name="password"')
            data.update(login=account["login"], password=account["password"])
        elif 'autocomplete="one-time-code"' in response.text:
            if totp is None:
                raise FlowError("asked for a second factor outside the level-2 flow")
            url, data = _form(response, 'autocomplete="one-time-code"')
            data["code"] = totp.code(account)
        elif 'name="decision"' in response.text:
            url, data = _form(response, 'name="decision"')
            data["decision"] = "approve"
        else:
            raise FlowError(f"unknown page at {response.url}: {response.text[:300]!r}")
        response = browser.request("POST", url, data=data)
    else:
        raise FlowError("too many steps")
    if "code" not in callback:
        raise FlowError(f"no code: {callback}")
    token = browser.request("POST", target.endpoint("token_endpoint"), data={
        "grant_type": "authorization_code", "code": callback["code"],
        "redirect_uri": target.redirect_uri, "code_verifier": verifier,
        **({"resource": target.extra["resource"]} if "resource" in target.extra else {}),
    }, auth=(target.client_id, target.client_secret))
    if token.status_code != 200:
        raise FlowError(f"token {token.status_code}: {token.text[:300]}")
    return token.json()


class TotpClock:
    """Codes for a pool of level-2 accounts. Both servers accept each 30-second step once per
    account (replay defence) and the next step early, so an account serves about two sign-ins
    per step; the pool hands out the account that has waited longest."""

    def __init__(self, accounts: list[dict]) -> None:
        self.queue = collections.deque(accounts)
        self.last_step: dict[str, int] = {}
        self.lock = threading.Lock()
        self.stalls = 0

    def take(self) -> dict:
        with self.lock:
            account = self.queue.popleft()
            self.queue.append(account)
            return account

    def code(self, account: dict) -> str:
        while True:
            with self.lock:
                now = int(time.time() // 30)
                step = max(now, self.last_step.get(account["login"], -1) + 1)
                if step <= now + 1:
                    self.last_step[account["login"]] = step
                    return pyotp.TOTP(account["totp_secret"]).at(step * 30)
                self.stalls += 1
            time.sleep(0.2)


def mint(target: Target, account: dict, count: int, scope: str, extra: dict | None = None,
         ) -> list[dict]:
    """`count` token responses of one signed-in browser (consent asked once, then remembered)."""
    browser = Browser(target)
    return [sign_in(browser, account, scope=scope, extra=extra) for _ in range(count)]


def prime(target: Target, accounts: list[dict], scope: str, threads: int = 8) -> None:
    """One sign-in per account, so that each has consented before the timed runs."""
    errors: list[Exception] = []
    chunks = [accounts[i::threads] for i in range(threads)]

    def work(chunk):
        browser = Browser(target)
        for account in chunk:
            browser.reset()
            try:
                sign_in(browser, account, scope=scope)
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

    workers = [threading.Thread(target=work, args=(c,)) for c in chunks]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    if errors:
        raise FlowError(f"{len(errors)} priming sign-ins failed, first: {errors[0]}")


def drive(target: Target, pick, *, level2: bool, scope: str, connections: int, warmup: float,
          duration: float, totp: TotpClock | None = None) -> dict:
    """`connections` people signing in at once, each flow in a fresh browser, for warm-up +
    duration seconds; counts the flows that finish within the timed part (as autocannon counts
    responses), and every failure from the timed part on."""
    start = time.monotonic()
    measure_from, stop = start + warmup, start + warmup + duration
    latencies: list[float] = []
    errors: list[str] = []
    requests_per_flow: list[int] = []
    longer: list[str] = []  # the steps of flows that took more requests than the shortest
    first: list[str] = []  # the steps of one flow
    lock = threading.Lock()

    def person():
        browser = Browser(target)
        while time.monotonic() < stop:
            browser.reset()
            before, sent = time.monotonic(), browser.count
            try:
                sign_in(browser, pick(), level2=level2, scope=scope, totp=totp)
                ok = True
            except Exception as exc:  # noqa: BLE001 - every failure is counted
                ok = False
                error = f"{type(exc).__name__}: {exc}"[:300]
            after = time.monotonic()
            with lock:  # flows finished inside the timed part; a failure seen after it too
                if ok and measure_from <= after <= stop:
                    latencies.append(after - before)
                    requests_per_flow.append(browser.count - sent)
                    first[:] = first or [" > ".join(browser.trail)]
                    if browser.count - sent > min(requests_per_flow):
                        longer.append(" > ".join(browser.trail))
                elif not ok and after >= measure_from:
                    errors.append(error)

    people = [threading.Thread(target=person, daemon=True) for _ in range(connections)]
    for p in people:
        p.start()
    for p in people:
        p.join(timeout=warmup + duration + 2 * TIMEOUT)
    latencies.sort()
    ms = [1000 * x for x in latencies] or [0.0]
    return {
        "rps": len(latencies) / duration,
        "requests": len(latencies),
        "p50": statistics.median(ms),
        "p99": ms[min(len(ms) - 1, int(0.99 * len(ms)))],
        "errors": len(errors),
        "detail": {"first_errors": errors[:3], "requests_per_flow":
                   statistics.median(requests_per_flow) if requests_per_flow else 0,
                   "totp_stalls": totp.stalls if totp else 0,
                   "longer_flows": len(longer), "longer_example": longer[-1:], "example": first},
    }
