"""The `leerpad.markdown` extension: question blocks, citations, glossary, page structure."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from typing import Any

from markdown import Markdown
from pymdownx.blocks import BlocksExtension, BlocksProcessor

from leerpad.content.questions import plain_header
from leerpad.markdown.citations import CitationProcessor
from leerpad.markdown.context import PageContext
from leerpad.markdown.glossary import GlossaryProcessor
from leerpad.markdown.page import PageStructureProcessor
from leerpad.markdown.question import PlainQuestionTexts, QuestionBlockProcessor, UnclosedQuestions


class LeerpadExtension(BlocksExtension):
    """Python-Markdown extension; `context` says which page is being rendered."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.config = {"context": [PageContext(), "The PageContext of the page being rendered"]}
        super().__init__(*args, **kwargs)

    def extendMarkdownBlocks(self, md: Markdown, block_mgr: BlocksProcessor) -> None:
        context: PageContext = self.getConfig("context")
        block_mgr.register(QuestionBlockProcessor, {"context": context})
        read_plain_headers(block_mgr)
        # Before inline processing (20): the question's texts still need it.
        md.treeprocessors.register(UnclosedQuestions(md, block_mgr), "leerpad-unclosed", 25)
        # After every question is rendered, before inline processing: what it may skip.
        md.treeprocessors.register(PlainQuestionTexts(md), "leerpad-plain-texts", 21)
        md.inlinePatterns.register(CitationProcessor(context), "leerpad-citation", 175)
        # After inline processing (20), before MkDocs resolves relative links (0).
        md.treeprocessors.register(PageStructureProcessor(md, context), "leerpad-page", 6)
        md.treeprocessors.register(GlossaryProcessor(md, context), "leerpad-glossary", 5)


SplitHeader = Callable[[str, int], tuple[dict[str, Any] | None, str]]


def read_plain_headers(block_mgr: BlocksProcessor) -> bool:
    """Let this page's block manager read `key: word` headers without pure-Python YAML.

    PyMdown reads every block header with `yaml.safe_load`, the largest part of
    what question blocks cost a build. For a header `plain_header` can read (the
    same dict YAML gives), the header is cut off and PyMdown splits the rest as
    usual; any other header goes to PyMdown untouched. Only this Markdown
    instance's manager is changed. Returns False (and changes nothing) when
    PyMdown's manager no longer has the shape this relies on: a test checks it.
    """
    split: SplitHeader | None = getattr(block_mgr, "split_header", None)
    header_lines = getattr(block_mgr, "yaml_line", None)
    if split is None or header_lines is None or getattr(split, "leerpad", False):
        return False

    def split_header(block: str, length: int) -> tuple[dict[str, Any] | None, str]:
        header = header_lines.match(block)
        if header is not None:
            options = plain_header(textwrap.dedent(header.group(0)).rstrip("\n").split("\n"))
            if options is not None:
                _none, rest = split(block[header.end():], length)  # what follows has no header
                return dict(options), rest
        return split(block, length)

    split_header.leerpad = True  # type: ignore[attr-defined]
    block_mgr.split_header = split_header
    return True


def makeExtension(**kwargs: Any) -> LeerpadExtension:  # noqa: N802 - Markdown's API name
    """Entry point used by Markdown when loading `leerpad.markdown.extension`."""
    return LeerpadExtension(**kwargs)
