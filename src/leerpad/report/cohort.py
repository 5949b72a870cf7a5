"""Statements folded, one at a time, into learners, modules and compact attempts.

:class:`Cohort` never keeps a statement. Per learner it keeps a few dates and
sums per module; per quiz attempt (grouped by the scorer's attempt UUID) the
score and, per question, a 0/1 mark and the response (interned), which is all
item analysis needs. Rules (docs/accreditatie.md, design.md):

- a result counts only when its ``authority`` is the scorer's agent or one the
  organiser trusts (``--trust``); other results are listed as untrusted;
- a quiz is passed by a passing attempt within the quiz's attempt limit;
- a module is done when all of its quizzes are passed (its date: the last of
  those passes), or — for a module without quiz — when it is completed;
- the course is done when the final test is passed after every other module;
- voided statements never arrive (the LRS leaves them out); voiding statements
  and statements of other courses are counted and ignored; malformed ones are
  counted and listed with the reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from leerpad.xapi.profile import EXT_ATTEMPT, EXT_ATTEMPT_NUMBER, EXT_IDENTITY_SOURCE, SCORER_AGENT

ADL = "http://adlnet.gov/expapi/verbs/"
ANSWERED, PASSED, FAILED, COMPLETED = (ADL + v for v in ("answered", "passed", "failed", "completed"))
VOIDED = ADL + "voided"
RIZIV_HOME = "https://www.riziv.fgov.be"
BIG_HOME = "https://www.bigregister.nl"

_DURATION = re.compile(
    r"^P(?:(?P<d>\d+(?:\.\d+)?)D)?(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<m>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<s>\d+(?:\.\d+)?)S)?)?$"
)


def agent_key(agent: object) -> str | None:
    """One text key for an agent's inverse functional identifier, or None."""
    if not isinstance(agent, Mapping):
        return None
    for ifi in ("mbox", "mbox_sha1sum", "openid"):
        if isinstance(agent.get(ifi), str) and agent[ifi]:
            return f"{ifi}:{agent[ifi]}"
    account = agent.get("account")
    if isinstance(account, Mapping) and account.get("name") and account.get("homePage"):
        return f"account:{account['homePage']}|{account['name']}"
    return None


def authority_keys(authority: object) -> set[str]:
    """Keys of an authority: the agent, or a group and each of its members (OAuth pairs)."""
    keys: set[str] = set()
    own = agent_key(authority)
    if own:
        keys.add(own)
    if isinstance(authority, Mapping) and isinstance(authority.get("member"), list):
        for member in authority["member"]:
            key = agent_key(member)
            if key:
                keys.add(key)
    return keys


def trusted_key(text: str) -> str:
    """A ``--trust`` value as an agent key: ``mailto:…``, ``homePage|name`` or a JSON agent."""
    import json

    text = text.strip()
    if text.startswith("{"):
        key = agent_key(json.loads(text))
        if key is None:
            raise ValueError(f"--trust {text}: geen agent met mbox of account")
        return key
    if text.startswith("mailto:"):
        return f"mbox:{text}"
    if "|" in text:
        home, name = text.split("|", 1)
        return f"account:{home}|{name}"
    raise ValueError(f"--trust {text}: geef mailto:… , homePage|naam of een JSON-agent")


def parse_time(value: object) -> datetime:
    """An ISO 8601 time as an aware datetime (UTC when it has no zone)."""
    if not isinstance(value, str):
        raise ValueError("geen tijd")
    text = value.strip().replace("Z", "+00:00")
    if "." in text:  # Python takes at most 6 fractional digits
        head, _, tail = text.partition(".")
        digits = re.match(r"\d*", tail)
        frac = digits.group(0) if digits else ""
        text = f"{head}.{frac[:6].ljust(6, '0')}{tail[len(frac):]}"
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def duration_seconds(value: object) -> float:
    """Seconds of an ISO 8601 duration as xAPI uses it (``PT1M30S``); 0 when unreadable."""
    if not isinstance(value, str):
        return 0.0
    match = _DURATION.match(value.strip())
    if not match:
        return 0.0
    parts = {k: float(v) for k, v in match.groupdict().items() if v}
    return parts.get("d", 0) * 86400 + parts.get("h", 0) * 3600 + parts.get("m", 0) * 60 + parts.get("s", 0)


