"""The statements the scorer writes, under its own authority (CONTRACTS.md).

Every statement carries the scorer's agent as ``authority``, the learner's agent as
``actor``, the start request's registration, and the context extensions that say where
the identity came from, which attempt (UUID) and which attempt number it belongs to.
Statement ids derive from the attempt (UUID v5), so a statement delivered twice after a
crash is the same statement, never a second one.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from leerpad.scoring.course import ScoredCourse, ScoredModule, ScoredQuiz
from leerpad.xapi.profile import EXT_ATTEMPT, EXT_ATTEMPT_NUMBER, EXT_IDENTITY_SOURCE, SCORER_AGENT, question_iri

ADL_VERBS = "http://adlnet.gov/expapi/verbs/"
ACTIVITY_TYPES = {
    "course": "http://adlnet.gov/expapi/activities/course",
    "module": "http://adlnet.gov/expapi/activities/module",
    "quiz": "http://adlnet.gov/expapi/activities/assessment",
}
_NAMESPACE = uuid.UUID("6f1c1f4e-4d3b-5e0a-9a7e-6c1e2b5f0d11")


def statement_id(*parts: str) -> str:
    """A stable statement id for what ``parts`` name (UUID v5)."""
    return str(uuid.uuid5(_NAMESPACE, "/".join(parts)))


def iso_duration(seconds: float) -> str:
    """``PT…S`` for a non-negative number of seconds (two decimals at most)."""
    seconds = max(0.0, seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = "PT"
    if hours:
        text += f"{int(hours)}H"
    if minutes:
        text += f"{int(minutes)}M"
    return text + f"{round(secs, 2):g}S"


def _activity(iri: str) -> dict[str, Any]:
    return {"objectType": "Activity", "id": iri}


def _named(iri: str, kind: str, title: str) -> dict[str, Any]:
    return {"objectType": "Activity", "id": iri, "definition": {"type": ACTIVITY_TYPES[kind], "name": {"nl": title}}}


class Attribution:
    """Who, when and in which attempt: what every statement of one submit shares."""

    def __init__(
        self,
        course: ScoredCourse,
        *,
        actor: dict[str, Any],
        registration: str,
        identity_source: str,
        timestamp: str,
        profession: str | None = None,
        attempt: str | None = None,
        number: int | None = None,
    ) -> None:
        """Hold the shared parts of one submit's statements."""
        self.course = course
        self.actor = actor
        self.registration = registration
        self.identity_source = identity_source
        self.profession = profession
        self.timestamp = timestamp
        self.attempt = attempt
        self.number = number

    def statement(
        self,
        ident: str,
        verb: str,
        obj: dict[str, Any],
        result: dict[str, Any] | None,
        *,
        parent: list[str] | None = None,
        grouping: list[str] | None = None,
        with_attempt: bool = False,
    ) -> dict[str, Any]:
        """One complete statement."""
        extensions: dict[str, Any] = {EXT_IDENTITY_SOURCE: self.identity_source}
        if self.profession:  # the declared learner's; an LMS names none
            extensions[f"{self.course.iri}/extension/beroep"] = self.profession
        if with_attempt and self.attempt is not None:
            extensions[EXT_ATTEMPT] = self.attempt
            extensions[EXT_ATTEMPT_NUMBER] = self.number
        activities: dict[str, Any] = {}
        if parent:
            activities["parent"] = [_activity(i) for i in parent]
        if grouping:
            activities["grouping"] = [_activity(i) for i in grouping]
        context: dict[str, Any] = {
            "registration": self.registration,
            "language": self.course.language,
            "platform": self.course.platform,
            "extensions": extensions,
        }
        if activities:
            context["contextActivities"] = activities
        statement: dict[str, Any] = {
            "id": ident,
            "actor": self.actor,
            "verb": {"id": ADL_VERBS + verb, "display": {"en-US": verb}},
            "object": obj,
            "context": context,
            "timestamp": self.timestamp,
            "authority": SCORER_AGENT,
        }
        if result is not None:
            statement["result"] = result
        return statement

    def answered(
        self,
        quiz: ScoredQuiz,
        qid: str,
        definition: dict[str, Any],
        response: str | None,
        success: bool,
        duration: str | None,
    ) -> dict[str, Any]:
        """``answered`` for one scored question of the attempt (left out or nothing chosen: no response).

        ``definition`` is the question's interaction definition as the attempt drew it.
        """
        obj = {"objectType": "Activity", "id": question_iri(quiz.iri, qid), "definition": definition}
        result: dict[str, Any] = {"success": success}
        if response:  # xAPI allows no empty values: nothing chosen or left out, no response
            result = {"response": response, **result}
        if duration:
            result["duration"] = duration
        return self.statement(
            statement_id(str(self.attempt), "answered", qid),
            "answered",
            obj,
            result,
            parent=[quiz.iri],
            grouping=[quiz.module_iri, self.course.iri],
            with_attempt=True,
        )

    def graded(self, quiz: ScoredQuiz, score: dict[str, Any], success: bool, duration: timedelta) -> dict[str, Any]:
        """``passed`` or ``failed`` for the quiz, with the score."""
        verb = "passed" if success else "failed"
        result = {
            "score": score,
            "success": success,
            "completion": True,
            "duration": iso_duration(duration.total_seconds()),
        }
        return self.statement(
            statement_id(str(self.attempt), verb),
            verb,
            _named(quiz.iri, "quiz", quiz.title),
            result,
            parent=[quiz.module_iri],
            grouping=[self.course.iri],
            with_attempt=True,
        )

    def module_done(self, module: ScoredModule) -> list[dict[str, Any]]:
        """``completed`` and ``passed`` for a module whose toetsen are all passed."""
        obj = _named(module.iri, "module", module.title)
        return [
            self.statement(
                statement_id(str(self.attempt), module.iri, verb),
                verb,
                obj,
                {"completion": True, **({"success": True} if verb == "passed" else {})},
                grouping=[self.course.iri],
            )
            for verb in ("completed", "passed")
        ]

    def course_done(self) -> list[dict[str, Any]]:
        """``completed`` and ``passed`` for the course (the final test and every module passed)."""
        obj = _named(self.course.iri, "course", self.course.title)
        return [
            self.statement(
                statement_id(str(self.attempt), self.course.iri, verb),
                verb,
                obj,
                {"completion": True, **({"success": True} if verb == "passed" else {})},
            )
            for verb in ("completed", "passed")
        ]
