"""The question versions an attempt drew: kept with it at start, scored at submit.

Trainers edit questions, and a course update may be deployed while a learner has an
attempt open. Like the question versions of other assessment software, an attempt is
scored and explained with the questions as it drew them, not as the course has them at
submit. A question's *version* is its key entry (type, correct responses, options,
feedback) and its interaction definition, named by its fingerprint (sha256 of its
canonical JSON). At start the plan names the fingerprint of each drawn question
(``plan["versions"]``) and the book keeps each version once, however many attempts
drew it (:meth:`~leerpad.scoring.book.AttemptBook.add`); both stay server-side (the
start answer never carries them).

An attempt started by an older scorer has no versions: its questions fall back to the
course's current ones. A drawn question found in neither is *gone*. Pure Python.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from leerpad.scoring.course import ScoredQuiz
from leerpad.xapi.keys import QuestionKey


@dataclass(frozen=True)
class QuestionVersion:
    """One question as an attempt drew it: its key and its interaction definition."""

    key: QuestionKey
    definition: dict[str, Any]


def fingerprint(entry: Mapping[str, Any]) -> str:
    """The name of a version: sha256 (hex) of its canonical JSON."""
    text = json.dumps(entry, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _entry(quiz: ScoredQuiz, qid: str) -> dict[str, Any] | None:
    """The course's version of a question now, as JSON (None: the quiz has no such scored question)."""
    key, definition = quiz.key.questions.get(qid), quiz.definitions.get(qid)
    if key is None or definition is None:
        return None
    return {
        "type": key.type,
        "correct": list(key.correct),
        "options": list(key.options),
        "feedback": dict(key.feedback),
        "definition": definition,
    }


def drawn(quiz: ScoredQuiz, questions: list[str]) -> tuple[dict[str, str], dict[str, dict[str, Any]]]:
    """The plan's ``versions`` (question id → fingerprint) and the versions to keep (fingerprint → JSON)."""
    kept: dict[str, dict[str, Any]] = {}
    names: dict[str, str] = {}
    for qid in questions:
        entry = _entry(quiz, qid)
        if entry is not None:
            names[qid] = fingerprint(entry)
            kept[names[qid]] = entry
    return names, kept


def _version(qid: str, entry: Mapping[str, Any]) -> QuestionVersion:
    key = QuestionKey(
        id=qid,
        type=str(entry["type"]),
        correct=[str(p) for p in entry["correct"]],
        options=[str(o) for o in entry["options"]],
        feedback={str(k): str(v) for k, v in entry["feedback"].items()},
    )
    return QuestionVersion(key=key, definition=dict(entry["definition"]))


def is_current(quiz: ScoredQuiz, qid: str) -> bool:
    """Whether the course still has this scored question (in whatever version)."""
    return qid in quiz.key.questions and qid in quiz.definitions


def of_attempt(
    quiz: ScoredQuiz, plan: Mapping[str, Any], kept: Mapping[str, Mapping[str, Any]]
) -> dict[str, QuestionVersion | None]:
    """Each drawn question's version: as drawn (``kept``: the book's), else the current one, else None."""
    names: Mapping[str, str] = plan.get("versions") or {}
    found: dict[str, QuestionVersion | None] = {}
    for qid in plan["questions"]:
        entry = kept.get(names.get(qid, ""))
        if entry is None:  # an attempt an older scorer started
            entry = _entry(quiz, qid)
        found[qid] = _version(qid, entry) if entry is not None else None
    return found


def changed(quiz: ScoredQuiz, plan: Mapping[str, Any]) -> list[str]:
    """The drawn questions the course no longer has as the attempt drew them (removed or edited)."""
    names: Mapping[str, str] = plan.get("versions") or {}
    stale = []
    for qid in plan["questions"]:
        now = _entry(quiz, qid)
        if now is None or (qid in names and fingerprint(now) != names[qid]):
            stale.append(qid)
    return stale
