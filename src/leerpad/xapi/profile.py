"""Activity ids and interaction definitions of the course's xAPI profile.

Ids derive from content ids only (never positions or titles), so statements
already stored keep pointing at the same activity after an edit.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from leerpad.content.models import Option, Question

INTERACTION_TYPE = "http://adlnet.gov/expapi/activities/cmi.interaction"

#: The ``authority`` of every statement the scoring service writes (README: reports rely on it).
SCORER_AGENT: dict[str, Any] = {
    "objectType": "Agent",
    "name": "Leerpad-scorer",
    "account": {"homePage": "https://w3id.org/leerpad", "name": "scorer"},
}
#: Context extensions the scorer writes: where the learner's identity came from ("declared" or
#: "cmi5"), the attempt's UUID (groups answered statements per attempt) and its number 1, 2, …
EXT_IDENTITY_SOURCE = "https://w3id.org/leerpad/extension/identity-source"
EXT_ATTEMPT = "https://w3id.org/leerpad/extension/attempt"
EXT_ATTEMPT_NUMBER = "http://id.tincanapi.com/extension/attempt-id"
LANG = "nl"

INTERACTION_TYPES = {
    "single": "choice",
    "multiple": "choice",
    "true-false": "true-false",
    "fill-in": "fill-in",
    "sequencing": "sequencing",
    "matching": "matching",
    "likert": "likert",
    "reflection": "long-fill-in",
}


def activity_iri(course_iri: str, kind: str, ident: str) -> str:
    """`<course>/<kind>/<id>` for kind module, quiz or case."""
    return f"{course_iri.rstrip('/')}/{kind}/{ident}"


def question_iri(parent_iri: str, question_id: str) -> str:
    """`<parent>/question/<qid>`, the parent being a quiz, case or module IRI."""
    return f"{parent_iri}/question/{question_id}"


def _component(option_id: str, text: str) -> dict[str, Any]:
    return {"id": option_id, "description": {LANG: text}}


def correct_pattern(question: Question) -> list[str] | None:
    """xAPI `correctResponsesPattern` for a question, or None if not scored."""
    options = question.options
    kind = question.type
    if kind in ("single", "multiple"):
        return ["[,]".join(o.id for o in options if o.correct)]
    if kind == "true-false":
        return [next((o.id for o in options if o.correct), "true")]
    if kind == "fill-in":
        return [f"{{case_matters=false}}{o.text}" for o in options]
    if kind == "sequencing":
        return ["[,]".join(o.id for o in options)]
    if kind == "matching":
        return ["[,]".join(f"{o.id}[.]{o.match_id}" for o in options)]
    return None


def interaction_definition(question: Question) -> dict[str, Any]:
    """The complete xAPI activity definition of a question."""
    definition: dict[str, Any] = {
        "type": INTERACTION_TYPE,
        "name": {LANG: question.stem},
        "description": {LANG: question.stem},
        "interactionType": INTERACTION_TYPES[question.type],
    }
    if question.prompt.strip():
        definition["description"] = {LANG: f"{question.stem}\n\n{question.prompt.strip()}"}
    kind = question.type
    if kind in ("single", "multiple", "sequencing"):
        definition["choices"] = [_component(o.id, o.text) for o in question.options]
    elif kind == "likert":
        definition["scale"] = [_component(o.id, o.text) for o in question.options]
    elif kind == "matching":
        definition["source"] = [_component(o.id, o.text) for o in question.options]
        definition["target"] = [_component(o.match_id, o.match) for o in _by_target(question.options)]
    pattern = correct_pattern(question)
    if pattern is not None:
        definition["correctResponsesPattern"] = pattern
    return definition


def _by_target(options: list[Option]) -> list[Option]:
    return sorted(options, key=lambda o: o.match_id)


def without_key(question: Question) -> Question:
    """The question as a page shows it when its key stays on the server (a toets with an LRS).

    Nothing in it depends on the key: no option is marked right, no feedback, no
    accepted fill-in answer; steps in the order of their ids (not the right order),
    and matching targets in the order of theirs, paired with the sources by position
    (not the right pairs). Two quizzes that differ only in their keys look the same.
    """
    if question.type == "fill-in":
        options = []
    elif question.type == "sequencing":
        options = [replace(o, feedback="") for o in sorted(question.options, key=lambda o: o.id)]
    elif question.type == "matching":
        targets = _by_target(question.options)
        options = [
            replace(o, feedback="", match=t.match, match_id=t.match_id)
            for o, t in zip(question.options, targets, strict=True)
        ]
    else:
        options = [replace(o, correct=False, feedback="") for o in question.options]
    return replace(question, options=options, explanation="")


def question_data(question: Question, iri: str, key: bool = True) -> dict[str, Any]:
    """What the browser runtime needs of a question (the page contract); ``key=False``: no pattern."""
    definition = interaction_definition(question)
    if not key:
        definition.pop("correctResponsesPattern", None)
    return {
        "id": question.id,
        "iri": iri,
        "type": question.type,
        "scored": question.scored,
        "definition": definition,
    }
