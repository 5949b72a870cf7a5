"""What the Markdown extension needs to know about the page being rendered."""

from __future__ import annotations

from dataclasses import dataclass, field

from leerpad.content.models import Course, Question


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
    src: str = ""  # the page's source path (relative to docs_dir), to name it in the build log
    keys_in_page: bool = True  # false with an LRS: a toets's key stays on the server

    def update(self, other: PageContext) -> None:
        """Take over another page's fields; the course stays (the extension holds this object)."""
        self.kind, self.id, self.iri, self.base, self.src = other.kind, other.id, other.iri, other.base, other.src

    def loaded_question(self, question_id: str) -> Question | None:
        """The question as the loader parsed it from this page's file (module, quiz or case), if any."""
        found = self.course.activity(self.kind, self.id)
        return next((q for q in found.questions if q.id == question_id), None) if found else None
