"""Statements with attachments (xAPI 1.0.3 Communication 1.5.2, Data 2.4.11) and signed statements (Data 2.6).

A request that carries attachment data is ``multipart/mixed``: the statements
first (``application/json``), then one part per attachment, each with
``X-Experience-API-Hash`` (its SHA-2) and ``Content-Transfer-Encoding: binary``.
Every attachment a statement declares without a ``fileUrl`` must arrive as a part,
and every part must belong to a declared attachment.

A signed statement carries a JWS (compact serialisation, RS256/RS384/RS512) as an
attachment with usageType ``…/attachments/signature`` and content type
``application/octet-stream``; its payload must be the statement as it was before
the signature was added. When the JWS header carries an ``x5c`` certificate
chain, the signature must verify with the public key of its first (leaf)
certificate, and each certificate must be issued by the next one (Data 2.6.s5.b3:
"validate the signature against that certificate as defined in JWS"); a signature
that does not is malformed (400). As the specification notes, this catches
mistakes, it does not authenticate the signer: no certificate is trusted, none is
checked for expiry or revocation. A signature without ``x5c`` is checked for its
form and payload only.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from uuid import uuid4

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

SIGNATURE_USAGE = "http://adlnet.gov/expapi/attachments/signature"
_SIGNATURE_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "RS256": hashes.SHA256,
    "RS384": hashes.SHA384,
    "RS512": hashes.SHA512,
}
_HASHES = {56: hashlib.sha224, 64: hashlib.sha256, 96: hashlib.sha384, 128: hashlib.sha512}


class AttachmentError(ValueError):
    """The request's attachments are malformed (400); the message says how."""


@dataclass
class Upload:
    """A statements request: the JSON body and the attachment parts by SHA-2."""

    body: bytes
    parts: dict[str, tuple[str, bytes]] = field(default_factory=dict)


