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
writes the refused kinds itself, under its own authority.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from leerpad.lrs.app import _read_body, _replay  # the LRS's own body replay
from leerpad.scoring.course import ScoredCourse

ADL = "http://adlnet.gov/expapi/verbs/"
VOIDED = ADL + "voided"
ANSWERED = ADL + "answered"
RESULT_VERBS = {ADL + "passed", ADL + "failed", ADL + "completed"}
STATEMENTS_PATH = "/xAPI/statements"


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

    def refuse_body(self, body: bytes) -> str | None:
        """Why a POST/PUT body may not be stored; None when it may (or is not JSON at all)."""
        try:
            parsed: Any = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return None  # the LRS answers 400 itself
        for statement in parsed if isinstance(parsed, list) else [parsed]:
            reason = self.refusal(statement)
            if reason is not None:
                return reason + " Niets van deze aanvraag werd opgeslagen."
        return None


class BrowserWriteGuard:
    """ASGI layer in front of the LRS: applies :class:`BrowserWriteRule` to the browser's writes."""

    def __init__(self, app: ASGIApp, rule: BrowserWriteRule, is_browser: Any) -> None:
        """Guard ``app``; ``is_browser(authorization header)`` tells the browser's credential."""
        self.app = app
        self.rule = rule
        self.is_browser = is_browser

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse forbidden statement writes of the browser; pass everything else on."""
        if (
            scope["type"] == "http"
            and scope["method"] in ("POST", "PUT")
            and scope["path"].rstrip("/") == STATEMENTS_PATH
            and self.is_browser(dict(scope["headers"]).get(b"authorization", b""))
        ):
            body = await _read_body(receive)
            reason = self.rule.refuse_body(body)
            if reason is not None:
                payload = json.dumps({"detail": reason}, ensure_ascii=False).encode()
                await send(
                    {
                        "type": "http.response.start",
                        "status": 403,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"content-length", str(len(payload)).encode()),
                            (b"x-experience-api-version", b"1.0.3"),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": payload, "more_body": False})
                return
            receive = _replay(body)
        await self.app(scope, receive, send)
