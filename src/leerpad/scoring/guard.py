"""What the browser's write credential may not store: results of toetsen, and voiding.

Every page of the site carries the browser's write credential, so anyone can use it.
Statements sent with it are refused (403, with a message, nothing of the request
stored) when one of them (or a SubStatement inside it):

- voids anything (verb ``voided``);
- answers a question of a quiz (verb ``answered``, object ``<course>/quiz/<id>/question/…``);
- passes, fails or completes a quiz (``<course>/quiz/<id>``), a module that has toetsen,
  or the course.

Practice statements stay allowed: cases, questions on module pages, experienced,
initialized, terminated, and ``completed`` of a module without toetsen. The scorer
writes the refused kinds itself, under its own authority. The rule runs in the LRS as a
statement policy (:func:`leerpad.lrs.app.statement_policies`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from leerpad.scoring.course import ScoredCourse

ADL = "http://adlnet.gov/expapi/verbs/"
VOIDED = ADL + "voided"
ANSWERED = ADL + "answered"
RESULT_VERBS = {ADL + "passed", ADL + "failed", ADL + "completed"}


class BrowserWriteRule:
    """The rule for one course (its quiz, module and course IRIs)."""

    def __init__(self, course: ScoredCourse) -> None:
        """Know which activities of ``course`` only the scorer may report on."""
        self.quiz_prefix = f"{course.iri}/quiz/"
        self.course_iri = course.iri
        self.quizzes = {q.iri for q in course.quizzes.values()}
        self.modules = {m.iri for m in course.modules.values() if m.quizzes}

    def _is_quiz(self, iri: str) -> bool:
        return iri in self.quizzes or (iri.startswith(self.quiz_prefix) and "/" not in iri[len(self.quiz_prefix) :])

    def _is_quiz_question(self, iri: str) -> bool:
        return iri.startswith(self.quiz_prefix) and "/question/" in iri[len(self.quiz_prefix) :]

    def refusal(self, statement: object) -> str | None:
        """Why the browser may not store ``statement``, or None when it may."""
        if not isinstance(statement, Mapping):
            return None
        verb = statement.get("verb")
        verb_id = verb.get("id") if isinstance(verb, Mapping) else None
        target = statement.get("object")
        target = target if isinstance(target, Mapping) else {}
        iri: str = target["id"] if isinstance(target.get("id"), str) else ""
        if verb_id == VOIDED:
            return "Met de sleutel van de browser kan niets ongeldig gemaakt worden (voided)."
        if verb_id == ANSWERED and self._is_quiz_question(iri):
            return f"Antwoorden op toetsvragen schrijft alleen de scorer ({iri})."
        if verb_id in RESULT_VERBS:
            if self._is_quiz(iri):
                return f"Resultaten van toetsen schrijft alleen de scorer ({iri})."
            if iri in self.modules:
                return f"Een module met toetsen rondt alleen de scorer af ({iri})."
            if iri.rstrip("/") == self.course_iri:
                return f"De cursus rondt alleen de scorer af ({iri})."
        if target.get("objectType") == "SubStatement":
            return self.refusal(target)
        return None

    def refuse_batch(self, statements: Sequence[Any]) -> str | None:
        """Why a batch of the browser may not be stored (the first reason), or None."""
        for statement in statements:
            reason = self.refusal(statement)
            if reason is not None:
                return reason + " Niets van deze aanvraag werd opgeslagen."
        return None
