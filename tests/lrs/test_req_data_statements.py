"""Statement data rules (xAPI 1.0.3 Data 2.2-2.4, Data 4.0), one marked case per requirement id.

Two tables carry most ids: statements that break one rule are refused with 400 and
the line a developer reads (the JSON path and the rule), and statements that use
the rule's valid forms are stored and come back as sent. The rules that need more
than one request (voiding, ``stored``, ``authority``, ids, precision) have their
own tests below. Every test runs on SQLite and on PostgreSQL (``backend_lrs``).
"""

from __future__ import annotations

import copy
import json
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from leerpad.lrs.testing import LiveLRS

from .conftest import xapi

Make = Callable[..., dict[str, Any]]
Changes = dict[str, Any]
DROP = object()  # a change that removes the property
PREFIX = "Invalid statement, nothing of the request was stored: statement: "
VOIDED = "http://adlnet.gov/expapi/verbs/voided"
AGENT = {"objectType": "Agent", "name": "Collega", "mbox": "mailto:collega@leerpad.example"}
GROUP = {"objectType": "Group", "name": "Team", "member": [AGENT]}
REF = {"objectType": "StatementRef", "id": "8f87ccde-bb56-4c2e-ab83-44982ef22df0"}
SUB = {
    "objectType": "SubStatement",
    "actor": AGENT,
    "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced", "display": {"nl-BE": "bekeek"}},
    "object": {"objectType": "Activity", "id": "https://leerpad.test/course/case/hoest"},
}
EXT = "https://leerpad.test/extension/beroep"
# A matching interaction, for the rules on its source and target components.
MATCHING = {
    "object.definition.interactionType": "matching",
    "object.definition.choices": DROP,
    "object.definition.correctResponsesPattern": ["a[.]1"],
    "object.definition.source": [{"id": "a", "description": {"nl-BE": "Huisarts"}}],
    "object.definition.target": [{"id": "1", "description": {"nl-BE": "Eerste lijn"}}],
}


def change(statement: dict[str, Any], changes: Changes) -> dict[str, Any]:
    """Apply ``{"dotted.path": value}`` (``DROP`` removes; digits index arrays) in order."""
    for path, value in changes.items():
        *parents, last = path.split(".")
        target: Any = statement
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        key: Any = int(last) if last.isdigit() else last
        if value is DROP:
            del target[key]
        else:
            target[key] = copy.deepcopy(value)
    return statement


def refusal(lrs: LiveLRS, statement: object, auth: tuple[str, str] | None = None) -> str:
    """POST a statement that must be refused; the part of the message after the prefix."""
    response = xapi(lrs, "POST", "statements", auth or lrs.write, json=statement)
    assert response.status_code == 400, response.text
    detail: str = response.json()["detail"]
    assert detail.startswith(PREFIX), detail
    return detail.removeprefix(PREFIX)


def stored(lrs: LiveLRS, statement_id: str) -> dict[str, Any]:
    """The statement as the LRS returns it by id."""
    response = lrs.get({"statementId": statement_id})
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


