"""The `leerpad` MkDocs plugin: events only; the work lives in content/ and markdown/."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from mkdocs.config.config_options import ExtraScriptValue
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.livereload import LiveReloadServer
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

from leerpad.content.loader import CASES_DIR, QUIZZES_DIR, load_course
from leerpad.content.models import Course
from leerpad.markdown.context import PageContext
from leerpad.plugin.config import LeerpadConfig
from leerpad.plugin.csp import add_csp
from leerpad.plugin.site import (
    ASSET_DIR,
    ASSETS,
    DATA_FILES,
    asset_files,
    generated_files,
    lrs_settings,
    name_search_dialog,
    page_config_element,
    page_context,
    scorer_url,
    with_title,
)
from leerpad.xapi.keys import write_keys

log = logging.getLogger("mkdocs.plugins.leerpad")


class LeerpadPlugin(BasePlugin[LeerpadConfig]):
    """Loads the course once per build, renders its pages and writes course.json."""

    def __init__(self) -> None:
        self.course = Course(iri="", title="")
        self.context = PageContext()
        self.lrs: dict[str, Any] | None = None
        self.scorer: str | None = None

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        self.root = Path(config.config_file_path).parent
        course, errors = load_course(self.root)
        for error in errors:
            log.error(str(error))
        course.iri = self.config.course_iri.rstrip("/")
        course.language = self.config.language
        self.course = course
        self.context = PageContext(course=course)
        self.lrs = lrs_settings(self.config)  # read once per build: env overrides mkdocs.yml
        # Answer keys beside the course, never in the site; in the page only without an LRS.
        write_keys(course, self.root)
        self.context.keys_in_page = self.lrs is None
        self.scorer = scorer_url(self.config, self.lrs)
        if "leerpad.markdown" not in config.markdown_extensions:
            config.markdown_extensions.append("leerpad.markdown")
        config.mdx_configs["leerpad.markdown"] = {"context": self.context}
        css = f"{ASSET_DIR}/leerpad.css"
        if (ASSETS / "leerpad.css").is_file() and css not in config.extra_css:
            config.extra_css.append(css)
        script = f"{ASSET_DIR}/leerpad.js"
        if (ASSETS / "leerpad.js").is_file() and all(
            str(s) != script for s in config.extra_javascript
        ):
            value = ExtraScriptValue(script)
            value.type = "module"
            config.extra_javascript.append(value)
        return config

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        for data in DATA_FILES:  # course data, not pages to publish
            if (file := files.get_file_from_path(data)) is not None:
                files.remove(file)
        for file in [*generated_files(self.course, self.root, files, config), *asset_files(config)]:
            files.append(file)
        return files

    def on_page_markdown(self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        fresh = page_context(self.course, page.file.src_uri)
        for field in ("kind", "id", "iri", "base"):
            setattr(self.context, field, getattr(fresh, field))
        return with_title(self.course, fresh, markdown)

    def on_page_content(self, html: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        return page_config_element(self.course, self.context, page, self.lrs, self.scorer) + html

    def on_post_page(self, output: str, *, page: Page, config: MkDocsConfig) -> str:
        origins = [self.lrs["endpoint"], self.scorer] if self.lrs else []
        return add_csp(name_search_dialog(output), *origins)

    def on_serve(self, server: LiveReloadServer, *, config: MkDocsConfig, builder: Any) -> LiveReloadServer:
        for folder in (CASES_DIR, QUIZZES_DIR):
            if (self.root / folder).is_dir():
                server.watch(str(self.root / folder))
        return server
