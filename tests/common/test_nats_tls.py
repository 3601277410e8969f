"""A service reaches a TLS-only, authenticating NATS the way production configures it (issue #11, item 14):
its own user and password, the server verified against a CA file (ZHIFA_NATS_TLS_CA_FILE); and it does
not get in with an unknown CA. A real nats-server with a certificate made here."""

from __future__ import annotations

import datetime
import ipaddress
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from services.common import nats_auth
from services.common.bus import Bus, Credentials
from services.common.embedded import free_port, nats_server_binary, port_open
from services.common.registry import SERVICES

PASSWORD = "tls-test-password"


def certificate(directory: Path, name: str) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost: (certificate, key)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / f"{name}.crt", directory / f"{name}.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_file, key_file


@pytest.fixture(scope="module")
def tls_nats(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, Path]]:
    """(url, the CA that signed the server, an unrelated CA)."""
    work = tmp_path_factory.mktemp("nats-tls")
    cert, key = certificate(work, "server")
    other, _ = certificate(work, "other")
    port = free_port()
    passwords = {name: PASSWORD for name in SERVICES}
    (work / "nats.conf").write_text(
        f"listen: 127.0.0.1:{port}\n"
        f'jetstream {{\n  store_dir: "{work / "js"}"\n}}\n'
        f'tls {{\n  cert_file: "{cert}"\n  key_file: "{key}"\n  timeout: 5\n}}\n'
        + nats_auth.authorization_block(passwords)
    )
    proc = subprocess.Popen([nats_server_binary(), "-c", str(work / "nats.conf")], stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while not port_open(port):
            assert proc.poll() is None and time.monotonic() < deadline, "nats-server did not start"
            time.sleep(0.05)
        yield f"tls://127.0.0.1:{port}", cert, other
    finally:
        proc.terminate()
        proc.wait(10)


async def test_a_service_connects_over_tls_as_its_own_user(tls_nats: tuple[str, Path, Path]) -> None:
    url, ca, _ = tls_nats
    bus = Bus(
        url,
        name="zhifa-penalty",
        credentials=Credentials(user=nats_auth.user_name("penalty"), password=PASSWORD, tls_ca_file=ca),
        own_streams=["PENALTY"],
    )
    await bus.start()
    try:
        assert await bus.wait_ready(15)
        assert bus.nc is not None and bus.nc.connected_url is not None
        assert bus.nc.connected_url.scheme == "tls"
        ack = await bus.js.publish("penalty.diagnostic.ping", b"{}")
        assert ack.stream == "PENALTY"  # its own stream, created by itself
    finally:
        await bus.close()


async def test_a_server_signed_by_another_ca_is_refused(tls_nats: tuple[str, Path, Path]) -> None:
    url, _, other = tls_nats
    bus = Bus(
        url,
        name="zhifa-penalty",
        credentials=Credentials(user=nats_auth.user_name("penalty"), password=PASSWORD, tls_ca_file=other),
    )
    await bus.start()
    try:
        assert not await bus.wait_ready(3)
    finally:
        await bus.close()


async def test_plain_text_is_refused(tls_nats: tuple[str, Path, Path]) -> None:
    url, _, _ = tls_nats
    bus = Bus(
        url.replace("tls://", "nats://"),
        name="zhifa-penalty",
        credentials=Credentials(user=nats_auth.user_name("penalty"), password=PASSWORD),
    )
    await bus.start()
    try:
        assert not await bus.wait_ready(3)
    finally:
        await bus.close()
