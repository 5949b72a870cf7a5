"""One case or quiz, rendered and checked against the course, as the build and `leerpad validate` do.

Pure Python: the page "Casus schrijven" runs this module in Pyodide (in a Web Worker); the
tests run it in CPython too and compare. The course reaches it as *course data* (written by
the plugin at build time, `course_data`): the course's files as `leerpad validate` reads them,
reduced to what a check of another file can depend on (front matter, the id lines of question
blocks, the data files) with every line kept in place, so that an error such as "vraag-id
'x' bestaat al (eerder: cases/y.md:12)" names the same line. Answer keys, feedback and
module texts do not leave the build: a toets's answers stay off the site.

`Preview(data).check(text)` puts the trainer's text where it will live (`cases/<id>.md` or
`quizzes/<id>.md`) and returns the file's errors and its page HTML from `leerpad.markdown`.
The course is loaded once (`leerpad.content.load_course_files`); a check then reads only the
trainer's file with the loader's own code, against the loaded sources, glossary and modules,
and replays the course's id checks (module, quiz, case and question ids, in the loader's
order) with the file's ids put where the file sorts: the same errors as a load of the whole
course, without re-reading it on every keystroke.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

import markdown

from leerpad.content import yamltext
from leerpad.content.loader import _Loader, load_course_files, nav_pages  # noqa: PLC2701 (the loader's own pass, per file)
from leerpad.content.models import Case, ContentError, Course, CourseSettings, Quiz
from leerpad.content.questions import ID_PATTERN
from leerpad.content.yamltext import split_front_matter
from leerpad.layout import CASES_DIR, QUIZZES_DIR
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


class IdUse(NamedTuple):
    """One id the loader checks for uniqueness (`_Loader._unique`), in the order it checks it."""

    what: str  # module, toets, casus, vraag: each its own namespace, as in the loader
    ident: str
    path: str
    line: int


class _CourseLoad(_Loader):
    """The whole course's load, as `load_course_files`, noting every id check it makes."""

    def __init__(self, files: Mapping[str, str], settings: CourseSettings) -> None:
        super().__init__(files, settings)
        self.uses: list[IdUse] = []

    def _unique(self, seen: dict[str, str], ident: str, path: str, line: int, what: str) -> None:
        if ident:
            self.uses.append(IdUse(what, ident, path, line))
        super()._unique(seen, ident, path, line, what)


class _FileLoad(_Loader):
    """The loader's pass over one case or quiz, against the course's sources, glossary and
    modules as loaded before; its id checks are noted, to be replayed with the course's."""

    def __init__(self, path: str, text: str, settings: CourseSettings, course: Course) -> None:
        super().__init__({path: text}, settings)
        self.course.sources, self.course.glossary, self.course.modules = course.sources, course.glossary, course.modules
        self.uses: list[IdUse] = []

    def load(self) -> Course:
        self.load_quizzes()
        self.load_cases()
        self.check_citations()
        return self.course

    def _unique(self, seen: dict[str, str], ident: str, path: str, line: int, what: str) -> None:
        if ident:
            self.uses.append(IdUse(what, ident, path, line))


def replay(uses: Iterable[IdUse]) -> list[ContentError]:
    """The errors `_Loader._unique` reports for these id checks made in this order."""
    seen: dict[str, dict[str, str]] = {}
    errors = []
    for what, ident, path, line in uses:
        first = seen.setdefault(what, {})
        if ident in first:
            errors.append(ContentError(path, line, f"{what}-id '{ident}' bestaat al (eerder: {first[ident]})"))
        else:
            first[ident] = f"{path}:{line}"
    return errors


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
    parsed: Iterable[tuple[str, int]] | None = None,
) -> dict[str, Any]:
    """What the page ships about the course (JSON): reduced files, Markdown set-up, templates.

    `extensions`/`configs` are the course's Markdown extensions as MkDocs resolved them;
    configurations that are not plain data (Python objects) are left out, and so is
    Leerpad's own extension, which the preview adds itself. `base` is the path from the
    page to the site root, so that links in the preview lead to the course's pages.
    `parsed`: the YAML parses of a load of the whole files (`yamltext.recording`), when the
    caller made one (the build): the reduced files' parses are the same (front matter and data
    files are kept whole, a question's header keeps only its `id:` line, which is no YAML
    parse), so the course is not loaded a second time for them.
    """
    names = [e for e in extensions if isinstance(e, str) and not e.startswith("leerpad")]
    reduced = {path: reduce_file(path, text) for path, text in sorted(files.items())}
    if parsed is None:
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
        load = _CourseLoad(self.files, self.settings)
        self.course = load.load()
        self.baseline = set(load.errors)  # the reduced course's own errors: none of the trainer's business
        self.uses = load.uses
        # Where each file's checks stand in the loader's order: modules (nav order), quizzes, cases (by path).
        docs = self.settings.docs_dir.strip("/") or "docs"
        self.modules = {f"{docs}/{page}": n for n, page in enumerate(nav_pages(self.settings.nav))}
        # Imported here: every build imports this module (for `course_data`), only the editor renders.
        from leerpad.authoring.sections import QuestionLookups, Sections  # noqa: PLC0415

        self.context = QuestionLookups()
        setup = data.get("markdown", {})
        extensions: list[Any] = [*setup.get("extensions", []), "leerpad.markdown"]
        configs = {**setup.get("configs", {}), "leerpad.markdown": {"context": self.context}}
        self.md = markdown.Markdown(extensions=extensions, extension_configs=configs)
        self.sections = Sections(self.md, self.context)

    def path_of(self, text: str) -> str:
        """Where the file belongs in the course: `cases/<id>.md` or `quizzes/<id>.md`."""
        folder = QUIZZES_DIR if detect_kind(text) == "quiz" else CASES_DIR
        ident = _ident(text)
        name = ident if ident and "/" not in ident and ID_PATTERN.match(ident) else "~nieuw"
        return f"{folder}/{name}.md"

    def _order(self, path: str) -> tuple[int, int, str]:
        """Where the loader checks a file's ids: modules in nav order, then quizzes, then cases."""
        if path in self.modules:
            return (0, self.modules[path], "")
        return (1 if path.startswith(QUIZZES_DIR + "/") else 2, 0, path)

    def course_with(self, path: str, items: Iterable[Case | Quiz]) -> Course:
        """The loaded course with the file at `path` replaced by the trainer's case or quiz."""
        base = self.course
        course = Course(iri=base.iri, title=base.title, language=base.language, modules=base.modules,
                        sources=base.sources, glossary=base.glossary)
        course.quizzes = sorted([q for q in base.quizzes if q.path != path]
                                + [i for i in items if isinstance(i, Quiz)], key=lambda q: q.path)
        course.cases = sorted([c for c in base.cases if c.path != path]
                              + [i for i in items if isinstance(i, Case)], key=lambda c: c.path)
        return course

    def errors(self, path: str, text: str) -> tuple[Course, list[ContentError]]:
        """The course with the text at `path`, and every error `leerpad validate` reports about it.

        The same as `load_course_files` of the course with the text at `path` (a test compares
        them): only the trainer's file is read, the course's id checks are replayed around it.
        """
        load = _FileLoad(path, text, self.settings, self.course)
        loaded = load.load()
        uses = [u for u in self.uses if u.path != path] + load.uses
        uses.sort(key=lambda u: self._order(u.path))  # stable: each file's checks keep their order
        found = [*load.errors, *replay(uses)]
        course = self.course_with(path, [*loaded.quizzes, *loaded.cases])
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
        html = self.sections.convert(body)
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
