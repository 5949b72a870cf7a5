"""Signed statements with an x5c certificate chain (xAPI 1.0.3 Data 2.6.s5.b3): the JWS is verified.

Real RSA keys and X.509 certificates are made here (``cryptography``), the JWS is
signed with them, and the LRS must store a statement whose signature verifies with
its leaf certificate and refuse (400, nothing stored) one that does not. Runs on
SQLite and on PostgreSQL.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

from leerpad.lrs.testing import LiveLRS

from .conftest import xapi

Make = Callable[..., dict[str, Any]]
SIGNATURE_USAGE = "http://adlnet.gov/expapi/attachments/signature"
DIGESTS = {"RS256": hashes.SHA256, "RS384": hashes.SHA384, "RS512": hashes.SHA512}
PREFIX = "The signature does not verify with the public key of its x5c certificate"
REFUSED = f"{PREFIX} (signed with another key, or altered after signing)"


@dataclass(frozen=True)
class Signer:
    """A private key and the certificate of its public key (issued by ``issuer_key`` or itself)."""

    key: rsa.RSAPrivateKey
    certificate: x509.Certificate

    @property
    def x5c(self) -> str:
        """The certificate as an x5c entry: base64 (not base64url) of its DER form."""
        return base64.b64encode(self.certificate.public_bytes(serialization.Encoding.DER)).decode()


def _certificate(name: str, public_key: Any, issuer: str, issuer_key: Any, ca: bool) -> x509.Certificate:
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .sign(issuer_key, hashes.SHA256())
    )


def _rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def authority() -> Signer:
    """A certificate authority (self-signed)."""
    key = _rsa_key()
    return Signer(key, _certificate("Leerpad test CA", key.public_key(), "Leerpad test CA", key, ca=True))


@pytest.fixture(scope="module")
def trainer(authority: Signer) -> Signer:
    """A signer whose certificate the authority issued."""
    key = _rsa_key()
    return Signer(key, _certificate("Opleider", key.public_key(), "Leerpad test CA", authority.key, ca=False))


@pytest.fixture(scope="module")
def stranger() -> Signer:
    """Another signer, self-signed."""
    key = _rsa_key()
    return Signer(key, _certificate("Vreemde", key.public_key(), "Vreemde", key, ca=False))


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def jws(payload: dict[str, Any], key: rsa.RSAPrivateKey, x5c: list[str] | None, algorithm: str = "RS256") -> bytes:
    """A compact JWS of ``payload`` signed with ``key`` (x5c in its header when given)."""
    header: dict[str, Any] = {"alg": algorithm}
    if x5c is not None:
        header["x5c"] = x5c
    signing_input = f"{_b64url(json.dumps(header).encode())}.{_b64url(json.dumps(payload).encode())}"
    signature = key.sign(signing_input.encode(), padding.PKCS1v15(), DIGESTS[algorithm]())
    return f"{signing_input}.{_b64url(signature)}".encode()


def post_signed(lrs: LiveLRS, *signed: tuple[dict[str, Any], bytes]) -> Any:
    """POST statements, each with its JWS as its signature attachment, in one multipart/mixed request."""
    boundary = "grens"
    parts = []
    for statement, signature in signed:
        sha2 = hashlib.sha256(signature).hexdigest()
        statement["attachments"] = [
            {"usageType": SIGNATURE_USAGE, "display": {"nl-BE": "Handtekening"},
             "contentType": "application/octet-stream", "length": len(signature), "sha2": sha2}
        ]  # fmt: skip
        parts += [
            f"\r\n--{boundary}\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n"
            f"X-Experience-API-Hash: {sha2}\r\n\r\n".encode(),
            signature,
        ]
    statements = [statement for statement, _ in signed]
    body = b"".join(
        [
            f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode(),
            json.dumps(statements if len(statements) > 1 else statements[0]).encode(),
            *parts,
            f"\r\n--{boundary}--\r\n".encode(),
        ]
    )
    return xapi(lrs, "POST", "statements", lrs.write,
                data=body, headers={"Content-Type": f"multipart/mixed; boundary={boundary}"})  # fmt: skip


def _is_stored(lrs: LiveLRS, statement: dict[str, Any]) -> bool:
    response = lrs.get({"statementId": statement["id"]})
    assert response.status_code in (200, 404)
    return response.status_code == 200


@pytest.mark.parametrize("algorithm", ["RS256", "RS384", "RS512"])
def test_a_signature_that_verifies_with_its_x5c_certificate_is_stored(
    backend_lrs: LiveLRS, make_statement: Make, trainer: Signer, authority: Signer, algorithm: str
) -> None:
    statement = make_statement()
    signature = jws(copy.deepcopy(statement), trainer.key, [trainer.x5c, authority.x5c], algorithm)
    response = post_signed(backend_lrs, (statement, signature))
    assert (response.status_code, response.json()) == (200, [statement["id"]])
    stored = backend_lrs.get({"statementId": statement["id"], "attachments": "true"})
    assert stored.status_code == 200
    assert signature in stored.content  # the JWS is kept as the statement's attachment, byte for byte


def _tampered(signature: bytes) -> bytes:
    """The same JWS with one bit of its signature flipped."""
    head, _, sig = signature.rpartition(b".")
    raw = bytearray(base64.urlsafe_b64decode(sig + b"=" * (-len(sig) % 4)))
    raw[len(raw) // 2] ^= 0x01
    return head + b"." + _b64url(bytes(raw)).encode()


def test_a_tampered_or_foreign_signature_is_refused_and_nothing_is_stored(
    backend_lrs: LiveLRS, make_statement: Make, trainer: Signer, authority: Signer, stranger: Signer
) -> None:
    def attempt(sign: Callable[[dict[str, Any]], bytes]) -> tuple[int, str, bool]:
        statement = make_statement()
        response = post_signed(backend_lrs, (statement, sign(copy.deepcopy(statement))))
        return response.status_code, response.json()["detail"], _is_stored(backend_lrs, statement)

    chain = [trainer.x5c, authority.x5c]
    other_key = _rsa_key()
    ec_key = ec.generate_private_key(ec.SECP256R1())
    ec_certificate = _certificate("EC", ec_key.public_key(), "EC", ec_key, ca=False)
    ec_x5c = base64.b64encode(ec_certificate.public_bytes(serialization.Encoding.DER)).decode()
    cases = {
        "tampered signature": (lambda p: _tampered(jws(p, trainer.key, chain)), REFUSED),
        "signed with another key than the certificate's": (lambda p: jws(p, other_key, chain), REFUSED),
        "certificate of someone else": (lambda p: jws(p, trainer.key, [stranger.x5c]), REFUSED),
        "chain not issued by the next certificate": (
            lambda p: jws(p, trainer.key, [trainer.x5c, stranger.x5c]),
            "The signature's x5c certificate 1 is not issued by certificate 2",
        ),
        "x5c not base64 DER": (
            lambda p: jws(p, trainer.key, ["geen certificaat"]),
            "The signature's x5c certificate 1 is not a base64 DER X.509 certificate",
        ),
        "x5c not a list": (
            lambda p: jws(p, trainer.key, trainer.x5c),  # type: ignore[arg-type]
            "The signature's x5c must be a list of certificates (base64 DER)",
        ),
        "certificate without an RSA key": (
            lambda p: jws(p, trainer.key, [ec_x5c]),
            "The signature's x5c certificate has no RSA key, which RS256/RS384/RS512 need",
        ),
    }
    for case, (sign, message) in cases.items():
        assert attempt(sign) == (400, message, False), case


def test_a_signed_batch_with_one_bad_signature_stores_nothing(
    backend_lrs: LiveLRS, make_statement: Make, trainer: Signer, stranger: Signer
) -> None:
    good, bad = make_statement(), make_statement()
    signatures = [
        jws(copy.deepcopy(good), trainer.key, [trainer.x5c]),
        jws(copy.deepcopy(bad), trainer.key, [stranger.x5c]),
    ]
    response = post_signed(backend_lrs, (good, signatures[0]), (bad, signatures[1]))
    assert (response.status_code, response.json()["detail"]) == (400, REFUSED)
    assert not _is_stored(backend_lrs, good)
    assert not _is_stored(backend_lrs, bad)