REFUSED = [
    # Data 2.2: formatting
    pytest.param({"result.success": None}, "result.success: must not be null",
                 marks=pytest.mark.xapi("XAPI-00001"), id="XAPI-00001-null-value"),
    pytest.param({"verb.display": None}, "verb.display: must not be null",
                 marks=pytest.mark.xapi("XAPI-00001"), id="XAPI-00001-null-language-map"),
    pytest.param({"actor": DROP}, "actor: field required", marks=pytest.mark.xapi("XAPI-00003"), id="XAPI-00003"),
    pytest.param({"verb": DROP}, "verb: field required", marks=pytest.mark.xapi("XAPI-00004"), id="XAPI-00004"),
    pytest.param({"object": DROP, "context.platform": DROP}, "object: field required",
                 marks=pytest.mark.xapi("XAPI-00005"), id="XAPI-00005"),
    pytest.param({"result.score": {"raw": "3"}}, "result.score.raw: must be a number",
                 marks=pytest.mark.xapi("XAPI-00006"), id="XAPI-00006-number-in-a-string"),
    pytest.param({"actor.name": 7}, "actor.name: must be a string",
                 marks=pytest.mark.xapi("XAPI-00006"), id="XAPI-00006-number-for-a-string"),
    pytest.param({"actor.mbox": ""}, "actor.mbox: must be a mailto: IRI",
                 marks=pytest.mark.xapi("XAPI-00007"), id="XAPI-00007-empty-mbox"),
    pytest.param({"context.registration": ""}, "context.registration: must be a UUID",
                 marks=pytest.mark.xapi("XAPI-00007"), id="XAPI-00007-empty-uuid"),
    pytest.param({"verb.id": ""}, "verb.id: must be an IRI",
                 marks=pytest.mark.xapi("XAPI-00007"), id="XAPI-00007-empty-iri"),
    pytest.param({"result.Success": True}, "result.Success: is not a property xAPI allows here",
                 marks=pytest.mark.xapi("XAPI-00008"), id="XAPI-00008-key-case"),
    pytest.param({"object.objectType": "activity", "context.platform": DROP},
                 "object.objectType: must be Activity, Agent, Group, StatementRef or SubStatement",
                 marks=pytest.mark.xapi("XAPI-00009"), id="XAPI-00009-enumerated-value-case"),
    pytest.param({"gebruiker": "els"}, "gebruiker: is not a property xAPI allows here",
                 marks=pytest.mark.xapi("XAPI-00010"), id="XAPI-00010-key-outside-xapi"),
    pytest.param({"verb.id": "adlnet.gov/expapi/verbs/answered"}, "verb.id: must be an IRI",
                 marks=pytest.mark.xapi("XAPI-00011"), id="XAPI-00011-iri-without-scheme"),
    pytest.param({"actor": {"account": {"homePage": "www.riziv.fgov.be", "name": "1"}}},
                 "actor.account.homePage: must be an IRI",
                 marks=pytest.mark.xapi("XAPI-00011"), id="XAPI-00011-irl-without-scheme"),
    pytest.param({"object.definition.name": {"nederlands": "Vraag"}},
                 "object.definition.name.nederlands: is not an RFC 5646 language tag",
                 marks=pytest.mark.xapi("XAPI-00013"), id="XAPI-00013-subtag-too-long"),
    # Data 2.3: a voiding statement's object
    pytest.param({"verb": {"id": VOIDED}}, "object: a voiding statement's object must be a StatementRef",
                 marks=pytest.mark.xapi("XAPI-00017", "XAPI-00020"), id="XAPI-00017-XAPI-00020-voiding-an-activity"),
    # Data 2.4.1: statement properties, ids and UUIDs
    pytest.param({"timestamp": "2024-13-01T09:00:00Z"}, "timestamp: must be an ISO 8601 timestamp",
                 marks=pytest.mark.xapi("XAPI-00022"), id="XAPI-00022-month-13"),
    pytest.param({"authority": "organisator"}, "authority: must be an Agent or Group object",
                 marks=pytest.mark.xapi("XAPI-00024"), id="XAPI-00024"),
    pytest.param({"attachments": {"usageType": "https://leerpad.test/attest"}}, "attachments: must be an array",
                 marks=pytest.mark.xapi("XAPI-00025"), id="XAPI-00025"),
    pytest.param({"id": "AA97B177-9383-4934-8543-0F91A7A028368"}, "id: must be a UUID",
                 marks=pytest.mark.xapi("XAPI-00027"), id="XAPI-00027-too-many-digits"),
    pytest.param({"id": 12345}, "id: must be a UUID", marks=pytest.mark.xapi("XAPI-00028"), id="XAPI-00028-number"),
    pytest.param({"id": "4bd0f6ce8b8f4ae0a4a4f1f5f8b5b5e1"}, "id: must be a UUID",
                 marks=pytest.mark.xapi("XAPI-00029"), id="XAPI-00029-without-hyphens"),
    pytest.param({"context.registration": "urn:uuid:4bd0f6ce-8b8f-4ae0-a4a4-f1f5f8b5b5e1"},
                 "context.registration: must be a UUID",
                 marks=pytest.mark.xapi("XAPI-00029"), id="XAPI-00029-urn-form"),
    pytest.param({"context.registration": "MA97B177-9383-4934-8543-0F91A7A02836"},
                 "context.registration: must be a UUID",
                 marks=pytest.mark.xapi("XAPI-00030"), id="XAPI-00030-not-hexadecimal"),
    # Data 2.4.2: actor, agents, groups, identifiers
    pytest.param({"actor.objectType": "Person"}, "actor.objectType: must be Agent or Group",
                 marks=pytest.mark.xapi("XAPI-00031"), id="XAPI-00031"),
    pytest.param({"actor.objectType": 1}, "actor.objectType: must be Agent or Group",
                 marks=pytest.mark.xapi("XAPI-00032"), id="XAPI-00032"),
    pytest.param({"actor.name": ["Leerder"]}, "actor.name: must be a string",
                 marks=pytest.mark.xapi("XAPI-00033"), id="XAPI-00033"),
    pytest.param({"actor.openid": "https://id.leerpad.example/els"},
                 "actor: has more than one identifier (mbox, openid)",
                 marks=pytest.mark.xapi("XAPI-00034"), id="XAPI-00034-two-identifiers"),
    pytest.param({"actor.mbox": DROP}, "actor: needs one of mbox, mbox_sha1sum, openid, account",
                 marks=pytest.mark.xapi("XAPI-00034"), id="XAPI-00034-no-identifier"),
    pytest.param({"actor": {"objectType": "Group", "name": "Team"}}, "actor.member: an anonymous Group needs members",
                 marks=pytest.mark.xapi("XAPI-00035"), id="XAPI-00035-group-without-member"),
    pytest.param({"actor.member": [AGENT]}, "actor.member: is not a property xAPI allows here",
                 marks=pytest.mark.xapi("XAPI-00035"), id="XAPI-00035-member-on-an-agent"),
    pytest.param({"actor": {**GROUP, "member": [GROUP]}}, "actor.member[0].objectType: must be Agent here",
                 marks=pytest.mark.xapi("XAPI-00036"), id="XAPI-00036-group-in-member"),
    pytest.param({"actor": {**GROUP, "member": AGENT}}, "actor.member: must be an array of Agents",
                 marks=pytest.mark.xapi("XAPI-00036"), id="XAPI-00036-member-not-an-array"),
    pytest.param({"actor": {**GROUP, "mbox": "mailto:team@leerpad.example", "openid": "https://team.leerpad.example"}},
                 "actor: has more than one identifier (mbox, openid)",
                 marks=pytest.mark.xapi("XAPI-00037"), id="XAPI-00037-group-two-identifiers"),
    pytest.param({"actor.mbox": "leerder0@leerpad.example"}, "actor.mbox: must be a mailto: IRI",
                 marks=pytest.mark.xapi("XAPI-00038"), id="XAPI-00038"),
    pytest.param({"actor": {"mbox_sha1sum": 1234}}, "actor.mbox_sha1sum: must be a SHA-1 in hexadecimal",
                 marks=pytest.mark.xapi("XAPI-00039"), id="XAPI-00039"),
    pytest.param({"actor": {"openid": "geen uri"}}, "actor.openid: must be an IRI",
                 marks=pytest.mark.xapi("XAPI-00040"), id="XAPI-00040"),
    pytest.param({"actor": {"account": "X-12345-67-890"}}, "actor.account: must be a JSON object",
                 marks=pytest.mark.xapi("XAPI-00041"), id="XAPI-00041"),
    pytest.param({"actor": {"account": {"name": "1"}}}, "actor.account.homePage: field required",
                 marks=pytest.mark.xapi("XAPI-00042"), id="XAPI-00042-no-home-page"),
    pytest.param({"actor": {"account": {"homePage": "https://www.riziv.fgov.be"}}},
                 "actor.account.name: field required",
                 marks=pytest.mark.xapi("XAPI-00043"), id="XAPI-00043-no-name"),
    pytest.param({"actor": {"account": {"homePage": "https://www.riziv.fgov.be", "name": 1}}},
                 "actor.account.name: must be a string",
                 marks=pytest.mark.xapi("XAPI-00043"), id="XAPI-00043-name-not-a-string"),
    # Data 2.4.3: verb
    pytest.param({"verb.id": DROP}, "verb.id: field required", marks=pytest.mark.xapi("XAPI-00044"), id="XAPI-00044"),
    pytest.param({"verb.display": "beantwoordde"}, "verb.display: must be a language map",
                 marks=pytest.mark.xapi("XAPI-00045"), id="XAPI-00045"),
    # Data 2.4.4: object, activity definitions, interaction components
    pytest.param({"object.objectType": "Persoon", "context.platform": DROP},
                 "object.objectType: must be Activity, Agent, Group, StatementRef or SubStatement",
                 marks=pytest.mark.xapi("XAPI-00046"), id="XAPI-00046"),
    pytest.param({"object.id": DROP}, "object.id: field required",
                 marks=pytest.mark.xapi("XAPI-00047"), id="XAPI-00047-no-id"),
    pytest.param({"object.id": "vraag 1"}, "object.id: must be an IRI",
                 marks=pytest.mark.xapi("XAPI-00047"), id="XAPI-00047-id-not-an-iri"),
    pytest.param({"object.definition": "meerkeuzevraag"}, "object.definition: must be a JSON object",
                 marks=pytest.mark.xapi("XAPI-00048"), id="XAPI-00048"),
    pytest.param({"object.definition.interactionType": "meerkeuze", "object.definition.choices": DROP},
                 "object.definition.interactionType: must be one of true-false, choice, fill-in, long-fill-in, "
                 "matching, performance, sequencing, likert, numeric, other",
                 marks=pytest.mark.xapi("XAPI-00049"), id="XAPI-00049"),
    pytest.param({"object.definition.correctResponsesPattern": "b"},
                 "object.definition.correctResponsesPattern: must be an array of strings",
                 marks=pytest.mark.xapi("XAPI-00050"), id="XAPI-00050"),
    pytest.param({"object.definition.interactionType": "performance", "object.definition.choices": DROP,
                  "object.definition.steps": "stap 1"}, "object.definition.steps: must be an array",
                 marks=pytest.mark.xapi("XAPI-00051"), id="XAPI-00051"),
    pytest.param({**MATCHING, "object.definition.target": [{"description": {"nl-BE": "Eerste lijn"}}]},
                 "object.definition.target[0].id: field required",
                 marks=pytest.mark.xapi("XAPI-00052"), id="XAPI-00052"),
    pytest.param({**MATCHING, "object.definition.source": {"id": "a"}}, "object.definition.source: must be an array",
                 marks=pytest.mark.xapi("XAPI-00053"), id="XAPI-00053"),
    pytest.param({"object.definition.interactionType": "likert", "object.definition.choices": DROP,
                  "object.definition.scale": [{"id": 1}]}, "object.definition.scale[0].id: must be a string",
                 marks=pytest.mark.xapi("XAPI-00054"), id="XAPI-00054"),
    pytest.param({"object.definition.choices": "a, b"}, "object.definition.choices: must be an array",
                 marks=pytest.mark.xapi("XAPI-00055"), id="XAPI-00055"),
    pytest.param({"object.definition.name": "Vraag"}, "object.definition.name: must be a language map",
                 marks=pytest.mark.xapi("XAPI-00056"), id="XAPI-00056"),
    pytest.param({"object.definition.extensions": [EXT]}, "object.definition.extensions: must be a JSON object",
                 marks=pytest.mark.xapi("XAPI-00057"), id="XAPI-00057"),
    pytest.param({"object.definition.choices.1.id": "a"}, "object.definition.choices[1].id: is used twice",
                 marks=pytest.mark.xapi("XAPI-00058"), id="XAPI-00058-duplicate-id"),
    pytest.param({"object.definition.choices.1.id": DROP}, "object.definition.choices[1].id: field required",
                 marks=pytest.mark.xapi("XAPI-00058"), id="XAPI-00058-no-id"),
    pytest.param({"object.definition.description": ["Kies één antwoord"]},
                 "object.definition.description: must be a language map",
                 marks=pytest.mark.xapi("XAPI-00059"), id="XAPI-00059"),
    pytest.param({"object.definition.type": "cmi.interaction"}, "object.definition.type: must be an IRI",
                 marks=pytest.mark.xapi("XAPI-00060"), id="XAPI-00060"),
    pytest.param({"object.definition.moreInfo": "leerpad.test/uitleg"}, "object.definition.moreInfo: must be an IRI",
                 marks=pytest.mark.xapi("XAPI-00061"), id="XAPI-00061"),
    pytest.param({"object.definition.choices.0.description": "Betaalbaarheid"},
                 "object.definition.choices[0].description: must be a language map",
                 marks=pytest.mark.xapi("XAPI-00062"), id="XAPI-00062"),
    pytest.param({"object.definition.choices": ["a", {"id": "b"}]},
                 "object.definition.choices[0]: must be a JSON object",
                 marks=pytest.mark.xapi("XAPI-00063"), id="XAPI-00063"),
    pytest.param({"object.definition.interactionType": DROP},
                 "object.definition.interactionType: is required with correctResponsesPattern or components",
                 marks=pytest.mark.xapi("XAPI-00064"), id="XAPI-00064"),
    pytest.param({"object": {"mbox": "mailto:collega@leerpad.example"}, "context.platform": DROP},
                 "object.mbox: is not a property xAPI allows here; object.id: field required",
                 marks=pytest.mark.xapi("XAPI-00065"), id="XAPI-00065-agent-without-object-type"),
    pytest.param({"object": {**SUB, "result": {"score": {"scaled": 2}}}, "context.platform": DROP},
                 "object.result.score.scaled: must be between -1 and 1",
                 marks=pytest.mark.xapi("XAPI-00066"), id="XAPI-00066"),
    pytest.param({"object": {**SUB, "authority": AGENT}, "context.platform": DROP},
                 "object.authority: is not a property xAPI allows here",
                 marks=pytest.mark.xapi("XAPI-00067"), id="XAPI-00067"),
    pytest.param({"object": {**SUB, "version": "1.0.3"}, "context.platform": DROP},
                 "object.version: is not a property xAPI allows here",
                 marks=pytest.mark.xapi("XAPI-00068"), id="XAPI-00068"),
    pytest.param({"object": {**SUB, "stored": "2024-03-01T09:00:00Z"}, "context.platform": DROP},
                 "object.stored: is not a property xAPI allows here",
                 marks=pytest.mark.xapi("XAPI-00069"), id="XAPI-00069"),
    pytest.param({"object": {**SUB, "id": "8f87ccde-bb56-4c2e-ab83-44982ef22df0"}, "context.platform": DROP},
                 "object.id: is not a property xAPI allows here",
                 marks=pytest.mark.xapi("XAPI-00070"), id="XAPI-00070"),
    pytest.param({"object": {**SUB, "object": SUB}, "context.platform": DROP},
                 "object.object.objectType: a SubStatement cannot hold another SubStatement",
                 marks=pytest.mark.xapi("XAPI-00071"), id="XAPI-00071"),
    pytest.param({"object": {**REF, "id": "8f87ccde-bb56-4c2e-ab83"}, "context.platform": DROP},
                 "object.id: must be a UUID", marks=pytest.mark.xapi("XAPI-00072"), id="XAPI-00072-invalid-id"),
    pytest.param({"object": {"objectType": "StatementRef"}, "context.platform": DROP},
                 "object.id: field required", marks=pytest.mark.xapi("XAPI-00072"), id="XAPI-00072-no-id"),
    pytest.param({"object": {k: v for k, v in SUB.items() if k != "objectType"}, "context.platform": DROP},
                 "object.actor: is not a property xAPI allows here; object.verb: is not a property xAPI allows here; "
                 "object.object: is not a property xAPI allows here (and 1 more)",
                 marks=pytest.mark.xapi("XAPI-00073"), id="XAPI-00073-sub-statement-without-object-type"),
    # Data 2.4.5: result and score
    pytest.param({"result.success": "true"}, "result.success: must be true or false",
                 marks=pytest.mark.xapi("XAPI-00074"), id="XAPI-00074"),
    pytest.param({"result.completion": 1}, "result.completion: must be true or false",
                 marks=pytest.mark.xapi("XAPI-00075"), id="XAPI-00075"),
    pytest.param({"result.response": ["b"]}, "result.response: must be a string",
                 marks=pytest.mark.xapi("XAPI-00076"), id="XAPI-00076"),
    pytest.param({"result.duration": "4 seconden"}, "result.duration: must be an ISO 8601 duration",
                 marks=pytest.mark.xapi("XAPI-00077"), id="XAPI-00077"),
    pytest.param({"result.extensions": "arts"}, "result.extensions: must be a JSON object",
                 marks=pytest.mark.xapi("XAPI-00078"), id="XAPI-00078"),
    pytest.param({"result.score": 8}, "result.score: must be a JSON object",
                 marks=pytest.mark.xapi("XAPI-00079"), id="XAPI-00079"),
    pytest.param({"result.score": {"min": 5, "max": 1}}, "result.score.max: must be greater than min",
                 marks=pytest.mark.xapi("XAPI-00080"), id="XAPI-00080-max-below-min"),
    pytest.param({"result.score": {"max": "10"}}, "result.score.max: must be a number",
                 marks=pytest.mark.xapi("XAPI-00080"), id="XAPI-00080-max-not-a-number"),
    pytest.param({"result.score": {"min": "0"}}, "result.score.min: must be a number",
                 marks=pytest.mark.xapi("XAPI-00081"), id="XAPI-00081"),
    pytest.param({"result.score": {"raw": 11, "min": 0, "max": 10}}, "result.score.raw: must be between min and max",
                 marks=pytest.mark.xapi("XAPI-00082"), id="XAPI-00082"),
    pytest.param({"result.score": {"scaled": -1.01}}, "result.score.scaled: must be between -1 and 1",
                 marks=pytest.mark.xapi("XAPI-00083"), id="XAPI-00083"),
    # Data 2.4.6: context
    pytest.param({"object": AGENT, "context.platform": DROP, "context.revision": "2"},
                 "context.revision: is only allowed when the object is an Activity",
                 marks=pytest.mark.xapi("XAPI-00084"), id="XAPI-00084"),
    pytest.param({"object": REF}, "context.platform: is only allowed when the object is an Activity",
                 marks=pytest.mark.xapi("XAPI-00085"), id="XAPI-00085"),
    pytest.param({"context.contextActivities": [{"id": "https://leerpad.test/course"}]},
                 "context.contextActivities: must be a JSON object",
                 marks=pytest.mark.xapi("XAPI-00086"), id="XAPI-00086"),
    pytest.param({"context.registration": "registratie-1"}, "context.registration: must be a UUID",
                 marks=pytest.mark.xapi("XAPI-00087"), id="XAPI-00087-registration"),
    pytest.param({"context.instructor": {"name": "Docent"}},
                 "context.instructor: needs one of mbox, mbox_sha1sum, openid, account",
                 marks=pytest.mark.xapi("XAPI-00087"), id="XAPI-00087-instructor"),
    pytest.param({"context.team": AGENT}, "context.team: must be a Group",
                 marks=pytest.mark.xapi("XAPI-00088"), id="XAPI-00088"),
    pytest.param({"context.revision": 2}, "context.revision: must be a string",
                 marks=pytest.mark.xapi("XAPI-00089"), id="XAPI-00089"),
    pytest.param({"context.platform": 1.0}, "context.platform: must be a string",
                 marks=pytest.mark.xapi("XAPI-00090"), id="XAPI-00090"),
    pytest.param({"context.language": "nl_BE"}, "context.language: is not an RFC 5646 language tag",
                 marks=pytest.mark.xapi("XAPI-00091"), id="XAPI-00091"),
    pytest.param({"context.statement": {**REF, "objectType": "Activity"}},
                 "context.statement.objectType: must be StatementRef",
                 marks=pytest.mark.xapi("XAPI-00092"), id="XAPI-00092"),
    pytest.param({"context.contextActivities.ouder": [{"id": "https://leerpad.test/course"}]},
                 "context.contextActivities.ouder: is not a property xAPI allows here",
                 marks=pytest.mark.xapi("XAPI-00093"), id="XAPI-00093"),
    pytest.param({"context.contextActivities.parent": [AGENT]},
                 "context.contextActivities.parent[0].name: is not a property xAPI allows here; "
                 "context.contextActivities.parent[0].mbox: is not a property xAPI allows here; "
                 "context.contextActivities.parent[0].id: field required (and 1 more)",
                 marks=pytest.mark.xapi("XAPI-00094"), id="XAPI-00094"),
    # Data 2.4.9-2.4.11: authority, version, attachments
    pytest.param({"authority": {"objectType": "Group", "member": [AGENT, AGENT, AGENT]}},
                 "authority: an authority Group must be anonymous with exactly two Agents (OAuth)",
                 marks=pytest.mark.xapi("XAPI-00098", "XAPI-00100"), id="XAPI-00098-XAPI-00100-three-agents"),
    pytest.param({"authority": {"objectType": "Group", "mbox": "mailto:team@leerpad.example",
                                "member": [AGENT, AGENT]}},
                 "authority: an authority Group must be anonymous with exactly two Agents (OAuth)",
                 marks=pytest.mark.xapi("XAPI-00098"), id="XAPI-00098-identified-group"),
    pytest.param({"version": "2.0.0"}, "version: must be 1.0 or 1.0.x",
                 marks=pytest.mark.xapi("XAPI-00101"), id="XAPI-00101"),
    pytest.param({"attachments.0.length": "12"}, "attachments[0].length: must be an integer",
                 marks=pytest.mark.xapi("XAPI-00102"), id="XAPI-00102"),
    pytest.param({"attachments.0.sha2": DROP}, "attachments[0].sha2: field required",
                 marks=pytest.mark.xapi("XAPI-00103"), id="XAPI-00103-no-sha2"),
    pytest.param({"attachments.0.sha2": "niet-een-hash"}, "attachments[0].sha2: must be a SHA-2 hash in hexadecimal",
                 marks=pytest.mark.xapi("XAPI-00103"), id="XAPI-00103-not-a-hash"),
    pytest.param({"attachments.0.fileUrl": "attest.txt"}, "attachments[0].fileUrl: must be an IRI",
                 marks=pytest.mark.xapi("XAPI-00104"), id="XAPI-00104"),
    pytest.param({"attachments.0.contentType": DROP}, "attachments[0].contentType: field required",
                 marks=pytest.mark.xapi("XAPI-00105"), id="XAPI-00105"),
    pytest.param({"attachments.0.display": "Attest"}, "attachments[0].display: must be a language map",
                 marks=pytest.mark.xapi("XAPI-00106"), id="XAPI-00106"),
    pytest.param({"attachments.0.usageType": "attest"}, "attachments[0].usageType: must be an IRI",
                 marks=pytest.mark.xapi("XAPI-00107"), id="XAPI-00107"),
    # Data 4.0: extensions, language maps, timestamps, durations
    pytest.param({"context.extensions": {"beroep": "arts"}}, "context.extensions.beroep: extension keys must be IRIs",
                 marks=pytest.mark.xapi("XAPI-00118"), id="XAPI-00118"),
    pytest.param({"result.extensions": [[EXT, "arts"]]}, "result.extensions: must be a JSON object",
                 marks=pytest.mark.xapi("XAPI-00120"), id="XAPI-00120"),
    pytest.param({"verb.display": {"nl-": "beantwoordde"}}, "verb.display.nl-: is not an RFC 5646 language tag",
                 marks=pytest.mark.xapi("XAPI-00121"), id="XAPI-00121"),
    pytest.param({"timestamp": "01-03-2024 09:00"}, "timestamp: must be an ISO 8601 timestamp",
                 marks=pytest.mark.xapi("XAPI-00123"), id="XAPI-00123"),
    pytest.param({"result.duration": "PT0000:00:04"}, "result.duration: must be an ISO 8601 duration",
                 marks=pytest.mark.xapi("XAPI-00124"), id="XAPI-00124-alternative-format"),
]  # fmt: skip

