"""The preview's page, re-rendered section by section: only what changed, the same HTML as a full render.

A trainer's keystroke changes one place of a page of a thousand lines; rendering the whole page
again costs Python-Markdown ~40 ms in CPython and three times that in Pyodide. `Sections` cuts
the body at its top-level headings (`#` .. `######` at column 0 after an empty line, outside
fenced code and `///` blocks, before any HTML) and renders each section as a document of its
own, keeping the result until its text changes. The joined result is byte for byte what
`Markdown.convert` of the whole body gives (a test compares them after random edits), because
what a page's parts share is carried from one section to the next:

- the element ids, for the table of contents' heading ids (`toc` makes a heading's id unique
  against every id of the page and the headings before it: `_1`, `_2` ...);
- the glossary terms already marked (the first use of a term on a page gets the tooltip);
- the questions the loader parsed from the whole file (a block is rendered from them, by id);
- the page's own structure (quiz wrapper and rules, the case's metadata and steps), built once
  around stand-ins for the sections' elements by Leerpad's own tree processor.

Each section's render notes what it asked of the carried state (which ids and terms it looked
up, which questions) and the answers; it is reused while the same questions get the same
answers. Whatever crosses sections in a way not carried here (reference-style link, footnote or
abbreviation definitions, a `[TOC]` marker, raw HTML, an unknown Markdown extension) makes the
whole body render at once, as before.
"""

from __future__ import annotations

import copy
import dataclasses
import re
import xml.etree.ElementTree as etree
from collections.abc import Callable, Iterator, MutableSet
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import markdown
import markdown.extensions.toc as toc_module
from markdown.util import HtmlStash

from leerpad.content.models import Question
from leerpad.markdown.context import PageContext
from leerpad.markdown.glossary import GlossaryProcessor

# The processors a section may meet, and which of them may run per section: every one of these
# keeps nothing from one document to the next that a section's HTML depends on, or (toc,
# glossary, page) is carried here. Any other processor: the body renders whole.
PREPROCESSORS = {"normalize_whitespace", "fenced_code_block", "html_block"}
BLOCK_PROCESSORS = {
    "admonition", "details", "markdown_block", "empty", "indent", "blocks", "code", "table", "hashheader",
    "setextheader", "hr", "olist", "ulist", "quote", "reference", "paragraph", "abbr",
}
INLINE_PATTERNS = {
    "backtick", "escape", "reference", "link", "image_link", "image_reference", "short_reference",
    "short_image_ref", "autolink", "automail", "linebreak", "html", "entity", "not_strong", "em_strong",
    "em_strong2", "leerpad-citation",
}
# Before the page structure: per section, nothing carried. After it: toc and glossary, carried.
EACH_SECTION = {"leerpad-unclosed", "leerpad-plain-texts", "inline", "blocks_on_inline_end", "prettify", "attr_list",
                "abbr"}
PAGE = "leerpad-page"
CARRIED = {"toc", "leerpad-glossary", "unescape"}
POSTPROCESSORS = {"amp_substitute", "raw_html"}

# Lines of the body that decide where sections may start.
HEADING = re.compile(r"#{1,6}[ \t]")
FENCE_LIKE = re.compile(r"[> ]*(?:`{3}|~{3})")
SIMPLE_FENCE = re.compile(r"(`{3,}|~{3,})[ ]*[\w#.+-]*[ ]*$")
BLOCK_LINE = re.compile(r" {0,3}(/{3,})(.*)$")
HTML = re.compile(r"<[A-Za-z!/?]")
NOTABLE = re.compile(r"^(?:[> ]*(?:`{3}|~{3})| {0,3}/{3}|#{1,6}[ \t]).*", re.MULTILINE)
# Definitions that act on the whole page: reference links, footnotes, abbreviations (`[x]:`, `[^1]:`,
# `*[X]:`), wherever they stand (also in a list item, a quote or a question's text).
DEFINITION = re.compile(r"\[[^\[\]]*\]:")
SEPARATOR = "\x00"
SLOT_TAG = "leerpad-slot"
_SLOT_HTML = re.compile(rf"<{SLOT_TAG}-(\d+)></{SLOT_TAG}-\1>")
UNSAFE = re.compile("[\x00\x02\x03\r]")  # Markdown's own placeholders, our separator, line ends it rewrites


