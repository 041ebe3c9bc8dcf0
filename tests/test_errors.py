"""What people and clients see when things break: readable pages, spec JSON, 503 on outages,
recovery without a restart, and never a traceback."""

import socket
import subprocess
import threading
import time
from urllib.parse import urlsplit

import sqlalchemy as sa

from idp.clients.models import Client
from idp.extensions import db

from .conftest import DATABASE_URL
from .conftest import make_app
from .factories import Factories


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unknown_page_is_a_readable_404_in_either_language(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and "Page not found" in response.text
    vietnamese = client.get("/no-such-page", headers={"Accept-Language": "vi"})
    assert "Không tìm thấy trang" in vietnamese.text


def test_an_unexpected_error_shows_a_reference_and_no_internals(database_url, keys_dir, app):
    broken = make_app(database_url, keys_dir)

    def boom():
        raise RuntimeError("secret internal detail /srv/idp/thing.py")

    broken.add_url_rule("/boom", "boom", boom)
    response = broken.test_client().get("/boom")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.text
    assert "Reference" in response.text
    for leak in ("Traceback", "secret internal detail", "/srv/idp", "RuntimeError"):
        assert leak not in response.text


def test_store_unreachable_means_503_and_no_session(database_url, keys_dir, app, factories):
    down = make_app(database_url, keys_dir, REDIS_URL=f"redis://127.0.0.1:{_free_port()}/0")
    browser = down.test_client()
    page = browser.get("/login")
    assert page.status_code == 503
    assert page.headers["Retry-After"]
    assert "briefly unavailable" in page.text
    assert browser.get_cookie("__Host-idp_session", domain="idp.test") is None
    client, secret = factories.client()
    token = browser.post("/token", data={"grant_type": "authorization_code", "code": "x",
                                         "redirect_uri": "https://rp.test/callback",
                                         "code_verifier": "v" * 43}, auth=(client.client_id, secret))
    assert token.status_code == 503
    assert token.json == {"error": "temporarily_unavailable"}


def test_redis_going_away_and_coming_back_needs_no_restart(database_url, keys_dir, app, tmp_path):
    port = _free_port()
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
               "--appendonly", "no", "--dir", str(tmp_path)]

    def start():
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        for _ in range(50):
            try:
                socket.create_connection(("127.0.0.1", port), 0.1).close()
                return process
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("private redis-server did not start")

    server = start()
    try:
        idp = make_app(database_url, keys_dir, REDIS_URL=f"redis://127.0.0.1:{port}/0")
        client, secret = Factories(idp).client(grant_types=["client_credentials"],
                                               redirect_uris=[], scope="openid")
        browser = idp.test_client()

        def token():
            return browser.post("/token", data={"grant_type": "client_credentials"},
                                auth=(client.client_id, secret))

        assert browser.get("/login").status_code == 200
        assert token().status_code == 200  # the client is now cached in this worker
        server.terminate()
        server.wait(5)
        assert browser.get("/login").status_code == 503
        assert token().json == {"error": "temporarily_unavailable"}  # the cache is not trusted
        # Disabled while Redis was away, so no worker could hear of it: the worker's cache is
        # dropped when its subscription comes back, and the client is refused at once.
        with idp.app_context(), db.engine.begin() as connection:  # bypasses the ORM's announcement
            connection.execute(sa.update(Client.__table__)
                               .where(Client.client_id == client.client_id).values(disabled=True))
        server = start()
        assert browser.get("/login").status_code == 200
        assert token().json["error"] == "invalid_client"
    finally:
        server.terminate()
        server.wait(5)


def test_database_unreachable_means_503_and_never_a_redirect(keys_dir, app):
    down = make_app(f"postgresql+psycopg://postgres@127.0.0.1:{_free_port()}/none", keys_dir)
    browser = down.test_client()
    response = browser.get("/authorize", query_string={
        "client_id": "any", "redirect_uri": "https://rp.test/callback", "response_type": "code"})
    assert response.status_code == 503
    assert "Location" not in response.headers
    token = browser.post("/token", data={"grant_type": "client_credentials"}, auth=("a", "b"))
    assert token.status_code == 503 and token.json["error"] == "temporarily_unavailable"


class CuttableProxy:
    """A TCP proxy to the real database that the test can cut and restore (an outage)."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = _free_port()
        self.sockets: list[socket.socket] = []
        self.listener = None

    def start(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", self.port), reuse_port=False)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def _accept(self, listener) -> None:
        while True:
            try:
                inbound, _ = listener.accept()
            except OSError:
                return
            outbound = socket.create_connection(("127.0.0.1", self.target_port))
            self.sockets += [inbound, outbound]
            for a, b in ((inbound, outbound), (outbound, inbound)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source, sink) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            sink.close()

    def cut(self) -> None:
        self.listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept() on Linux
        self.listener.close()
        for sock in self.sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        self.sockets.clear()


if DATABASE_URL.startswith("postgresql"):

    def test_database_outage_is_503_and_recovers_by_itself(keys_dir, app, factories):
        parts = urlsplit(DATABASE_URL)
        proxy = CuttableProxy(parts.port or 5432)
        proxy.start()
        url = parts._replace(netloc=f"{parts.username}@127.0.0.1:{proxy.port}").geturl()
        idp = make_app(url, keys_dir)
        client, secret = factories.client(grant_types=["client_credentials"], redirect_uris=[])
        browser = idp.test_client()

        def token():
            return browser.post("/token", data={"grant_type": "client_credentials"},
                                auth=(client.client_id, secret))

        def introspect(access_token):
            return browser.post("/introspect", data={"token": access_token},
                                auth=(client.client_id, secret))

        issued = token()
        assert issued.status_code == 200
        assert introspect(issued.json["access_token"]).json["active"] is True
        proxy.cut()
        # Introspection reads the revocation list: without the database it cannot answer.
        down = introspect(issued.json["access_token"])
        assert down.status_code == 503 and down.json["error"] == "temporarily_unavailable"
        # A client_credentials token records nothing (a signed JWT; the client is cached per
        # worker), so issuing one does not need the database.
        assert token().status_code == 200
        proxy.start()
        assert introspect(issued.json["access_token"]).json["active"] is True


def test_health_and_readiness(client):
    assert client.get("/healthz").json == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json["checks"] == {"database": "ok", "store": "ok"}


def test_readiness_is_503_when_the_store_is_down(database_url, keys_dir, app):
    down = make_app(database_url, keys_dir, REDIS_URL=f"redis://127.0.0.1:{_free_port()}/0")
    response = down.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["store"] == "unavailable"
