"""The `/// question` block: renders a parsed Question as accessible HTML.

The block is a PyMdown Extensions block in raw mode: its content reaches us
untouched and is parsed by `leerpad.content.questions` (the validator's own
parser); only the stem, prompt, option and feedback texts go through Markdown.
"""

from __future__ import annotations

import json
import logging
import random
import re
import xml.etree.ElementTree as etree
from typing import Any

from markdown import Markdown
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString
from pymdownx.blocks import BlocksProcessor
from pymdownx.blocks.block import Block, type_string, type_string_in

from leerpad.content.models import QUESTION_TYPES, Option, Question
from leerpad.content.questions import QuestionBlock, parse_block
from leerpad.content.yamltext import YamlDoc
from leerpad.markdown.context import PageContext
from leerpad.xapi.profile import question_data, question_iri, without_key

TRUE_FALSE_ORDER = ("true", "false")
# MkDocs shows what its own loggers say (and counts warnings for --strict); the
# name is only a string, so this package still runs without MkDocs (Pyodide).
log = logging.getLogger("mkdocs.plugins.leerpad.question")


_QUESTION_TYPE = type_string_in(QUESTION_TYPES, insensitive=False)


def question_type(value: Any) -> str:
    """The `type` option: one of the question types (PyMdown's `type_string_in`).

    A plain function around the check, because PyMdown deep-copies every block's
    OPTIONS for every block: a function is copied as is, a partial is rebuilt.
    """
    return str(_QUESTION_TYPE(value))


class QuestionBlockProcessor(Block):
    """`/// question | Stem` with `id` and `type` in its indented header."""

    NAME = "question"
    ARGUMENT = None
    OPTIONS = {"id": ("", type_string), "type": ("single", question_type)}

    def on_init(self) -> None:
        # An option that fails its check makes PyMdown leave the block as plain
        # text without a word: say so in the build log, naming the page.
        def checked_type(value: Any) -> str:
            try:
                return question_type(value)
            except ValueError:
                log.warning(
                    "%sonbekend vraagtype '%s' (kies uit: %s): de vraag wordt als gewone tekst getoond",
                    self._where(), value, ", ".join(QUESTION_TYPES),
                )
                raise

        self.option_spec["type"] = (self.option_spec["type"][0], checked_type)

    def _where(self) -> str:
        context: PageContext = self.config["context"]
        return f"{context.src}: " if context.src else ""

    def on_markdown(self) -> str:
        return "raw"

    def on_create(self, parent: etree.Element) -> etree.Element:
        self.element = etree.SubElement(parent, "div", {"class": "leerpad-question"})
        # PyMdown never ends a block left open at the end of the page: remember it.
        self.tracker.setdefault("open", []).append(self)
        return self.element

    def on_end(self, block: etree.Element) -> None:
        # A `/// question` line right under another one's opening line starts a block inside
        # it: PyMdown then ends the outer block, and ends it again at the next `///`. Render
        # it once; the inner one stays open and is rendered (and reported) as unclosed.
        opened = self.tracker.get("open", [])
        if self not in opened:
            return
        opened.remove(self)
        self.finish(closed=True)

    def finish(self, closed: bool) -> None:
        """Parse the block's raw content (as the validator does) and render the question."""
        block = self.element
        raw = block.text or ""
        block.text = None
        context: PageContext = self.config["context"]
        # A module's, quiz's or case's questions were parsed (and their errors
        # reported, with file lines) by the loader from this very file: reuse them.
        question = context.loaded_question(self.options["id"]) if closed and self.options["id"] else None
        if question is None:
            header = YamlDoc(data={"id": self.options["id"], "type": self.options["type"]})
            body = list(enumerate((raw if closed else self.dedent(raw)).split("\n"), start=1))
            parsed = QuestionBlock(0, str(self.argument or "").strip(), header, body, closed)
            question, errors = parse_block(parsed, "")
            # A block anywhere else is only seen here, so it must not fail silently.
            for error in errors:
                log.warning("%s%s", self._where(), error.message)
        render_question(block, question, self.md, context)


class UnclosedQuestions(Treeprocessor):
    """Renders (and reports) question blocks still open at the end of the page."""

    def __init__(self, md: Markdown, block_mgr: BlocksProcessor) -> None:
        super().__init__(md)
        self.block_mgr = block_mgr  # its trackers are replaced for every page: look them up each time

    def run(self, root: etree.Element) -> None:
        tracker = self.block_mgr.trackers.get(QuestionBlockProcessor.NAME, {})
        for block in tracker.pop("open", []):
            block.finish(closed=False)


