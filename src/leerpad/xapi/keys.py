"""Answer keys: ``.leerpad/keys/<quiz id>.json`` beside mkdocs.yml, never in the site.

Shape (issue 11, pinned in CONTRACTS.md)::

    {"quiz": {"id", "module", "pass_mark", "attempts", "draw", "final",
              "source": "<sha256 of the quiz file>"},
     "questions": {"<question id>": {"type": "single|multiple|…",
                                     "correct": ["<xAPI correct response pattern>", …],
                                     "options": ["<option id>", …],
                                     "feedback": {"<option id>": "…", "*": "…"}}}}

Only scored questions have a key; likert and reflection are not part of an attempt.
``options`` are the ids the learner picks from, in document order (for matching: the
left-hand sides), and the server shuffles them per attempt. The build writes them
(the plugin), the scoring service reads them. Pure Python.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from leerpad.content.models import Course, Question, Quiz
from leerpad.xapi.profile import correct_pattern

STATE_DIR = ".leerpad"
KEYS_DIR = "keys"


class AnswerKeyError(Exception):
    """A key file is missing, unreadable or out of date with its quiz."""


@dataclass(frozen=True)
class QuestionKey:
    """The key of one scored question."""

    id: str
    type: str
    correct: list[str]
    options: list[str]
    feedback: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class QuizKey:
    """A quiz's rules and the keys of its scored questions, in document order."""

    id: str
    module: str
    pass_mark: float
    attempts: int
    draw: int | None
    final: bool
    source: str
    questions: dict[str, QuestionKey]


def keys_dir(course_dir: Path) -> Path:
    """``<course>/.leerpad/keys``."""
    return course_dir / STATE_DIR / KEYS_DIR


def source_digest(path: Path) -> str:
    """sha256 (hex) of a quiz file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _options(question: Question) -> list[str]:
    if question.type == "fill-in":
        return []  # the accepted answers are the key itself
    if question.type == "true-false":
        return ["true", "false"]
    return [o.id for o in question.options]


def question_key(question: Question) -> dict[str, Any]:
    """The key file entry of a scored question."""
    feedback = {o.id: o.feedback for o in question.options if o.feedback and question.type != "fill-in"}
    if question.explanation:
        feedback["*"] = question.explanation
    return {
        "type": question.type,
        "correct": correct_pattern(question) or [],
        "options": _options(question),
        "feedback": feedback,
    }


def quiz_key(quiz: Quiz, source: str) -> dict[str, Any]:
    """The key file content of a quiz; ``source`` is the sha256 of its file."""
    return {
        "quiz": {
            "id": quiz.id,
            "module": quiz.module,
            "pass_mark": quiz.pass_mark,
            "attempts": quiz.attempts,
            "draw": quiz.draw,
            "final": quiz.final,
            "source": source,
        },
        "questions": {q.id: question_key(q) for q in quiz.questions if q.scored},
    }


def write_keys(course: Course, course_dir: Path) -> list[Path]:
    """Write one key file per quiz of ``course`` (files only rewritten when changed)."""
    folder = keys_dir(course_dir)
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for quiz in course.quizzes:
        content = quiz_key(quiz, source_digest(course_dir / quiz.path))
        # compact: json's C encoder (indent forces the pure-Python one); readers parse it
        text = json.dumps(content, ensure_ascii=False, separators=(",", ":")) + "\n"
        target = folder / f"{quiz.id}.json"
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            temporary = target.with_suffix(".json.tmp")
            temporary.write_text(text, encoding="utf-8")
            os.replace(temporary, target)
        written.append(target)
    return written


def parse_key(data: Any, where: str) -> QuizKey:
    """A key file's content as a :class:`QuizKey`; raises :class:`AnswerKeyError` naming ``where``."""
    try:
        quiz = data["quiz"]
        questions = {
            str(qid): QuestionKey(
                id=str(qid),
                type=str(entry["type"]),
                correct=[str(p) for p in entry["correct"]],
                options=[str(o) for o in entry["options"]],
                feedback={str(k): str(v) for k, v in (entry.get("feedback") or {}).items()},
            )
            for qid, entry in data["questions"].items()
        }
        draw = quiz.get("draw")
        return QuizKey(
            id=str(quiz["id"]),
            module=str(quiz["module"]),
            pass_mark=float(quiz["pass_mark"]),
            attempts=int(quiz["attempts"]),
            draw=int(draw) if draw is not None else None,
            final=bool(quiz["final"]),
            source=str(quiz["source"]),
            questions=questions,
        )
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise AnswerKeyError(f"{where}: geen geldig sleutelbestand ({error!r})") from error


def read_key(course_dir: Path, quiz: Quiz) -> QuizKey:
    """Read and check the key of ``quiz``: it must exist and match the quiz file.

    Raises :class:`AnswerKeyError` with a message naming the quiz and what to do.
    """
    path = keys_dir(course_dir) / f"{quiz.id}.json"
    if not path.exists():
        raise AnswerKeyError(
            f"toets '{quiz.id}': sleutelbestand {path} ontbreekt; bouw de cursus opnieuw (leerpad build)"
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise AnswerKeyError(f"toets '{quiz.id}': sleutelbestand {path} is onleesbaar: {error}") from error
    key = parse_key(data, str(path))
    if key.source != source_digest(course_dir / quiz.path):
        raise AnswerKeyError(
            f"toets '{quiz.id}': sleutelbestand {path} hoort bij een oudere versie van {quiz.path}; "
            "bouw de cursus opnieuw (leerpad build)"
        )
    return key
