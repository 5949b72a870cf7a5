"""Helpers of the plugin: generated pages and files, page context, page configuration."""

from __future__ import annotations

import base64
import html
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

import leerpad
from leerpad.content.manifest import course_manifest
from leerpad.content.models import PROFESSIONS, Case, Course, Module, Quiz
from leerpad.markdown.context import PageContext
from leerpad.markdown.pages import case_overview_page, glossary_page, sources_page
from leerpad.plugin.config import LeerpadConfig
from leerpad.xapi.profile import activity_iri

ASSET_DIR = "assets/leerpad"
ASSETS = Path(leerpad.__file__).parent / "assets"
DATA_FILES = ("sources.yml", "glossary.yml")


def generated_files(course: Course, root: Path, files: Files, config: MkDocsConfig) -> Iterator[File]:
    """Quiz and case pages, the overview/sources/glossary pages and course.json."""
    for quiz in course.quizzes:
        yield File.generated(config, f"toetsen/{quiz.id}.md", content=(root / quiz.path).read_text("utf-8"))
    for case in course.cases:
        yield File.generated(config, f"casussen/{case.id}.md", content=(root / case.path).read_text("utf-8"))
    optional = {
        "casussen/index.md": case_overview_page,
        "bronnen.md": sources_page,
        "woordenlijst.md": glossary_page,
    }
    for uri, render in optional.items():
        if files.get_file_from_path(uri) is None:
            yield File.generated(config, uri, content=render(course))
    manifest = json.dumps(course_manifest(course), ensure_ascii=False, indent=1)
    yield File.generated(config, "course.json", content=manifest)


def asset_files(config: MkDocsConfig) -> Iterator[File]:
    """The browser runtime, copied from the package to `assets/leerpad/`."""
    # Only the built files at the top: `src/` holds the typed sources they are minified from.
    for path in sorted(ASSETS.iterdir()):
        if path.is_file() and path.suffix in (".js", ".css"):
            yield File.generated(config, f"{ASSET_DIR}/{path.name}", abs_src_path=str(path))


def page_context(course: Course, src_uri: str) -> PageContext:
    """Which kind of page a source file is, and the activity its questions hang under."""
    base = "../" * src_uri.count("/")
    stem = src_uri.rsplit("/", 1)[-1].removesuffix(".md")
    if src_uri.startswith("toetsen/") and course.quiz(stem):
        return PageContext("quiz", stem, activity_iri(course.iri, "quiz", stem), base, course)
    if src_uri.startswith("casussen/") and course.case(stem):
        return PageContext("case", stem, activity_iri(course.iri, "case", stem), base, course)
    if src_uri == "woordenlijst.md":
        return PageContext("glossary", None, None, base, course)
    module = next((m for m in course.modules if m.page == src_uri), None)
    if module:
        return PageContext("module", module.id, activity_iri(course.iri, "module", module.id), base, course)
    return PageContext("page", None, None, base, course)


def activity_title(course: Course, context: PageContext) -> str:
    """The title a module, quiz or case has in its own front matter ('' for other pages)."""
    ident = context.id or ""
    found: Module | Quiz | Case | None = None
    if context.kind == "module":
        found = course.module(ident)
    elif context.kind == "quiz":
        found = course.quiz(ident)
    elif context.kind == "case":
        found = course.case(ident)
    return found.title if found else ""


def with_title(course: Course, context: PageContext, markdown: str) -> str:
    """Quiz and case pages open with their own title (not the nav label) as `# h1`."""
    if context.kind not in ("quiz", "case") or re.search(r"^#\s", markdown, re.MULTILINE):
        return markdown
    title = activity_title(course, context)
    return f"# {title}\n\n{markdown}" if title else markdown


SEARCH_DIALOG = '<div class="md-search" data-md-component="search" role="dialog">'


def name_search_dialog(output: str) -> str:
    """Material's search dialog has no accessible name (axe: aria-dialog-name); give it one."""
    return output.replace(SEARCH_DIALOG, SEARCH_DIALOG[:-1] + ' aria-label="Zoeken">', 1)


def lrs_settings(config: LeerpadConfig) -> dict[str, Any] | None:
    """Endpoint and Basic auth for the browser; environment overrides mkdocs.yml."""
    endpoint = os.environ.get("LEERPAD_LRS_ENDPOINT") or config.lrs.endpoint
    if not endpoint:
        return None
    user = os.environ.get("LEERPAD_LRS_USERNAME") or config.lrs.username or ""
    password = os.environ.get("LEERPAD_LRS_PASSWORD") or config.lrs.password or ""
    token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    return {"endpoint": endpoint if endpoint.endswith("/") else endpoint + "/", "auth": f"Basic {token}"}


def page_config_element(course: Course, context: PageContext, page: Page, lrs: dict[str, Any] | None) -> str:
    """The one element through which configuration reaches the browser: JSON in `data-config`."""
    module = context.id if context.kind == "module" else None
    if context.kind == "quiz" and context.id and (quiz := course.quiz(context.id)):
        module = quiz.module
    data = {
        "course": {"iri": course.iri, "title": course.title, "language": course.language},
        "manifest": "../" * page.url.count("/") + "course.json",
        "platform": f"Leerpad {leerpad.__version__}",
        "lrs": lrs,
        "professions": PROFESSIONS,
        "page": {
            "kind": context.kind,
            "id": context.id,
            "iri": context.iri,
            "module": module,
            # The activity's own title (front matter), not the nav label, names it in xAPI.
            "title": activity_title(course, context) or page.title,
        },
    }
    # An attribute, not a JSON <script>: Material's instant loading re-runs the content's scripts.
    text = html.escape(json.dumps(data, ensure_ascii=False), quote=True)
    return f'<div id="leerpad-config" hidden data-config="{text}"></div>\n'