# What each of Python-Markdown's own inline patterns (and the citation) needs in a text to
# match at all: one of the characters it can start with, or (line break) a sequence.
_INLINE_TRIGGERS = {
    "backtick": "`\\", "escape": "\\", "reference": "[", "link": "[", "image_link": "!",
    "image_reference": "!", "short_reference": "[", "short_image_ref": "!", "autolink": "<",
    "automail": "<", "linebreak": "", "html": "<", "entity": "&", "not_strong": "*_",
    "em_strong": "*_", "em_strong2": "*_", "leerpad-citation": "[",
}
_TRIGGER_SEQUENCES = {"linebreak": "  \n"}
_INLINE_MODULES = ("markdown.inlinepatterns", "leerpad.markdown.citations")
# Tree processors known not to treat an atomic text differently from a plain one once inline
# processing is done (abbr does, so it is allowed only without abbreviations on the page).
_KNOWN_TREEPROCESSORS = {
    "inline", "prettify", "unescape", "toc", "abbr", "attr_list", "blocks_on_inline_end", "leerpad-unclosed",
    "leerpad-plain-texts", "leerpad-page", "leerpad-glossary", "mkdocs_extract_anchors", "relpath",
    "mkdocs_extract_title",
}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


def inline_triggers(md: Markdown) -> re.Pattern[str] | None:
    """A regex that finds whatever could make this Markdown's inline processing change a text.

    None when that cannot be known: an inline pattern or tree processor Leerpad does not
    know, a delimiter processor of another shape, or abbreviations defined on the page.
    """
    if len(md.inlinePatterns) != sum(1 for name in _INLINE_TRIGGERS if name in md.inlinePatterns):
        return None
    if len(md.treeprocessors) != sum(1 for name in _KNOWN_TREEPROCESSORS if name in md.treeprocessors):
        return None
    if "abbr" in md.treeprocessors and getattr(md.treeprocessors["abbr"], "abbrs", None) != {}:
        return None
    # One character class for every single character (sre tests a class at once, a list of
    # alternatives one by one: three times slower on a course's question texts).
    chars = {"\x02", "\x03"}  # placeholders of stashed HTML and inline nodes
    sequences: list[str] = []
    for name, trigger in _INLINE_TRIGGERS.items():
        if name not in md.inlinePatterns:
            continue
        pattern = md.inlinePatterns[name]
        if type(pattern).__module__ not in _INLINE_MODULES:
            return None
        chars.update(trigger)
        if name in _TRIGGER_SEQUENCES:
            sequences.append(_TRIGGER_SEQUENCES[name])
        if name == "em_strong" and hasattr(pattern, "tokens"):  # delimiters other extensions may add
            tokens = getattr(pattern, "tokens", None)
            if not isinstance(tokens, list) or not all(isinstance(t, str) and t for t in tokens):
                return None
            chars.update(t for t in tokens if len(t) == 1)
            sequences.extend(t for t in tokens if len(t) > 1)
    parts = ["[" + "".join(re.escape(c) for c in sorted(chars)) + "]", *(re.escape(s) for s in sequences)]
    return re.compile("|".join(parts))


class PlainQuestionTexts(Treeprocessor):
    """Marks the texts in questions that inline processing would leave as they are (most of them).

    A question's stem, options and feedback are many short texts; the inline processor tries
    every pattern on each. One search for any pattern's first character tells that none can
    match: such a text is made atomic, the inline processor skips it, and the HTML is the same.
    """

    def run(self, root: etree.Element) -> None:
        questions = [element for element in root.iter("div") if element.get("class") == "leerpad-question"]
        triggers = inline_triggers(self.md) if questions else None
        if triggers is None:
            return
        for question in questions:
            _mark_plain(question, triggers)


def _mark_plain(question: etree.Element, triggers: re.Pattern[str]) -> None:
    elements = list(question.iter())
    if not _HEADINGS.isdisjoint({element.tag for element in elements}):
        return  # a heading's text also names its table-of-contents entry: left as it is
    for element in elements[1:]:  # the question's own tail lies outside it
        text = element.text
        if text and not isinstance(text, AtomicString) and triggers.search(text) is None:
            element.text = AtomicString(text)
        tail = element.tail
        if tail and not isinstance(tail, AtomicString) and triggers.search(tail) is None:
            element.tail = AtomicString(tail)


