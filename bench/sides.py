"""The two servers under test, as the bench drives them: the same accounts and client on both,
consent primed, refresh-token chains and tokens minted, one load spec per flow."""

from __future__ import annotations

import base64
import json
import secrets
from pathlib import Path

import flows
import servers

RESOURCE = "urn:bench:api"  # the peer's resource server: its JWT access tokens are for it
REDIRECT_URI = "http://127.0.0.1:5001/callback"  # never contacted: the driver stops at it
SCOPE = "openid profile email"
LOAD_FLOWS = ["discovery", "jwks", "client_credentials", "refresh", "userinfo", "introspection"]
REFRESH_CHAINS = 128  # > 3 x connections: autocannon drops in-flight requests at the end of a run


def people(level1: int, level2: int) -> dict:
    """The accounts both sides get: same logins, passwords and profile."""
    accounts = []
    for n in range(level1 + level2):
        level = 1 if n < level1 else 2
        accounts.append({
            "login": f"bench{n:04d}.l{level}@bench.test", "level": level,
            "password": f"bench {secrets.token_urlsafe(18)} pass",
            "given_name": "Kenji", "family_name": "Sato", "birthdate": "1985-09-30",
            "gender": "male", "locale": "vi", "phone_number": "+84901234567",
        })
    return {"client": {"client_id": "bench-rp", "redirect_uri": REDIRECT_URI}, "accounts": accounts}


def basic(target: flows.Target) -> str:
    raw = f"{target.client_id}:{target.client_secret}".encode()
    return "Basic " + base64.b64encode(raw).decode()


def jwt_header(token: str) -> dict:
    head = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))


def token_format(token: str) -> str:
    if token.count(".") != 2:
        return "opaque"
    header = jwt_header(token)
    return f"JWT {header['alg']} typ {header.get('typ')}"


