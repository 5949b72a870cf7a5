"""What can be measured of the course's tests: pools, balance, reuse, giveaways.

An assessment that a practitioner who did not study the course can pass on
common sense alone leaks its answers through its form: the right option sits in
the same place, is the longest, is the only careful one, or repeats a word of
the question. These tests measure those leaks on the quizzes as the engine loads
them. They cannot judge whether a distractor is plausible; the trainer guide
(docs/trainers.md, "Toetsvragen die onderscheiden") says how to write one.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Iterable
from difflib import SequenceMatcher

import pytest

from leerpad.content import Course
from leerpad.content.models import UNSCORED_TYPES, Question, Quiz

# Where an option's feedback sends the learner: a module, a case, or the glossary.
SOURCE = re.compile(r"\b(module|modules|casus|woordenlijst)\b", re.I)
ABSOLUTE = re.compile(r"\b(altijd|nooit|geen enkele|uitsluitend|onmogelijk|telkens|elke keer)\b", re.I)
WORD = re.compile(r"[^\W\d_]{7,}")
# Words that mark the careful, collaborative answer. When only the right option
# has one, a reader who never saw the course picks it.
CUES = {
    "met toestemming": re.compile(r"\bmet (zijn |haar |uw )?toestemming\b", re.I),
    "die u kent": re.compile(r"\bdie (ik|u|hij|ze|zij) (ken|kent)\b", re.I),
    "als ze wil": re.compile(r"\bals (ze|hij|u) (dat )?wil\b", re.I),
    "in het tempo": re.compile(r"\bin (zijn|haar|het) tempo\b", re.I),
    "samen": re.compile(r"(?<!hangt )(?<!hangen )(?<!gingen )\bsamen\b(?! met)", re.I),
}


def final_test(course: Course) -> Quiz:
    (final,) = [q for q in course.quizzes if q.final]
    return final


def module_tests(course: Course) -> list[Quiz]:
    return [q for q in course.quizzes if not q.final]


def scored(quiz: Quiz) -> list[Question]:
    return [q for q in quiz.questions if q.type not in UNSCORED_TYPES]


def singles(questions: Iterable[Question]) -> list[Question]:
    return [q for q in questions if q.type == "single"]


def pools(course: Course) -> dict[str, list[Question]]:
    """The final test on its own, and the module tests together (each is too small to judge)."""
    return {
        "eindtoets": scored(final_test(course)),
        "moduletoetsen": [q for quiz in module_tests(course) for q in scored(quiz)],
    }


def multiples(questions: Iterable[Question]) -> list[Question]:
    return [q for q in questions if q.type == "multiple"]


def words(texts: Iterable[str]) -> set[str]:
    return {w.casefold() for t in texts for w in WORD.findall(t)}


def normalised(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())


def test_the_final_test_is_a_pool_of_at_least_40_with_about_20_per_attempt(course: Course) -> None:
    final = final_test(course)
    assert len(scored(final)) >= 40, f"eindtoets: {len(scored(final))} vragen in de pool"
    assert final.draw is not None and 15 <= final.draw <= 25, f"eindtoets: draw {final.draw}"
    assert final.draw < len(scored(final))


def test_every_module_test_draws_fewer_questions_than_its_pool(course: Course) -> None:
    for quiz in module_tests(course):
        pool = len(scored(quiz))
        assert quiz.draw is not None, f"{quiz.id}: geen 'draw'"
        assert quiz.draw < pool, f"{quiz.id}: draw {quiz.draw}, pool {pool}"


def test_no_final_test_question_restates_a_module_test_question(course: Course) -> None:
    final = scored(final_test(course))
    module = [q for quiz in module_tests(course) for q in quiz.questions]
    assert not {q.id for q in final} & {q.id for q in module}
    reused = []
    for f in final:
        for m in module:
            ratio = SequenceMatcher(None, normalised(f.stem), normalised(m.stem)).ratio()
            if ratio >= 0.7:
                reused.append(f"{f.id} ≈ {m.id} ({ratio:.2f})")
    assert not reused, "\n".join(reused)


def test_no_final_test_question_restates_a_case_question(course: Course) -> None:
    """The cases' own questions are practice: the final test asks something new."""
    final = scored(final_test(course))
    practice = [q for case in course.cases for q in case.questions]
    reused = [
        f"{f.id} ≈ {c.id} ({ratio:.2f})"
        for f in final
        for c in practice
        if (ratio := SequenceMatcher(None, normalised(f.stem), normalised(c.stem)).ratio()) >= 0.7
    ]
    assert not reused, "\n".join(reused)


