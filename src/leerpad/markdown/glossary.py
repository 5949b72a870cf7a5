"""Glossary terms: the first use of each term on a page gets an accessible tooltip."""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from collections.abc import Iterable
from typing import Any

from markdown.treeprocessors import Treeprocessor

from leerpad.content.models import GlossaryTerm
from leerpad.content.questions import slugify
from leerpad.layout import glossary_link
from leerpad.markdown.context import PageContext

# Where a tooltip would get in the way: links, code, headings, form labels.
SKIP_TAGS = {"a", "code", "pre", "script", "h1", "h2", "h3", "h4", "h5", "h6", "label", "legend", "dt", "abbr"}
SKIP_CLASSES = ("leerpad-question", "leerpad-term", "leerpad-case__meta")


def term_anchor(term: str) -> str:
    """The id of a term's entry on the glossary page."""
    return f"term-{slugify(term, limit=60)}"


def tooltip_text(term: GlossaryTerm) -> str:
    """What the tooltip says: the meaning in both worlds."""
    def sentence(text: str) -> str:
        text = text.strip()
        return text if text.endswith((".", "!", "?")) else f"{text}."

    return f"Zorgtaal: {sentence(term.zorgtaal)} Sociale taal: {sentence(term.sociale_taal)}"


_MATCHERS: dict[
    tuple[int, int], tuple[list[GlossaryTerm], re.Pattern[str], re.Pattern[str] | None, dict[str, GlossaryTerm]]
] = {}
# Characters for which `str.lower()` decides a case-insensitive match exactly as the regex
# engine does: Latin-1 but µ (which also matches Greek mu), uncased punctuation and currency
# signs. A text of only these is lowered once and searched case-sensitively, several times
# cheaper than the engine's case folding of every character; any other text is searched
# with the case-insensitive pattern itself.
_UNSAFE = re.compile("[^\x00-\xb4\xb6-\xff\u2000-\u206f\u20a0-\u20cf]")


def _matcher(glossary: list[GlossaryTerm]) -> tuple[re.Pattern[str], re.Pattern[str] | None, dict[str, GlossaryTerm]]:
    """One regex for every term and synonym (longest first), built once per glossary, not per page.

    Also the same regex for lowered texts (case-sensitive), when every word allows it: None if not.
    """
    key = (id(glossary), len(glossary))
    cached = _MATCHERS.get(key)
    if cached is not None and cached[0] is glossary:
        return cached[1], cached[2], cached[3]
    words: dict[str, GlossaryTerm] = {}
    for term in glossary:
        for word in [term.term, *term.synoniemen]:
            words[word.lower()] = term
    trie = _trie(words)
    pattern = re.compile(r"(?<!\w)(" + trie + r")(?!\w)", re.IGNORECASE)
    lowered = None
    if words and not any(_UNSAFE.search(word) for word in words):
        # Before a word character, \b is "no word character before": the one test sre makes fast.
        starts_word = all(word[:1].isalnum() or word[:1] == "_" for word in words)
        lowered = re.compile((r"\b(" if starts_word else r"(?<!\w)(") + trie + r")(?!\w)")
    _MATCHERS.clear()  # one course per build: keep only the latest
    _MATCHERS[key] = (glossary, pattern, lowered, words)
    return pattern, lowered, words


def _trie(words: Iterable[str]) -> str:
    """A regex for exactly these words, as a character trie.

    Tried at every position of every text, a flat `a|b|c…` of all terms tries
    each term in turn; the trie tries one character at a time. Where a word ends
    inside a longer one, the longer is tried first ("sociale kaart" before
    "sociale"), as the flat alternation did by sorting the longest first.
    """
    root: dict[str, Any] = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}  # a word ends here

    def branch(node: dict[str, Any]) -> str:
        options = [re.escape(char) + branch(child) for char, child in sorted(node.items()) if char]
        if not options:
            return ""
        body = options[0] if len(options) == 1 else "(?:" + "|".join(options) + ")"
        return f"(?:{body})?" if "" in node else body

    return branch(root)


class GlossaryProcessor(Treeprocessor):
    """Marks the first occurrence of each glossary term (or synonym) on a page."""

    def __init__(self, md: object, context: PageContext) -> None:
        super().__init__(md)  # type: ignore[arg-type]
        self.context = context

    def run(self, root: etree.Element) -> None:
        self.mark(root, set())

    def mark(self, root: etree.Element, done: set[str]) -> None:
        """Mark the first use of each term in `root` that is not in `done`, adding it there.

        `done` holds the terms already marked earlier on the page: the trainer's preview
        renders a page in parts and carries it from one part to the next.
        """
        if self.context.kind == "glossary" or not self.context.course.glossary:
            return
        self.pattern, self.lowered, self.words = _matcher(self.context.course.glossary)
        self.done = done
        self._walk(root)

    def _walk(self, element: etree.Element) -> None:
        for child in list(element):
            classes = child.get("class")  # most elements have none: no test per skipped class then
            if child.tag in SKIP_TAGS or (classes and any(c in classes for c in SKIP_CLASSES)):
                self._tail(element, child)
                continue
            self._text(child)
            self._walk(child)
            self._tail(element, child)

    def _text(self, element: etree.Element) -> None:
        if element.text:
            head, nodes = self._split(element.text)
            if nodes:
                element.text = head
                for i, node in enumerate(nodes):
                    element.insert(i, node)

    def _tail(self, parent: etree.Element, child: etree.Element) -> None:
        if child.tail:
            head, nodes = self._split(child.tail)
            if nodes:
                child.tail = head
                index = list(parent).index(child)
                for i, node in enumerate(nodes, start=1):
                    parent.insert(index + i, node)

    def _split(self, text: str) -> tuple[str, list[etree.Element]]:
        """Cut text at the first unseen term; return leading text and new nodes."""
        if self.lowered is not None and _UNSAFE.search(text) is None:
            found = self.lowered.finditer(text.lower())  # the same length: the same positions
        else:
            found = self.pattern.finditer(text)
        for match in found:
            shown = text[match.start():match.end()]  # the whole match is the term as written
            term = self.words[shown.lower()]
            if term.term in self.done:
                continue
            self.done.add(term.term)
            node = self._term(term, shown)
            rest_head, rest_nodes = self._split(text[match.end():])
            node.tail = rest_head
            return text[: match.start()], [node, *rest_nodes]
        return text, []

    def _term(self, term: GlossaryTerm, shown: str) -> etree.Element:
        anchor = term_anchor(term.term)
        tip_id = f"tip-{anchor[5:]}"
        wrapper = etree.Element("span", {"class": "leerpad-term"})
        link = etree.SubElement(
            wrapper, "a", {"href": f"{self.context.base}{glossary_link(anchor)}", "aria-describedby": tip_id}
        )
        link.text = shown
        tip = etree.SubElement(
            wrapper, "span", {"class": "leerpad-term__tip", "role": "tooltip", "id": tip_id, "data-search-exclude": ""}
        )
        tip.text = tooltip_text(term)
        return wrapper
