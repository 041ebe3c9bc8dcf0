"""Seed the bench's accounts and client through our admin CLI (no SQL of our own).

The same commands as `flask --app idp accounts create LOGIN --password-stdin`, `accounts
proof-level2`, `accounts add-totp --json` and `clients create --json`, invoked through Flask's
CLI runner in one process: a few hundred separate `flask` processes would take minutes.
Reads {"client": {...}, "accounts": [...]} on stdin (IDP_* in the environment say where);
prints {"client_secret": ..., "totp": {login: secret}}.
"""

from __future__ import annotations

import json
import os
import sys

from idp import create_app


def main() -> None:
    people = json.load(sys.stdin)
    runner = create_app().test_cli_runner()

    def cli(*args: str, stdin: str | None = None):
        result = runner.invoke(args=list(args), input=stdin)
        if result.exit_code != 0:
            sys.exit(f"flask {' '.join(args[:3])}: {result.output.strip() or result.exception}")
        return json.loads(result.output)

    client = people["client"]
    created = cli("clients", "create", "--client-id", client["client_id"], "--name", "Bench RP",
                  "--redirect-uri", client["redirect_uri"], "--grant-type", "authorization_code",
                  "--grant-type", "refresh_token", "--grant-type", "client_credentials",
                  "--scope", "openid profile email phone", "--auth-method", "client_secret_basic",
                  "--id-token-alg", os.environ.get("IDP_ACCESS_TOKEN_SIGNING_ALG", "ES256"),
                  "--json")
    totp = {}
    for n, account in enumerate(people["accounts"]):
        cli("accounts", "create", account["login"], "--password-stdin",
            "--given-name", account["given_name"], "--family-name", account["family_name"],
            "--email", account["login"], "--phone-number", account["phone_number"],
            "--birthdate", account["birthdate"], "--gender", account["gender"],
            "--nationality", "JPN", "--locale", account["locale"], "--json",
            stdin=account["password"] + "\n")
        if account["level"] == 2:
            cli("accounts", "proof-level2", account["login"], "--document-number", f"B{n:07d}",
                "--document-expires", "2035-01-01", "--card-type", "temporary",
                "--card-number", f"TT-B{n:07d}", "--card-expires", "2035-01-01",
                "--biometric-match-ref", f"bench-{n}", "--consent-ref", f"bench-{n}", "--json")
            totp[account["login"]] = cli("accounts", "add-totp", account["login"], "--json")["secret"]
    json.dump({"client_secret": created["client_secret"], "totp": totp}, sys.stdout)


if __name__ == "__main__":
    main()
