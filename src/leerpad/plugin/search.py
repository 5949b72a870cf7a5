"""What Material's search indexes of a page: the same index, from less HTML.

Material's search plugin runs every page's HTML through Python's `HTMLParser`.
Quiz and case pages carry much markup that never reaches the index: the
`data-question` JSON of each question and the page's `data-config` (attributes
are not indexed), and the feedback, tooltip and select elements marked
`data-search-exclude` (Material skips their text). On a quiz page that is most of
the HTML, and parsing it cost more than the rest of what Leerpad adds to a build.

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
_EXCLUDED = re.compile(
    r'<(div|span|select)\b[^>]*?\sdata-search-exclude(?=[\s=/>])[^>]*>(?:(?!<\1\b).)*?</\1>',
    re.DOTALL,
)
# A quoted attribute value with `<` or `>` in it (raw HTML in the Markdown: the
# serializer escapes them): the exclusion pattern would cut such a tag short.
_ANGLE_IN_VALUE = re.compile(r"""=\s*(?:"[^"]*[<>]|'[^']*[<>])""")
_PLUGIN_NAMES = ("material/search", "search")


def lean_html(html: str) -> str:
    """`html` without the markup Material's search would skip anyway, and the same index."""
    html = _DATA_ATTRIBUTES.sub("", html)
    if "data-search-exclude" in html and not _ANGLE_IN_VALUE.search(html):
        html = _EXCLUDED.sub("", html)
    return html


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