ATTACHMENT = {
    "usageType": "https://leerpad.test/attachment/certificaat",
    "display": {"nl-BE": "Attest"},
    "contentType": "text/plain",
    "length": 12,
    "sha2": "a" * 64,
    "fileUrl": "https://leerpad.test/attest.txt",
}


@pytest.mark.parametrize(("changes", "message"), REFUSED)
def test_a_statement_breaking_a_rule_is_refused_naming_path_and_rule(
    backend_lrs: LiveLRS, make_statement: Make, changes: Changes, message: str
) -> None:
    with_attachment = "attachments.0" in "".join(changes)
    statement = make_statement(attachments=[copy.deepcopy(ATTACHMENT)]) if with_attachment else make_statement()
    assert refusal(backend_lrs, change(statement, changes)) == message


ACCEPTED = [
    pytest.param({"context.extensions": {EXT: None}},
                 marks=pytest.mark.xapi("XAPI-00001"), id="XAPI-00001-null-in-extensions"),
    pytest.param({"result.score": {"raw": 3, "min": 0, "max": 4.5}},
                 marks=pytest.mark.xapi("XAPI-00006"), id="XAPI-00006-integers-and-decimals"),
    pytest.param({"verb.id": "urn:x-leerpad:verb:beantwoordde",
                  "object.id": "urn:uuid:4bd0f6ce-8b8f-4ae0-a4a4-f1f5f8b5b5e1"},
                 marks=pytest.mark.xapi("XAPI-00007", "XAPI-00011"), id="XAPI-00007-XAPI-00011-urn-iris"),
    pytest.param({"verb.display": {"zh-Hans-CN": "回答", "nl-BE": "beantwoordde", "sgn-BE-FR": "x", "en-GB-oed": "y"}},
                 marks=pytest.mark.xapi("XAPI-00013", "XAPI-00121"), id="XAPI-00013-XAPI-00121-rfc-5646-tags"),
    pytest.param({"timestamp": "2024-03-01T09:00:00.123+01:00"}, marks=pytest.mark.xapi("XAPI-00022", "XAPI-00123"),
                 id="XAPI-00022-XAPI-00123-offset-and-fraction"),
    pytest.param({"context.registration": "4BD0F6CE-8B8F-4AE0-A4A4-F1F5F8B5B5E1"},
                 marks=pytest.mark.xapi("XAPI-00029", "XAPI-00030"), id="XAPI-00029-XAPI-00030-upper-case-uuid"),
    pytest.param({"actor": {**GROUP, "mbox": "mailto:team@leerpad.example"}},
                 marks=pytest.mark.xapi("XAPI-00035", "XAPI-00037"),
                 id="XAPI-00035-XAPI-00037-identified-group-with-members"),
    pytest.param({"actor": {"objectType": "Agent", "mbox_sha1sum": "ebd31e95054c018b10727ccffd2ef2ec3a016ee9"}},
                 marks=pytest.mark.xapi("XAPI-00039"), id="XAPI-00039-sha1-identifier"),
    pytest.param({"actor": {"name": "Els",
                            "account": {"homePage": "https://www.riziv.fgov.be", "name": "1-23456-78-901"}}},
                 marks=pytest.mark.xapi("XAPI-00041", "XAPI-00042", "XAPI-00043"), id="XAPI-00041-XAPI-00043-account"),
    pytest.param({"object.definition.interactionType": "sequencing",
                  "object.definition.correctResponsesPattern": ["b[,]a"]},
                 marks=pytest.mark.xapi("XAPI-00049", "XAPI-00055"), id="XAPI-00049-XAPI-00055-sequencing-choices"),
    pytest.param({"object.definition.interactionType": "performance", "object.definition.choices": DROP,
                  "object.definition.steps": [{"id": "anamnese", "description": {"nl-BE": "Anamnese"}}],
                  "object.definition.correctResponsesPattern": ["anamnese[.]ja"]},
                 marks=pytest.mark.xapi("XAPI-00051", "XAPI-00062"), id="XAPI-00051-XAPI-00062-performance-steps"),
    pytest.param(MATCHING, marks=pytest.mark.xapi("XAPI-00052", "XAPI-00053", "XAPI-00063"),
                 id="XAPI-00052-XAPI-00053-matching-source-target"),
    pytest.param({"object.definition.interactionType": "likert", "object.definition.choices": DROP,
                  "object.definition.scale": [{"id": "eens"}, {"id": "oneens"}],
                  "object.definition.correctResponsesPattern": []},
                 marks=pytest.mark.xapi("XAPI-00054", "XAPI-00058"), id="XAPI-00054-XAPI-00058-likert-scale"),
    pytest.param({"object.definition.moreInfo": "https://leerpad.test/uitleg",
                  "object.definition.description": {"nl-BE": "Kies"},
                  "object.definition.extensions": {EXT: {"niveau": 2}}},
                 marks=pytest.mark.xapi("XAPI-00056", "XAPI-00057", "XAPI-00059", "XAPI-00060", "XAPI-00061"),
                 id="XAPI-00056-XAPI-00061-definition-properties"),
    pytest.param({"object": {"objectType": "Agent", "mbox": "mailto:collega@leerpad.example"},
                  "context.platform": DROP},
                 marks=pytest.mark.xapi("XAPI-00046", "XAPI-00065"), id="XAPI-00046-XAPI-00065-agent-object"),
    pytest.param({"object": {**SUB, "context": {"contextActivities": {"parent": [{"id": "https://leerpad.test/course"}]}}},
                  "context.platform": DROP},
                 marks=pytest.mark.xapi("XAPI-00066", "XAPI-00073"), id="XAPI-00066-XAPI-00073-sub-statement"),
    pytest.param({"object": REF, "context.platform": DROP}, marks=pytest.mark.xapi("XAPI-00072", "XAPI-00073"),
                 id="XAPI-00072-XAPI-00073-statement-ref"),
    pytest.param({"result": {"success": False, "completion": True, "response": "", "duration": "PT1H0M0.5S",
                             "extensions": {EXT: [1, 2]}}},
                 marks=pytest.mark.xapi("XAPI-00074", "XAPI-00075", "XAPI-00076", "XAPI-00077", "XAPI-00078"),
                 id="XAPI-00074-XAPI-00078-result-properties"),
    pytest.param({"result.score": {"scaled": -1, "raw": -5, "min": -5, "max": 5}},
                 marks=pytest.mark.xapi("XAPI-00079", "XAPI-00080", "XAPI-00081", "XAPI-00082", "XAPI-00083"),
                 id="XAPI-00079-XAPI-00083-score-at-its-bounds"),
    pytest.param({"context.revision": "2024-1", "context.team": GROUP, "context.instructor": AGENT,
                  "context.statement": REF, "context.language": "nl-BE"},
                 marks=pytest.mark.xapi("XAPI-00084", "XAPI-00086", "XAPI-00087", "XAPI-00088", "XAPI-00089",
                                        "XAPI-00090", "XAPI-00091", "XAPI-00092"),
                 id="XAPI-00084-XAPI-00092-context-properties"),
    pytest.param({"context.contextActivities": {"parent": [{"id": "https://leerpad.test/course/quiz/toets"}],
                                                "category": [{"objectType": "Activity", "id": "https://w3id.org/xapi/cmi5/context/categories/moveon"}],
                                                "other": [{"id": "https://leerpad.test/course/case/hoest"}]}},
                 marks=pytest.mark.xapi("XAPI-00093", "XAPI-00094"), id="XAPI-00093-XAPI-00094-context-activity-kinds"),
    # The ADL working group removed XAPI-00095 (an empty contextActivities refused) on 2017-02-08; the
    # 1.0.3 text does not forbid it, so it is kept as sent.
    pytest.param({"context.contextActivities": {}},
                 marks=pytest.mark.xapi("XAPI-00095"), id="XAPI-00095-empty-context-activities"),
    pytest.param({"version": "1.0"},
                 marks=pytest.mark.xapi("XAPI-00101", "XAPI-00332"), id="XAPI-00101-XAPI-00332-version-1.0"),
    pytest.param({"attachments": [ATTACHMENT]},
                 marks=pytest.mark.xapi("XAPI-00102", "XAPI-00103", "XAPI-00104", "XAPI-00105", "XAPI-00106",
                                        "XAPI-00107"),
                 id="XAPI-00102-XAPI-00107-attachment-by-file-url"),
    pytest.param({"result.extensions": {EXT: "", "https://leerpad.test/extension/leeg": {}},
                  "object.definition.extensions": {}, "context.extensions": {EXT: None}},
                 marks=pytest.mark.xapi("XAPI-00119", "XAPI-00120"), id="XAPI-00119-XAPI-00120-empty-extension-values"),
    pytest.param({"result.duration": "P1W"}, marks=pytest.mark.xapi("XAPI-00124"), id="XAPI-00124-weeks"),
]  # fmt: skip


