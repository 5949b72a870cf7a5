"""Item analysis as Moodle's quiz statistics compute it (classical test theory).

Written from the formulas of Moodle's question statistics calculator
(``question/classes/statistics/questions/calculator.php``) and quiz statistics
calculator (``mod/quiz/report/statistics/classes/calculator.php``); every
variance and covariance divides by ``s - 1``. For each question, over the
attempts of the chosen set that contain it (``s`` attempts, marks ``x``, the
rest of the test ``y = attempt total - x``):

- facility index ``F = 100 * mean(x) / max mark``;
- discrimination index ``D = 100 * cov(x, y) / sqrt(var(x) * var(y))``;
- discriminative efficiency ``E = 100 * cov(x, y) / cov_max``, where ``cov_max``
  pairs the sorted ``x`` with the sorted ``y`` (the largest covariance these
  marks could have);
- per quiz, the coefficient of internal consistency (Cronbach's alpha)
  ``100 * p / (p - 1) * (1 - sum(var(x_i)) / var(total))`` with ``p`` questions,
  computed by Moodle only for more than two attempts.

Attempt sets (Moodle's "calculate statistics from"): ``first``, ``best`` (the
highest total; the earliest of equals), ``last`` and ``all``. A quiz that draws
questions from a pool has no single question set: its questions are analysed
over the attempts that drew them, and alpha per position (the n-th question of an
attempt), as Moodle computes it for random questions.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

ATTEMPT_SETS = ("first", "best", "last", "all")

# Thresholds for flagging questions (docs/trainers.md explains them).
TOO_EASY = 90.0  # facility index, %
TOO_HARD = 20.0
WEAK_DISCRIMINATION = 20.0  # discrimination index, %
LOW_EFFICIENCY = 15.0  # discriminative efficiency, % (Moodle marks such questions dubious)


class Scored(Protocol):
    """What item analysis needs of an attempt (``cohort.Attempt`` has it)."""

    @property
    def learner(self) -> str: ...  # noqa: D102

    @property
    def number(self) -> int | None: ...  # noqa: D102

    @property
    def marks(self) -> dict[str, float]: ...  # noqa: D102

    @property
    def responses(self) -> dict[str, str]: ...  # noqa: D102


@dataclass
class QuestionStats:
    """One question's statistics; None where Moodle leaves the cell empty."""

    id: str
    s: int
    facility: float | None
    sd: float | None
    discrimination: float | None
    efficiency: float | None
    variance: float | None
    responses: dict[str, int] = field(default_factory=dict)

    @property
    def flags(self) -> list[str]:
        """Why the question may not work (Dutch, for the trainer)."""
        found: list[str] = []
        if self.facility is not None and self.facility >= TOO_EASY:
            found.append("te makkelijk")
        if self.facility is not None and self.facility <= TOO_HARD:
            found.append("te moeilijk")
        if self.discrimination is not None and self.discrimination < 0:
            found.append("negatieve discriminatie")
        elif self.discrimination is not None and self.discrimination < WEAK_DISCRIMINATION:
            found.append("zwakke discriminatie")
        if self.efficiency is not None and self.efficiency < LOW_EFFICIENCY:
            found.append("lage discriminatie-efficiëntie")
        return found

    def shares(self) -> list[tuple[str, float]]:
        """Share of the attempts that chose each option, most chosen first."""
        if not self.s:
            return []
        return sorted(((o, n / self.s) for o, n in self.responses.items()), key=lambda x: (-x[1], x[0]))


@dataclass
class QuizStats:
    """A quiz's statistics for one attempt set."""

    quiz: str
    attempt_set: str
    attempts: int
    mean: float | None
    sd: float | None
    alpha: float | None
    questions: list[QuestionStats]