def extended_matching(questions: list[Question]) -> list[Question]:
    """One pick from a shared list of eight or more labels, the same list in at least four questions.

    The options alone then say nothing about the key, and a lucky pick hits one time in eight at most.
    """
    lists = Counter(tuple(o.text for o in q.options) for q in singles(questions))
    return [
        q
        for q in singles(questions)
        if len(q.options) >= 8 and lists[tuple(o.text for o in q.options)] >= 4
    ]


def test_a_quarter_of_the_final_test_resists_guessing(course: Course) -> None:
    """All-or-nothing types (several answers, matching, an order) cannot be hit by one lucky pick;
    nor, nearly, one pick from a shared list of eight or more (extended matching)."""
    pool = scored(final_test(course))
    resistant = [q for q in pool if q.type in ("multiple", "matching", "sequencing")] + extended_matching(pool)
    assert len(resistant) >= 0.25 * len(pool), f"eindtoets: {len(resistant)} van {len(pool)}"


def test_every_long_option_list_in_the_final_test_is_shared_by_a_theme(course: Course) -> None:
    """A single-answer question with eight or more options is extended matching: its list of
    labels is the same, word for word, in at least three other questions of its theme."""
    pool = scored(final_test(course))
    shared = {q.id for q in extended_matching(pool)}
    lonely = [q.id for q in singles(pool) if len(q.options) >= 8 and q.id not in shared]
    assert not lonely, f"eindtoets: lange optielijst die geen thema deelt: {lonely}"


def test_the_final_test_multiple_answer_questions_have_five_or_six_options_two_to_four_right(
    course: Course,
) -> None:
    wrong_shape = [
        f"{q.id}: {len(q.options)} opties, {sum(o.correct for o in q.options)} juist"
        for q in multiples(scored(final_test(course)))
        if not (5 <= len(q.options) <= 6 and 2 <= sum(o.correct for o in q.options) <= 4)
    ]
    assert not wrong_shape, "\n".join(wrong_shape)


def test_the_final_test_right_options_of_multiple_answer_questions_are_not_longer_by_habit(
    course: Course,
) -> None:
    ratios = []
    for q in multiples(scored(final_test(course))):
        right = statistics.mean(len(o.text) for o in q.options if o.correct)
        ratios.append(right / statistics.mean(len(o.text) for o in q.options if not o.correct))
    mean_ratio = statistics.mean(ratios)
    assert 0.8 <= mean_ratio <= 1.25, f"eindtoets: juiste opties gemiddeld {mean_ratio:.2f} keer zo lang"


def test_every_final_test_option_says_why_and_where(course: Course) -> None:
    """Each option's feedback explains; the question's feedback names the module, case or glossary."""
    missing = []
    for q in scored(final_test(course)):
        if q.type in ("single", "multiple", "true-false"):
            missing += [f"{q.id}: ‘{o.text}’ zonder feedback" for o in q.options if not o.feedback.strip()]
        elif not (q.explanation.strip() or all(o.feedback.strip() for o in q.options)):
            missing.append(f"{q.id}: geen uitleg")
        texts = [q.explanation, *(o.feedback for o in q.options)]
        if not any(SOURCE.search(t) for t in texts):
            missing.append(f"{q.id}: de feedback noemt geen module, casus of woordenlijst")
    assert not missing, "\n".join(missing)


@pytest.mark.parametrize("pool", ["eindtoets", "moduletoetsen"])
def test_the_right_option_is_spread_over_the_positions(course: Course, pool: str) -> None:
    four = [q for q in singles(pools(course)[pool]) if len(q.options) == 4]
    positions = Counter(next(i for i, o in enumerate(q.options) if o.correct) for q in four)
    for position in range(4):
        share = positions[position] / len(four)
        assert 0.15 <= share <= 0.35, f"{pool}: positie {position + 1} is {share:.0%} van de juiste antwoorden"