@pytest.mark.parametrize("changes", ACCEPTED)
def test_a_statement_using_a_rule_s_valid_forms_is_stored_as_sent(
    backend_lrs: LiveLRS, make_statement: Make, as_sent: Callable[..., dict[str, Any]], changes: Changes
) -> None:
    statement = change(make_statement(), changes)
    response = backend_lrs.post(statement)
    assert response.status_code == 200, response.text
    assert as_sent(stored(backend_lrs, statement["id"])) == statement


@pytest.mark.xapi("XAPI-00119")
def test_XAPI_00119_empty_extensions_are_accepted_by_put_too(
    backend_lrs: LiveLRS, make_statement: Make, as_sent: Callable[..., dict[str, Any]]
) -> None:
    statement = make_statement()
    statement["result"]["extensions"] = {EXT: None, "https://leerpad.test/extension/leeg": ""}
    statement["context"]["extensions"] = {}
    put = xapi(backend_lrs, "PUT", f"statements?statementId={statement['id']}", backend_lrs.write, json=statement)
    assert put.status_code == 204, put.text
    assert as_sent(stored(backend_lrs, statement["id"])) == statement


@pytest.mark.xapi("XAPI-00002")
def test_XAPI_00002_numbers_keep_at_least_32_bit_float_precision(backend_lrs: LiveLRS, make_statement: Make) -> None:
    statement = make_statement()
    # The largest and smallest normal 32-bit floats, and values with 7-8 significant digits.
    score = {"scaled": 0.12345679, "raw": 3.1415927, "min": -3.4028235e38, "max": 3.4028235e38}
    statement["result"]["score"] = score
    statement["result"]["extensions"] = {EXT: 1.1754944e-38}
    assert backend_lrs.post(statement).status_code == 200
    back = stored(backend_lrs, statement["id"])["result"]
    assert back["score"] == score
    assert back["extensions"] == {EXT: 1.1754944e-38}


