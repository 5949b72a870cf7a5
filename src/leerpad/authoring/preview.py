"""One case or quiz, rendered and checked against the course, as the build and `leerpad validate` do.

Pure Python: the page "Casus schrijven" runs this module in Pyodide (in a Web Worker); the
tests run it in CPython too and compare. The course reaches it as *course data* (written by
the plugin at build time, `course_data`): the course's files as `leerpad validate` reads them,
reduced to what a check of another file can depend on (front matter, the id lines of question
blocks, the data files) with every line kept in place, so that an error such as "vraag-id
'x' bestaat al (eerder: cases/y.md:12)" names the same line. Answer keys, feedback and
module texts do not leave the build: a toets's answers stay off the site.

`Preview(data).check(text)` puts the trainer's text where it will live (`cases/<id>.md` or
`quizzes/<id>.md`), loads the whole course with `leerpad.content.load_course_files`, and
returns the file's errors and its page HTML from `leerpad.markdown`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import markdown

from leerpad.content import yamltext
from leerpad.content.loader import load_course_files
from leerpad.content.models import ContentError, Course, CourseSettings
from leerpad.content.questions import ID_PATTERN
from leerpad.content.yamltext import split_front_matter
from leerpad.layout import CASES_DIR, QUIZZES_DIR
from leerpad.markdown.context import PageContext
from leerpad.xapi.profile import activity_iri

DATA_VERSION = 1
# Front-matter keys only a case has, and only a quiz has (loader.CASE_KEYS / QUIZ_KEYS).
CASE_ONLY = ("setting", "roles", "modules", "krachtlijnen", "access", "minutes", "sources")
QUIZ_ONLY = ("module", "pass_mark", "attempts", "final", "draw")
_BLOCK_START = re.compile(r"^/{3}\s*question\b")
_BLOCK_END = re.compile(r"^/{3}\s*$")
_HEADER_ID = re.compile(r"^[ ]{4,}id\s*:")
_ALSO = re.compile(r"\(eerder: (?P<path>[^:()]+):(?P<line>\d+)\)")
_MD_LINK = re.compile(r'href="(?![a-z]+:|#|/)(?P<page>[^"#]*?)\.md(?P<fragment>#[^"]*)?"')


def reduce_file(path: str, text: str) -> str:
    """What another file's check needs of `path`, every kept line at its own line number.

    YAML data files stay whole (sources and glossary are published anyway); of a Markdown
    file the front matter, each question's `/// question` line, its `id:` line and its
    closing `///` stay, every other line before the last of those is left empty.
    """
    if not path.endswith(".md"):
        return text
    lines = text.split("\n")
    kept: list[str] = []
    in_front = bool(lines) and lines[0].strip() == "---"
    in_block = False
    for number, line in enumerate(lines):
        if in_front:
            kept.append(line)
            if number > 0 and line.strip() == "---":
                in_front = False
            continue
        if "///" not in line and not in_block:  # prose outside a block: neither start nor end (fast path)
            kept.append("")
        elif _BLOCK_START.match(line):
            in_block = True
            kept.append(line)
        elif in_block and _BLOCK_END.match(line):
            in_block = False
            kept.append(line)
        elif in_block and _HEADER_ID.match(line):
            kept.append(line)
        else:
            kept.append("")
    while kept and not kept[-1]:  # nothing after the last kept line matters (and re-checks scan every line)
        kept.pop()
    return "\n".join(kept) + "\n" if kept else ""


def _jsonable(value: Any) -> bool:
    if isinstance(value, str | int | float | bool) or value is None:
        return True
    if isinstance(value, list | tuple):
        return all(_jsonable(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _jsonable(v) for k, v in value.items())
    return False


def course_data(
    settings: CourseSettings,
    files: Mapping[str, str],
    extensions: list[str],
    configs: Mapping[str, Any],
    templates: Mapping[str, str],
    base: str,
) -> dict[str, Any]:
    """What the page ships about the course (JSON): reduced files, Markdown set-up, templates.

    `extensions`/`configs` are the course's Markdown extensions as MkDocs resolved them;
    configurations that are not plain data (Python objects) are left out, and so is
    Leerpad's own extension, which the preview adds itself. `base` is the path from the
    page to the site root, so that links in the preview lead to the course's pages.
    """
    names = [e for e in extensions if isinstance(e, str) and not e.startswith("leerpad")]
    reduced = {path: reduce_file(path, text) for path, text in sorted(files.items())}
    with yamltext.recording() as parsed:  # the page's first check then parses no YAML of the course
        load_course_files(reduced, settings)
    return {
        "version": DATA_VERSION,
        "settings": {"iri": settings.iri, "title": settings.title, "language": settings.language,
                     "docs_dir": settings.docs_dir, "nav": settings.nav},
        "files": reduced,
        "parsed": yamltext.export(parsed),
        "markdown": {
            "extensions": names,
            "configs": {n: configs[n] for n in names if n in configs and _jsonable(configs[n])},
        },
        "templates": dict(templates),
        "base": base,
    }


def detect_kind(text: str) -> str:
    """'quiz' when the front matter has a quiz's keys and none of a case's, else 'case'."""
    meta = split_front_matter(text).meta.data
    keys = set(meta) if isinstance(meta, dict) else set()
    return "quiz" if keys & set(QUIZ_ONLY) and not keys & set(CASE_ONLY) else "case"


def _ident(text: str) -> str:
    meta = split_front_matter(text).meta.data
    value = meta.get("id") if isinstance(meta, dict) else None
    return str(value) if value is not None else ""


def _site_link(match: re.Match[str]) -> str:
    """A link to another page (`../x/index.md`, `../bronnen.md#k`) as the built site has it."""
    page = match.group("page")
    page = page[: -len("index")] if page == "index" or page.endswith("/index") else page + "/"
    return f'href="{page}{match.group("fragment") or ""}"'


class Preview:
    """The course, ready to check and render one file after another (keep one per page)."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        if data.get("version") != DATA_VERSION:
            raise ValueError(f"course data version {data.get('version')!r}, expected {DATA_VERSION}")
        self.settings = CourseSettings(**data["settings"])
        self.files: dict[str, str] = dict(data["files"])
        yamltext.preload(data.get("parsed", []))
        self.base: str = str(data.get("base", ""))
        _course, errors = load_course_files(self.files, self.settings)
        self.baseline = set(errors)  # the reduced course's own errors: none of the trainer's business
        self.context = PageContext()
        setup = data.get("markdown", {})
        extensions: list[Any] = [*setup.get("extensions", []), "leerpad.markdown"]
        configs = {**setup.get("configs", {}), "leerpad.markdown": {"context": self.context}}
        self.md = markdown.Markdown(extensions=extensions, extension_configs=configs)

    def path_of(self, text: str) -> str:
        """Where the file belongs in the course: `cases/<id>.md` or `quizzes/<id>.md`."""
        folder = QUIZZES_DIR if detect_kind(text) == "quiz" else CASES_DIR
        ident = _ident(text)
        name = ident if ident and "/" not in ident and ID_PATTERN.match(ident) else "~nieuw"
        return f"{folder}/{name}.md"

    def errors(self, path: str, text: str) -> tuple[Course, list[ContentError]]:
        """The course with the text at `path`, and every error `leerpad validate` reports about it."""
        course, found = load_course_files({**self.files, path: text}, self.settings)
        own = [e for e in found if e.path == path]
        for error in found:
            if error.path == path or error in self.baseline:
                continue
            # A clash reported in the other file (it sorts later): show it in this file, at the
            # line it names, pointing at the other file.
            match = _ALSO.search(error.message)
            if match and match.group("path") == path:
                message = error.message.replace(match.group(0), f"(ook in {error.path}:{error.line})")
                own.append(ContentError(path, int(match.group("line")), message))
            else:
                own.append(ContentError(path, 1, f"{error.path}:{error.line}: {error.message}"))
        return course, sorted(own)

    def render(self, course: Course, kind: str, ident: str, text: str) -> str:
        """The page's HTML as the build renders it (title, case or quiz structure, questions)."""
        doc = split_front_matter(text)
        found = course.case(ident) if kind == "case" else course.quiz(ident)
        self.context.course = course
        self.context.base = self.base
        if found is not None:
            self.context.kind, self.context.id = kind, ident
            self.context.iri = activity_iri(course.iri, kind, ident)
        else:  # front matter unreadable or without id: the text as an ordinary page
            self.context.kind, self.context.id, self.context.iri = "page", None, None
        body = doc.body
        if found is not None and found.title and not re.search(r"^#\s", body, re.MULTILINE):
            body = f"# {found.title}\n\n{body}"
        self.md.reset()
        html = self.md.convert(body)
        return _MD_LINK.sub(_site_link, html)

    def check(self, text: str, path: str | None = None) -> dict[str, Any]:
        """Errors (`line`, `message`) and HTML of the trainer's text, and where it belongs.

        `path` is where the file will be put in the course; by default `<folder>/<id>.md`,
        the name the page downloads it under. `replaces` says when a file of the course is
        already there (the trainer edits it, or is about to overwrite it).
        """
        text = text.replace("\r\n", "\n")
        path = path or self.path_of(text)
        kind = "quiz" if path.startswith(QUIZZES_DIR + "/") else "case"
        course, errors = self.errors(path, text)
        ident = _ident(text)
        return {
            "kind": kind,
            "id": ident,
            "path": path,
            "replaces": path in self.files,
            "errors": [{"line": e.line, "message": e.message} for e in errors],
            "html": self.render(course, kind, ident, text),
        }
