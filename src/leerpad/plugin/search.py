"""What Material's search indexes of a page: the same index, from less HTML.

Material's search plugin runs every page's HTML through Python's `HTMLParser`.
Quiz and case pages carry much markup that never reaches the index: the
`data-question` JSON of each question and the page's `data-config` (attributes
are not indexed), and the feedback, tooltip and select elements marked
`data-search-exclude` (Material skips their text). On a quiz page that is most of
the HTML, and parsing it cost more than the rest of what Leerpad adds to a build.

Of the markup that stays, Leerpad's own structures are read in fewer tags
(`lean_html`): Material's parser keeps only the text, the tags it lists (`p`,
`li`, `code`, …, written without attributes) and headings; any other tag
matters to it only as a place where one text ends and the next begins, and by
its depth around headings. So an option's label, input and text span become its
`li` with the text and one closing tag (still a text boundary, ignored as not
open), a glossary term's wrapper goes, and the case's metadata list (no
heading, no kept tag, no whitespace-only text) is read as one text. Only when
nothing excluded is left on the page, since Material compares elements by tag
name when it leaves an excluded one.

`index_lean` lets this build's search index read the page without that markup:
only for the call that indexes the page, then the page's HTML is back as it was,
so the site is byte for byte the same and so is the index (a test compares the
index with and without). Any other search plugin, or one whose shape changed, is
left alone: the index is then built from the whole page, as before.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.pages import Page

# Attributes with JSON for the runtime; escaped, so their value holds no `"`.
_DATA_ATTRIBUTES = re.compile(r' data-(?:question|config)="[^"]*"')
# An element marked for exclusion, when no element of the same name opens inside it:
# Material would skip it and everything in it. Nested ones are left for Material to skip.
# (Possessive `*+` where giving characters back cannot help a match: the same matches,
# without the engine's bookkeeping for backtracking.)
_EXCLUDED = re.compile(
    r"<(div|span|select)\b(?:[^>\s]++|\s(?!data-search-exclude(?=[\s=/>])))*+\sdata-search-exclude(?=[\s=/>])"
    r"[^>]*+>[^<]*+(?:<(?!\1\b|/\1>)[^<]*+)*+</\1>",
)
# A quoted attribute value with `<` or `>` in it (raw HTML in the Markdown: the
# serializer escapes them): the exclusion pattern would cut such a tag short.
_ANGLE_IN_VALUE = re.compile(r"""=\s*+(?:"[^"<>]*+[<>]|'[^'<>]*+[<>])""")
_PLUGIN_NAMES = ("material/search", "search")

# An option of a choice or sequencing question (markdown/question.py): its text T, with
# no tag in it that could open a heading, a list item or another label or span.
_OPTION = re.compile(
    r'<li (?:class="leerpad-option" )?data-option="[^"<>]*">(?P<label><label><input [^<>]*/>)?'
    r'<span class="leerpad-option__text">(?P<text>[^<]*(?:<(?!/?(?:span|label|li|h[1-6]|pre)\b)[^<]*)*)'
    r"</span>(?(label)</label>)"
)
# A glossary term (markdown/glossary.py) once its tooltip is cut: the link's text alone.
_TERM_START = '<span class="leerpad-term"><a '
_TERM = re.compile(re.escape(_TERM_START) + r'[^<>]*>(?P<text>[^<]*)</a></span>')
# The case's metadata list (markdown/page.py): only texts Material joins as they are.
_CASE_META_START = '<dl class="leerpad-case__meta">'
_CASE_META = re.compile(re.escape(_CASE_META_START) + r'(?P<inner>[^<]*(?:<(?!/?dl\b)[^<]*)*)</dl>')
_META_KEEPS = re.compile(r"<(?:p|code|pre|li|ol|ul|sub|sup|h[1-6]|script|style|object)\b|>\s+<|^\s|\s$")
_TAG = re.compile(r"<[^>]*>")


def _case_meta(match: re.Match[str]) -> str:
    inner = match.group("inner")
    if _META_KEEPS.search(inner):  # a kept tag or a whitespace-only text: left as it is
        return match.group(0)
    return '<dl class="leerpad-case__meta">' + _TAG.sub("", inner) + "</dl>"


def lean_html(html: str) -> str:
    """`html` without the markup Material's search would skip anyway, and the same index."""
    html = _DATA_ATTRIBUTES.sub("", html)
    if _ANGLE_IN_VALUE.search(html):
        return html
    if "data-search-exclude" in html:
        html = _EXCLUDED.sub("", html)
        if "data-search-exclude" in html:  # a nested one is left: Material's tag-name matching decides
            return html
    # The text stays between the same two boundaries; the closing tag that is kept is not open.
    # Each pattern only where its markup is (a search for a fixed string is much the cheaper scan).
    if "data-option=" in html:
        html = _OPTION.sub(r"<li>\g<text></span>", html)
    if _TERM_START in html:
        html = _TERM.sub(r"<a>\g<text></a>", html)
    return _CASE_META.sub(_case_meta, html) if _CASE_META_START in html else html


def index_lean(config: MkDocsConfig) -> bool:
    """Make Material's search index read pages without skipped markup; False when there is no such index."""
    plugin = next((config.plugins[n] for n in _PLUGIN_NAMES if n in config.plugins), None)
    index = getattr(plugin, "search_index", None)
    add: Callable[[Page], Any] | None = getattr(index, "add_entry_from_context", None)
    if index is None or add is None or getattr(add, "leerpad", False):
        return False

    def add_entry_from_context(page: Page) -> Any:
        content = page.content
        if content is None:
            return add(page)
        page.content = lean_html(content)
        try:
            return add(page)
        finally:
            page.content = content

    add_entry_from_context.leerpad = True  # type: ignore[attr-defined]
    index.add_entry_from_context = add_entry_from_context
    return True
