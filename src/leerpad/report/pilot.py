"""The pilot of the final test: does it separate colleagues who studied from those who did not?

Criterion-referenced item analysis with the pre/post difference index (Cox &
Vargas, 1966): per question, the share right after instruction minus the share
right before. No LRS field says "pre-test" or "post-test": each scored attempt of
a final test (``final: true``) is put in a group by what the learner had done in
the course's other modules (every module but the final test's own) *before* the
attempt's time, the timestamp of the scorer's passed/failed:

- ``zonder`` (zonder cursus): no other module opened yet: no statement of the
  learner about any of them (a page, a case, a toets) is older than the attempt;
- ``na`` (na de cursus): every other module done before the attempt, by the
  report's own rule (all its toetsen passed within their attempt limit, or
  ``completed`` for a module without toets; :meth:`Cohort.finish`);
- ``tijdens`` (tijdens de cursus): the rest.

Per learner and group only the learner's FIRST scored attempt in that group
counts (a retry in the same group has seen the questions); a learner who took
the test before and after the course counts in both groups. Learners whose number
appears under several names are left out, as everywhere in the report. A question
drawn from a pool counts over the counted attempts that drew it.

Flags, per question (Dutch, for the organiser): ``te weinig pogingen`` when the
``zonder`` or the ``na`` group has fewer than :data:`MIN_PER_GROUP` counted
attempts with the question; else ``onderscheidt niet`` when the difference is
below :data:`SEPARATES` (``… zonder cursus vaker juist`` when it is negative).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from leerpad.report.cohort import Attempt, Cohort, Completion, QuizInfo

GROUPS = ("zonder", "tijdens", "na")
GROUP_NAMES = {"zonder": "zonder cursus", "tijdens": "tijdens de cursus", "na": "na de cursus"}
MIN_PER_GROUP = 5  # counted attempts with the question, in the zonder and in the na group
SEPARATES = 0.20  # pre/post difference from which a question counts as separating (docs/trainers.md)

TOO_FEW = "te weinig pogingen"
NOT_SEPARATING = "onderscheidt niet"
REVERSED = "onderscheidt niet: zonder cursus vaker juist"
SEPARATING = "onderscheidt"


@dataclass(frozen=True)
class GroupResult:
    """One group's results on the final test."""

    group: str
    attempts: int  # every scored attempt in the group
    learners: int  # = counted attempts: the first one per learner
    mean: float | None  # mean score (0..1) of the counted attempts
    passed: int  # counted attempts the scorer passed (score at or above the pass mark)

    @property
    def name(self) -> str:
        """The group's Dutch name."""
        return GROUP_NAMES[self.group]

    @property
    def pass_rate(self) -> float | None:
        """Share of the counted attempts that passed."""
        return self.passed / self.learners if self.learners else None


@dataclass
class QuestionResult:
    """One question: per group, the counted attempts that drew it and how many had it right."""

    id: str
    drawn: dict[str, int] = field(default_factory=lambda: dict.fromkeys(GROUPS, 0))
    right: dict[str, int] = field(default_factory=lambda: dict.fromkeys(GROUPS, 0))

    def share(self, group: str) -> float | None:
        """Share right in a group, over the attempts that drew the question."""
        return self.right[group] / self.drawn[group] if self.drawn[group] else None

    @property
    def difference(self) -> float | None:
        """The pre/post difference index: share right na minus share right zonder."""
        after, before = self.share("na"), self.share("zonder")
        return None if after is None or before is None else after - before

    @property
    def flag(self) -> str:
        """Whether the question separates the groups (Dutch)."""
        difference = self.difference
        if difference is None or min(self.drawn["zonder"], self.drawn["na"]) < MIN_PER_GROUP:
            return TOO_FEW
        if difference < 0:
            return REVERSED
        # Rounded as the organiser reads it: a difference shown as 0,20 separates.
        return SEPARATING if round(difference, 6) >= SEPARATES else NOT_SEPARATING


@dataclass(frozen=True)
class PilotResult:
    """The pilot of one final test."""

    quiz: QuizInfo
    pass_mark: float
    groups: list[GroupResult]
    questions: list[QuestionResult]


