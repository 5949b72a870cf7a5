"""The question versions an attempt drew: kept with it at start, scored at submit.

Trainers edit questions, and a course update may be deployed while a learner has an
attempt open. Like the question versions of other assessment software, an attempt is
scored and explained with the questions as it drew them, not as the course has them at
submit: at start the scorer copies each drawn question's key entry (type, correct
responses, options, feedback) and its interaction definition into the attempt's plan in
the book (``plan["versions"]``, server-side: the start answer never carries it). The
plan is JSON in the ``start`` column, so older books need no new column.

An attempt started by an older scorer has no versions: its questions fall back to the
course's current ones. A drawn question found in neither is *gone*: the attempt's score
leaves it out (the learner is not penalised for a question nobody can score), and the
result says so. Pure Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from leerpad.scoring.course import ScoredQuiz
from leerpad.xapi.keys import QuestionKey


@dataclass(frozen=True)
class QuestionVersion:
    """One question as an attempt drew it: its key and its interaction definition."""

    key: QuestionKey
    definition: dict[str, Any]


def drawn(quiz: ScoredQuiz, questions: list[str]) -> dict[str, dict[str, Any]]:
    """The plan's ``versions`` entry: the current version of each drawn question, as JSON."""
    return {q: _entry(quiz.key.questions[q], quiz.definitions[q]) for q in questions}


def _entry(key: QuestionKey, definition: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": key.type,
        "correct": list(key.correct),
        "options": list(key.options),
        "feedback": dict(key.feedback),
        "definition": definition,
    }


def _version(qid: str, entry: dict[str, Any]) -> QuestionVersion:
    key = QuestionKey(
        id=qid,
        type=str(entry["type"]),
        correct=[str(p) for p in entry["correct"]],
        options=[str(o) for o in entry["options"]],
        feedback={str(k): str(v) for k, v in entry["feedback"].items()},
    )
    return QuestionVersion(key=key, definition=dict(entry["definition"]))


def current(quiz: ScoredQuiz, qid: str) -> QuestionVersion | None:
    """The course's version of a question now (None: the quiz has no such scored question)."""
    key, definition = quiz.key.questions.get(qid), quiz.definitions.get(qid)
    if key is None or definition is None:
        return None
    return QuestionVersion(key=key, definition=definition)


def of_attempt(quiz: ScoredQuiz, plan: dict[str, Any]) -> dict[str, QuestionVersion | None]:
    """Each drawn question's version: as drawn, else (an older attempt) the current one, else None."""
    stored: dict[str, Any] = plan.get("versions") or {}
    return {q: _version(q, stored[q]) if q in stored else current(quiz, q) for q in plan["questions"]}


def changed(quiz: ScoredQuiz, plan: dict[str, Any]) -> list[str]:
    """The drawn questions the course no longer has as the attempt drew them (removed or edited)."""
    stored: dict[str, Any] = plan.get("versions") or {}
    found = []
    for qid in plan["questions"]:
        now = current(quiz, qid)
        if now is None or (qid in stored and _entry(now.key, now.definition) != stored[qid]):
            found.append(qid)
    return found