@pytest.mark.xapi("XAPI-00012")
@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("statementId", "4bd0f6ce"),
        ("voidedStatementId", "wrong"),
        ("agent", '{"mbox": "leerder@leerpad.example"}'),
        ("agent", "niet-json"),
        ("verb", "beantwoordde"),
        ("activity", "vraag 1"),
        ("registration", "registratie-1"),
        ("since", "gisteren"),
        ("until", "2024-13-01T00:00:00Z"),
        ("limit", "-1"),
        ("ascending", "ja"),
    ],
)
def test_XAPI_00012_query_parameters_are_held_to_the_statement_rules(
    backend_lrs: LiveLRS, name: str, value: str
) -> None:
    response = backend_lrs.get({name: value})
    assert response.status_code == 400, (name, value, response.text)
    assert name in response.json()["detail"]


@pytest.mark.xapi("XAPI-00014")
@pytest.mark.parametrize("body", [b'{"actor": {"mbox": "mailto:a@b.example"},}', b"{'actor': {}}", b'{"actor": '])
def test_XAPI_00014_a_body_that_is_no_well_formed_json_is_refused(backend_lrs: LiveLRS, body: bytes) -> None:
    response = xapi(backend_lrs, "POST", "statements", backend_lrs.write, data=body,
                    headers={"Content-Type": "application/json"})  # fmt: skip
    assert response.status_code == 400
    assert response.json()["detail"].startswith("The request body is not valid JSON: ")


