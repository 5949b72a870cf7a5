"""The `leerpad` MkDocs plugin: events only; the work lives in content/, markdown/ and site.py."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from leerpad.content import Course, load_course_files, yamltext
from leerpad.content.loader import read_course_files
from leerpad.layout import CASES_DIR, QUIZZES_DIR
from leerpad.markdown.context import PageContext
from leerpad.plugin.authoring import authoring_files, authoring_page, editor_file, sitemap_without_editor
from leerpad.plugin.config import LeerpadConfig
from leerpad.plugin.csp import add_csp
from leerpad.plugin.search import index_lean
from leerpad.plugin.settings import course_settings
from leerpad.plugin.site import (
    add_runtime,
    error_summary,
    generated_files,
    lrs_settings,
    name_search_dialog,
    page_config_element,
    page_context,
    publish_only_pages,
    scorer_url,
    with_title,
)
from leerpad.xapi.keys import write_keys

if TYPE_CHECKING:  # only `mkdocs serve` needs it; importing it pulls in watchdog and an HTTP server
    from mkdocs.livereload import LiveReloadServer

log = logging.getLogger("mkdocs.plugins.leerpad")


class LeerpadPlugin(BasePlugin[LeerpadConfig]):
    """Loads the course once per build, renders its pages and writes course.json."""

    def __init__(self) -> None:
        self.course = Course(iri="", title="")
        self.context = PageContext()
        self.lrs: dict[str, Any] | None = None
        self.scorer: str | None = None
        self.course_files: dict[str, str] = {}
        self.yaml_parsed: set[tuple[str, int]] = set()
        self.editor: File | None = None  # the page "Casus schrijven", if the course has one

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        self.root = Path(config.config_file_path).parent
        settings, errors = course_settings(config, self.config)
        # Read once per build: the editor page's course data (on_files) reuses these texts.
        self.course_files = read_course_files(self.root, settings)
        with yamltext.recording() as self.yaml_parsed:  # the editor page ships these parses (on_files)
            course, content_errors = load_course_files(self.course_files, settings)
        errors = sorted(errors + content_errors)
        for error in errors:  # every error first, so that a trainer fixes them in one go
            log.error(str(error))
        if errors:
            raise PluginError(error_summary(errors))
        self.course, self.settings = course, settings
        self.context = PageContext(course=course)
        self.lrs = lrs_settings(self.config)  # read once per build: env overrides mkdocs.yml
        # Answer keys beside the course, never in the site; in the page only without an LRS.
        write_keys(course, self.root)
        self.context.keys_in_page = self.lrs is None
        self.scorer = scorer_url(self.config, self.lrs)
        if "leerpad.markdown" not in config.markdown_extensions:
            config.markdown_extensions.append("leerpad.markdown")
        config.mdx_configs["leerpad.markdown"] = {"context": self.context}
        add_runtime(config)
        return config

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        index_lean(config)  # after every plugin's on_config: Material's search index exists now
        publish_only_pages(files)
        self.editor = editor_file(files)
        for file in [*generated_files(self.course, self.root, files, config),
                     *authoring_files(self.course, self.settings, self.root, self.course_files, files, config,
                                      self.yaml_parsed)]:
            files.append(file)
        return files

    def on_page_markdown(self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        self.context.update(page_context(self.course, page.file.src_uri))
        return with_title(self.course, self.context, markdown)

    def on_page_content(self, html: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        return page_config_element(self.course, self.context, page, self.lrs, self.scorer) + html

    @event_priority(-100)  # last: a later plugin that edits inline scripts would break the hashes
    def on_post_page(self, output: str, *, page: Page, config: MkDocsConfig) -> str:
        origins = [self.lrs["endpoint"], self.scorer] if self.lrs else []
        return authoring_page(add_csp(name_search_dialog(output), *origins), page)

    def on_post_template(self, output_content: str, *, template_name: str, config: MkDocsConfig) -> str:
        return sitemap_without_editor(output_content, self.editor) if template_name == "sitemap.xml" else output_content

    def on_serve(self, server: LiveReloadServer, *, config: MkDocsConfig, builder: Any) -> LiveReloadServer:
        for folder in (CASES_DIR, QUIZZES_DIR):
            if (self.root / folder).is_dir():
                server.watch(str(self.root / folder))
        return server