@dataclass(frozen=True)
class Issue:
    """A statement listed, not counted: untrusted, malformed or out of the rules."""

    kind: str  # "niet vertrouwd", "onvolledig", "buiten pogingen", …
    statement: str
    reason: str


@dataclass(slots=True)
class Attempt:
    """One quiz attempt, compact: what the score and item analysis need."""

    quiz: str
    learner: str
    uuid: str
    number: int | None = None
    when: datetime | None = None
    passed: bool | None = None
    scaled: float | None = None
    statement: str = ""
    marks: dict[str, float] = field(default_factory=dict)
    responses: dict[str, str] = field(default_factory=dict)

    @property
    def scored(self) -> bool:
        """The scorer wrote the quiz's passed or failed for this attempt."""
        return self.passed is not None


@dataclass(slots=True)
class ModuleState:
    """What one learner did in one module."""

    first_access: datetime | None = None
    completed: datetime | None = None  # module without quiz: its first `completed`
    completed_statement: str = ""
    seconds: float = 0.0


@dataclass(slots=True)
class Learner:
    """One actor (account or mbox), with every name it was seen under."""

    key: str
    names: dict[str, str] = field(default_factory=dict)  # normalised name -> as written
    profession: str = ""
    identity_sources: set[str] = field(default_factory=set)
    modules: dict[str, ModuleState] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The name (the first one seen)."""
        return next(iter(self.names.values()), "")

    @property
    def conflicting(self) -> bool:
        """The same number or address under more than one name."""
        return len(self.names) > 1

    @property
    def number(self) -> str:
        """The RIZIV or BIG number, or the e-mail address."""
        return self.key.split("|", 1)[1] if self.key.startswith("account:") else self.key.split(":", 1)[-1]

    @property
    def register(self) -> str:
        """``riziv``, ``big`` or ``mbox``: where the number comes from."""
        if self.key.startswith(f"account:{RIZIV_HOME}|"):
            return "riziv"
        if self.key.startswith(f"account:{BIG_HOME}|"):
            return "big"
        return "mbox" if self.key.startswith("mbox:") else "andere"

    def module(self, module_id: str) -> ModuleState:
        """This learner's state in a module (created on first use)."""
        state = self.modules.get(module_id)
        if state is None:
            state = self.modules[module_id] = ModuleState()
        return state


@dataclass(frozen=True)
class QuizInfo:
    """What the cohort needs of a quiz in course.json."""

    id: str
    module: str
    attempts: int
    final: bool
    questions: tuple[str, ...]
    title: str = ""
    choice: frozenset[str] = frozenset()  # questions whose response lists chosen options