class Side:
    """One server under test: its Target, its process, and what the load tests send it."""

    def __init__(self, name, target, proc, accounts: list[dict], jwt_target=None):
        self.name, self.target, self.proc = name, target, proc
        self.level1 = round_robin([a for a in accounts if a["level"] == 1])
        self.totp = flows.TotpClock([a for a in accounts if a["level"] == 2])
        self.jwt_target = jwt_target or target  # the peer: resource-bound, JWT access tokens
        self.memory: dict[int, tuple[str, int]] = {}
        self.refresh_tokens: list[str] = []
        self.access_token = ""  # for userinfo and introspection
        self.formats: dict[str, str] = {}

    def sample_memory(self) -> None:
        for pid, (cmd, kib) in servers.group_memory(self.proc).items():
            program = next((Path(w).name for w in cmd.split() if not Path(w).name.startswith("python")),
                           cmd)
            role = "main process" if pid == self.proc.pid else f"worker (pid {pid})"
            if kib >= self.memory.get(pid, ("", 0))[1]:
                self.memory[pid] = (f"{program} {role}", kib)

    def prepare(self, accounts: list[dict], holder: dict) -> None:
        """Consent once per account (remembered from then on, also across restarts of ours),
        then mint refresh-token chains and a token for userinfo and introspection."""
        jt = self.jwt_target
        if accounts:
            flows.prime(jt, accounts, self.scope(jt))
        minted = flows.mint(jt, holder, REFRESH_CHAINS, self.scope(jt))
        self.refresh_tokens = [m["refresh_token"] for m in minted]
        refreshed = self.refresh(self.refresh_tokens.pop())
        self.refresh_tokens.append(refreshed["refresh_token"])
        self.access_token = flows.mint(self.target, holder, 1, SCOPE)[0]["access_token"]
        cc = self.client_credentials()
        self.formats = {"code/refresh": token_format(minted[0]["access_token"]),
                        "id_token": token_format(minted[0]["id_token"]),
                        "refresh": token_format(refreshed["access_token"]),
                        "client_credentials": token_format(cc),
                        "userinfo/introspection": token_format(self.access_token)}

    def scope(self, target) -> str:
        return SCOPE + (" api" if "resource" in target.extra else "")

    def resource_param(self) -> str:
        """The peer's JWT access tokens are for its resource server, named in each request."""
        return f"&resource={RESOURCE}" if "resource" in self.jwt_target.extra else ""

    def cc_body(self) -> str:
        scope = "&scope=api" if self.resource_param() else ""
        return "grant_type=client_credentials" + self.resource_param() + scope

    def refresh(self, refresh_token: str) -> dict:
        response = flows.Browser(self.target).request(
            "POST", self.target.endpoint("token_endpoint"),
            data="grant_type=refresh_token&refresh_token=" + refresh_token + self.resource_param(),
            headers={"Authorization": basic(self.target),
                     "Content-Type": "application/x-www-form-urlencoded"})
        response.raise_for_status()
        if response.json()["refresh_token"] == refresh_token:
            raise RuntimeError(f"{self.name} did not rotate the refresh token")
        return response.json()

    def client_credentials(self) -> str:
        browser = flows.Browser(self.target)
        response = browser.request("POST", self.target.endpoint("token_endpoint"), data=self.cc_body(),
                                   headers={"Authorization": basic(self.target),
                                            "Content-Type": "application/x-www-form-urlencoded"})
        response.raise_for_status()
        return response.json()["access_token"]

    def spec(self, flow: str, args) -> dict:
        t = self.target
        form = {"Authorization": basic(t), "Content-Type": "application/x-www-form-urlencoded"}
        specs = {
            "discovery": {"url": t.base + "/.well-known/openid-configuration"},
            "jwks": {"url": t.endpoint("jwks_uri")},
            "client_credentials": {"url": t.endpoint("token_endpoint"), "method": "POST",
                                   "headers": form, "body": self.cc_body()},
            "refresh": {"url": t.endpoint("token_endpoint"), "method": "POST", "headers": form,
                        "refreshTokens": self.refresh_tokens, "refreshExtra": self.resource_param()},
            "userinfo": {"url": t.endpoint("userinfo_endpoint"),
                         "headers": {"Authorization": f"Bearer {self.access_token}"}},
            "introspection": {"url": t.endpoint("introspection_endpoint"), "method": "POST",
                              "headers": form, "body": f"token={self.access_token}"},
        }
        expect = {"discovery": '"issuer"', "jwks": '"keys"', "client_credentials": '"access_token"',
                  "userinfo": '"sub"', "introspection": '"active": ?true'}
        spec = {**specs[flow], "expectBody": expect.get(flow)}
        spec["headers"] = {"Host": t.host, **t.headers, **spec.get("headers", {})}
        return {**spec, "connections": args.connections, "duration": args.duration,
                "warmup": args.warmup}

    def run(self, flow: str, args, tmp: Path) -> dict:
        if flow in LOAD_FLOWS:
            result = servers.load(self.spec(flow, args), tmp)
            if flow == "refresh":  # chains continue in the next run only if the pool was returned
                self.refresh_tokens = []
        else:
            level2 = flow == "code_flow_level2"
            result = flows.drive(self.jwt_target, self.totp.take if level2 else self.level1,
                                 level2=level2, scope=self.scope(self.jwt_target),
                                 connections=args.connections, warmup=args.warmup,
                                 duration=args.duration, totp=self.totp if level2 else None)
        self.sample_memory()
        return result


def steps_of(result: dict) -> str:
    """Median requests per sign-in, and an example of a sign-in that needed more."""
    detail = result["detail"]
    text = f"{detail['requests_per_flow']:g}"
    if detail["longer_flows"]:
        text += f" ({detail['longer_flows']} took more, e.g. `{detail['longer_example'][0]}`)"
    if detail.get("totp_stalls"):
        text += (f" (waited {detail['totp_stalls']} times for an unused TOTP step: "
                 "raise --level2-accounts)")
    return text


def round_robin(accounts: list[dict]):
    state = {"n": 0}

    def pick():
        state["n"] += 1
        return accounts[state["n"] % len(accounts)]

    return pick
