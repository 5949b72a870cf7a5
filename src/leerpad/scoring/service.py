"""Start and submit attempts at toetsen: the scoring service's contract (README, issue 11).

:class:`Scorer` takes the decoded JSON of a request and returns the JSON to answer,
or raises :class:`Refusal` with the HTTP status and a message in Dutch (the learner
may read it). It knows nothing of HTTP otherwise; :mod:`leerpad.scoring.http` serves it.
"""

from __future__ import annotations

import logging
import random
import re
import threading
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from leerpad.lrs.indexing import agent_key, parse_time
from leerpad.scoring.book import Attempt, AttemptBook, AttemptTaken, Claim
from leerpad.scoring.course import ScoredCourse, ScoredModule, ScoredQuiz
from leerpad.scoring.delivery import Delivery, DeliveryError
from leerpad.scoring.launches import Launches, LaunchUnverified
from leerpad.scoring.rules import ResponseError, score_response
from leerpad.scoring.statements import Attribution
from leerpad.scoring.versions import QuestionVersion, changed, drawn, is_current, of_attempt
from leerpad.xapi.keys import QuestionKey

log = logging.getLogger(__name__)
_NUMBER = r"\d+(?:\.\d+)?"
_DURATION = re.compile(
    rf"^P(?!$)(?:{_NUMBER}Y)?(?:{_NUMBER}M)?(?:{_NUMBER}W)?(?:{_NUMBER}D)?"
    rf"(?:T(?=\d)(?:{_NUMBER}H)?(?:{_NUMBER}M)?(?:{_NUMBER}S)?)?$"
)
_MBOX = re.compile(r"^mailto:[^@\s]+@[^@\s]+$")
_PROFESSION = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
#: Where the learner's identity came from (CONTRACTS.md), as the start request names it;
#: "cmi5" only with the launch's proof, which the LMS confirms (:mod:`leerpad.scoring.launches`).
IDENTITY_SOURCES = ("declared", "cmi5")


_GONE_ALL = (
    "de toets is aangepast nadat u deze poging begon en geen van haar vragen bestaat nog. "
    "Laad de pagina opnieuw: uw poging begint dan opnieuw met de huidige vragen en telt niet als extra poging."
)


def _gone(count: int) -> str:
    """The result's line for drawn questions that no longer count (the learner reads it)."""
    which = "1 vraag bestaat niet meer en telt" if count == 1 else f"{count} vragen bestaan niet meer en tellen"
    return f"De toets is aangepast nadat u deze poging begon: {which} niet mee voor uw score."


class Refusal(Exception):
    """A request the scorer refuses: HTTP ``status`` and a message for the learner."""

    def __init__(self, status: int, message: str) -> None:
        """Refuse with ``status`` (400, 409, …) and ``message``."""
        super().__init__(message)
        self.status = status
        self.message = message


def _bad(message: str) -> Refusal:
    return Refusal(400, message)