@pytest.mark.parametrize("pool", ["eindtoets", "moduletoetsen"])
def test_the_right_option_is_not_the_longest_by_habit(course: Course, pool: str) -> None:
    sentences = [q for q in singles(pools(course)[pool]) if statistics.mean(len(o.text) for o in q.options) >= 30]
    clearly_longest = []
    ratios = []
    for q in sentences:
        right = next(len(o.text) for o in q.options if o.correct)
        wrong = [len(o.text) for o in q.options if not o.correct]
        ratios.append(right / statistics.mean(wrong))
        if right > 1.1 * max(wrong):
            clearly_longest.append(q.id)
    assert len(clearly_longest) <= 0.2 * len(sentences), (
        f"{pool}: het juiste antwoord is duidelijk het langst in {clearly_longest}"
    )
    mean_ratio = statistics.mean(ratios)
    assert 0.85 <= mean_ratio <= 1.15, f"{pool}: juiste antwoorden gemiddeld {mean_ratio:.2f} keer zo lang"


@pytest.mark.parametrize("pool", ["eindtoets", "moduletoetsen"])
def test_true_false_items_are_balanced(course: Course, pool: str) -> None:
    keyed = Counter(
        next(o.text for o in q.options if o.correct) for q in pools(course)[pool] if q.type == "true-false"
    )
    assert abs(keyed["Juist"] - keyed["Onjuist"]) <= 1, f"{pool}: {dict(keyed)}"


def test_the_final_test_has_no_absolute_words_that_give_answers_away(course: Course) -> None:
    found = []
    for q in scored(final_test(course)):
        texts = [q.stem] if q.type == "true-false" else [o.text for o in q.options]
        found += [f"{q.id}: {t}" for t in texts if ABSOLUTE.search(t)]
    assert not found, "\n".join(found)


def test_the_final_test_stems_do_not_give_the_key_word_of_the_answer(course: Course) -> None:
    """A long word shared by the stem and the right option must also be in a wrong option."""
    leaks = []
    for q in singles(scored(final_test(course))):
        stem = words([q.stem])
        right = words(o.text for o in q.options if o.correct)
        wrong = words(o.text for o in q.options if not o.correct)
        if shared := (stem & right) - wrong:
            leaks.append(f"{q.id}: {sorted(shared)}")
    assert not leaks, "\n".join(leaks)


def test_the_final_test_stems_do_not_mark_the_right_options_of_multiple_answer_questions(
    course: Course,
) -> None:
    """With several right options, a stem word in each of them and in no wrong one points them all out."""
    leaks = []
    for q in multiples(scored(final_test(course))):
        right = [words([o.text]) for o in q.options if o.correct]
        wrong = words(o.text for o in q.options if not o.correct)
        if shared := (words([q.stem]) & set.intersection(*right)) - wrong:
            leaks.append(f"{q.id}: {sorted(shared)}")
    assert not leaks, "\n".join(leaks)


@pytest.mark.parametrize("pool", ["eindtoets", "moduletoetsen", "casussen"])
def test_no_cue_word_marks_the_right_option_alone(course: Course, pool: str) -> None:
    questions = pools(course).get(pool) or [q for case in course.cases for q in case.questions]
    lonely = []
    # Multiple-answer questions too: a cue word in the right options only marks them all.
    for q in [*singles(questions), *multiples(questions)]:
        right = [o.text for o in q.options if o.correct]
        wrong = [o.text for o in q.options if not o.correct]
        for name, cue in CUES.items():
            if any(cue.search(t) for t in right) and not any(cue.search(t) for t in wrong):
                lonely.append(f"{q.id}: ‘{name}’ staat alleen in juiste antwoorden")
    assert not lonely, "\n".join(lonely)


def test_every_multiple_answer_question_has_right_and_wrong_options(course: Course) -> None:
    for pool in pools(course).values():
        for q in pool:
            if q.type == "multiple":
                keyed = [o.correct for o in q.options]
                assert any(keyed) and not all(keyed), q.id
