"""Retrieval and signed statements (xAPI 1.0.3 Data 2.5 and 2.6), marked with their XAPI ids.

Signatures here are real: RSA keys made once per module with ``rsa`` (pinned through
python-jose), a compact JWS over the statement as it was before the signature was
added. The refusals assert what the specification requires of every version of
the LRS (400, a message about the signature, nothing stored), not one wording.
Every test runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import uuid
from collections.abc import Callable
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import urljoin

import pytest
import rsa

from leerpad.lrs.testing import LiveLRS

from .conftest import xapi

Make = Callable[..., dict[str, Any]]
SIGNATURE = "http://adlnet.gov/expapi/attachments/signature"
HASHES = {"RS256": "SHA-256", "RS384": "SHA-384", "RS512": "SHA-512"}


# ------------------------------------------------------------------ Data 2.5


@pytest.mark.xapi("XAPI-00108", "XAPI-00109", "XAPI-00110", "XAPI-00111", "XAPI-00113", "XAPI-00114")
def test_a_result_larger_than_a_page_continues_through_more(backend_lrs: LiveLRS, make_statement: Make) -> None:
    registration = str(uuid.uuid4())
    sent = [make_statement(registration=registration) for _ in range(5)]
    assert backend_lrs.post(sent).status_code == 200
    url: str | None = backend_lrs.statements_url + f"?registration={registration}&limit=2"
    pages: list[dict[str, Any]] = []
    while url:
        response = xapi(backend_lrs, "GET", url.removeprefix(backend_lrs.endpoint), backend_lrs.read)
        assert response.status_code == 200, response.text
        page = response.json()
        # XAPI-00113/00111: every page, the first and those behind "more", is one StatementResult.
        assert set(page) == {"statements", "more"}, page.keys()
        # XAPI-00110: "statements" is an array of whole statements.
        assert isinstance(page["statements"], list)
        assert all({"id", "actor", "verb", "object", "stored", "authority"} <= set(s) for s in page["statements"])
        pages.append(page)
        # XAPI-00108: a non-empty "more" is an IRL of the next page, relative to the LRS.
        url = urljoin(backend_lrs.endpoint, page["more"]) if page["more"] else None
        assert url is None or url.startswith(backend_lrs.endpoint + "statements"), url
    # XAPI-00114: a container per page; XAPI-00109: the last one's "more" is empty.
    assert [len(p["statements"]) for p in pages] == [2, 2, 1]
    assert pages[-1]["more"] == ""
    assert [s["id"] for p in pages for s in p["statements"]] == [s["id"] for s in reversed(sent)]


@pytest.mark.xapi("XAPI-00109", "XAPI-00112", "XAPI-00149")
def test_a_query_without_matches_is_an_empty_statement_result(backend_lrs: LiveLRS) -> None:
    for params in ({"registration": str(uuid.uuid4())}, {"verb": f"https://leerpad.test/verb/{uuid.uuid4()}"}):
        response = backend_lrs.get(params)
        assert response.status_code == 200
        assert response.json() == {"statements": [], "more": ""}


# ------------------------------------------------------------------ Data 2.6


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


@pytest.fixture(scope="module")
def private_key() -> rsa.PrivateKey:
    """One RSA key for the module's signatures (1,024 bits: fast to make; the size is not the rule)."""
    return rsa.newkeys(1024)[1]


def jws(payload: bytes, algorithm: str, key: rsa.PrivateKey) -> bytes:
    """A compact JWS of ``payload`` signed with ``algorithm`` (RSxxx with ``key``; HS256 with a secret)."""
    signing_input = f"{_b64(json.dumps({'alg': algorithm}).encode())}.{_b64(payload)}".encode("ascii")
    if algorithm in HASHES:
        signature = rsa.sign(signing_input, key, HASHES[algorithm])
    else:
        signature = hmac.new(b"geheim", signing_input, hashlib.sha256).digest()
    return signing_input + b"." + _b64(signature).encode("ascii")


