"""Shared helpers for the tests about the real course (content, not engine).

The course is read with the engine's own loader (`leerpad.plugin.settings.read_course`),
so that these tests see exactly what `leerpad validate` and the plugin see. The
spelling test needs the learner-visible text, which it extracts from the raw
files here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from leerpad.content import Course
from leerpad.content.models import ContentError
from leerpad.plugin.settings import read_course

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def loaded() -> tuple[Course, list[ContentError]]:
    """The course and the loader's errors, read once per test session."""
    return read_course(ROOT)


@pytest.fixture(scope="session")
def course(loaded: tuple[Course, list[ContentError]]) -> Course:
    """The course as the engine loads it."""
    return loaded[0]


class _ConfigLoader(yaml.SafeLoader):
    """mkdocs.yml's own tags: `!ENV [NAME, default]` reads as its default here."""


_ConfigLoader.add_constructor(
    "!ENV", lambda loader, node: loader.construct_sequence(node)[-1] if isinstance(node, yaml.SequenceNode) else None
)


@pytest.fixture(scope="session")
def config() -> dict[str, Any]:
    """mkdocs.yml, parsed (the plugin section is plain data here)."""
    data = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_ConfigLoader)  # noqa: S506
    assert isinstance(data, dict)
    return data


def nav_entries(nav: Any) -> Iterator[tuple[str | None, str]]:
    """Every (label, path) in a MkDocs nav; label is None for a bare path."""
    if isinstance(nav, str):
        yield None, nav
    elif isinstance(nav, list):
        for item in nav:
            yield from nav_entries(item)
    elif isinstance(nav, dict):
        for label, value in nav.items():
            if isinstance(value, str):
                yield str(label), value
            else:
                yield str(label), ""
                yield from nav_entries(value)


# -- learner-visible text ------------------------------------------------------

_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.S)
_FENCE = re.compile(r"^[ ]*(```|~~~).*?^[ ]*\1[ ]*$", re.S | re.M)
_QUESTION_HEADER = re.compile(r"^[ ]{4,}(id|type):.*$", re.M)
_ADMONITION = re.compile(r"^[ ]*(!!!|\?\?\?\+?)[ ]*\w+(?:[ ]+\"(?P<title>[^\"]*)\")?[ ]*$", re.M)
_REPLACEMENTS = [
    (re.compile(r"<title>.*?</title>|<desc>.*?</desc>", re.S), lambda m: _untag(m.group(0))),
    (re.compile(r"<[^>]+>"), " "),  # HTML tags and their attributes
    (re.compile(r"`[^`\n]*`"), " "),  # inline code: file names, ids, commands
    (re.compile(r"\[@[^\]\s]+\]"), " "),  # citations: keys, not words
    (re.compile(r"\]\([^)]*\)"), "] "),  # link targets
    (re.compile(r"\{[^}\n]*\}"), " "),  # attribute lists {#id .class}
    (re.compile(r"https?://\S+"), " "),
    (re.compile(r"^[ ]*[-*+][ ]+\[[ xX]\]", re.M), " "),  # task-list markers
    (re.compile(r"::"), " "),
    (re.compile(r"/{3}[ ]*question[ ]*\|?"), " "),
    (re.compile(r"^/{3}[ ]*$", re.M), " "),
]


def _untag(text: str) -> str:
    return re.sub(r"<[^>]+>", " ", text)


def markdown_text(source: str) -> str:
    """The words a learner reads in a Markdown page, case or quiz."""
    parts: list[str] = []
    match = _FRONT_MATTER.match(source)
    if match:
        meta = yaml.safe_load(match.group(1)) or {}
        for key in ("title", "description"):
            if isinstance(meta.get(key), str):
                parts.append(meta[key])
        for objective in meta.get("objectives") or []:
            parts.append(str(objective))
        source = source[match.end():]
    source = _FENCE.sub(" ", source)
    source = _QUESTION_HEADER.sub(" ", source)
    source = _ADMONITION.sub(lambda m: m.group("title") or " ", source)
    for pattern, replacement in _REPLACEMENTS:
        source = pattern.sub(replacement, source)  # type: ignore[arg-type]
    parts.append(source)
    return "\n".join(parts)


def glossary_text(path: Path) -> str:
    """Terms and both meanings of every glossary entry."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    parts: list[str] = []
    for term, entry in data.items():
        parts.append(str(term))
        parts.append(str(entry.get("zorgtaal", "")))
        parts.append(str(entry.get("sociale_taal", "")))
        parts.extend(str(s) for s in entry.get("synoniemen", []) or [])
    return "\n".join(parts)


def config_text(config: dict[str, Any]) -> str:
    """Site name, description and every nav label."""
    parts = [str(config.get("site_name", "")), str(config.get("site_description", ""))]
    parts.extend(label for label, _ in nav_entries(config.get("nav", [])) if label)
    return "\n".join(parts)


def learner_texts(config: dict[str, Any]) -> list[tuple[str, str]]:
    """(file, text) for everything a learner reads.

    `docs/sources.yml` is left out on purpose: references keep the language and
    spelling of the original publication (mostly English titles).
    """
    texts: list[tuple[str, str]] = [("mkdocs.yml", config_text(config))]
    for folder in ("docs", "cases", "quizzes"):
        for path in sorted((ROOT / folder).rglob("*.md")):
            texts.append((path.relative_to(ROOT).as_posix(), markdown_text(path.read_text("utf-8"))))
    texts.append(("docs/glossary.yml", glossary_text(ROOT / "docs" / "glossary.yml")))
    return texts


@pytest.fixture(scope="session")
def texts(config: dict[str, Any]) -> list[tuple[str, str]]:
    """(file, learner-visible text) for the whole course."""
    return learner_texts(config)