def section_texts(body: str, tab_length: int = 4) -> list[str] | None:
    """The body cut before each top-level heading that surely starts a fresh part of the page.

    None when the body must render whole (see the module's docstring). A heading counts only
    at column 0 after an empty line, outside a fenced code block (plain ``` or ~~~ fences at
    column 0) and outside `///` blocks; from the first line that could start something else
    (raw HTML, an indented or quoted fence, a `///` closer that closes nothing) on, the rest of
    the body stays one section.
    """
    if not body.strip() or UNSAFE.search(body) or DEFINITION.search(body):
        return None
    scanned = body.expandtabs(tab_length) if "\t" in body else body  # as Markdown sees it, line for line
    starts = [0]
    fence: str | None = None
    blocks: list[int] = []  # the fence lengths of the open `///` blocks
    html = HTML.search(scanned)
    limit = scanned.rfind("\n", 0, html.start()) + 1 if html else len(scanned)  # where the first HTML line starts
    number = position = 0
    for match in NOTABLE.finditer(scanned, 0, limit):  # the other lines change nothing here
        line = match.group(0)
        number += scanned.count("\n", position, match.start())
        position = match.start()
        if fence is not None:
            if line.rstrip(" ") == fence:
                fence = None
        elif FENCE_LIKE.match(line):
            simple = SIMPLE_FENCE.match(line)
            if simple is None:
                break
            fence = simple.group(1)
        elif block := BLOCK_LINE.match(line):
            length = len(block.group(1))
            if block.group(2).strip(" "):
                blocks.append(length)
            elif blocks and blocks[-1] == length:
                blocks.pop()
            else:
                break
        elif number and not blocks and HEADING.match(line) and _after_empty_line(scanned, position):
            starts.append(number)
    lines = body.split("\n")
    return ["\n".join(lines[a:b]) for a, b in zip(starts, [*starts[1:], len(lines)], strict=True)]


def _after_empty_line(text: str, start: int) -> bool:
    """Whether the line before the one at `start` is empty (spaces only, as Markdown empties them)."""
    before = text.rfind("\n", 0, start - 1) + 1
    return not text[before:start - 1].strip(" ")


class QuestionLookups(PageContext):
    """The page's context, noting which questions the page's blocks took from the loader.

    A section's HTML depends on them: a block is rendered from the question the loader parsed
    from the whole file under its id (the first one, when two share an id).
    """

    lookups: list[tuple[str, Question | None]] | None = None

    def loaded_question(self, question_id: str) -> Question | None:
        found = super().loaded_question(question_id)
        if self.lookups is not None:
            self.lookups.append((question_id, found))
        return found


_SHOWN = tuple(f.name for f in dataclasses.fields(Question) if f.name != "line")


def _same_question(a: Question | None, b: Question | None) -> bool:
    """Whether a block renders alike from both (its line in the file is not shown)."""
    if a is None or b is None:
        return a is b
    return all(getattr(a, name) == getattr(b, name) for name in _SHOWN)


class Asked(set[str]):
    """The ids (or terms) a section added itself, in front of those carried in from before it.

    Every question about a carried one is noted with its answer: the section's render holds
    again as long as the same questions get the same answers.
    """

    def __init__(self, carried: set[str]) -> None:
        super().__init__()
        self.carried = carried
        self.answers: dict[str, bool] = {}

    def __contains__(self, item: object) -> bool:
        if super().__contains__(item):
            return True
        if not isinstance(item, str):
            return False
        answer = item in self.carried
        self.answers[item] = answer
        return answer


def _holds(answers: dict[str, bool], carried: set[str]) -> bool:
    return all((item in carried) == answer for item, answer in answers.items())


