"""`[@key]` citations: a linked short reference to the sources page."""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree

from markdown.inlinepatterns import InlineProcessor

from leerpad.layout import source_link
from leerpad.markdown.context import PageContext

CITATION_PATTERN = r"\[@(?P<key>[a-z0-9-]+)\]"


class CitationProcessor(InlineProcessor):
    """Renders `[@levesque-2013]` as "(Levesque e.a., 2013)" linking to its entry."""

    def __init__(self, context: PageContext) -> None:
        super().__init__(CITATION_PATTERN)
        self.context = context

    def handleMatch(  # type: ignore[override]
        self, m: re.Match[str], data: str
    ) -> tuple[etree.Element | str, int, int]:
        key = m.group("key")
        source = self.context.course.sources.get(key)
        link = etree.Element("a", {"class": "leerpad-cite", "href": f"{self.context.base}{source_link(key)}"})
        link.text = f"({source.short})" if source else f"({key})"
        return link, m.start(0), m.end(0)