@pytest.mark.xapi("XAPI-00015")
def test_XAPI_00015_strings_are_utf_8_both_ways(backend_lrs: LiveLRS, make_statement: Make) -> None:
    statement = make_statement()
    text = "Één café — Straße, 中文, 🩺"
    statement["result"]["response"] = text
    body = json.dumps(statement, ensure_ascii=False).encode("utf-8")
    posted = xapi(backend_lrs, "POST", "statements", backend_lrs.write, data=body,
                  headers={"Content-Type": "application/json"})  # fmt: skip
    assert posted.status_code == 200, posted.text
    answer = backend_lrs.get({"statementId": statement["id"]})
    assert json.loads(answer.content.decode("utf-8"))["result"]["response"] == text
    # The same statement in Latin-1 is not UTF-8: refused, not stored with mangled letters.
    other = make_statement()
    other["result"]["response"] = "Één café"
    latin = xapi(backend_lrs, "POST", "statements", backend_lrs.write,
                 data=json.dumps(other, ensure_ascii=False).encode("latin-1"),
                 headers={"Content-Type": "application/json"})  # fmt: skip
    assert latin.status_code == 400
    assert "utf-8" in latin.json()["detail"]
    assert backend_lrs.get({"statementId": other["id"]}).status_code == 404


def _voiding(make_statement: Make, target: str) -> dict[str, Any]:
    voiding = make_statement(object={"objectType": "StatementRef", "id": target})
    voiding["verb"] = {"id": VOIDED, "display": {"nl-BE": "ongeldig gemaakt"}}
    del voiding["result"], voiding["context"]["platform"]
    return voiding