@dataclass
class Parsed:
    """A section up to the page structure: its tree (kept as it is), its stashed HTML, its ids."""

    root: etree.Element
    stash: HtmlStash
    ids: set[str]
    lookups: list[tuple[str, Question | None]]
    finished: list[Finished] = field(default_factory=list)  # one per place it had on the page last time


@dataclass
class Finished:
    """A section's HTML, one piece per top-level element, and what it took from and adds to the page."""

    pieces: list[str]
    id_answers: dict[str, bool]
    term_answers: dict[str, bool]
    heading_ids: set[str] = field(default_factory=set)
    terms: set[str] = field(default_factory=set)


def _names(registry: Any) -> list[str]:
    """The names in one of Markdown's registries, in the order they run (it has no public list of them)."""
    data: dict[str, Any] = registry._data  # noqa: SLF001
    return sorted(data, key=registry.get_index_for_name)


@contextmanager
def _toc_asking(toc: Any, asked: Asked) -> Iterator[None]:
    """Make `toc` test each heading id against `asked` (the page's ids) instead of the section's alone.

    `TocTreeprocessor.run` collects the ids of the tree it is given and calls the module's
    `unique` with them; during this section's run that set is looked up through `asked`. Its
    search for the `[TOC]` marker is skipped: a body with the marker renders whole.
    """
    original: Callable[..., str] = toc_module.unique
    marker = toc.marker if toc is not None else None

    def unique(id: str, ids: MutableSet[str], counters: Any = None) -> str:  # noqa: A002 (toc's name)
        asked.update(ids)
        return original(id, asked, counters)

    toc_module.unique = unique
    if toc is not None:
        toc.marker = ""
    try:
        yield
    finally:
        toc_module.unique = original
        if toc is not None:
            toc.marker = marker


