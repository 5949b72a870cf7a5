"""What the Markdown extension needs to know about the page being rendered."""

from __future__ import annotations

from dataclasses import dataclass, field

from leerpad.content.models import Course


@dataclass
class PageContext:
    """Set by the MkDocs plugin before each page (or by a caller rendering one text).

    `kind` is module, quiz, case or page; `iri` is the activity id that the
    page's questions hang under; `base` is the relative path from the page's
    source file to the docs root, so that links like ``{base}bronnen.md``
    are resolved (and checked) by MkDocs. `keys_in_page` is false when the course
    names an LRS: a toets's answer key then stays on the server (scoring service).
    """

    kind: str = "page"
    id: str | None = None
    iri: str | None = None
    base: str = ""
    course: Course = field(default_factory=lambda: Course(iri="", title=""))
    keys_in_page: bool = True