def render_question(root: etree.Element, question: Question, md: Any, context: PageContext) -> None:
    """Fill `root` (a div) with the question's HTML as the page contract says.

    A scored question of a toets shows no key when the course names an LRS: the
    scoring service holds it (`.leerpad/keys/`) and gives the feedback after a submit.
    """
    keyless = not context.keys_in_page and context.kind == "quiz" and question.scored
    if keyless:
        question = without_key(question)
    parent_iri = context.iri or f"{context.course.iri}/page"
    iri = question_iri(parent_iri, question.id)
    dom_id = f"vraag-{question.id}"
    root.set("id", dom_id)
    root.set("data-leerpad-question", question.id)
    root.set("data-type", question.type)
    root.set("data-iri", iri)
    root.set("data-scored", "true" if question.scored else "false")

    # An attribute, not a JSON <script>: Material's instant loading re-runs the content's scripts.
    data = question_data(question, iri, key=not keyless)
    root.set("data-question", json.dumps(data, ensure_ascii=False, separators=(",", ":")))

    fieldset = etree.SubElement(root, "fieldset")
    legend = etree.SubElement(fieldset, "legend", {"class": "leerpad-question__stem"})
    legend.text = question.stem
    if question.prompt.strip():
        prompt = etree.SubElement(fieldset, "div", {"class": "leerpad-question__prompt"})
        md.parser.parseChunk(prompt, question.prompt)

    render = _RENDERERS.get(question.type, _choices)
    render(fieldset, question, dom_id)

    if question.explanation:
        _feedback(fieldset, "*", question.explanation)


def _feedback(parent: etree.Element, for_id: str, text: str) -> None:
    # Kept out of the search index: searching must not reveal which answer is right.
    box = etree.SubElement(
        parent,
        "div",
        {"class": "leerpad-feedback", "data-feedback-for": for_id, "hidden": "hidden", "data-search-exclude": ""},
    )
    box.text = text


def _choices(fieldset: etree.Element, question: Question, dom_id: str) -> None:
    kind = "checkbox" if question.type == "multiple" else "radio"
    options = question.options
    if question.type == "true-false":
        options = sorted(options, key=lambda o: TRUE_FALSE_ORDER.index(o.id) if o.id in TRUE_FALSE_ORDER else 2)
    ul = etree.SubElement(fieldset, "ul", {"class": "leerpad-options"})
    for option in options:
        li = etree.SubElement(ul, "li", {"class": "leerpad-option", "data-option": option.id})
        label = etree.SubElement(li, "label")
        etree.SubElement(label, "input", {"type": kind, "name": dom_id, "value": option.id})
        text = etree.SubElement(label, "span", {"class": "leerpad-option__text"})
        text.text = option.text
        if option.feedback:
            _feedback(li, option.id, option.feedback)


def _fill_in(fieldset: etree.Element, question: Question, dom_id: str) -> None:
    label = etree.SubElement(fieldset, "label", {"class": "leerpad-fillin"})
    label.text = "Uw antwoord "
    etree.SubElement(label, "input", {"type": "text", "autocomplete": "off", "name": dom_id})


def _shuffled(items: list[Option], seed: str) -> list[Option]:
    """A deterministic order that is never the given (right) order."""
    order = list(items)
    random.Random(seed).shuffle(order)
    if len(order) > 1 and order == items:
        order = order[1:] + order[:1]
    return order


def _sequence(fieldset: etree.Element, question: Question, dom_id: str) -> None:
    ol = etree.SubElement(fieldset, "ol", {"class": "leerpad-sequence"})
    for option in _shuffled(question.options, question.id):
        li = etree.SubElement(ol, "li", {"data-option": option.id})
        text = etree.SubElement(li, "span", {"class": "leerpad-option__text"})
        text.text = option.text


def _matching(fieldset: etree.Element, question: Question, dom_id: str) -> None:
    ul = etree.SubElement(fieldset, "ul", {"class": "leerpad-matching"})
    targets = _shuffled(question.options, f"{question.id}/target")
    for n, option in enumerate(question.options, start=1):
        li = etree.SubElement(ul, "li", {"data-source": option.id})
        select_id = f"{dom_id}-{n}"
        label = etree.SubElement(li, "label", {"for": select_id})
        label.text = option.text
        label.tail = " "
        select = etree.SubElement(li, "select", {"id": select_id, "data-source": option.id, "data-search-exclude": ""})
        empty = etree.SubElement(select, "option", {"value": ""})
        empty.text = AtomicString("— kies —")
        for target in targets:
            choice = etree.SubElement(select, "option", {"value": target.match_id})
            choice.text = AtomicString(target.match)


def _reflection(fieldset: etree.Element, question: Question, dom_id: str) -> None:
    label = etree.SubElement(fieldset, "label", {"class": "leerpad-reflection"})
    label.text = "Uw antwoord "
    etree.SubElement(label, "textarea", {"rows": "4", "name": dom_id})


_RENDERERS = {
    "fill-in": _fill_in,
    "sequencing": _sequence,
    "matching": _matching,
    "reflection": _reflection,
}