@pytest.mark.xapi("XAPI-00016", "XAPI-00018", "XAPI-00019")
def test_voiding_hides_the_target_and_a_voiding_statement_cannot_be_voided(
    backend_lrs: LiveLRS, make_statement: Make, organiser: tuple[str, str]
) -> None:
    target = make_statement()
    assert backend_lrs.post(target).status_code == 200
    voiding = _voiding(make_statement, target["id"])
    assert xapi(backend_lrs, "POST", "statements", organiser, json=voiding).status_code == 200
    # XAPI-00018/00019: the verb ending in "voided" makes the target voided: only voidedStatementId finds it.
    assert backend_lrs.get({"statementId": target["id"]}).status_code == 404
    assert backend_lrs.get({"voidedStatementId": target["id"]}).json()["id"] == target["id"]
    # XAPI-00016: voiding the voiding statement may be refused; accepted, it changes nothing.
    again = xapi(backend_lrs, "POST", "statements", organiser, json=_voiding(make_statement, voiding["id"]))
    assert again.status_code in (200, 400), again.text
    assert stored(backend_lrs, voiding["id"])["object"]["id"] == target["id"]
    assert backend_lrs.get({"voidedStatementId": voiding["id"]}).status_code == 404
    assert backend_lrs.get({"statementId": target["id"]}).status_code == 404