def phase(when: datetime, opened: Iterable[datetime | None], done: Sequence[datetime | None]) -> str:
    """``zonder``, ``tijdens`` or ``na`` for an attempt at ``when``.

    ``opened``: the first access to each other module (None: never); ``done``: when
    each other module was done (None: not done).
    """
    if all(moment is not None and moment <= when for moment in done):
        return "na"
    if all(moment is None or moment >= when for moment in opened):
        return "zonder"
    return "tijdens"


def pilot(cohort: Cohort, completions: Iterable[Completion]) -> list[PilotResult]:
    """The pilot of every final test of the course (usually one)."""
    done: dict[tuple[str, str], datetime] = {(c.learner.key, c.module): c.when for c in completions if c.module}
    pass_marks = {str(q["id"]): float(q.get("pass_mark") or 0) for q in cohort.manifest.get("quizzes", [])}
    results: list[PilotResult] = []
    for quiz in cohort.quizzes.values():
        if not quiz.final:
            continue
        others = [m for m in cohort.modules if m != quiz.module]
        grouped: dict[str, list[Attempt]] = {g: [] for g in GROUPS}
        for attempt in cohort.scored_attempts(quiz.id):  # in time order per learner
            learner = cohort.learners.get(attempt.learner)
            if learner is None or learner.conflicting or attempt.when is None:
                continue
            opened = [learner.modules[m].first_access if m in learner.modules else None for m in others]
            finished = [done.get((learner.key, m)) for m in others]
            grouped[phase(attempt.when, opened, finished)].append(attempt)
        results.append(_result(quiz, pass_marks.get(quiz.id, 0.0), grouped))
    return results


def _result(quiz: QuizInfo, pass_mark: float, grouped: Mapping[str, list[Attempt]]) -> PilotResult:
    questions = {q: QuestionResult(q) for q in quiz.questions}
    groups: list[GroupResult] = []
    for group in GROUPS:
        counted: dict[str, Attempt] = {}
        for attempt in grouped[group]:
            counted.setdefault(attempt.learner, attempt)  # the first in time order
        scores = [a.scaled for a in counted.values() if a.scaled is not None]
        groups.append(GroupResult(
            group, len(grouped[group]), len(counted), sum(scores) / len(scores) if scores else None,
            sum(1 for a in counted.values() if a.passed),
        ))
        for attempt in counted.values():
            for question, mark in attempt.marks.items():
                row = questions.get(question)
                if row is None:  # not (or no longer) a scored question of the quiz
                    continue
                row.drawn[group] += 1
                row.right[group] += 1 if mark >= 1 else 0
    return PilotResult(quiz, pass_mark, groups, list(questions.values()))


GROUPS_HEADER = ["toets", "groep", "pogingen", "deelnemers", "gemiddelde_score", "geslaagd", "slaagpercentage"]
QUESTIONS_HEADER = [
    "toets", "vraag", "n_zonder", "aandeel_juist_zonder", "n_tijdens", "aandeel_juist_tijdens",
    "n_na", "aandeel_juist_na", "verschil", "signaal",
]


def _decimal(value: float | None, digits: int = 2) -> str:
    return "" if value is None else f"{value:.{digits}f}".replace(".", ",")


def group_rows(results: Iterable[PilotResult]) -> list[list[str]]:
    """``pilot-groepen.csv``: one row per final test and group (scores in %, decimal comma)."""
    return [
        [r.quiz.id, g.name, str(g.attempts), str(g.learners),
         _decimal(None if g.mean is None else 100 * g.mean, 1), str(g.passed),
         _decimal(None if g.pass_rate is None else 100 * g.pass_rate, 1)]
        for r in results for g in r.groups
    ]


def question_rows(results: Iterable[PilotResult]) -> list[list[str]]:
    """``pilot-vragen.csv``: one row per question: drawn and share right per group, difference, flag."""
    rows: list[list[str]] = []
    for result in results:
        for q in result.questions:
            cells = [result.quiz.id, q.id]
            for group in GROUPS:
                cells += [str(q.drawn[group]), _decimal(q.share(group))]
            rows.append([*cells, _decimal(q.difference), q.flag])
    return rows
