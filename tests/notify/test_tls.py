"""E-mail goes over TLS when the server can: STARTTLS on smtp:// when offered, TLS from the first
byte on smtps://, with the certificate checked, and the URL's credentials used to log in."""

from __future__ import annotations

import datetime
import ipaddress
import ssl

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ..cli import invoke
from .conftest import SmtpServer
from .conftest import queue
from .conftest import rows


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1: (cert file, key file)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mail.test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    folder = tmp_path_factory.mktemp("tls")
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    return str(folder / "cert.pem"), str(folder / "key.pem")


class TlsServer(SmtpServer):
    """The same inbox, behind STARTTLS (offered, and required for AUTH) or implicit TLS."""

    def __init__(self, certificate, *, implicit: bool) -> None:
        super().__init__()
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.context.load_cert_chain(*certificate)
        self.implicit = implicit
        self.logins: list[tuple[str, str]] = []

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        self.logins.append((auth_data.login.decode(), auth_data.password.decode()))
        return AuthResult(success=auth_data.password == b"p@ss word")

    def start(self) -> None:
        # aiosmtpd counts only STARTTLS as TLS for AUTH: with implicit TLS (all of it TLS) it
        # must be told to offer AUTH anyway, and then warns if AUTH is also required.
        tls = ({"ssl_context": self.context, "auth_require_tls": False} if self.implicit else
               {"tls_context": self.context, "require_starttls": True, "auth_required": True})
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port,
                                      authenticator=self._authenticate, **tls)
        self._controller.start()


@pytest.fixture(params=["starttls", "smtps"])
def tls_server(request, certificate):
    server = TlsServer(certificate, implicit=request.param == "smtps")
    server.scheme = "smtps" if server.implicit else "smtp"
    server.start()
    yield server
    server.stop()


def test_mail_goes_over_verified_tls_with_the_urls_credentials(app, tls_server, certificate,
                                                               factories, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", certificate[0])  # the server's certificate is trusted
    app.config["NOTIFY"]["EMAIL_URL"] = (f"{tls_server.scheme}://relay:p%40ss%20word@127.0.0.1:"
                                         f"{tls_server.port}")
    holder = factories.account("tls@example.test", phone_number=None, locale="en")
    queue(app, holder.id, "activated")

    result = invoke(app, "notify", "deliver")

    assert result.exit_code == 0, result.output
    assert tls_server.logins == [("relay", "p@ss word")]
    [(to, _)] = tls_server.received
    assert to == ["tls@example.test"]


def test_an_untrusted_certificate_is_refused_and_the_message_waits(app, tls_server, factories):
    app.config["NOTIFY"]["EMAIL_URL"] = (f"{tls_server.scheme}://relay:p%40ss%20word@127.0.0.1:"
                                         f"{tls_server.port}")
    holder = factories.account("tls@example.test", phone_number=None)
    queue(app, holder.id, "activated")

    result = invoke(app, "notify", "deliver")

    assert result.exit_code == 1
    assert tls_server.logins == [] and tls_server.received == []  # no password sent in clear
    [row] = rows(app)
    assert row.sent_at is None and row.attempts == 1
    assert "SSLCertVerificationError" in row.last_error