@pytest.mark.xapi("XAPI-00021")
def test_XAPI_00021_a_key_used_twice_in_one_object_is_refused(backend_lrs: LiveLRS, make_statement: Make) -> None:
    statement = make_statement()
    text = json.dumps(statement)
    twice = text[:-1] + ', "verb": {"id": "http://adlnet.gov/expapi/verbs/failed"}}'
    response = xapi(backend_lrs, "POST", "statements", backend_lrs.write, data=twice.encode(),
                    headers={"Content-Type": "application/json"})  # fmt: skip
    assert (response.status_code, response.json()) == (
        400, {"detail": "The request body has the key 'verb' twice in one JSON object"}
    )
    nested = text.replace('"success": true', '"success": true, "success": false')
    assert nested != text
    response = xapi(backend_lrs, "POST", "statements", backend_lrs.write, data=nested.encode(),
                    headers={"Content-Type": "application/json"})  # fmt: skip
    assert response.status_code == 400
    assert backend_lrs.get({"statementId": statement["id"]}).status_code == 404


@pytest.mark.xapi("XAPI-00023", "XAPI-00097", "XAPI-00122")
@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_stored_is_set_by_the_lrs_on_receipt_with_microseconds(
    backend_lrs: LiveLRS, make_statement: Make, method: str
) -> None:
    statement = make_statement(timestamp="2024-03-01T09:00:00.123456789Z", stored="2001-01-01T00:00:00Z")
    before = datetime.now(UTC) - timedelta(seconds=1)
    resource = f"statements?statementId={statement['id']}" if method == "PUT" else "statements"
    response = xapi(backend_lrs, method, resource, backend_lrs.write, json=statement)
    assert response.status_code in (200, 204), response.text
    back = stored(backend_lrs, statement["id"])
    # XAPI-00122: both times keep (at least) milliseconds; the timestamp exactly as sent.
    assert back["timestamp"] == "2024-03-01T09:00:00.123456789Z"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3,}(Z|[+-]\d\d:\d\d)", back["stored"]), back["stored"]
    assert before <= datetime.fromisoformat(back["stored"]) <= datetime.now(UTC)


@pytest.mark.xapi("XAPI-00026")
def test_XAPI_00026_the_lrs_gives_a_statement_without_id_one(backend_lrs: LiveLRS, make_statement: Make) -> None:
    statement = make_statement()
    del statement["id"]
    response = backend_lrs.post(statement)
    assert response.status_code == 200
    (given,) = response.json()
    assert str(uuid.UUID(given)) == given
    assert stored(backend_lrs, given)["result"] == statement["result"]


@pytest.mark.xapi("XAPI-00099")
def test_XAPI_00099_the_lrs_sets_the_authority_from_the_credential(backend_lrs: LiveLRS, make_statement: Make) -> None:
    statement = make_statement()
    assert backend_lrs.post(statement).status_code == 200
    authority = stored(backend_lrs, statement["id"])["authority"]
    assert authority["objectType"] == "Agent"
    assert authority["account"]["name"] == backend_lrs.write[0]


@pytest.mark.xapi("XAPI-00096")
def test_XAPI_00096_a_single_context_activity_comes_back_in_an_array(
    backend_lrs: LiveLRS, make_statement: Make
) -> None:
    statement = make_statement()
    statement["context"]["contextActivities"] = {"grouping": {"id": "https://leerpad.test/course"}}
    assert backend_lrs.post(statement).status_code == 200
    for params in ({"statementId": statement["id"]}, {"registration": statement["context"]["registration"]}):
        answer = backend_lrs.get(params).json()
        found = answer["statements"][0] if "statements" in answer else answer
        assert found["context"]["contextActivities"] == {"grouping": [{"id": "https://leerpad.test/course"}]}


@pytest.mark.xapi("XAPI-00330", "XAPI-00332")
@pytest.mark.parametrize("version", ["1.0.0", "1.0.3"])
def test_a_statement_keeps_the_version_it_was_accepted_with(
    backend_lrs: LiveLRS, make_statement: Make, as_sent: Callable[..., dict[str, Any]], version: str
) -> None:
    statement = make_statement(version=version)
    assert backend_lrs.post(statement).status_code == 200
    # XAPI-00330: no conversion of a 1.0.0 statement; XAPI-00332: the version comes back as sent.
    assert as_sent(stored(backend_lrs, statement["id"])) == statement

