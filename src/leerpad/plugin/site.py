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
from urllib.parse import urljoin

from mkdocs.config.config_options import ExtraScriptValue
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

import leerpad
from leerpad.content.models import PROFESSIONS, ContentError, Course
from leerpad.content.validate import count
from leerpad.layout import (
    CASE_OVERVIEW_PAGE,
    DATA_FILES,
    GLOSSARY_PAGE,
    MANIFEST,
    PROGRESS_PAGE,
    SOURCES_PAGE,
    asset,
    case_page,
    generated_activity,
    quiz_page,
    up_to_root,
)
from leerpad.markdown.context import PageContext
from leerpad.markdown.pages import case_overview_page, glossary_page, progress_page, sources_page
from leerpad.plugin.config import LeerpadConfig
from leerpad.xapi.manifest import course_manifest
from leerpad.xapi.profile import activity_iri

ASSETS = Path(leerpad.__file__).parent / "assets"


def error_summary(errors: list[ContentError]) -> str:
    """One line that stops the build, after each error was logged on its own line."""
    return f"{count(errors)} van de cursus (zie hierboven); controleer met 'leerpad validate'"


def add_runtime(config: MkDocsConfig) -> None:
    """Put the runtime's stylesheet and module script on every page (once)."""
    css = asset("leerpad.css")
    if (ASSETS / "leerpad.css").is_file() and css not in config.extra_css:
        config.extra_css.append(css)
    script = asset("leerpad.js")
    if (ASSETS / "leerpad.js").is_file() and all(str(s) != script for s in config.extra_javascript):
        value = ExtraScriptValue(script)
        value.type = "module"
        config.extra_javascript.append(value)


def publish_only_pages(files: Files) -> None:
    """Drop the course's data files (sources, glossary) from what MkDocs publishes."""
    for data in DATA_FILES:
        if (file := files.get_file_from_path(data)) is not None:
            files.remove(file)


def generated_files(course: Course, root: Path, files: Files, config: MkDocsConfig) -> Iterator[File]:
    """Quiz and case pages, the overview/sources/glossary pages, course.json and the runtime."""
    for quiz in course.quizzes:
        yield File.generated(config, quiz_page(quiz.id), content=(root / quiz.path).read_text("utf-8"))
    for case in course.cases:
        yield File.generated(config, case_page(case.id), content=(root / case.path).read_text("utf-8"))
    optional = {
        CASE_OVERVIEW_PAGE: case_overview_page,
        SOURCES_PAGE: sources_page,
        GLOSSARY_PAGE: glossary_page,
        PROGRESS_PAGE: progress_page,
    }
    for uri, render in optional.items():
        if files.get_file_from_path(uri) is None:
            yield File.generated(config, uri, content=render(course))
    manifest = json.dumps(course_manifest(course), ensure_ascii=False, indent=1)
    yield File.generated(config, MANIFEST, content=manifest)
    # Only the built files at the top: `src/` holds the typed sources they are minified from.
    for path in sorted(ASSETS.iterdir()):
        if path.is_file() and path.suffix in (".js", ".css"):
            yield File.generated(config, asset(path.name), abs_src_path=str(path))


def page_context(course: Course, src_uri: str) -> PageContext:
    """Which kind of page a source file is, and the activity its questions hang under."""
    page = PageContext(base=up_to_root(src_uri), course=course, src=src_uri)
    generated = generated_activity(src_uri)
    module = next((m for m in course.modules if m.page == src_uri), None)
    if generated and (course.quiz(generated[1]) if generated[0] == "quiz" else course.case(generated[1])):
        page.kind, page.id = generated
    elif src_uri == GLOSSARY_PAGE:
        page.kind = "glossary"
    elif module:
        page.kind, page.id = "module", module.id
    if page.kind in ("quiz", "case", "module") and page.id:
        page.iri = activity_iri(course.iri, page.kind, page.id)
    return page


def activity_title(course: Course, context: PageContext) -> str:
    """The title a module, quiz or case has in its own front matter ('' for other pages)."""
    found = course.activity(context.kind, context.id)
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


def scorer_url(config: LeerpadConfig, lrs: dict[str, Any] | None) -> str | None:
    """The scoring service's root: the `scorer.url` option, else the LRS server's root (None: no LRS)."""
    if lrs is None:
        return None
    url = config.scorer.url or urljoin(lrs["endpoint"], "/")
    return url if url.endswith("/") else url + "/"


def page_config_element(
    course: Course, context: PageContext, page: Page, lrs: dict[str, Any] | None, scorer: str | None = None
) -> str:
    """The one element through which configuration reaches the browser: JSON in `data-config`."""
    module = context.id if context.kind == "module" else None
    if context.kind == "quiz" and context.id and (quiz := course.quiz(context.id)):
        module = quiz.module
    data = {
        "course": {"iri": course.iri, "title": course.title, "language": course.language},
        "manifest": up_to_root(page.url) + MANIFEST,
        "platform": f"Leerpad {leerpad.__version__}",
        "lrs": lrs,
        "scorer": scorer,
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
