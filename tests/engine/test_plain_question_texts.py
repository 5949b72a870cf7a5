"""Question texts that inline processing would leave unchanged skip it (markdown/question.py): same HTML."""

from __future__ import annotations

import markdown
import pytest

from leerpad.markdown import LeerpadExtension
from leerpad.markdown.question import inline_triggers

EXTENSIONS = ["abbr", "admonition", "attr_list", "md_in_html", "tables", "pymdownx.details", "pymdownx.superfences",
              "toc"]
QUESTION = """\
/// question | Wat doet *Leen* het best?
    id: q-1
    type: single
- [x] Een afspraak maken met meneer Haddou
    > Juist: samen een schema maken.
- [ ] De dochter uitleg meegeven, zie [bronnen](bronnen.md) & `code`
    > Meer tekst helpt niet wie moeilijk leest.
- [ ] Een HTML-brief sturen
///
"""


def render(text: str, extensions: list[str], plain: bool) -> str:
    md = markdown.Markdown(extensions=[*extensions, LeerpadExtension()])
    if not plain:
        md.treeprocessors.deregister("leerpad-plain-texts")
    return md.convert(text)


@pytest.mark.parametrize(
    "extensions", [EXTENSIONS, [], ["smarty"], ["pymdownx.mark", "pymdownx.magiclink"], ["legacy_em"]],
    ids=["course", "bare", "smarty", "pymdown-inline", "legacy-em"],
)
def test_same_html_with_and_without_skipping(extensions: list[str]) -> None:
    text = QUESTION + "\nHTML is hier een afkorting.\n"
    assert render(text, extensions, plain=True) == render(text, extensions, plain=False)


def test_abbreviations_on_the_page_reach_the_question_texts() -> None:
    text = QUESTION + "\n*[HTML]: HyperText Markup Language\n"
    html = render(text, EXTENSIONS, plain=True)
    assert '<abbr title="HyperText Markup Language">HTML</abbr>-brief' in html
    assert html == render(text, EXTENSIONS, plain=False)


def test_what_the_course_uses_is_known_and_anything_else_is_not() -> None:
    course = markdown.Markdown(extensions=[*EXTENSIONS, LeerpadExtension()])
    triggers = inline_triggers(course)
    assert triggers is not None  # the course's set-up: the texts skip inline processing
    assert triggers.search("Een afspraak maken met meneer Haddou") is None
    for text in ("*Leen*", "[x](y)", "a & b", "`c`", "<b>", "regel  \nvolgende", "\\*", "![i](j)", "_x_", "[@bron]"):
        assert triggers.search(text), text
    for unknown in (["smarty"], ["pymdownx.mark"], ["pymdownx.magiclink"]):
        assert inline_triggers(markdown.Markdown(extensions=[*unknown, LeerpadExtension()])) is None, unknown
