"""Golden files: each tests/golden/**/<name>.md renders exactly as <name>.html.

Run `./scripts/test tests/engine/test_golden.py --update` to rewrite the .html
files after an intended change, then review the diff.

A golden file is a function of its own .md: a quiz (golden/quizzes/) or a case
(golden/cases/) is a complete quiz or case file, loaded into a course made of
the demo's docs alone (modules, sources, glossary), so its rules and metadata
come from its own front matter. Other files are page text (front matter `kind`,
`id`, `iri` say which demo page renders it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import markdown
import pytest

from leerpad.content import Course, load_course_files
from leerpad.content.yamltext import split_front_matter
from leerpad.layout import CASES_DIR, QUIZZES_DIR
from leerpad.markdown import LeerpadExtension, PageContext
from leerpad.plugin.settings import load_settings
from leerpad.xapi.profile import activity_iri

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
DEMO = GOLDEN.parent / "demo"
CASES = sorted(GOLDEN.rglob("*.md"))
ACTIVITIES = {QUIZZES_DIR: "quiz", CASES_DIR: "case"}


def test_every_question_type_has_a_golden_file() -> None:
    from leerpad.content.models import QUESTION_TYPES

    assert {p.stem for p in CASES} >= set(QUESTION_TYPES)


def activity_course(source: Path) -> Course:
    """The demo's docs plus this one quiz or case file, as the loader reads them."""
    settings, errors = load_settings(DEMO)
    files = {p.relative_to(DEMO).as_posix(): p.read_text("utf-8") for p in (DEMO / settings.docs_dir).rglob("*")
             if p.is_file()}
    files[f"{source.parent.name}/{source.name}"] = source.read_text("utf-8")
    course, content_errors = load_course_files(files, settings)
    assert errors + content_errors == []
    return course


def render_golden(source: Path, render: Callable[..., str]) -> str:
    doc = split_front_matter(source.read_text("utf-8"))
    meta = doc.meta.data or {}
    kind = ACTIVITIES.get(source.parent.name)
    if kind is None:
        return render(
            doc.body,
            kind=meta.get("kind", "page"),
            ident=meta.get("id"),
            iri=meta.get("iri", "https://leerpad.example/demo/quiz/golden"),
        )
    course = activity_course(source)
    iri = activity_iri(course.iri, kind, meta["id"])
    context = PageContext(kind=kind, id=meta["id"], iri=iri, base="../", course=course)
    md = markdown.Markdown(extensions=[LeerpadExtension(context=context), "attr_list"])
    return md.convert(doc.body)


@pytest.mark.parametrize("source", CASES, ids=[p.relative_to(GOLDEN).with_suffix("").as_posix() for p in CASES])
def test_golden(source: Path, render: Callable[..., str], request: pytest.FixtureRequest) -> None:
    html = render_golden(source, render)
    expected_path = source.with_suffix(".html")
    if request.config.getoption("--update") or not expected_path.exists():
        expected_path.write_text(html + "\n", "utf-8")
        if not request.config.getoption("--update"):
            pytest.fail(f"{expected_path.name} did not exist; written now, review it")
    assert html + "\n" == expected_path.read_text("utf-8")


@pytest.mark.parametrize(
    ("name", "warnings"),
    [
        ("invalid-type", ["onbekend vraagtype 'essay' (kies uit: single, multiple, true-false, fill-in, "
                          "sequencing, matching, likert, reflection): de vraag wordt als gewone tekst getoond"]),
        ("invalid-answers", ["vraag 'golden-geen-juist' wordt niet afgesloten met een regel '///'",
                             "vraag 'golden-geen-juist': geen juist antwoord aangeduid (markeer het met '- [x]')"]),
        ("nested-open", ["vraag zonder id (voeg 'id: …' toe onder de /// question-regel)",
                         "vraag 'golden-genest' wordt niet afgesloten met een regel '///'",
                         "vraag 'golden-genest': minstens twee antwoordopties nodig (regels '- [ ] …')"]),
    ],
)
def test_invalid_block_reaches_the_build_log(
    name: str, warnings: list[str], render: Callable[..., str], caplog: pytest.LogCaptureFixture
) -> None:
    """A block the loader never saw (an ordinary page) still says what is wrong with it."""
    with caplog.at_level(logging.WARNING, logger="mkdocs.plugins.leerpad"):
        render_golden(GOLDEN / f"{name}.md", render)
    assert [r.getMessage() for r in caplog.records] == warnings