def _declared(statements: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [a for s in statements for a in s.get("attachments") or [] if isinstance(a, Mapping)]


def read_upload(content_type: str, body: bytes) -> Upload:
    """Split a ``multipart/mixed`` request into statements and parts; any other body is all JSON."""
    if not content_type.lower().startswith("multipart/mixed"):
        return Upload(body)
    head = b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n"
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    parts = list(message.iter_parts()) if message.is_multipart() else []
    if not parts:
        raise AttachmentError("The multipart/mixed body has no parts (is the boundary right?)")
    first, *rest = parts
    if first.get_content_type() != "application/json":
        raise AttachmentError("The first part of a multipart/mixed request must be the statements (application/json)")
    upload = Upload(_payload(first))
    for index, part in enumerate(rest, start=2):
        sha2 = str(part.get("X-Experience-API-Hash", "")).strip().lower()
        if not sha2:
            raise AttachmentError(f"Part {index} has no X-Experience-API-Hash header")
        if str(part.get("Content-Transfer-Encoding", "")).strip().lower() != "binary":
            raise AttachmentError(f"Part {index} needs Content-Transfer-Encoding: binary")
        content = _payload(part)
        digest = _HASHES.get(len(sha2))
        if digest is None or digest(content).hexdigest() != sha2:
            raise AttachmentError(f"Part {index}: its content does not match X-Experience-API-Hash {sha2}")
        upload.parts[sha2] = (part.get_content_type(), content)
    return upload


def _payload(part: Any) -> bytes:
    content = part.get_payload(decode=True)
    return content if isinstance(content, bytes) else b""


def check_attachments(statements: Sequence[Mapping[str, Any]], upload: Upload, content_type: str) -> None:
    """Every declared attachment without fileUrl has its part; every part is declared; signatures hold."""
    declared = _declared(statements)
    hashes = {str(a.get("sha2", "")).lower() for a in declared}
    for attachment in declared:
        if "fileUrl" not in attachment and str(attachment.get("sha2", "")).lower() not in upload.parts:
            if not content_type.lower().startswith("multipart/mixed"):
                raise AttachmentError("Statements with attachments without fileUrl must be sent as multipart/mixed")
            raise AttachmentError(f"No part for the attachment with sha2 {attachment.get('sha2')}")
    for sha2 in upload.parts:
        if sha2 not in hashes:
            raise AttachmentError(f"The part with hash {sha2} belongs to no attachment of the statements")
    for statement in statements:
        for attachment in statement.get("attachments") or []:
            if isinstance(attachment, Mapping) and attachment.get("usageType") == SIGNATURE_USAGE:
                check_signature(statement, attachment, upload)


def _b64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


_UNSIGNED = ("attachments", "id")


def check_signature(statement: Mapping[str, Any], attachment: Mapping[str, Any], upload: Upload) -> None:
    """A signature attachment: octet-stream, a compact JWS (RS256/384/512) whose payload is the statement."""
    if attachment.get("contentType") != "application/octet-stream":
        raise AttachmentError("A signature attachment's contentType must be application/octet-stream")
    part = upload.parts.get(str(attachment.get("sha2", "")).lower())
    if part is None:
        raise AttachmentError("A signed statement must carry its signature as a part")
    try:
        header_text, payload_text, signature_text = part[1].decode("ascii").strip().split(".")
        header = json.loads(_b64(header_text))
        payload = json.loads(_b64(payload_text))
        signature = _b64(signature_text)
    except (ValueError, UnicodeDecodeError, binascii.Error) as error:
        raise AttachmentError(f"The signature is not a JWS in compact serialisation: {error}") from error
    if not isinstance(header, dict) or header.get("alg") not in _SIGNATURE_HASHES:
        raise AttachmentError("The signature's algorithm must be RS256, RS384 or RS512")
    if not isinstance(payload, dict):
        raise AttachmentError("The signature's payload is not a statement")
    signed = {k: v for k, v in payload.items() if k not in _UNSIGNED}
    sent = {k: v for k, v in statement.items() if k not in _UNSIGNED}
    same_id = "id" not in payload or str(payload["id"]).lower() == str(statement.get("id", "")).lower()
    if signed != sent or not same_id:
        raise AttachmentError("The signature's payload differs from the statement")
    if "x5c" in header:
        signing_input = f"{header_text}.{payload_text}".encode("ascii")
        check_x5c(header["x5c"], _SIGNATURE_HASHES[header["alg"]](), signing_input, signature)


def _certificates(chain: object) -> list[x509.Certificate]:
    """The certificates of an ``x5c`` header: a list of base64 (not base64url) DER certificates."""
    if not isinstance(chain, list) or not chain:
        raise AttachmentError("The signature's x5c must be a list of certificates (base64 DER)")
    certificates = []
    for number, text in enumerate(chain, start=1):
        try:
            if not isinstance(text, str):
                raise ValueError("not a string")
            certificates.append(x509.load_der_x509_certificate(base64.b64decode(text, validate=True)))
        except (ValueError, binascii.Error) as error:
            raise AttachmentError(
                f"The signature's x5c certificate {number} is not a base64 DER X.509 certificate"
            ) from error
    return certificates


def check_x5c(chain: object, digest: hashes.HashAlgorithm, signing_input: bytes, signature: bytes) -> None:
    """The JWS verifies with the leaf certificate's RSA key; each certificate is issued by the next (RFC 7515 4.1.6)."""
    certificates = _certificates(chain)
    key = certificates[0].public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise AttachmentError("The signature's x5c certificate has no RSA key, which RS256/RS384/RS512 need")
    try:
        key.verify(signature, signing_input, padding.PKCS1v15(), digest)
    except InvalidSignature as error:
        raise AttachmentError(
            "The signature does not verify with the public key of its x5c certificate "
            "(signed with another key, or altered after signing)"
        ) from error
    for number, (certificate, issuer) in enumerate(zip(certificates, certificates[1:], strict=False), start=1):
        try:
            certificate.verify_directly_issued_by(issuer)
        except (ValueError, TypeError, InvalidSignature) as error:
            raise AttachmentError(
                f"The signature's x5c certificate {number} is not issued by certificate {number + 1}"
            ) from error


def multipart_answer(payload: object, attachments: Mapping[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    """A ``multipart/mixed`` answer: the JSON first, then each attachment; body and Content-Type."""
    boundary = uuid4().hex
    chunks = [
        f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode(),
        json.dumps(payload, ensure_ascii=False).encode(),
        b"\r\n",
    ]
    for sha2, (content_type, content) in attachments.items():
        chunks.append(
            f"--{boundary}\r\nContent-Type: {content_type}\r\nContent-Transfer-Encoding: binary\r\n"
            f"X-Experience-API-Hash: {sha2}\r\n\r\n".encode()
        )
        chunks += [content, b"\r\n"]
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/mixed; boundary={boundary}"


def attachment_hashes(statements: Sequence[Mapping[str, Any]]) -> list[str]:
    """The SHA-2 hashes of the attachments the statements declare (sub-statements' too)."""
    found: list[str] = []
    for statement in statements:
        parts = [statement]
        if isinstance(statement.get("object"), Mapping):
            parts.append(statement["object"])
        for part in parts:
            for attachment in part.get("attachments") or []:
                if isinstance(attachment, Mapping) and isinstance(attachment.get("sha2"), str):
                    found.append(attachment["sha2"].lower())
    return list(dict.fromkeys(found))
