"""The `leerpad.markdown` extension: question blocks, citations, glossary, page structure."""

from __future__ import annotations

from typing import Any

from markdown import Markdown
from pymdownx.blocks import BlocksExtension, BlocksProcessor

from leerpad.markdown.citations import CitationProcessor
from leerpad.markdown.context import PageContext
from leerpad.markdown.glossary import GlossaryProcessor
from leerpad.markdown.page import PageStructureProcessor
from leerpad.markdown.question import QuestionBlockProcessor, UnclosedQuestions


class LeerpadExtension(BlocksExtension):
    """Python-Markdown extension; `context` says which page is being rendered."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.config = {"context": [PageContext(), "The PageContext of the page being rendered"]}
        super().__init__(*args, **kwargs)

    def extendMarkdownBlocks(self, md: Markdown, block_mgr: BlocksProcessor) -> None:
        context: PageContext = self.getConfig("context")
        block_mgr.register(QuestionBlockProcessor, {"context": context})
        # Before inline processing (20): the question's texts still need it.
        md.treeprocessors.register(UnclosedQuestions(md, block_mgr), "leerpad-unclosed", 25)
        md.inlinePatterns.register(CitationProcessor(context), "leerpad-citation", 175)
        # After inline processing (20), before MkDocs resolves relative links (0).
        md.treeprocessors.register(PageStructureProcessor(md, context), "leerpad-page", 6)
        md.treeprocessors.register(GlossaryProcessor(md, context), "leerpad-glossary", 5)


def makeExtension(**kwargs: Any) -> LeerpadExtension:  # noqa: N802 - Markdown's API name
    """Entry point used by Markdown when loading `leerpad.markdown.extension`."""
    return LeerpadExtension(**kwargs)