def choose(attempts: Sequence[Scored], attempt_set: str) -> list[Scored]:
    """The attempts of one set, as Moodle chooses them per learner.

    ``attempts`` must be in time order per learner (``Cohort.scored_attempts``).
    """
    if attempt_set == "all":
        return list(attempts)
    if attempt_set not in ATTEMPT_SETS:
        raise ValueError(f"onbekende pogingenset {attempt_set!r}: kies {', '.join(ATTEMPT_SETS)}")
    chosen: dict[str, Scored] = {}
    for attempt in attempts:
        held = chosen.get(attempt.learner)
        better = held is not None and sum(attempt.marks.values()) > sum(held.marks.values())
        if held is None or attempt_set == "last" or (attempt_set == "best" and better):
            chosen[attempt.learner] = attempt
    return list(chosen.values())


def _variance(values: Sequence[float], mean: float) -> float:
    return sum((v - mean) ** 2 for v in values) / (len(values) - 1)


def question_stats(question: str, attempts: Iterable[Scored], split_options: bool = True) -> QuestionStats:
    """Facility, SD, discrimination index and efficiency of one question (max mark 1)."""
    marks: list[float] = []
    rests: list[float] = []
    responses: dict[str, int] = {}
    for attempt in attempts:
        if question not in attempt.marks:
            continue
        mark = attempt.marks[question]
        marks.append(mark)
        rests.append(sum(attempt.marks.values()) - mark)
        response = attempt.responses.get(question)
        if response is not None:
            for option in response.split("[,]") if split_options else [response]:
                responses[option] = responses.get(option, 0) + 1
    s = len(marks)
    if s == 0:
        return QuestionStats(question, 0, None, None, None, None, None, responses)
    mean_x = sum(marks) / s
    facility = 100.0 * mean_x
    if s < 2:
        return QuestionStats(question, s, facility, None, None, None, None, responses)
    mean_y = sum(rests) / s
    var_x = _variance(marks, mean_x)
    var_y = _variance(rests, mean_y)
    cov = sum((x - mean_x) * (y - mean_y) for x, y in zip(marks, rests, strict=True)) / (s - 1)
    cov_max = sum(
        (x - mean_x) * (y - mean_y) for x, y in zip(sorted(marks), sorted(rests), strict=True)
    ) / (s - 1)
    discrimination = 100.0 * cov / math.sqrt(var_x * var_y) if var_x * var_y else None
    efficiency = 100.0 * cov / cov_max if cov_max else None
    sd = math.sqrt(var_x)
    return QuestionStats(question, s, facility, sd, discrimination, efficiency, var_x, responses)


def quiz_stats(
    quiz: str,
    questions: Sequence[str],
    attempts: Sequence[Scored],
    attempt_set: str = "first",
    choice_questions: Iterable[str] | None = None,
) -> QuizStats:
    """Every question's statistics and the quiz's alpha over one attempt set.

    ``choice_questions``: the questions whose responses list chosen options
    (``a[,]c``), counted option by option; other responses (a text, an order, pairs)
    are counted whole. None: all are choice questions.
    """
    chosen = choose(attempts, attempt_set)
    split = set(questions if choice_questions is None else choice_questions)
    stats = [question_stats(q, chosen, q in split) for q in questions]
    totals = [sum(a.marks.values()) for a in chosen]
    s = len(totals)
    mean = sum(totals) / s if s else None
    sd = math.sqrt(_variance(totals, mean)) if s > 1 and mean is not None else None
    alpha = None
    sizes = {len(a.marks) for a in chosen}
    p = sizes.pop() if len(sizes) == 1 else 0
    if s > 2 and p > 1 and sd:
        if len({frozenset(a.marks) for a in chosen}) == 1:
            variances = [st.variance or 0.0 for st in stats if st.s]
        else:
            # Drawn from a pool: as Moodle does for random questions, per position
            # (the n-th question of each attempt, in the order the scorer stored them).
            columns = list(zip(*(list(a.marks.values()) for a in chosen), strict=True))
            variances = [_variance(column, sum(column) / s) for column in columns]
        alpha = 100.0 * p / (p - 1) * (1 - sum(variances) / sd**2)
    return QuizStats(quiz, attempt_set, s, mean, sd, alpha, stats)
