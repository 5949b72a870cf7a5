"""Item statistics against values computed by hand (Moodle's formulas, see items.py).

Five learners, first attempts, three questions (1 = right):

    learner  q1 q2 q3  total
    l1        1  1  1    3
    l2        1  1  0    2
    l3        1  0  0    1
    l4        0  1  0    1
    l5        0  0  0    0

q1: marks x = 1,1,1,0,0 (mean 0.6), rest y = 2,1,0,1,0 (mean 0.8);
    var x = 1.2/4 = 0.3; var y = 2.8/4 = 0.7; cov = 0.6/4 = 0.15;
    D = 100 * 0.15 / sqrt(0.3 * 0.7) = 32.733; sorted pairs give cov_max = 1.6/4 = 0.4,
    E = 100 * 0.15 / 0.4 = 37.5; facility 60 %; SD sqrt(0.3) = 0.5477.
q2: x = 1,1,0,1,0, y = 2,1,1,0,0: the same sums, D = 32.733, E = 37.5.
q3: x = 1,0,0,0,0 (mean 0.2), y = 2,2,1,1,0 (mean 1.2); var x = 0.8/4 = 0.2,
    var y = 2.8/4 = 0.7, cov = 0.8/4 = 0.2: D = 100 * 0.2 / sqrt(0.14) = 53.452;
    cov_max = 0.8/4 = 0.2: E = 100; facility 20 % (flagged too hard).
Totals 3,2,1,1,0: mean 1.4, var 5.2/4 = 1.3; alpha = 100 * 3/2 * (1 - 0.8/1.3) = 57.692.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from leerpad.report.items import choose, question_stats, quiz_stats


@dataclass
class A:
    learner: str
    number: int
    marks: dict[str, float]
    responses: dict[str, str] = field(default_factory=dict)


ROWS = {"l1": (1, 1, 1), "l2": (1, 1, 0), "l3": (1, 0, 0), "l4": (0, 1, 0), "l5": (0, 0, 0)}
FIRST = [A(who, 1, dict(zip(("q1", "q2", "q3"), map(float, m), strict=True))) for who, m in ROWS.items()]


def test_question_statistics_match_hand_computation() -> None:
    stats = quiz_stats("t", ["q1", "q2", "q3"], FIRST, "first")
    q1, q2, q3 = stats.questions
    assert (q1.s, q1.facility) == (5, pytest.approx(60.0))
    assert q1.sd == pytest.approx(0.547723, abs=1e-6)
    assert q1.discrimination == pytest.approx(32.7327, abs=1e-4)
    assert q1.efficiency == pytest.approx(37.5)
    assert (q2.discrimination, q2.efficiency) == (pytest.approx(32.7327, abs=1e-4), pytest.approx(37.5))
    assert q3.facility == pytest.approx(20.0)
    assert q3.discrimination == pytest.approx(53.4522, abs=1e-4)
    assert q3.efficiency == pytest.approx(100.0)
    assert stats.alpha == pytest.approx(57.6923, abs=1e-4)
    assert stats.mean == pytest.approx(1.4)
    assert q1.flags == [] and q3.flags == ["te moeilijk"]


def test_attempt_sets_choose_as_moodle() -> None:
    # l5 tries again and gets everything right; l1 tries again and gets nothing.
    again = [A("l5", 2, {"q1": 1.0, "q2": 1.0, "q3": 1.0}), A("l1", 2, {"q1": 0.0, "q2": 0.0, "q3": 0.0})]
    attempts = sorted(FIRST + again, key=lambda a: (a.learner, a.number))
    assert {(a.learner, a.number) for a in choose(attempts, "first")} == {(w, 1) for w in ROWS}
    assert {(a.learner, a.number) for a in choose(attempts, "last")} == {
        ("l1", 2), ("l2", 1), ("l3", 1), ("l4", 1), ("l5", 2)}
    assert {(a.learner, a.number) for a in choose(attempts, "best")} == {
        ("l1", 1), ("l2", 1), ("l3", 1), ("l4", 1), ("l5", 2)}
    assert len(choose(attempts, "all")) == 7
    # last set: q3 right for l5 only (l1's second attempt is all wrong): facility 20 %
    assert question_stats("q3", choose(attempts, "last")).facility == pytest.approx(20.0)
    # best set: q3 right for l1 and l5: 40 %
    assert question_stats("q3", choose(attempts, "best")).facility == pytest.approx(40.0)


def test_flags_and_empty_cells() -> None:
    easy = [A(f"l{i}", 1, {"q": 1.0, "r": float(i % 2)}) for i in range(6)]
    stats = question_stats("q", easy)
    assert stats.facility == 100.0
    assert stats.discrimination is None and stats.efficiency is None  # no variance: Moodle leaves it empty
    assert stats.flags == ["te makkelijk"]
    reversed_item = [A(f"l{i}", 1, {"q": float(i < 2), "r": float(i >= 2), "s": float(i >= 2)}) for i in range(5)]
    assert "negatieve discriminatie" in question_stats("q", reversed_item).flags
    assert quiz_stats("t", ["q"], easy[:2]).alpha is None  # Moodle computes alpha for more than two attempts


def test_option_shares_count_each_chosen_option() -> None:
    attempts = [
        A("l1", 1, {"q": 1.0}, {"q": "a[,]b"}),
        A("l2", 1, {"q": 0.0}, {"q": "a"}),
        A("l3", 1, {"q": 0.0}, {"q": "c"}),
        A("l4", 1, {"q": 0.0}, {"q": "a"}),
    ]
    assert question_stats("q", attempts).shares() == [("a", 0.75), ("b", 0.25), ("c", 0.25)]
    # a sequencing or matching response is one answer, not a list of options
    whole = quiz_stats("t", ["q"], attempts, "first", choice_questions=[]).questions[0]
    assert whole.shares() == [("a", 0.5), ("a[,]b", 0.25), ("c", 0.25)]


def test_unknown_attempt_set_is_refused() -> None:
    with pytest.raises(ValueError, match="onbekende pogingenset 'beste'"):
        choose(FIRST, "beste")


def test_alpha_of_a_pool_is_computed_per_position() -> None:
    # Each attempt draws two of three questions; per position the marks are those of
    # the table in the module docstring's first two columns: alpha over positions.
    drawn = [A("l1", 1, {"q1": 1.0, "q2": 1.0}), A("l2", 1, {"q3": 1.0, "q1": 1.0}),
             A("l3", 1, {"q2": 1.0, "q3": 0.0}), A("l4", 1, {"q1": 0.0, "q3": 1.0}),
             A("l5", 1, {"q3": 0.0, "q2": 0.0})]
    # positions: p1 = 1,1,1,0,0 (var 0.3), p2 = 1,1,0,1,0 (var 0.3); totals 2,2,1,1,0
    # (mean 1.2, var 2.8/4 = 0.7): alpha = 100 * 2 * (1 - 0.6/0.7) = 28.571
    assert quiz_stats("t", ["q1", "q2", "q3"], drawn).alpha == pytest.approx(28.5714, abs=1e-4)