class Cohort:
    """Aggregates of one course, fed one statement at a time with :meth:`add`."""

    def __init__(self, manifest: Mapping[str, Any], trusted: Iterable[str] = ()) -> None:
        """Index the course's activity ids from ``manifest`` (course.json's shape)."""
        self.manifest = manifest
        self.iri = str(manifest["iri"]).rstrip("/")
        self.prefix = self.iri + "/"
        self.trusted = {agent_key(SCORER_AGENT) or "", *trusted}
        self.modules: dict[str, dict[str, Any]] = {m["id"]: m for m in manifest.get("modules", [])}
        self.module_by_iri = {m["iri"]: m["id"] for m in manifest.get("modules", [])}
        self.quizzes: dict[str, QuizInfo] = {}
        self.quiz_by_iri: dict[str, str] = {}
        self.question_by_iri: dict[str, tuple[str, str]] = {}
        for quiz in manifest.get("quizzes", []):
            scored = tuple(q["id"] for q in quiz.get("questions", []) if q.get("scored", True))
            choice = frozenset(q["id"] for q in quiz.get("questions", []) if q.get("type") in ("single", "multiple"))
            self.quizzes[quiz["id"]] = QuizInfo(
                quiz["id"], quiz.get("module") or "", int(quiz.get("attempts") or 0),
                bool(quiz.get("final")), scored, str(quiz.get("title", "")), choice,
            )
            self.quiz_by_iri[quiz["iri"]] = quiz["id"]
            for question in quiz.get("questions", []):
                self.question_by_iri[question["iri"]] = (quiz["id"], question["id"])
        self.case_modules = {c["iri"]: list(c.get("modules", [])) for c in manifest.get("cases", [])}
        self.learners: dict[str, Learner] = {}
        self.attempts: dict[str, Attempt] = {}
        self.issues: list[Issue] = []
        self.choices: dict[tuple[str, str], dict[str, str]] = {}  # (quiz, question) -> option id -> text
        self._strings: dict[str, str] = {}
        self.read = 0
        self.other_course = 0
        self.voiding = 0
        self.untrusted_answers = 0

    # ----------------------------------------------------------------- reading

    def add(self, statement: Mapping[str, Any]) -> None:
        """Fold one statement into the aggregates; never raises on bad input."""
        self.read += 1
        if not isinstance(statement, Mapping):
            self._issue("onvolledig", "(zonder id)", "geen statement (geen JSON-object)")
            return
        ident = statement.get("id")
        ident = ident if isinstance(ident, str) else "(zonder id)"
        try:
            self._add(statement, ident)
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            self._issue("onvolledig", ident, f"onleesbaar: {type(error).__name__}: {error}")

    def _issue(self, kind: str, ident: str, reason: str) -> None:
        self.issues.append(Issue(kind, ident, reason))

    def _add(self, statement: Mapping[str, Any], ident: str) -> None:
        verb_id = _mapping(statement.get("verb")).get("id")
        if verb_id == VOIDED:
            self.voiding += 1
            return
        object_id = _mapping(statement.get("object")).get("id")
        context = _mapping(statement.get("context"))
        context_ids = _context_ids(context)
        ours = isinstance(object_id, str) and (object_id == self.iri or object_id.startswith(self.prefix))
        if not ours and self.iri not in context_ids:
            self.other_course += 1
            return
        if ident == "(zonder id)":
            self._issue("onvolledig", ident, "statement zonder id")
            return
        if not isinstance(verb_id, str):
            self._issue("onvolledig", ident, "verb zonder id")
            return
        if not isinstance(object_id, str):
            self._issue("onvolledig", ident, "object zonder id")
            return
        actor = _mapping(statement.get("actor"))
        key = agent_key(actor)
        if key is None:
            self._issue("onvolledig", ident, "actor zonder account of mbox")
            return
        try:
            when = parse_time(statement.get("timestamp"))
        except ValueError:
            self._issue("onvolledig", ident, "timestamp ontbreekt of is onleesbaar")
            return
        learner = self._learner(key, actor, context)
        module_id = self._module_of(object_id, context_ids)
        result = _mapping(statement.get("result"))
        if module_id is not None:
            state = learner.module(module_id)
            if state.first_access is None or when < state.first_access:
                state.first_access = when
            if verb_id != ANSWERED and "duration" in result:
                state.seconds += duration_seconds(result.get("duration"))
        trusted = bool(authority_keys(statement.get("authority")) & self.trusted)
        extensions = _mapping(context.get("extensions"))
        if trusted and isinstance(extensions.get(EXT_IDENTITY_SOURCE), str):
            learner.identity_sources.add(extensions[EXT_IDENTITY_SOURCE])
        if verb_id == ANSWERED and object_id in self.question_by_iri:
            self._answered(statement, ident, learner, object_id, result, extensions, trusted)
        elif verb_id in (PASSED, FAILED) and object_id in self.quiz_by_iri:
            self._quiz_result(ident, learner, object_id, verb_id, result, extensions, trusted, when)
        elif verb_id in (PASSED, FAILED, COMPLETED) and (object_id in self.module_by_iri or object_id == self.iri):
            self._module_result(ident, learner, object_id, verb_id, trusted, when)

    def _learner(self, key: str, actor: Mapping[str, Any], context: Mapping[str, Any]) -> Learner:
        learner = self.learners.get(key)
        if learner is None:
            learner = self.learners[key] = Learner(key)
        name = actor.get("name")
        if isinstance(name, str) and name.strip():
            normal = " ".join(name.split()).casefold()
            if normal not in learner.names:
                learner.names[normal] = " ".join(name.split())
        extensions = context.get("extensions")
        if isinstance(extensions, Mapping):
            profession = extensions.get(f"{self.iri}/extension/beroep")
            if isinstance(profession, str) and profession:
                learner.profession = profession
        return learner

    def _module_of(self, object_id: str, context_ids: set[str]) -> str | None:
        if object_id in self.module_by_iri:
            return str(self.module_by_iri[object_id])
        if object_id in self.quiz_by_iri:
            return self.quizzes[self.quiz_by_iri[object_id]].module or None
        if object_id in self.question_by_iri:
            return self.quizzes[self.question_by_iri[object_id][0]].module or None
        for activity in context_ids:
            if activity in self.module_by_iri:
                return str(self.module_by_iri[activity])
        modules = self.case_modules.get(object_id)
        return modules[0] if modules and len(modules) == 1 else None

    def _attempt(self, quiz: str, learner: str, uuid: str) -> Attempt:
        attempt = self.attempts.get(uuid)
        if attempt is None:
            attempt = self.attempts[uuid] = Attempt(quiz, learner, uuid)
        return attempt

    def _intern(self, text: str) -> str:
        return self._strings.setdefault(text, text)

    def _answered(
        self,
        statement: Mapping[str, Any],
        ident: str,
        learner: Learner,
        object_id: str,
        result: Mapping[str, Any],
        extensions: Mapping[str, Any],
        trusted: bool,
    ) -> None:
        if not trusted:
            self.untrusted_answers += 1
            return
        quiz, question = self.question_by_iri[object_id]
        uuid = extensions.get(EXT_ATTEMPT)
        if not isinstance(uuid, str) or not isinstance(result.get("success"), bool):
            self._issue("onvolledig", ident, "answered zonder poging (attempt) of zonder success")
            return
        attempt = self._attempt(quiz, learner.key, uuid.lower())
        attempt.marks[self._intern(question)] = 1.0 if result["success"] else 0.0
        response = result.get("response")
        if isinstance(response, str):
            attempt.responses[question] = self._intern(response)
        if (quiz, question) not in self.choices:
            obj = statement.get("object")
            definition = obj.get("definition") if isinstance(obj, Mapping) else None
            self.choices[(quiz, question)] = _choice_texts(definition)

    def _quiz_result(
        self,
        ident: str,
        learner: Learner,
        object_id: str,
        verb_id: str,
        result: Mapping[str, Any],
        extensions: Mapping[str, Any],
        trusted: bool,
        when: datetime,
    ) -> None:
        quiz = self.quiz_by_iri[object_id]
        verb = verb_id.rsplit("/", 1)[-1]
        if not trusted:
            self._issue("niet vertrouwd", ident, f"{verb} van toets {quiz} door {learner.number}: andere authority")
            return
        uuid = extensions.get(EXT_ATTEMPT)
        number = extensions.get(EXT_ATTEMPT_NUMBER)
        score = result.get("score")
        scaled = score.get("scaled") if isinstance(score, Mapping) else None
        if not isinstance(uuid, str) or not isinstance(scaled, int | float) or isinstance(scaled, bool):
            self._issue("onvolledig", ident, f"{verb} van toets {quiz} zonder poging of score")
            return
        attempt = self._attempt(quiz, learner.key, uuid.lower())
        attempt.passed = verb_id == PASSED
        attempt.scaled = float(scaled)
        attempt.number = number if isinstance(number, int) and not isinstance(number, bool) else None
        attempt.when = when
        attempt.statement = ident

    def _module_result(
        self, ident: str, learner: Learner, object_id: str, verb_id: str, trusted: bool, when: datetime
    ) -> None:
        verb = verb_id.rsplit("/", 1)[-1]
        if object_id == self.iri:
            if not trusted:
                self._issue("niet vertrouwd", ident, f"{verb} van de cursus door {learner.number}: andere authority")
            return  # the report decides course completion from the quizzes itself
        module_id = self.module_by_iri[object_id]
        has_quiz = any(q.module == module_id for q in self.quizzes.values())
        if has_quiz:
            if not trusted:
                self._issue(
                    "niet vertrouwd", ident, f"{verb} van module {module_id} door {learner.number}: andere authority"
                )
            return
        if verb_id == COMPLETED:
            state = learner.module(module_id)
            if state.completed is None or when < state.completed:
                state.completed, state.completed_statement = when, ident

    # ------------------------------------------------------------------ results

    def scored_attempts(self, quiz: str | None = None) -> list[Attempt]:
        """Attempts the scorer scored (passed/failed), by learner, then time."""
        found = [a for a in self.attempts.values() if a.scored and (quiz is None or a.quiz == quiz)]
        return sorted(found, key=lambda a: (a.learner, a.when or _EPOCH, a.number or 0))

    def finish(self) -> list[Completion]:
        """Every module and course completion, after all statements were added.

        Learners whose number appears under several names are reported as issues and
        left out (never merged silently). Passes beyond the attempt limit are listed.
        """
        by_learner: dict[str, dict[str, list[Attempt]]] = {}
        for attempt in self.scored_attempts():
            by_learner.setdefault(attempt.learner, {}).setdefault(attempt.quiz, []).append(attempt)
        completions: list[Completion] = []
        for learner in sorted(self.learners.values(), key=lambda x: x.key):
            if learner.conflicting:
                names = " / ".join(learner.names.values())
                self._issue("identiteit", learner.key, f"{learner.number} onder meer dan één naam: {names}")
                continue
            completions.extend(self._completions(learner, by_learner.get(learner.key, {})))
        return completions

    def _first_valid_pass(self, quiz: QuizInfo, attempts: list[Attempt]) -> Attempt | None:
        for attempt in attempts:
            if not attempt.passed:
                continue
            if quiz.attempts and (attempt.number is None or attempt.number > quiz.attempts):
                self._issue(
                    "buiten pogingen", attempt.statement,
                    f"geslaagd in poging {attempt.number} van toets {quiz.id} (max. {quiz.attempts})",
                )
                continue
            return attempt
        return None

    def _completions(self, learner: Learner, attempts: dict[str, list[Attempt]]) -> list[Completion]:
        done: dict[str, Completion] = {}
        final: QuizInfo | None = None
        for module_id in self.modules:
            quizzes = [q for q in self.quizzes.values() if q.module == module_id]
            if any(q.final for q in quizzes):
                final = next(q for q in quizzes if q.final)
            state = learner.modules.get(module_id, ModuleState())
            if not quizzes:
                if state.completed is None:
                    continue
                done[module_id] = Completion(learner, module_id, state.completed, state.completed_statement)
                continue
            found = [self._first_valid_pass(q, attempts.get(q.id, [])) for q in quizzes]
            passes = [p for p in found if p is not None]
            if len(passes) < len(quizzes):
                continue
            last = max(passes, key=lambda p: p.when or _EPOCH)
            done[module_id] = Completion(learner, module_id, last.when or _EPOCH, last.statement)
        if final is not None:
            others = [d.when for m, d in done.items() if m != final.module]
            needed = [m for m in self.modules if m != final.module]
            module_done = done.get(final.module)
            if module_done is not None and len(others) == len(needed):
                latest = max(others, default=_EPOCH)
                passes = [
                    a for a in attempts.get(final.id, [])
                    if a.passed and (not final.attempts or (a.number or 0) <= final.attempts)
                ]
                after = [a for a in passes if (a.when or _EPOCH) >= latest]
                if after:
                    first = after[0]
                    done[""] = Completion(learner, "", first.when or _EPOCH, first.statement)
        return list(done.values())


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Completion:
    """A learner completed a module (``module`` = its id) or the course (``module`` = "")."""

    learner: Learner
    module: str
    when: datetime
    statement: str  # the statement that completed it (the last pass), for the certificate code


def _mapping(value: object) -> Mapping[str, Any]:
    """``value`` when it is a JSON object, else an empty one (bad input never raises)."""
    return value if isinstance(value, Mapping) else {}


def _context_ids(context: Mapping[str, Any]) -> set[str]:
    ids: set[str] = set()
    activities = context.get("contextActivities")
    if not isinstance(activities, Mapping):
        return ids
    for value in activities.values():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, Mapping) and isinstance(item.get("id"), str):
                ids.add(item["id"])
    return ids


def _choice_texts(definition: object) -> dict[str, str]:
    """Option id -> text of an interaction definition (choices, source/target, scale)."""
    texts: dict[str, str] = {}
    if not isinstance(definition, Mapping):
        return texts
    for component in ("choices", "source", "target", "scale", "steps"):
        for item in definition.get(component) or []:
            if isinstance(item, Mapping) and isinstance(item.get("id"), str):
                description = item.get("description")
                text = next(iter(description.values()), "") if isinstance(description, Mapping) else ""
                texts[item["id"]] = str(text)
    return texts