class Sections:
    """Renders bodies with one Markdown instance, re-rendering only the sections that changed."""

    def __init__(self, md: markdown.Markdown, context: QuestionLookups) -> None:
        self.md = md
        self.context = context
        self.cache: dict[tuple[str, tuple[Any, ...]], Parsed] = {}
        self.rendered = self.reused = 0  # sections parsed, and taken from the cache (tests and benchmark read them)
        names = _names(md.treeprocessors)
        known = (
            set(_names(md.preprocessors)) <= PREPROCESSORS
            and set(_names(md.parser.blockprocessors)) <= BLOCK_PROCESSORS
            and set(_names(md.inlinePatterns)) <= INLINE_PATTERNS
            and set(_names(md.postprocessors)) <= POSTPROCESSORS
            and set(names[: names.index(PAGE)]) <= EACH_SECTION
            and set(names[names.index(PAGE) + 1:]) <= CARRIED
        ) if PAGE in names else False
        self.enabled = known  # false: every body renders whole (also the tests' reference)
        self.before = [md.treeprocessors[n] for n in names[: names.index(PAGE)]] if known else []
        self.page = md.treeprocessors[PAGE] if known else None
        self.after = [md.treeprocessors[n] for n in names[names.index(PAGE) + 1:]] if known else []
        self.toc = md.treeprocessors["toc"] if "toc" in names else None
        self.toc_marker = str(getattr(self.toc, "marker", "") or "")
        glossary = md.treeprocessors["leerpad-glossary"] if "leerpad-glossary" in names else None
        self.glossary = glossary if isinstance(glossary, GlossaryProcessor) else None

    def convert(self, body: str) -> str:
        """`md.convert(body)` after `md.reset()`, the same HTML, re-rendering only changed sections."""
        texts = section_texts(body, self.md.tab_length) if self.enabled else None
        if texts is None or len(texts) < 2 or (self.toc_marker and self.toc_marker in body):
            return self.whole(body)
        fingerprint = self.fingerprint()
        parsed = [self.parsed(text, fingerprint) for text in texts]
        self.cache = {(text, fingerprint): p for text, p in zip(texts, parsed, strict=True)}  # keep what is on the page
        if any(p.root.text and p.root.text.strip() for p in parsed):
            return self.whole(body)

        # The page's structure around stand-ins for the sections' elements, as the full render builds it.
        skeleton = etree.Element("div")
        stand_ins = [etree.SubElement(skeleton, child.tag) for p in parsed for child in p.root]  # h1/h2 shape it
        assert self.page is not None
        self.page.run(skeleton)
        terms: set[str] = set()
        if self.glossary is not None:  # the quiz's rules come before every section in the glossary's walk
            self.glossary.mark(skeleton, terms)
        ids = set().union(*(p.ids for p in parsed))
        pieces: list[str] = []
        used: dict[int, list[Finished]] = {}  # a text can stand on the page more than once
        for p in parsed:
            finished = next((f for f in p.finished if _holds(f.id_answers, ids) and _holds(f.term_answers, terms)),
                            None) or self.finish(p, ids, terms)
            used.setdefault(id(p), []).append(finished)
            ids |= finished.heading_ids
            terms |= finished.terms
            pieces.extend(finished.pieces)
        for p in parsed:
            p.finished = used[id(p)]
        for number, element in enumerate(stand_ins):
            element.tag = f"{SLOT_TAG}-{number}"  # no attribute: the serializer escapes none
        output = self.md.serializer(skeleton)
        output = _SLOT_HTML.sub(lambda m: pieces[int(m.group(1))], output)
        start = output.index(f"<{self.md.doc_tag}>") + len(self.md.doc_tag) + 2
        end = output.rindex(f"</{self.md.doc_tag}>")
        return output[start:end].strip()

    def whole(self, body: str) -> str:
        """The full render, as the build does it."""
        self.md.htmlStash = HtmlStash()  # a cached section keeps its own stash: reset() would empty it
        self.md.reset()
        return self.md.convert(body)

    def fingerprint(self) -> tuple[Any, ...]:
        """What of the page a section's render depends on, besides its text and the questions."""
        context = self.context
        return (context.kind, context.id, context.iri, context.base, context.keys_in_page, context.course.iri,
                id(context.course.sources), id(context.course.glossary), id(context.course.modules))

    def parsed(self, text: str, fingerprint: tuple[Any, ...]) -> Parsed:
        """The section's tree up to the page structure, from the cache while its questions are the same."""
        cached = self.cache.get((text, fingerprint))
        loaded = self.context.loaded_question  # outside a parse it notes nothing
        if cached is not None and all(_same_question(loaded(q), found) for q, found in cached.lookups):
            self.reused += 1
            return cached
        self.rendered += 1
        md = self.md
        md.htmlStash = HtmlStash()
        md.reset()
        lookups: list[tuple[str, Question | None]] = []
        self.context.lookups = lookups
        try:
            lines = text.split("\n")
            for preprocessor in md.preprocessors:
                lines = preprocessor.run(lines)
            document = md.parser.parseDocument(lines).getroot()
            assert document is not None  # the parser always makes the document's root
            root = document
            for processor in self.before:
                new = processor.run(root)
                if new is not None:
                    root = new
        finally:
            self.context.lookups = None
        ids = {element.attrib["id"] for element in root.iter() if "id" in element.attrib}
        return Parsed(root, md.htmlStash, ids, lookups)

    def finish(self, parsed: Parsed, ids: set[str], terms: set[str]) -> Finished:
        """The section's HTML after toc and glossary, given the page's ids and the terms marked before it."""
        md = self.md
        md.htmlStash = parsed.stash
        root = copy.deepcopy(parsed.root)  # the parsed tree stays as it is for the next render
        heading_ids, marked = Asked(ids), Asked(terms)
        with _toc_asking(self.toc, heading_ids):
            for processor in self.after:
                if processor is self.glossary:
                    self.glossary.mark(root, marked)
                else:
                    new = processor.run(root)
                    if new is not None:
                        root = new
        html = SEPARATOR.join(md.serializer(child) for child in root)
        for postprocessor in md.postprocessors:
            html = postprocessor.run(html)
        pieces = html.split(SEPARATOR) if len(root) else []  # (an empty section: no piece, not one empty one)
        return Finished(pieces, heading_ids.answers, marked.answers, set(heading_ids), set(marked))
