"""Every module's stated minutes follow from its content.

A module may claim at most what an honest learner needs: its page and the cases
the navigation lists under it, read at about 200 words a minute, plus about
1.5 minutes for every scored question the learner answers in the module's test
(`draw` when the test draws from a pool). The accreditation points are derived
from these minutes, so a module that claims more fails here. A case claims at
most its reading time, 1.5 minutes per scored question and 2 minutes for its
closing reflection.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import pytest

from leerpad.content import Course
from leerpad.content.models import UNSCORED_TYPES

ROOT = Path(__file__).resolve().parents[2]
WORDS_PER_MINUTE = 200
MINUTES_PER_QUESTION = 1.5
MINUTES_PER_REFLECTION = 2

_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.S)
_SVG = re.compile(r"<svg\b.*?</svg>", re.S)
_TAG = re.compile(r"<[^>]+>")
_META = re.compile(r"^\s+(id|type):.*$", re.M)
_LINK_TARGET = re.compile(r"\]\([^)]*\)|\{[^}]*\}|\[@[^\]]*\]")
_WORD = re.compile(r"[^\W\d_]+(?:[’'-][^\W\d_]+)*")


def words(path: Path) -> int:
    """Words a learner reads on a page: no front matter, markup, link targets or question metadata."""
    text = path.read_text(encoding="utf-8")
    text = _FRONT_MATTER.sub("", text)
    text = _SVG.sub("", text)
    text = _TAG.sub(" ", text)
    text = _META.sub("", text)
    text = _LINK_TARGET.sub(" ", text)
    return len(_WORD.findall(text))


def nav_sections(nav: Any) -> list[list[str]]:
    """The paths of every nav section that is a list of pages."""
    sections: list[list[str]] = []
    if isinstance(nav, list):
        for item in nav:
            sections += nav_sections(item)
    elif isinstance(nav, dict):
        for value in nav.values():
            if isinstance(value, list):
                paths = [p for entry in value if isinstance(entry, dict) for p in entry.values() if isinstance(p, str)]
                sections.append(paths)
                sections += nav_sections(value)
    return sections


def honest_minutes(course: Course, config: dict[str, Any]) -> dict[str, float]:
    """Per module: reading time of its page and its cases, plus time for the questions answered."""
    result = {}
    for module in course.modules:
        section = next(s for s in nav_sections(config["nav"]) if module.page in s)
        case_paths = [ROOT / "cases" / Path(p).name for p in section if p.startswith("casussen/")]
        reading = words(ROOT / module.path) + sum(words(p) for p in case_paths)
        answered = 0
        for quiz in course.quizzes_of(module.id):
            scored = [q for q in quiz.questions if q.type not in UNSCORED_TYPES]
            answered += quiz.draw if quiz.draw is not None else len(scored)
        result[module.id] = reading / WORDS_PER_MINUTE + answered * MINUTES_PER_QUESTION
    return result


def test_no_module_claims_more_minutes_than_its_content_takes(course: Course, config: dict[str, Any]) -> None:
    honest = honest_minutes(course, config)
    too_high = [
        f"{m.id}: {m.minutes} minuten vermeld, inhoud goed voor {math.floor(honest[m.id])}"
        for m in course.modules
        if m.minutes > math.floor(honest[m.id])
    ]
    assert not too_high, "\n".join(too_high)


def test_no_case_claims_more_minutes_than_its_content_takes(course: Course) -> None:
    too_high = []
    for case in course.cases:
        scored = [q for q in case.questions if q.type not in UNSCORED_TYPES]
        reflections = [q for q in case.questions if q.type == "reflection"]
        honest = (
            words(ROOT / case.path) / WORDS_PER_MINUTE
            + len(scored) * MINUTES_PER_QUESTION
            + len(reflections) * MINUTES_PER_REFLECTION
        )
        if case.minutes > math.floor(honest):
            too_high.append(f"{case.id}: {case.minutes} minuten vermeld, inhoud goed voor {math.floor(honest)}")
    assert not too_high, "\n".join(too_high)


@pytest.mark.parametrize("module_id", ["sociale-benadering", "onderbescherming"])
def test_the_count_sees_the_module_page_and_its_cases(course: Course, config: dict[str, Any], module_id: str) -> None:
    """A guard for the measure itself: a module with cases must count more than its page alone."""
    module = next(m for m in course.modules if m.id == module_id)
    page_only = words(ROOT / module.path) / WORDS_PER_MINUTE
    assert honest_minutes(course, config)[module_id] > page_only + 5
