"""Load a whole course from its files and collect every content error.

`load_course_files` works on a mapping of relative path → text so that the same
code runs on disk (CPython) and in the trainer's browser editor (Pyodide).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from leerpad.content.fields import Fields
from leerpad.content.models import (
    ACCESS_DIMENSIONS,
    KRACHTLIJNEN,
    ROLES,
    SETTINGS,
    Case,
    ContentError,
    Course,
    CourseSettings,
    GlossaryTerm,
    Module,
    Question,
    Quiz,
    Source,
)
from leerpad.content.questions import ID_PATTERN, Fences, find_blocks, marked_lines, parse_block
from leerpad.content.yamltext import MarkdownDoc, YamlDoc, parse_yaml, split_front_matter
from leerpad.layout import CASES_DIR, GLOSSARY_FILE, QUIZZES_DIR, SOURCES_FILE, is_generated

CITATION = re.compile(r"\[@(?P<key>[^\]\s]+)\]")
INLINE_CODE = re.compile(r"(`+).+?\1")  # `[@key]` in code is an example, not a citation
_CITATION_MARKERS = re.compile(r"```|~~~|\[@")

QUIZ_KEYS = ("id", "title", "module", "pass_mark", "attempts", "final", "draw", "description")
CASE_KEYS = (
    "id",
    "title",
    "setting",
    "roles",
    "modules",
    "krachtlijnen",
    "access",
    "minutes",
    "sources",
    "description",
)
SOURCE_KEYS = (
    "authors",
    "year",
    "title",
    "journal",
    "volume",
    "pages",
    "doi",
    "url",
    "publisher",
    "note",
)


def load_course(root: Path, settings: CourseSettings) -> tuple[Course, list[ContentError]]:
    """Read a course folder (the one holding mkdocs.yml) configured by `settings`."""
    return load_course_files(read_course_files(root, settings), settings)


def read_course_files(root: Path, settings: CourseSettings) -> dict[str, str]:
    """Relative path → text of every file the loader reads in a course folder."""
    files: dict[str, str] = {}
    folders = ((settings.docs_dir, ("**/*.md", "*.yml")), (CASES_DIR, ("*.md",)), (QUIZZES_DIR, ("*.md",)))
    for folder, patterns in folders:
        base = root / folder
        if not base.is_dir():
            continue
        for pattern in patterns:
            for file in sorted(p for p in base.glob(pattern) if p.is_file()):
                files[file.relative_to(root).as_posix()] = file.read_text(encoding="utf-8")
    return files


def nav_pages(nav: Any) -> Iterator[str]:
    """Every Markdown path in a MkDocs nav, in order."""
    if isinstance(nav, str):
        if nav.endswith(".md") and "://" not in nav:
            yield nav
    elif isinstance(nav, list):
        for item in nav:
            yield from nav_pages(item)
    elif isinstance(nav, dict):
        for value in nav.values():
            yield from nav_pages(value)


class _Loader:
    """One pass over the files; fills a Course and a list of errors."""

    def __init__(self, files: Mapping[str, str], settings: CourseSettings) -> None:
        self.files = files
        self.settings = settings
        self.errors: list[ContentError] = []
        self.question_ids: dict[str, str] = {}  # id -> "path:line" of first use
        self.docs_dir = settings.docs_dir.strip("/") or "docs"
        self.course = Course(iri=settings.iri.rstrip("/"), title=settings.title, language=settings.language)

    def load(self) -> Course:
        self.load_sources()
        self.load_glossary()
        self.load_modules()
        self.load_quizzes()
        self.load_cases()
        self.check_citations()
        self.errors.sort()
        return self.course

    # -- sources and glossary -------------------------------------------------

    def _entries(self, name: str, what: str, shape: str) -> Iterator[tuple[str, Any, Fields]]:
        """Each top-level entry of a YAML data file in docs/, with a Fields reader at its line."""
        path = f"{self.docs_dir}/{name}"
        if path not in self.files:
            return
        doc = parse_yaml(self.files[path])
        if doc.error:
            self.errors.append(ContentError(path, *doc.error))
            return
        if not isinstance(doc.data, dict):
            self.errors.append(ContentError(path, 1, f"{name} moet {shape}"))
            return
        for key, entry in doc.data.items():
            sub = YamlDoc(data=entry, lines=doc.sublines.get(str(key), {}), start=doc.line(str(key)))
            yield str(key), entry, Fields(sub, path, self.errors, f"{what} '{key}'")

    def load_sources(self) -> None:
        for key, entry, fields in self._entries(SOURCES_FILE, "bron", "per sleutel een bron bevatten"):
            if not ID_PATTERN.match(key):
                fields.error(None, f"ongeldige bronsleutel '{key}'")
                continue
            if not isinstance(entry, dict):
                fields.error(None, f"bron '{key}' moet velden hebben (authors, year, title, …)")
                continue
            fields.allow_only(SOURCE_KEYS)
            authors = entry.get("authors")
            if not isinstance(authors, list) or not authors:
                fields.error("authors" if "authors" in entry else None,
                             f"bron '{key}' zonder 'authors' (een lijst van namen)")
                authors = []
            year = entry.get("year")
            if year is None:
                fields.error(None, f"bron '{key}' zonder 'year'")
            self.course.sources[key] = Source(
                key=key,
                authors=[str(a) for a in authors],
                year=year if isinstance(year, int | str) else "",
                title=fields.text("title"),
                journal=fields.text("journal", required=False),
                volume=fields.text("volume", required=False),
                pages=fields.text("pages", required=False),
                doi=fields.text("doi", required=False),
                url=fields.text("url", required=False),
                publisher=fields.text("publisher", required=False),
                note=fields.text("note", required=False),
            )

    def load_glossary(self) -> None:
        for term, entry, fields in self._entries(GLOSSARY_FILE, "term", "per term een uitleg bevatten"):
            if not isinstance(entry, dict):
                fields.error(None, f"term '{term}' heeft zorgtaal en sociale_taal nodig")
                continue
            fields.allow_only(("zorgtaal", "sociale_taal", "synoniemen"))
            synonyms = entry.get("synoniemen", [])
            self.course.glossary.append(
                GlossaryTerm(
                    term=str(term),
                    zorgtaal=fields.text("zorgtaal"),
                    sociale_taal=fields.text("sociale_taal"),
                    synoniemen=[str(s) for s in synonyms] if isinstance(synonyms, list) else [],
                )
            )

    # -- modules, quizzes, cases ----------------------------------------------

    def load_modules(self) -> None:
        seen: dict[str, str] = {}
        for page in nav_pages(self.settings.nav):
            if is_generated(page):
                continue
            path = f"{self.docs_dir}/{page}"
            if path not in self.files:
                continue
            doc = split_front_matter(self.files[path])
            if doc.meta.error:
                self.errors.append(ContentError(path, *doc.meta.error))
                continue
            fields = Fields(doc.meta, path, self.errors, "module")
            if "id" not in fields.data:
                continue  # an ordinary page (home, glossary, guide)
            module_id = fields.ident()
            module = Module(
                id=module_id,
                title=fields.text("title"),
                path=path,
                page=page,
                minutes=fields.number("minutes", 0, 0, None, integer=True, required=True),
                credits=fields.number("credits", None, 0, None),
            )
            self._unique(seen, module_id, path, doc.meta.line("id"), "module")
            module.questions = self._questions(doc.body, path, doc.body_start)
            self.course.modules.append(module)

    def load_quizzes(self) -> None:
        seen: dict[str, str] = {}
        modules = [m.id for m in self.course.modules]
        for path, doc, fields in self._documents(QUIZZES_DIR, "toets", QUIZ_KEYS):
            quiz = Quiz(
                id=fields.ident(),
                title=fields.text("title"),
                module=fields.one_of("module", modules) if modules else fields.text("module"),
                path=path,
                pass_mark=fields.number("pass_mark", 0.8, 0, 1),
                attempts=fields.number("attempts", 0, 0, None, integer=True),
                final=fields.flag("final"),
                draw=fields.number("draw", None, 1, None, integer=True),
                body=doc.body,
            )
            self._unique(seen, quiz.id, path, doc.meta.line("id"), "toets")
            quiz.questions = self._questions(doc.body, path, doc.body_start)
            if not quiz.questions:
                fields.error(None, f"toets '{quiz.id}' bevat geen vragen (/// question)")
            scored = sum(1 for q in quiz.questions if q.scored)
            if quiz.draw is not None and quiz.draw > scored:
                noun = "gescoorde vraag" if scored == 1 else "gescoorde vragen"
                fields.error("draw", f"'draw' is {quiz.draw}, maar de toets heeft maar {scored} {noun}")
                quiz.draw = None
            self.course.quizzes.append(quiz)

    def load_cases(self) -> None:
        seen: dict[str, str] = {}
        modules = [m.id for m in self.course.modules]
        for path, doc, fields in self._documents(CASES_DIR, "casus", CASE_KEYS):
            case = Case(
                id=fields.ident(),
                title=fields.text("title"),
                path=path,
                setting=fields.one_of("setting", SETTINGS),
                roles=fields.list_of("roles", ROLES, "rol"),
                modules=fields.list_of("modules", modules, "module"),
                krachtlijnen=fields.list_of("krachtlijnen", KRACHTLIJNEN, "krachtlijn"),
                access=fields.list_of("access", ACCESS_DIMENSIONS, "toegangsdimensie"),
                minutes=fields.number("minutes", 0, 0, None, integer=True),
                sources=fields.list_of("sources", list(self.course.sources), "bron"),
                body=doc.body,
            )
            self._unique(seen, case.id, path, doc.meta.line("id"), "casus")
            case.questions = self._questions(doc.body, path, doc.body_start)
            self.course.cases.append(case)

    def _documents(self, folder: str, what: str, keys: tuple[str, ...]) -> Iterator[tuple[str, MarkdownDoc, Fields]]:
        """Each Markdown file of a folder with readable front matter, its unknown keys reported."""
        for path in sorted(p for p in self.files if p.startswith(f"{folder}/") and p.endswith(".md")):
            doc = split_front_matter(self.files[path])
            if doc.meta.error:
                self.errors.append(ContentError(path, *doc.meta.error))
                continue
            fields = Fields(doc.meta, path, self.errors, what)
            if not doc.has_front_matter:
                fields.error(None, f"{what} zonder front matter (--- id, title, … ---)")
                continue
            fields.allow_only(keys)
            yield path, doc, fields

    def _questions(self, body: str, path: str, first_line: int) -> list[Question]:
        questions: list[Question] = []
        for block in find_blocks(body, first_line):
            question, errors = parse_block(block, path)
            self.errors.extend(errors)
            if question.id:
                line = block.header.line("id") if "id" in block.header.lines else block.start
                self._unique(self.question_ids, question.id, path, line, "vraag")
            questions.append(question)
        return questions

    def _unique(self, seen: dict[str, str], ident: str, path: str, line: int, what: str) -> None:
        if not ident:
            return
        if ident in seen:
            self.errors.append(
                ContentError(path, line, f"{what}-id '{ident}' bestaat al (eerder: {seen[ident]})")
            )
        else:
            seen[ident] = f"{path}:{line}"

    def check_citations(self) -> None:
        for path, text in self.files.items():
            if not path.endswith(".md") or "[@" not in text:  # most files cite nothing
                continue
            fences = Fences()
            lines = text.split("\n")
            # Only a line with a fence or a citation matters: the fence state changes on the one,
            # the other is checked (a line without a fence marker opens no code: is_code is False).
            for index in marked_lines(text, _CITATION_MARKERS):
                line = lines[index]
                prose = fences.open is None and "```" not in line and "~~~" not in line  # holds a citation
                if not prose and (fences.is_code(line) or "[@" not in line):
                    continue
                number = index + 1
                for match in CITATION.finditer(INLINE_CODE.sub("", line)):
                    key = match.group("key")
                    if key not in self.course.sources:
                        self.errors.append(
                            ContentError(path, number, f"onbekende bron '[@{key}]' (niet in sources.yml)")
                        )


def load_course_files(files: Mapping[str, str], settings: CourseSettings) -> tuple[Course, list[ContentError]]:
    """Build the course from relative path → text; errors sorted by file and line."""
    loader = _Loader(files, settings)
    course = loader.load()
    return course, loader.errors


__all__ = ["load_course", "load_course_files", "nav_pages", "read_course_files"]
