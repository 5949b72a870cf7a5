"""The course's settings from its one source: mkdocs.yml, read by MkDocs' own config loader.

The plugin turns its validated options into `CourseSettings` for the loader;
`leerpad validate` and `leerpad new` load the same config from a folder, so a
course validates exactly as it builds.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import MkDocsException

from leerpad.content import Course, CourseSettings, load_course
from leerpad.content.models import ContentError
from leerpad.plugin.config import LeerpadConfig

CONFIG_FILE = "mkdocs.yml"
_PLUGINS_KEY = re.compile(r"^plugins\s*:", re.MULTILINE)


def course_settings(config: MkDocsConfig, options: LeerpadConfig | None) -> tuple[CourseSettings, list[ContentError]]:
    """What the loader needs, from the MkDocs config and the plugin's options (None: plugin absent)."""
    root = Path(config.config_file_path or CONFIG_FILE).resolve().parent
    docs_dir = Path(os.path.relpath(Path(config.docs_dir).resolve(), root)).as_posix()
    iri = ((options.course_iri if options else None) or "").rstrip("/")
    settings = CourseSettings(
        iri=iri,
        title=config.site_name,
        language=options.language if options else "nl-BE",
        docs_dir=docs_dir,
        nav=config.nav,
    )
    errors: list[ContentError] = []
    if not iri:
        errors.append(ContentError(CONFIG_FILE, _plugins_line(root / CONFIG_FILE),
                                   "plugin 'leerpad' zonder 'course_iri' (de IRI van de cursus)"))
    return settings, errors


def _plugins_line(path: Path) -> int:
    """The line of `plugins:` in mkdocs.yml (1 if absent): where a missing option belongs."""
    text = path.read_text("utf-8") if path.is_file() else ""
    match = _PLUGINS_KEY.search(text)
    return text.count("\n", 0, match.start()) + 1 if match else 1


def load_course_config(root: Path) -> tuple[MkDocsConfig | None, list[ContentError]]:
    """Load `root/mkdocs.yml` as `mkdocs build` would; None and MkDocs' own errors (in Dutch) when it fails."""
    logger = logging.getLogger("mkdocs")
    messages = _Collect()
    logger.addHandler(messages)  # MkDocs logs what is wrong, then raises a bare "Aborted"
    try:
        return load_config(str(root / CONFIG_FILE)), []
    except MkDocsException as exc:
        found = messages.lines or [str(exc)]
        return None, [ContentError(CONFIG_FILE, 1, line) for line in found]
    finally:
        logger.removeHandler(messages)


def load_settings(root: Path) -> tuple[CourseSettings, list[ContentError]]:
    """Load `root/mkdocs.yml` as `mkdocs build` would, and the course settings from it."""
    config, errors = load_course_config(root)
    if config is None:
        return CourseSettings(iri="", title=""), errors
    return course_settings(config, plugin_options(config))


def plugin_options(config: MkDocsConfig) -> LeerpadConfig | None:
    """The `leerpad` plugin's typed options in a loaded MkDocs config (None: not among its plugins)."""
    plugin = config.plugins.get("leerpad")
    return plugin.config if plugin is not None and isinstance(plugin.config, LeerpadConfig) else None


def read_course(root: Path) -> tuple[Course, list[ContentError]]:
    """The course in a folder and every error in it, mkdocs.yml's included (sorted)."""
    settings, errors = load_settings(root)
    course, content_errors = load_course(root, settings)
    return course, sorted(errors + content_errors)


class _Collect(logging.Handler):
    """Keeps the error messages MkDocs logs while it loads a config."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"ongeldige configuratie: {record.getMessage()}")