def signed_post(
    lrs: LiveLRS, statement: dict[str, Any], signature: bytes, content_type: str = "application/octet-stream"
) -> Any:
    """POST ``statement`` with ``signature`` as its signature attachment, as multipart/mixed."""
    statement["attachments"] = [{
        "usageType": SIGNATURE,
        "display": {"nl-BE": "Handtekening"},
        "contentType": content_type,
        "length": len(signature),
        "sha2": hashlib.sha256(signature).hexdigest(),
    }]  # fmt: skip
    boundary = "handtekening"
    body = (
        f"--{boundary}\r\nContent-Type: application/json\r\n\r\n{json.dumps(statement)}\r\n"
        f"--{boundary}\r\nContent-Type: {content_type}\r\nContent-Transfer-Encoding: binary\r\n"
        f"X-Experience-API-Hash: {hashlib.sha256(signature).hexdigest()}\r\n\r\n"
    ).encode() + signature + f"\r\n--{boundary}--\r\n".encode()
    return xapi(lrs, "POST", "statements", lrs.write, data=body,
                headers={"Content-Type": f"multipart/mixed; boundary={boundary}"})  # fmt: skip


@pytest.mark.xapi("XAPI-00115", "XAPI-00116", "XAPI-00117")
@pytest.mark.parametrize("algorithm", ["RS256", "RS384", "RS512"])
def test_a_statement_signed_with_rs256_384_512_is_stored_with_its_signature(
    backend_lrs: LiveLRS, make_statement: Make, private_key: rsa.PrivateKey, algorithm: str
) -> None:
    statement = make_statement()
    signature = jws(json.dumps(statement).encode(), algorithm, private_key)
    posted = signed_post(backend_lrs, copy.deepcopy(statement), signature)
    assert posted.status_code == 200, posted.text
    answer = backend_lrs.get({"statementId": statement["id"], "attachments": "true"})
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + answer.headers["content-type"].encode() + b"\r\n\r\n" + answer.content
    )
    first, second = message.iter_parts()
    assert json.loads(first.get_payload(decode=True))["attachments"][0]["usageType"] == SIGNATURE
    assert second.get_payload(decode=True) == signature


def _other_statement(statement: dict[str, Any]) -> bytes:
    changed = copy.deepcopy(statement)
    changed["result"]["success"] = not changed["result"]["success"]
    return json.dumps(changed).encode()


BAD_SIGNATURES = [
    pytest.param(lambda s, key: jws(json.dumps(s).encode(), "RS256", key), "text/plain",
                 marks=pytest.mark.xapi("XAPI-00115"), id="XAPI-00115-content-type-not-octet-stream"),
    pytest.param(lambda s, key: b"geen-handtekening", "application/octet-stream",
                 marks=pytest.mark.xapi("XAPI-00115"), id="XAPI-00115-not-a-jws"),
    pytest.param(lambda s, key: jws(_other_statement(s), "RS256", key), "application/octet-stream",
                 marks=pytest.mark.xapi("XAPI-00116"), id="XAPI-00116-payload-of-another-statement"),
    pytest.param(lambda s, key: jws(b"{niet-json", "RS256", key), "application/octet-stream",
                 marks=pytest.mark.xapi("XAPI-00116"), id="XAPI-00116-payload-not-json"),
    pytest.param(lambda s, key: jws(json.dumps(s).encode(), "HS256", key), "application/octet-stream",
                 marks=pytest.mark.xapi("XAPI-00117"), id="XAPI-00117-hs256"),
]  # fmt: skip


@pytest.mark.parametrize(("make_signature", "content_type"), BAD_SIGNATURES)
def test_a_statement_with_a_wrong_signature_is_refused_and_not_stored(
    backend_lrs: LiveLRS,
    make_statement: Make,
    private_key: rsa.PrivateKey,
    make_signature: Callable[[dict[str, Any], rsa.PrivateKey], bytes],
    content_type: str,
) -> None:
    statement = make_statement()
    posted = signed_post(backend_lrs, copy.deepcopy(statement), make_signature(statement, private_key), content_type)
    assert posted.status_code == 400, posted.text
    assert "signature" in posted.json()["detail"].lower()
    assert backend_lrs.get({"statementId": statement["id"]}).status_code == 404