def _uuid(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise _bad(f"'{what}' ontbreekt of is geen UUID")
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise _bad(f"'{what}' is geen geldige UUID: {value!r}") from None


def check_actor(actor: object) -> dict[str, Any]:
    """The learner's xAPI Agent as sent, checked: exactly one identifier (mbox, account, …)."""
    if not isinstance(actor, Mapping):
        raise _bad("'actor' ontbreekt of is geen xAPI-Agent (een object met bv. mbox of account)")
    if actor.get("objectType", "Agent") != "Agent":
        raise _bad("'actor' moet een Agent zijn (objectType 'Agent')")
    identifiers = [k for k in ("mbox", "mbox_sha1sum", "openid", "account") if k in actor]
    if len(identifiers) != 1:
        raise _bad("'actor' heeft precies één identificatie nodig: mbox, mbox_sha1sum, openid of account")
    if "mbox" in actor and not (isinstance(actor["mbox"], str) and _MBOX.match(actor["mbox"])):
        raise _bad("'actor.mbox' moet de vorm 'mailto:naam@voorbeeld.be' hebben")
    account = actor.get("account")
    if "account" in identifiers and not (
        isinstance(account, Mapping)
        and isinstance(account.get("homePage"), str)
        and isinstance(account.get("name"), str)
        and account["homePage"].startswith(("http://", "https://"))
        and account["name"]
    ):
        raise _bad("'actor.account' heeft een homePage (URL) en een name nodig")
    if "name" in actor and not isinstance(actor["name"], str):
        raise _bad("'actor.name' moet een tekst zijn")
    return dict(actor)


def _learner(actor: Mapping[str, Any]) -> str:
    key = agent_key(actor)
    if key is None:  # check_actor guarantees one identifier
        raise _bad("'actor' heeft geen identificatie")
    return key


def _identity(data: Mapping[str, Any], default: str) -> dict[str, str]:
    """The start request's ``identity_source`` and ``profession`` (both optional), checked."""
    source = data.get("identity_source", default)
    if source not in IDENTITY_SOURCES:
        raise _bad("'identity_source' moet 'declared' (door de leerder opgegeven) of 'cmi5' (van de leeromgeving) zijn")
    found = {"identity_source": source}
    profession = data.get("profession")
    if profession is not None:
        if not isinstance(profession, str) or not _PROFESSION.match(profession):
            raise _bad("'profession' moet de id van een beroep zijn (bv. 'huisarts')")
        found["profession"] = profession
    return found


def _body(body: object) -> Mapping[str, Any]:
    if not isinstance(body, Mapping):
        raise _bad("de aanvraag moet een JSON-object zijn")
    return body


class Scorer:
    """The scoring service of one course."""

    def __init__(
        self,
        course: ScoredCourse,
        book: AttemptBook,
        delivery: Delivery,
        *,
        identity_source: str = "declared",
        rng: random.Random | None = None,
        launches: Launches | None = None,
    ) -> None:
        """Score ``course``'s toetsen, keep attempts in ``book``, write through ``delivery``;
        ``launches`` asks the LMSs of ``course.options.cmi5_endpoints`` about cmi5 identities."""
        self.course = course
        self.book = book
        self.delivery = delivery
        self.identity_source = identity_source
        self.launches = launches or Launches()
        self.rng = rng or random.SystemRandom()
        self._delivering = threading.Lock()
        self._behind = False  # a delivery failed: statements wait in the book

    # ------------------------------------------------------------------- start

    def start(self, body: object) -> dict[str, Any]:
        """``POST /leerpad/v1/attempts``: a new attempt, or the same answer for a known UUID."""
        data = _body(body)
        attempt_id = _uuid(data.get("attempt"), "attempt")
        quiz = self._quiz(data.get("quiz"))
        actor = check_actor(data.get("actor"))
        registration = _uuid(data.get("registration"), "registration")
        identity = _identity(data, self.identity_source)
        learner = _learner(actor)
        if identity["identity_source"] == "cmi5":
            self._vouched(actor, registration, data.get("lms"))
        existing = self.book.get(attempt_id)
        if existing is not None and data.get("renew") is True:
            return self._renew(existing, quiz, learner)
        if existing is not None:
            return self._same_start(existing, quiz, learner)
        for _ in range(5):
            used = self.book.count(learner, quiz.id)
            limit = quiz.key.attempts
            if limit and used >= limit:
                raise Refusal(409, f"U hebt al uw {limit} pogingen voor de toets '{quiz.title}' gebruikt.")
            if quiz.key.final:
                self._check_final_open(actor, learner)
            plan, versions = self._plan(quiz, self.book.last_plan(learner, quiz.id))
            start = {"actor": actor, "registration": registration, "plan": plan, **identity}
            try:
                self.book.add(attempt_id, learner, quiz.id, used + 1, start, versions)
            except AttemptTaken:
                existing = self.book.get(attempt_id)
                if existing is not None:  # the same start sent twice at once
                    return self._same_start(existing, quiz, learner)
                continue  # another attempt took this number: count again
            return self._start_answer(attempt_id, used + 1, quiz, learner, plan)
        raise Refusal(409, "Te veel pogingen tegelijk gestart; probeer het opnieuw.")

    def _vouched(self, actor: Mapping[str, Any], registration: str, proof: object) -> None:
        """Refuse a cmi5 identity the LMS does not confirm (the proof's token is used here only)."""
        try:
            self.launches.vouch(self.course.options.cmi5_endpoints, actor, registration, proof)
        except LaunchUnverified as error:
            raise Refusal(error.status, error.message) from None

    def _same_start(self, existing: Attempt, quiz: ScoredQuiz, learner: str) -> dict[str, Any]:
        if existing.quiz != quiz.id or existing.learner != learner:
            raise _bad("deze poging (attempt) hoort bij een andere toets of een andere leerder")
        return self._start_answer(existing.id, existing.number, quiz, learner, existing.start["plan"])

    def _renew(self, existing: Attempt, quiz: ScoredQuiz, learner: str) -> dict[str, Any]:
        """The same attempt drawn again when the course changed its questions since it started.

        The runtime asks this when it shows an open attempt again (a reload): the page
        has the course's current questions, the attempt may hold others. A renewed
        attempt keeps its number (it counts once) and the drawn questions that did not
        change, and starts again; an attempt whose questions did not change, or one
        already submitted, stays as it is.
        """
        answer = self._same_start(existing, quiz, learner)
        plan = existing.start["plan"]
        stale = changed(quiz, plan)
        if existing.submitted is not None or not stale:
            return answer
        kept = [q for q in plan["questions"] if q not in stale]
        fresh, versions = self._plan(quiz, [q for q in quiz.key.questions if q not in kept])
        start = {**existing.start, "plan": fresh, "renewed": int(existing.start.get("renewed", 0)) + 1}
        if not self.book.replan(existing.id, existing.started, start, versions):
            again = self.book.get(existing.id)  # another tab renewed it first
            return self._same_start(again, quiz, learner) if again is not None else answer
        return {**self._start_answer(existing.id, existing.number, quiz, learner, fresh), "renewed": True}

    def _start_answer(
        self, attempt_id: str, number: int, quiz: ScoredQuiz, learner: str, plan: dict[str, Any]
    ) -> dict[str, Any]:
        return {
            "attempt": attempt_id,
            "number": number,
            "attempts_left": self._left(quiz, learner),
            "questions": list(plan["questions"]),
            "options": dict(plan["options"]),
        }

    def _left(self, quiz: ScoredQuiz, learner: str) -> int | None:
        if not quiz.key.attempts:
            return None
        return max(0, quiz.key.attempts - self.book.count(learner, quiz.id))

    def _quiz(self, value: object) -> ScoredQuiz:
        if not isinstance(value, str) or not value:
            raise _bad("'quiz' ontbreekt: geef de id van de toets")
        quiz = self.course.quizzes.get(value)
        if quiz is None:
            raise _bad(f"onbekende toets '{value}'")
        return quiz

    def _plan(self, quiz: ScoredQuiz, previous: list[str]) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
        """The questions of a new attempt (a new draw), each question's option order and version.

        Returns the plan and the versions it names, for the book to keep.
        """
        pool = list(quiz.key.questions)
        chosen = pool
        if quiz.key.draw is not None and quiz.key.draw < len(pool):
            # A retry draws the questions the previous attempt did not have first.
            fresh = [q for q in pool if q not in previous]
            again = [q for q in pool if q in previous]
            self.rng.shuffle(fresh)
            self.rng.shuffle(again)
            chosen = (fresh + again)[: quiz.key.draw]
        order = list(chosen)
        self.rng.shuffle(order)
        names, versions = drawn(quiz, order)
        plan = {
            "questions": order,
            "options": {q: self._option_order(quiz.key.questions[q]) for q in order},
            "versions": names,  # server-side: the start answer leaves it out
        }
        return plan, versions

    def _option_order(self, key: QuestionKey) -> list[str]:
        options = list(key.options)
        if key.type == "true-false":
            return options
        self.rng.shuffle(options)
        if key.type == "sequencing" and len(options) > 1:
            while "[,]".join(options) in key.correct:  # never shown in the right order
                self.rng.shuffle(options)
        return options

    # -------------------------------------------------------- modules and lock

    def _module_done(self, module: ScoredModule, actor: Mapping[str, Any], passed: set[str]) -> bool:
        if module.quizzes:
            return all(q in passed for q in module.quizzes)
        try:
            return self.delivery.has_completed(dict(actor), module.iri)
        except DeliveryError as error:
            raise Refusal(503, f"De LRS antwoordt niet; probeer het later opnieuw ({error})") from error

    def _open_modules(self, actor: Mapping[str, Any], passed: set[str]) -> list[ScoredModule]:
        return [m for m in self.course.required_modules() if not self._module_done(m, actor, passed)]

    def _check_final_open(self, actor: Mapping[str, Any], learner: str) -> None:
        if not self.course.options.final_lock:
            return
        missing = self._open_modules(actor, self.book.passed_quizzes(learner))
        if missing:
            names = ", ".join(f"'{m.title}'" for m in missing)
            raise Refusal(409, f"De eindtoets is nog niet open: rond eerst alle modules af (nog niet af: {names}).")

    # ------------------------------------------------------------------ submit

    def submit(self, attempt_id: str, body: object) -> dict[str, Any]:
        """``POST /leerpad/v1/attempts/<id>/responses``: the score; a repeat returns the first."""
        attempt_id = _uuid(attempt_id, "attempt")
        attempt = self.book.get(attempt_id)
        if attempt is None:
            raise _bad(f"onbekende poging (attempt) {attempt_id}: start eerst een poging")
        if attempt.result is not None:
            return attempt.result
        quiz = self.course.quizzes.get(attempt.quiz)
        if quiz is None:
            raise _bad(f"de toets '{attempt.quiz}' van deze poging bestaat niet meer")
        data = _body(body)
        drawn_questions: list[str] = list(attempt.start["plan"]["questions"])
        versions = self._scorable(quiz, attempt.start["plan"], data.get("responses"))
        questions = [q for q in drawn_questions if q in versions]
        if not questions:  # nothing to score: the attempt stays open, to be drawn again (start's renew)
            raise _bad(_GONE_ALL)
        responses = self._responses(quiz, drawn_questions, versions, data.get("responses"))
        durations = self._durations(quiz, drawn_questions, data.get("durations"))
        started = datetime.fromtimestamp(attempt.started / 1_000_000, tz=UTC)
        moment = self._moment(data.get("timestamp"), started)

        outcomes = {q: (q in responses and score_response(versions[q].key, responses[q])) for q in questions}
        raw = sum(1 for ok in outcomes.values() if ok)
        maximum = len(questions)
        scaled = round(raw / maximum, 4)
        success = raw >= quiz.key.pass_mark * maximum - 1e-9
        score = {"scaled": scaled, "raw": raw, "min": 0, "max": maximum}
        result = {
            "attempt": attempt_id,
            "attempts_left": self._left(quiz, attempt.learner),
            "score": score,
            "success": success,
            "questions": {
                q: self._question_result(quiz, versions[q].key, outcomes[q], responses.get(q)) for q in questions
            },
        }
        left_out = len(drawn_questions) - len(questions)
        if left_out:
            result["notice"] = _gone(left_out)
        actor = attempt.start["actor"]
        says = Attribution(
            self.course,
            actor=actor,
            registration=attempt.start["registration"],
            identity_source=attempt.start.get("identity_source", self.identity_source),
            profession=attempt.start.get("profession"),
            timestamp=moment.isoformat(),
            attempt=attempt_id,
            number=attempt.number,
        )
        statements = [
            says.answered(quiz, q, versions[q].definition, responses.get(q), outcomes[q], durations.get(q))
            for q in questions
        ]
        statements.append(says.graded(quiz, score, success, moment - started))
        # Asked before the transaction: a module without toetsen is done by the LRS's word.
        modules_open: list[ScoredModule] = []
        if success:
            modules_open = self._open_modules(actor, self.book.passed_quizzes(attempt.learner) | {quiz.id})

        with self.book.claiming(attempt_id, result, success) as claim:
            if claim is None:  # another tab or a resend got there first
                first = self.book.get(attempt_id)
                return first.result if first is not None and first.result is not None else result
            if success:
                statements += self._milestones(claim, quiz, says, attempt.learner, modules_open)
            claim.statements = statements
        self._deliver(attempt_id, statements)
        return result

    def _milestones(
        self, claim: Claim, quiz: ScoredQuiz, says: Attribution, learner: str, modules_open: list[ScoredModule]
    ) -> list[dict[str, Any]]:
        statements: list[dict[str, Any]] = []
        passed = claim.passed_quizzes(learner)
        module = self.course.modules.get(quiz.key.module)
        if module is not None and all(q in passed for q in module.quizzes) and claim.first_time(learner, module.iri):
            statements += says.module_done(module)
        # The course is done once the final test and every module are: decided by whichever
        # passing submit sees that first. Without the final-test lock the final test may come
        # before the last module's toets, or be submitted at the same moment as it (the
        # learner's submits take turns, in either order): the course must not depend on which.
        if any(f.id in passed for f in self.course.final_quizzes()):
            still_open = [m for m in modules_open if m.quizzes and not all(q in passed for q in m.quizzes)]
            still_open += [m for m in modules_open if not m.quizzes]
            if not still_open and claim.first_time(learner, self.course.iri):
                statements += says.course_done()
        return statements

    def _scorable(self, quiz: ScoredQuiz, plan: dict[str, Any], responses: object) -> dict[str, QuestionVersion]:
        """The drawn questions this submit scores, each in the version the attempt drew.

        A question the course no longer has counts only when the learner answered it (a
        learner who reloaded the page after the update no longer saw it); one whose
        version is known neither to the attempt (an older scorer's) nor to the course
        counts not at all.
        """
        answered = responses if isinstance(responses, Mapping) else {}
        kept = self.book.versions((plan.get("versions") or {}).values())
        return {
            qid: version
            for qid, version in of_attempt(quiz, plan, kept).items()
            if version is not None and (bool(answered.get(qid)) or is_current(quiz, qid))
        }

    def _responses(
        self, quiz: ScoredQuiz, questions: list[str], versions: Mapping[str, QuestionVersion], value: object
    ) -> dict[str, str]:
        if value is None:
            value = {}
        if not isinstance(value, Mapping):
            raise _bad('\'responses\' moet een object zijn: {"<vraag-id>": "<xAPI-response>"}')
        responses: dict[str, str] = {}
        for qid, response in value.items():
            self._in_attempt(quiz, questions, qid)
            if not isinstance(response, str):
                raise _bad(f"vraag '{qid}': het antwoord moet een tekst zijn (xAPI-response)")
            version = versions.get(qid)
            if version is None:  # gone from the attempt and the course: nothing to score it with
                continue
            try:
                score_response(version.key, response)
            except ResponseError as error:
                raise _bad(f"vraag '{qid}': het antwoord past niet bij het vraagtype: {error}") from None
            responses[qid] = response
        return responses

    def _in_attempt(self, quiz: ScoredQuiz, questions: list[str], qid: str) -> None:
        if qid not in questions:
            if qid in quiz.key.questions:
                raise _bad(f"vraag '{qid}' hoort niet bij deze poging")
            raise _bad(f"onbekende vraag '{qid}' in toets '{quiz.id}' (of een vraag die niet meetelt)")

    def _durations(self, quiz: ScoredQuiz, questions: list[str], value: object) -> dict[str, str]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise _bad('\'durations\' moet een object zijn: {"<vraag-id>": "PT12S"}')
        for qid, duration in value.items():
            self._in_attempt(quiz, questions, qid)
            if not isinstance(duration, str) or not _DURATION.match(duration):
                raise _bad(f"vraag '{qid}': duur {duration!r} is geen ISO 8601-duur (bv. PT12.5S)")
        return {str(k): str(v) for k, v in value.items()}

    @staticmethod
    def _moment(value: object, started: datetime) -> datetime:
        """The learner's submit time when it lies between the start and now, else now."""
        now = datetime.now(tz=UTC)
        if value is None:
            return now
        if not isinstance(value, str):
            raise _bad("'timestamp' moet een ISO 8601-tijd zijn")
        try:
            moment = parse_time(value)
        except ValueError:
            raise _bad(f"'timestamp' {value!r} is geen ISO 8601-tijd") from None
        if started - timedelta(seconds=1) <= moment <= now:
            return moment.astimezone(UTC)
        return now

    def _question_result(
        self, quiz: ScoredQuiz, key: QuestionKey, success: bool, response: str | None
    ) -> dict[str, Any]:
        if quiz.key.final and not self.course.options.final_feedback:
            return {"success": success}
        parts: list[str] = []
        if response and key.type in ("single", "multiple", "true-false"):
            chosen = response.split("[,]")
            parts += [key.feedback[o] for o in key.options if o in chosen and o in key.feedback]
        if "*" in key.feedback:
            parts.append(key.feedback["*"])
        return {"success": success, "feedback": "\n\n".join(parts)}

    # ---------------------------------------------------------------- delivery

    def _deliver(self, attempt_id: str, statements: list[dict[str, Any]]) -> None:
        """Deliver one submit's statements now; when the LRS does not take them, they wait."""
        try:
            self.delivery.deliver(statements)
        except DeliveryError as error:
            log.warning("statements of attempt %s wait for the LRS: %s", attempt_id, error)
            self._behind = True
            return
        self.book.delivered(attempt_id)
        if self._behind:  # the LRS takes statements again: send what waited
            self._behind = False
            self.deliver_pending()

    def deliver_pending(self) -> int:
        """Deliver the statements of submitted attempts still waiting; return how many attempts."""
        with self._delivering:
            return self._deliver_pending()

    def _deliver_pending(self) -> int:
        done = 0
        for attempt_id, statements in self.book.pending():
            try:
                self.delivery.deliver(statements)
            except DeliveryError as error:
                log.warning("statements of attempt %s wait for the LRS: %s", attempt_id, error)
                break
            self.book.delivered(attempt_id)
            done += 1
        return done
