"""The preview re-renders only what changed (`leerpad.authoring.sections`), and gives the HTML a
full render gives: random edits, one after another through one `Preview` (so that its cache is
used), each result compared byte for byte with a full render of the same text."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from leerpad.authoring.preview import Preview
from leerpad.authoring.sections import section_texts
from tests.authoring.samples import TWO_MISTAKES, large_case
from tests.authoring.test_preview import data_of
from tests.authoring.test_same_result import HARD

ROOT = Path(__file__).resolve().parents[2]
BAD = ROOT / "tests" / "bad"
COURSE_FILES = sorted([*(ROOT / "cases").glob("*.md"), *(ROOT / "quizzes").glob("*.md")])
CORPUS = sorted((BAD / "corpus").glob("*/*.md"))

# Lines an edit inserts: what crosses sections (headings and their ids, glossary terms, question
# ids), what the cut must respect (fences, `///` blocks, HTML, indented code) and what makes the
# page render whole (definitions, the [TOC] marker).
LINES = [
    "## Stap", "# Titel", "## Het beslismoment", "### Wat er gebeurde", "## Terugblik {#terugblik}", "## Stap_2",
    "## Vraag peeters-beslissing", "## tip-casus", "#Geen kop", "```", "```python", "~~~", "  ```", "> ```",
    "/// question | Nieuwe vraag?\n    id: nieuw-{n}\n    type: reflection", "///", "/// details | Meer",
    "////", "/// question | Zonder einde", "    ingesprongen code", "- een lijst", "> een citaat",
    "<div>", "</div>", "<!-- opmerking", "[ref]: https://example.org", "[^1]: voetnoot", "*[GP]: huisarts",
    "Zie [ref] en [^1].", "[TOC]", "Zie [@holt-lunstad-2010].", "Tekst | tabel\n--- | ---\na | b",
    "!!! note\n    Een opmerking.", "Kop\n===", "    id: peeters-beslissing", "",
]
CHARS = "ab #\n/`~[]:*-_>{}<!\t|@"


def _edits(rng: random.Random, glossary: list[str]) -> list[Callable[[str, int], str]]:
    def at_line(text: str, line: str) -> str:
        lines = text.split("\n")
        lines.insert(rng.randrange(len(lines) + 1), line)
        return "\n".join(lines)

    def chars(text: str, n: int) -> str:
        at = rng.randrange(len(text) + 1)
        return text[:at] + "".join(rng.choice(CHARS) for _ in range(rng.randint(1, 4))) + text[at:]

    def delete(text: str, n: int) -> str:
        at = rng.randrange(len(text) + 1)
        return text[:at] + text[at + rng.randint(1, 40):]

    def line(text: str, n: int) -> str:
        return at_line(text, "\n" + rng.choice(LINES).replace("{n}", str(n)) + "\n")

    def drop_line(text: str, n: int) -> str:
        lines = text.split("\n")
        del lines[rng.randrange(len(lines))]
        return "\n".join(lines)

    def copy_line(text: str, n: int) -> str:  # a duplicate heading, question id, closing fence ...
        lines = text.split("\n")
        return at_line(text, rng.choice(lines))

    def term(text: str, n: int) -> str:
        return at_line(text, f"\nDe {rng.choice(glossary)} en de {rng.choice(glossary).upper()}.\n")

    def twin(text: str, n: int) -> str:  # a block with a used id: the page renders both from the first one
        ids = re.findall(r"^ {4}id: *(\S+)", text, re.MULTILINE) or ["nieuw"]
        return at_line(text, f"\n/// question | Tweeling?\n    id: {rng.choice(ids)}\n    type: reflection\n///\n")

    def front(text: str, n: int) -> str:
        changes = [("title: ", "title: Nieuw "), ("id: ", f"id: ander-{n}-"), ("\n---\n", "\nmodule: x\n---\n"),
                   ("---\n", "--\n"), ("setting: ", "setting: x")]
        old, new = rng.choice(changes)
        return text.replace(old, new, 1)

    return [chars, chars, delete, line, line, line, drop_line, copy_line, term, twin, front]


def _run(preview: Preview, reference: Preview, text: str, edits: int, seed: str) -> None:
    rng = random.Random(seed)
    kinds = _edits(rng, [t.term for t in preview.course.glossary] or ["term"])
    for n in range(edits):
        expected = reference.check(text)
        got = preview.check(text)
        assert got == expected, f"{seed}, after {n} edits:\n{text}"
        text = rng.choice(kinds)(text, n)


@pytest.fixture(scope="module")
def previews() -> tuple[Preview, Preview]:
    reference = Preview(data_of(ROOT))
    reference.sections.enabled = False  # every text rendered whole, as the build does
    return Preview(data_of(ROOT)), reference


@pytest.fixture(scope="module")
def bad_previews() -> tuple[Preview, Preview]:
    reference = Preview(data_of(BAD / "base"))
    reference.sections.enabled = False
    return Preview(data_of(BAD / "base")), reference


def test_course_files_edited_at_random_render_as_a_full_render(previews: tuple[Preview, Preview]) -> None:
    preview, reference = previews
    before = preview.sections.rendered, preview.sections.reused
    for path in COURSE_FILES:
        _run(preview, reference, path.read_text("utf-8"), 12, path.name)
    for name, text in [("two-mistakes", TWO_MISTAKES), *HARD.items()]:
        _run(preview, reference, text, 12, name)
    rendered, reused = preview.sections.rendered - before[0], preview.sections.reused - before[1]
    assert reused > rendered > 100  # sections came from the cache, not only from full renders


def test_bad_corpus_edited_at_random_renders_as_a_full_render(bad_previews: tuple[Preview, Preview]) -> None:
    preview, reference = bad_previews
    for path in CORPUS:
        _run(preview, reference, path.read_text("utf-8"), 10, path.name)


def test_large_case_edited_at_random_renders_as_a_full_render(previews: tuple[Preview, Preview]) -> None:
    preview, reference = previews
    before = preview.sections.rendered, preview.sections.reused
    _run(preview, reference, large_case(15), 40, "large")
    rendered, reused = preview.sections.rendered - before[0], preview.sections.reused - before[1]
    assert reused > rendered  # most sections came from the cache (front matter edits render all)


def test_a_page_is_cut_only_where_a_fresh_top_level_part_begins() -> None:
    body = "\n".join([
        "Intro", "", "# Een", "tekst", "## Twee", "", "## Drie", "", "```", "", "## In code", "```", "",
        "/// question | V", "", "## In blok", "///", "", "#Geen", "", "### Vier", "", "<div>", "", "## Na HTML",
    ])
    cuts = [text.split("\n")[0] for text in section_texts(body) or []]
    assert cuts == ["Intro", "# Een", "## Drie", "### Vier"]
    assert section_texts(body.replace("Intro", "[x]: https://example.org")) is None


def test_an_edit_in_one_section_renders_that_section_only(previews: tuple[Preview, Preview]) -> None:
    preview, _reference = previews
    text = large_case(15)
    preview.check(text)
    middle = [m.start() for m in re.finditer(r"\nDokter Maes heeft", text)][7]
    before = preview.sections.rendered
    preview.check(text[:middle] + " Hij zucht." + text[middle:])
    assert preview.sections.rendered - before == 1


def test_a_term_in_the_quiz_rules_is_marked_there_not_in_a_later_section() -> None:
    """The quiz's rules stand before every section: a term they use is marked there first."""
    data = data_of(ROOT)
    data["files"]["docs/glossary.yml"] += (
        '\npogingen:\n  zorgtaal: "Keren dat u een toets aflegt."\n  sociale_taal: "Kansen om het opnieuw te doen."\n'
    )
    preview, reference = Preview(data), Preview(data)
    reference.sections.enabled = False
    quiz = (ROOT / "quizzes" / "determinanten-toets.md").read_text("utf-8")
    text = quiz + "\n\n## Nog een kans\n\nHet aantal pogingen staat bovenaan.\n"
    got = preview.check(text)
    assert got == reference.check(text)
    assert len(section_texts(text.split("\n---\n", 1)[1]) or []) == 2  # the rules, then two sections
    html = got["html"]
    assert html.count('id="tip-pogingen"') == 1
    assert html.index('id="tip-pogingen"') < html.index("leerpad-quiz__rules") + 400 < html.index("Nog een kans")
