"""Signing keys from the keys/ folder: which key signs for each algorithm, which still verify.

Layout: `keyring.json` (metadata, no secrets) and one `<kid>.pem` per private key, mode 0600.
The private half never leaves this module: callers get `sign()` and public JWKS bytes.
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from joserfc import jwt
from joserfc.jwk import ECKey
from joserfc.jwk import KeySet
from joserfc.jwk import RSAKey

from ..clock import now

ALGORITHMS = ("RS256", "ES256", "PS256")
RSA_BITS = 3072  # ASVS 5 V11.2.3: 128-bit security
RELOAD_INTERVAL = 5.0  # seconds between checks of keyring.json for a rotation by the CLI


class KeysMissing(Exception):
    """No usable key for an algorithm; the message says which command creates one."""


class KeyringError(Exception):
    """A CLI request the keyring cannot honour (unknown kid, retiring an active key...)."""


def _generate(alg: str):
    """A new key whose kid is its RFC 7638 thumbprint, drawn again until the kid does not begin
    with "-" or "_", so that an operator can type it after `keys retire` like any argument."""
    params = {"use": "sig", "alg": alg}
    while True:
        if alg == "ES256":
            key = ECKey.generate_key("P-256", parameters=params, private=True)
        else:
            key = RSAKey.generate_key(RSA_BITS, parameters=params, private=True)
        key.ensure_kid()
        if key.kid[0] not in "-_":
            return key


def _load_private(path: Path, entry: dict):
    params = {"kid": entry["kid"], "use": "sig", "alg": entry["alg"]}
    pem = path.read_bytes()
    cls = ECKey if entry["alg"] == "ES256" else RSAKey
    return cls.import_key(pem, parameters=params)


@dataclass(frozen=True)
class Snapshot:
    """Keys as loaded at one moment: the signing key per algorithm and the verification set."""

    signing: dict  # alg -> private key
    verifying: KeySet  # public halves of active and previous keys
    jwks_bytes: bytes


class Keyring:
    """Reads and writes the keys folder. One instance per app; reloads after a CLI rotation."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._mtime = None
        self._checked = 0.0

    # --- metadata -------------------------------------------------------------------------
    @property
    def _index_path(self) -> Path:
        return self.folder / "keyring.json"

    def entries(self) -> list[dict]:
        if not self._index_path.exists():
            return []
        return json.loads(self._index_path.read_text())["keys"]

    def _write_entries(self, entries: list[dict]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self._index_path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"keys": entries}, indent=2) + "\n")
        os.replace(tmp, self._index_path)

    def _write_private(self, key) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{key.kid}.pem"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(key.as_pem(private=True))

    # --- CLI operations ---------------------------------------------------------------------
    def generate(self, algs=ALGORITHMS) -> list[dict]:
        """Create a key for each algorithm that has no active key yet; return the new entries."""
        entries = self.entries()
        created = []
        for alg in algs:
            if any(e["alg"] == alg and e["status"] == "active" for e in entries):
                continue
            created.append(self._add(entries, alg))
        if created:
            self._write_entries(entries)
        return created

    def rotate(self, alg: str) -> dict:
        """A new key signs from now on; the previous one stays published to verify old tokens."""
        entries = self.entries()
        for entry in entries:
            if entry["alg"] == alg and entry["status"] == "active":
                entry["status"] = "previous"
        created = self._add(entries, alg)
        self._write_entries(entries)
        return created

    def retire(self, kid: str) -> dict:
        """Stop publishing a previous key and delete its private half."""
        entries = self.entries()
        entry = next((e for e in entries if e["kid"] == kid), None)
        if entry is None:
            raise KeyringError(f"No key with kid {kid!r}.")
        if entry["status"] == "active":
            raise KeyringError(f"Key {kid} still signs; rotate {entry['alg']} first.")
        entry["status"] = "retired"
        entry["retired_at"] = now().isoformat(timespec="seconds")
        (self.folder / f"{kid}.pem").unlink(missing_ok=True)
        self._write_entries(entries)
        return entry

    def _add(self, entries: list[dict], alg: str) -> dict:
        key = _generate(alg)
        self._write_private(key)
        entry = {
            "kid": key.kid,
            "alg": alg,
            "status": "active",
            "created_at": now().isoformat(timespec="seconds"),
        }
        entries.append(entry)
        return entry

    # --- runtime ----------------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        """The current keys; re-read at most every few seconds if keyring.json changed."""
        current = time.monotonic()
        if self._snapshot is not None and current - self._checked < RELOAD_INTERVAL:
            return self._snapshot
        with self._lock:
            self._checked = current
            try:
                mtime = self._index_path.stat().st_mtime_ns
            except FileNotFoundError:
                mtime = None
            if self._snapshot is None or mtime != self._mtime:
                self._snapshot = self._load()
                self._mtime = mtime
        return self._snapshot

    def _load(self) -> Snapshot:
        signing, public = {}, []
        for entry in self.entries():
            if entry["status"] == "retired":
                continue
            key = _load_private(self.folder / f"{entry['kid']}.pem", entry)
            public.append(key.as_dict(private=False))
            if entry["status"] == "active":
                signing[entry["alg"]] = key
        jwks = {"keys": public}
        verifying = KeySet.import_key_set(jwks)
        return Snapshot(signing, verifying, json.dumps(jwks).encode())

    def sign(self, claims: dict, *, alg: str, typ: str = "JWT") -> str:
        key = self.snapshot().signing.get(alg)
        if key is None:
            raise KeysMissing(f"No active {alg} key: run `flask --app idp keys generate`.")
        header = {"alg": alg, "kid": key.kid, "typ": typ}
        return jwt.encode(header, claims, key, algorithms=[alg])

    def verify(self, token: str) -> jwt.Token:
        """Check the signature against our published keys only (never a key from the header)."""
        return jwt.decode(token, self.snapshot().verifying, algorithms=list(ALGORITHMS))

    def missing(self) -> list[str]:
        active = {e["alg"] for e in self.entries() if e["status"] == "active"}
        return [alg for alg in ALGORITHMS if alg not in active]
