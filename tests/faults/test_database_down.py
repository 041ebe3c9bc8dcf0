"""A private PostgreSQL cluster stopped in the middle of a sign-in (SEC-98, issue 7 "Faults").

The test makes its own cluster with initdb on a free port in a temp folder (never the machine's
shared server), migrates it, signs a person in up to the authorization code, then stops the
cluster: the IdP answers 503 with a readable body and no internals, issues no token it cannot
record, and writes nothing half-way. The cluster starts again and the same app, never
restarted, serves the next sign-in. Bounded to seconds; without PostgreSQL's server binaries it
is skipped locally and fails in CI (CI=true), like the private redis-server of test_errors.py.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from idp import create_app
from idp.extensions import db

from ..conftest import make_app
from ..factories import Factories
from ..rp import TestRelyingParty
from ..rp import csrf_of

TIMEOUT = 60
LEAKS = ("Traceback", "psycopg", "sqlalchemy", "OperationalError", "connection refused", "5432")


def _bindir() -> Path | None:
    candidates = []
    if shutil.which("pg_config"):
        done = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=False)
        candidates.append(done.stdout.strip())
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    if shutil.which("initdb"):
        candidates.append(str(Path(shutil.which("initdb")).parent))
    for folder in candidates:
        if folder and (Path(folder) / "initdb").is_file() and (Path(folder) / "pg_ctl").is_file():
            return Path(folder)
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateCluster:
    """initdb + pg_ctl in a folder of its own. PostgreSQL refuses to run as root, so under root
    (a container) the server runs as the `postgres` system user."""

    def __init__(self, bindir: Path, folder: Path) -> None:
        self.bindir, self.data, self.port = bindir, folder / "data", _free_port()
        self.user = None
        if os.geteuid() == 0:
            try:
                self.user = pwd.getpwnam("postgres")
            except KeyError:
                pytest.fail("running as root and there is no `postgres` user to run the cluster")
            os.chown(folder, self.user.pw_uid, self.user.pw_gid)

    def _run(self, *args: str) -> None:
        kwargs = {"user": self.user.pw_uid, "group": self.user.pw_gid} if self.user else {}
        done = subprocess.run([str(self.bindir / args[0]), *args[1:]], capture_output=True, text=True,
                              timeout=TIMEOUT, check=False, cwd="/", **kwargs)
        assert done.returncode == 0, f"{args[0]} failed: {done.stderr[-1500:]}"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--no-sync", "--no-instructions")

    def start(self) -> None:
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.data} -c fsync=off "
                   f"-c synchronous_commit=off -c full_page_writes=off")
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.data / "log"),
                  "-w", "-t", "30", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "30", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()


@pytest.fixture
def cluster():
    bindir = _bindir()
    if bindir is None:
        message = "PostgreSQL server binaries (initdb, pg_ctl) not found"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + ": CI must install them")
        pytest.skip(message)
    # Not under pytest's tmp_path: its parents are private to us, and the server may run as postgres.
    folder = Path(tempfile.mkdtemp(prefix="idp-faults-pg-"))
    try:
        private = PrivateCluster(bindir, folder)
        private.init()
        private.start()
        try:
            yield private
        finally:
            if private.running():
                private.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _migrate(url: str, keys_dir) -> None:
    migrating = create_app({"DATABASE_URL": url, "ISSUER": "https://idp.test", "KEYS_DIR": str(keys_dir)})
    with migrating.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.engine.dispose()


def _count(url: str, table: str) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()  # noqa: S608
    finally:
        engine.dispose()


def _assert_readable_503(response) -> None:
    assert response.status_code == 503, (response.status_code, response.text[:300])
    assert response.headers["Retry-After"]
    for leak in LEAKS:
        assert leak not in response.text, leak


def test_sec_98_database_stopped_mid_sign_in_is_503_then_recovers_without_restart(cluster, keys_dir):
    _migrate(cluster.url, keys_dir)
    idp = make_app(cluster.url, keys_dir)
    rp = TestRelyingParty(idp, Factories(idp))
    callback = rp.sign_in_and_get_code()
    assert _count(cluster.url, "grants") == 0

    cluster.stop()
    token = rp.exchange(callback["code"])
    _assert_readable_503(token)
    assert token.json == {"error": "temporarily_unavailable"} and "access_token" not in token.text
    authorize = rp.authorize()
    _assert_readable_503(authorize)
    assert "Location" not in authorize.headers and "briefly unavailable" in authorize.text
    browser = idp.test_client()
    page = browser.get("/login")  # drawn from the store alone
    attempt = browser.post("/login", data={"csrf_token": csrf_of(page.text), "login": rp.login,
                                           "password": "correct horse battery staple"})
    _assert_readable_503(attempt)
    assert idp.test_client().get("/readyz").status_code == 503

    cluster.start()
    assert idp.test_client().get("/readyz").status_code == 200  # the same app, no restart
    # The code was redeemed during the outage: it is used up and recorded nothing (no half-write).
    replay = rp.exchange(callback["code"])
    assert replay.status_code == 400 and replay.json["error"] == "invalid_grant"
    assert _count(cluster.url, "grants") == 0 and _count(cluster.url, "refresh_tokens") == 0
    assert "Signed in" not in browser.get("/").text  # the attempt during the outage made no session
    tokens = rp.tokens()  # the person simply signs in again
    assert rp.userinfo(tokens["access_token"]).status_code == 200
    assert _count(cluster.url, "grants") == 1 and _count(cluster.url, "refresh_tokens") == 1
