"""Statements (xAPI 1.0.3 Data 2-4, Communication 2.1): what is refused, what is accepted, how it returns.

Named by the conformance requirement ids of the ADL suite; each runs on SQLite and
on PostgreSQL.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

import pytest

from leerpad.lrs.testing import LiveLRS

from .conftest import LRSStarter, xapi

Make = Callable[..., dict[str, Any]]
ACTOR = {"objectType": "Agent", "mbox": "mailto:sub@leerpad.example"}
VERB = {"id": "http://adlnet.gov/expapi/verbs/answered", "display": {"nl-BE": "beantwoordde", "en-US": "answered"}}


def _refusal(lrs: LiveLRS, statement: dict[str, Any]) -> str:
    response = lrs.post(statement)
    assert response.status_code == 400, statement
    detail: str = response.json()["detail"]
    assert detail.startswith("Invalid statement, nothing of the request was stored: statement: ")
    return detail.removeprefix("Invalid statement, nothing of the request was stored: statement: ")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s["result"].update(success=None), "result.success: must not be null"),  # XAPI-00001
        (lambda s: s["result"].update(score={"raw": "3"}), "result.score.raw: must be a number"),  # XAPI-00006
        (lambda s: s["result"].update(success="true"), "result.success: must be true or false"),
        (lambda s: s["verb"].update(display={"nl_BE": "x"}), "verb.display.nl_BE: is not an RFC 5646 language tag"),
        (lambda s: s["result"].update(duration="P4W1D"), "result.duration: must be an ISO 8601 duration"),
        (lambda s: s.update(timestamp="2024-03-01T09:00:00-00:00"), "timestamp: must be an ISO 8601 timestamp"),
        (lambda s: s["actor"].update(openid="https://id.example/x"),
         "actor: has more than one identifier (mbox, openid)"),
        (lambda s: s["object"]["definition"].pop("interactionType"),
         "object.definition.interactionType: is required with correctResponsesPattern or components"),
        (lambda s: s.update(authority={"objectType": "Group", "member": [ACTOR]}),
         "authority: an authority Group must be anonymous with exactly two Agents (OAuth)"),  # XAPI-00099
        (lambda s: s.update(verb={"id": "http://adlnet.gov/expapi/verbs/voided"}),
         "object: a voiding statement's object must be a StatementRef"),  # XAPI-00017
    ],
)  # fmt: skip
def test_invalid_statements_are_refused_with_the_path_and_reason(
    backend_lrs: LiveLRS, make_statement: Make, change: Callable[[dict[str, Any]], None], message: str
) -> None:
    statement = make_statement()
    change(statement)
    assert _refusal(backend_lrs, statement) == message
    assert backend_lrs.get({"statementId": statement["id"]}).status_code == 404


def test_XAPI_00014_sub_statements_groups_and_null_extensions_are_accepted(
    backend_lrs: LiveLRS, make_statement: Make, as_sent: Callable[..., dict[str, Any]]
) -> None:
    registration = str(uuid.uuid4())
    team = {"objectType": "Group", "name": "Team", "member": [ACTOR]}
    sub = make_statement(registration=registration)
    sub["object"] = {
        "objectType": "SubStatement",
        "actor": team,
        "verb": VERB,
        "object": {"objectType": "Agent", "account": {"homePage": "https://www.riziv.fgov.be", "name": "1"}},
        "result": {"extensions": {"https://leerpad.test/x": None}},
        "context": {"instructor": {"objectType": "Group", "mbox": "mailto:team@leerpad.example"}},
        "timestamp": "2024-03-01T09:00:00Z",
    }
    del sub["context"]["platform"]  # only with an Activity as object
    sub["context"]["extensions"] = {"https://leerpad.test/leeg": None}
    sub["context"]["language"] = "zh-Hans-CN"
    assert backend_lrs.post(sub).status_code == 200, backend_lrs.post(sub).text
    assert [as_sent(s) for s in backend_lrs.all_statements({"registration": registration})] == [sub]


def test_XAPI_00096_context_activities_come_back_as_arrays(backend_lrs: LiveLRS, make_statement: Make) -> None:
    statement = make_statement()
    statement["context"]["contextActivities"]["parent"] = {"id": "https://leerpad.test/quiz"}
    assert backend_lrs.post(statement).status_code == 200
    found = backend_lrs.get({"statementId": statement["id"]}).json()
    assert found["context"]["contextActivities"]["parent"] == [{"id": "https://leerpad.test/quiz"}]


def test_XAPI_00171_00169_format_ids_and_canonical(backend_lrs: LiveLRS, make_statement: Make) -> None:
    statement = make_statement(learner=3)
    statement["verb"] = VERB
    assert backend_lrs.post(statement).status_code == 200
    ids = backend_lrs.get({"statementId": statement["id"], "format": "ids"}).json()
    assert ids["actor"] == {"objectType": "Agent", "mbox": "mailto:leerder3@leerpad.example"}
    assert ids["verb"] == {"id": VERB["id"]}
    assert ids["object"] == {"id": statement["object"]["id"]}
    canonical = xapi(backend_lrs, "GET", f"statements?statementId={statement['id']}&format=canonical",
                     backend_lrs.read, headers={"Accept-Language": "en-US, nl;q=0.5"}).json()  # fmt: skip
    assert canonical["verb"]["display"] == {"en-US": "answered"}
    assert canonical["object"]["definition"]["name"] == {"nl-BE": statement["object"]["definition"]["name"]["nl-BE"]}
    assert backend_lrs.get({"statementId": statement["id"], "format": "alles"}).status_code == 400


def test_XAPI_00162_voided_statements_only_by_voided_statement_id(
    backend_lrs: LiveLRS, make_statement: Make, organiser: tuple[str, str]
) -> None:
    target = make_statement()
    assert backend_lrs.post(target).status_code == 200
    voiding = make_statement(object={"objectType": "StatementRef", "id": target["id"]})
    voiding["verb"] = {"id": "http://adlnet.gov/expapi/verbs/voided"}
    del voiding["result"], voiding["context"]["platform"]
    assert xapi(backend_lrs, "POST", "statements", organiser, json=voiding).status_code == 200
    assert backend_lrs.get({"statementId": target["id"]}).status_code == 404
    assert backend_lrs.get({"voidedStatementId": target["id"]}).json()["id"] == target["id"]


def test_only_scope_all_may_name_another_authority(
    backend_lrs: LiveLRS, make_statement: Make, organiser: tuple[str, str]
) -> None:
    claimed = {"objectType": "Agent", "account": {"homePage": "https://w3id.org/leerpad", "name": "scorer"}}
    by_browser = make_statement(authority=claimed)
    assert backend_lrs.post(by_browser).status_code == 200
    stored = backend_lrs.get({"statementId": by_browser["id"]}).json()
    assert stored["authority"]["account"]["name"] == backend_lrs.write[0]  # replaced by its own
    by_organiser = make_statement(authority=claimed)
    assert xapi(backend_lrs, "POST", "statements", organiser, json=by_organiser).status_code == 200
    assert backend_lrs.get({"statementId": by_organiser["id"]}).json()["authority"] == claimed


def test_the_same_id_posted_concurrently_never_gives_500(
    backend_kind: str, lrs_starter: LRSStarter, make_statement: Make
) -> None:
    """Identical content: every POST succeeds and it is stored once; different content: 409."""
    lrs = lrs_starter.start(backend_kind)
    statement = make_statement()
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda _: lrs.post(copy.deepcopy(statement)).status_code, range(16)))
    assert statuses == [200] * 16
    variants = []
    for n in range(8):
        variant = make_statement(registration=statement["context"]["registration"])
        variant["id"] = statement["id"]
        variant["result"]["response"] = f"antwoord {n}"
        variants.append(variant)
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda v: lrs.post(v).status_code, variants))
    assert statuses == [409] * 8
    shared = make_statement()
    rivals = []
    for n in range(8):
        rival = copy.deepcopy(shared)
        rival["result"]["response"] = f"antwoord {n}"
        rivals.append(rival)
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda v: lrs.post(v).status_code, rivals))
    assert Counter(statuses) == Counter({200: 1, 409: 7})
    stored = lrs.all_statements({"registration": statement["context"]["registration"]})
    assert Counter(s["id"] for s in stored) == Counter([statement["id"]])


def _multipart(statements: object, parts: list[tuple[str, bytes]], boundary: str = "grens") -> tuple[bytes, str]:
    chunks = [f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode(), json.dumps(statements).encode()]
    for content_type, content in parts:
        sha2 = hashlib.sha256(content).hexdigest()
        chunks.append(
            f"\r\n--{boundary}\r\nContent-Type: {content_type}\r\nContent-Transfer-Encoding: binary\r\n"
            f"X-Experience-API-Hash: {sha2}\r\n\r\n".encode()
        )
        chunks.append(content)
    chunks.append(f"\r\n--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/mixed; boundary={boundary}"


def _attachment(content: bytes, **extra: Any) -> dict[str, Any]:
    return {
        "usageType": "https://leerpad.test/attachment/certificaat",
        "display": {"nl-BE": "Attest"},
        "contentType": "text/plain",
        "length": len(content),
        "sha2": hashlib.sha256(content).hexdigest(),
        **extra,
    }


def test_XAPI_00127_00167_attachments_in_multipart_and_back(backend_lrs: LiveLRS, make_statement: Make) -> None:
    content = "Attest voor Els — 2 uur".encode()
    statement = make_statement(attachments=[_attachment(content)])
    # Attachment data must come as a part: plain JSON is refused, as is a wrong content type.
    refused = backend_lrs.post(statement)
    assert refused.status_code == 400
    assert refused.json() == {
        "detail": "Statements with attachments without fileUrl must be sent as multipart/mixed"
    }
    linked = make_statement(attachments=[_attachment(content, fileUrl="https://leerpad.test/attest.txt")])
    form = xapi(backend_lrs, "POST", "statements", backend_lrs.write, data=json.dumps(linked),
                headers={"Content-Type": "multipart/form-data; boundary=x"})  # fmt: skip
    assert form.status_code == 400
    assert backend_lrs.post(linked).status_code == 200  # fileUrl: JSON is enough
    body, content_type = _multipart([statement], [("text/plain", content)])
    wrong_part = body.replace(b"Content-Transfer-Encoding: binary", b"Content-Transfer-Encoding: base64")
    assert xapi(backend_lrs, "POST", "statements", backend_lrs.write, data=wrong_part,
                headers={"Content-Type": content_type}).status_code == 400  # fmt: skip
    stray, stray_type = _multipart([make_statement()], [("text/plain", content)])
    assert xapi(backend_lrs, "POST", "statements", backend_lrs.write, data=stray,
                headers={"Content-Type": stray_type}).json()["detail"].startswith("The part with hash")  # fmt: skip
    posted = xapi(backend_lrs, "POST", "statements", backend_lrs.write, data=body,
                  headers={"Content-Type": content_type})  # fmt: skip
    assert posted.status_code == 200 and posted.json() == [statement["id"]]
    # attachments=true: the statement first, then its attachment, as multipart/mixed.
    answer = backend_lrs.get({"statementId": statement["id"], "attachments": "true"})
    assert answer.headers["content-type"].startswith("multipart/mixed; boundary=")
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + answer.headers["content-type"].encode() + b"\r\n\r\n" + answer.content
    )
    first, second = message.iter_parts()
    assert json.loads(first.get_payload(decode=True))["id"] == statement["id"]
    assert second["X-Experience-API-Hash"] == hashlib.sha256(content).hexdigest()
    assert second.get_payload(decode=True) == content
    plain = backend_lrs.get({"statementId": statement["id"]})
    assert plain.headers["content-type"] == "application/json"


def _jws(payload: dict[str, Any], algorithm: str = "RS256") -> bytes:
    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).decode().rstrip("=")

    header = b64(json.dumps({"alg": algorithm}).encode())
    return f"{header}.{b64(json.dumps(payload).encode())}.{b64(b'handtekening')}".encode()


def test_XAPI_00115_00116_00117_signed_statements(backend_lrs: LiveLRS, make_statement: Make) -> None:
    def signed(payload_change: Callable[[dict[str, Any]], None] | None = None, algorithm: str = "RS256",
               content_type: str = "application/octet-stream") -> Any:  # fmt: skip
        statement = make_statement()
        payload = copy.deepcopy(statement)
        if payload_change:
            payload_change(payload)
        signature = _jws(payload, algorithm)
        statement["attachments"] = [
            _attachment(signature, usageType="http://adlnet.gov/expapi/attachments/signature", contentType=content_type)
        ]
        body, multipart_type = _multipart(statement, [("application/octet-stream", signature)])
        return xapi(backend_lrs, "POST", "statements", backend_lrs.write, data=body,
                    headers={"Content-Type": multipart_type})  # fmt: skip

    for algorithm in ("RS256", "RS384", "RS512"):
        assert signed(algorithm=algorithm).status_code == 200, algorithm
    refusals = {
        "The signature's algorithm must be RS256, RS384 or RS512": signed(algorithm="HS256"),
        "The signature's payload differs from the statement": signed(lambda p: p["result"].update(success=False)),
        "A signature attachment's contentType must be application/octet-stream": signed(content_type="text/plain"),
    }
    for message, response in refusals.items():
        assert (response.status_code, response.json()) == (400, {"detail": message})


def test_XAPI_00162_filters_return_statements_that_refer_to_a_match(
    backend_lrs: LiveLRS, make_statement: Make, organiser: tuple[str, str]
) -> None:
    verb = f"https://leerpad.test/verb/{uuid.uuid4()}"
    target = make_statement()
    target["verb"] = {"id": verb}
    assert backend_lrs.post(target).status_code == 200
    since = backend_lrs.get({"statementId": target["id"]}).json()["stored"]
    pointer = make_statement(object={"objectType": "StatementRef", "id": target["id"]})
    del pointer["result"], pointer["context"]["platform"]
    voiding = make_statement(object={"objectType": "StatementRef", "id": target["id"]})
    voiding["verb"] = {"id": "http://adlnet.gov/expapi/verbs/voided"}
    del voiding["result"], voiding["context"]["platform"]
    assert backend_lrs.post(pointer).status_code == 200
    assert xapi(backend_lrs, "POST", "statements", organiser, json=voiding).status_code == 200
    found = [s["id"] for s in backend_lrs.all_statements({"verb": verb})]
    assert found == [voiding["id"], pointer["id"]]  # about the voided match, not the match itself
    assert [s["id"] for s in backend_lrs.all_statements({"verb": verb, "since": since})] == found
    assert backend_lrs.all_statements({"verb": verb, "until": since}) == []
