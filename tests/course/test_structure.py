"""Structure of the real course: sizes, reachability, time budget, accreditation rules.

These are the issue's quality bar for the course "Sterk sociaal werk in de eerste
lijn", checked on the course as the engine loads it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from leerpad.content import Course
from leerpad.content.models import QUESTION_TYPES, ROLES, SETTINGS, UNSCORED_TYPES, ContentError

ROOT = Path(__file__).resolve().parents[2]
TOTAL = re.compile(r"\*\*Totale studietijd:\*\*\s*(\d+)\s*minuten")


def nav_paths(nav: Any) -> list[str]:
    if isinstance(nav, str):
        return [nav]
    if isinstance(nav, list):
        return [p for item in nav for p in nav_paths(item)]
    if isinstance(nav, dict):
        return [p for value in nav.values() for p in nav_paths(value)]
    return []


def scored_questions(course: Course) -> list[Any]:
    everything = [q for quiz in course.quizzes for q in quiz.questions]
    everything += [q for case in course.cases for q in case.questions]
    return [q for q in everything if q.type not in UNSCORED_TYPES]


def test_the_course_validates_without_errors(loaded: tuple[Course, list[ContentError]]) -> None:
    _, errors = loaded
    assert not errors, "\n".join(str(e) for e in errors)


def test_course_iri_and_language(config: dict[str, Any], course: Course) -> None:
    assert course.iri == "https://leerpad.be/sterk-sociaal-werk"
    assert config["theme"]["language"] == "nl"
    assert config["theme"]["font"] is False  # no web fonts: no third-party requests


def test_nine_modules_each_at_most_two_hours(course: Course) -> None:
    ids = [m.id for m in course.modules]
    assert ids == [
        "sociale-benadering", "determinanten", "verbondenheid", "toegang", "onderbescherming",
        "sociaal-werk", "krachtlijnen", "samenwerken", "eindtoets",
    ]
    for module in course.modules:
        assert 0 < module.minutes <= 120, f"{module.id}: {module.minutes} minuten"


def test_every_module_has_objectives_and_a_test_with_a_pass_mark(course: Course) -> None:
    for module in course.modules:
        text = (ROOT / module.path).read_text(encoding="utf-8")
        assert "objectives:" in text, f"{module.path}: geen leerdoelen in de front matter"
        quizzes = course.quizzes_of(module.id)
        assert quizzes, f"module {module.id} heeft geen toets"
        for quiz in quizzes:
            assert 0.5 <= quiz.pass_mark <= 1, f"{quiz.id}: slaagdrempel {quiz.pass_mark}"
            assert quiz.attempts >= 1, f"{quiz.id}: aantal pogingen vastleggen"


def test_at_least_80_quiz_questions(course: Course) -> None:
    assert sum(len(q.questions) for q in course.quizzes) >= 80


def test_final_test_is_sized_for_accreditation(course: Course) -> None:
    finals = [q for q in course.quizzes if q.final]
    assert len(finals) == 1
    final = finals[0]
    scored = [q for q in final.questions if q.type not in UNSCORED_TYPES]
    assert len(scored) >= 20
    assert final.pass_mark >= 0.7
    page = (ROOT / "docs" / "eindtoets" / "index.md").read_text(encoding="utf-8")
    assert final.draw is not None
    assert f"**Aantal vragen:** {final.draw} per poging, getrokken uit een reeks van {len(scored)}." in page
    assert f"**Slaagdrempel:** {round(final.pass_mark * 100)} %" in page


def test_quizzes_use_every_question_type(course: Course) -> None:
    used = {q.type for quiz in course.quizzes for q in quiz.questions}
    assert used == set(QUESTION_TYPES)


def test_every_scored_choice_option_explains_why(course: Course) -> None:
    missing = []
    for question in scored_questions(course):
        if question.type in ("single", "multiple", "true-false"):
            missing += [f"{question.id}: {o.text}" for o in question.options if not o.feedback]
        elif not question.explanation and not all(o.feedback for o in question.options):
            missing.append(f"{question.id}: geen uitleg")
    assert not missing, "\n".join(missing)


def test_at_least_14_cases_across_settings_and_perspectives(course: Course) -> None:
    assert len(course.cases) >= 14
    assert {c.setting for c in course.cases} == set(SETTINGS)
    roles = {r for c in course.cases for r in c.roles}
    assert {"huisarts", "apotheker", "sociaal-werker", "patient"} <= roles <= set(ROLES)


def test_every_case_has_a_decision_links_and_ends_with_a_reflection(course: Course) -> None:
    for case in course.cases:
        assert case.modules and case.krachtlijnen and case.access and case.sources, case.id
        assert any(q.type not in UNSCORED_TYPES for q in case.questions), f"{case.id}: geen beslissing"
        assert case.questions[-1].type == "reflection", f"{case.id}: eindigt niet met reflectie"
        assert case.body.count("\n## ") >= 2, f"{case.id}: te weinig stappen"
        for module in case.modules:
            assert f"../{module}/index.md" in case.body, f"{case.id}: geen link naar module {module}"


def test_every_case_and_quiz_is_reachable_from_the_nav(config: dict[str, Any], course: Course) -> None:
    paths = set(nav_paths(config["nav"]))
    for quiz in course.quizzes:
        assert f"toetsen/{quiz.id}.md" in paths, f"toets {quiz.id} staat niet in de nav"
    for case in course.cases:
        assert f"casussen/{case.id}.md" in paths, f"casus {case.id} staat niet in de nav"
    for page in ("casussen/index.md", "woordenlijst.md", "bronnen.md", "accreditatie.md", "trainers.md"):
        assert page in paths


def test_stated_total_time_equals_the_sum_of_module_minutes(course: Course) -> None:
    total = sum(m.minutes for m in course.modules)
    for page in ("index.md", "accreditatie.md"):
        text = (ROOT / "docs" / page).read_text(encoding="utf-8")
        stated = TOTAL.findall(text)
        assert stated == [str(total)], f"docs/{page}: vermeld {stated}, som van de modules {total}"
        hours, minutes = divmod(total, 60)
        assert f"{hours} uur en {minutes} minuten" in text


@pytest.mark.parametrize("page", ["index.md", "accreditatie.md"])
def test_module_tables_repeat_the_module_minutes(page: str, course: Course) -> None:
    text = (ROOT / "docs" / page).read_text(encoding="utf-8")
    rows = re.findall(r"^\| (\d) \| (.+?) \| (\d+) \|", text, re.M)
    assert [int(minutes) for _, _, minutes in rows] == [m.minutes for m in course.modules]


def test_at_least_40_glossary_terms_with_both_meanings(course: Course) -> None:
    assert len(course.glossary) >= 40
    terms = {t.term for t in course.glossary}
    assert {"casus", "zorgplan", "hulpvraag", "verwijzen", "therapietrouw", "netwerk"} <= terms
    for term in course.glossary:
        assert term.zorgtaal and term.sociale_taal and term.zorgtaal != term.sociale_taal, term.term


def test_a_matching_exercise_is_built_from_the_glossary(course: Course) -> None:
    terms = {t.term.casefold() for t in course.glossary}
    matching = [q for quiz in course.quizzes for q in quiz.questions if q.type == "matching"]
    from_glossary = [q for q in matching if all(o.text.casefold() in terms for o in q.options)]
    assert len(from_glossary) >= 2


def test_sources_are_complete_and_correctly_spelled(course: Course) -> None:
    required = {
        "levesque-2013", "holt-lunstad-2010", "holt-lunstad-2015", "holt-lunstad-2022",
        "mcgregor-2018", "fraser-2018", "shahzad-2019", "vandekinderen-2018", "csdh-2008",
        "marmot-2005",
    }
    assert required <= set(course.sources)
    levesque = course.sources["levesque-2013"]
    assert levesque.authors == ["Levesque, J.-F.", "Harris, M. F.", "Russell, G."]
    assert levesque.doi == "10.1186/1475-9276-12-18"
    for source in course.sources.values():
        assert source.authors and source.year and source.title, source.key
        assert source.journal or source.publisher, f"{source.key}: tijdschrift of uitgever"
    for folder in ("docs", "cases", "quizzes"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in (".md", ".yml"):
                assert "Levecque" not in path.read_text(encoding="utf-8"), path


def test_every_module_page_and_case_names_a_source(course: Course) -> None:
    for module in course.modules:
        if module.id == "eindtoets":
            continue
        assert "[@" in (ROOT / module.path).read_text(encoding="utf-8"), module.path
    for case in course.cases:
        assert "[@" in case.body, case.path
