"""`cmi5.xml`: the course as a cmi5 course structure, one AU per module.

The course id is the course IRI and each AU id is its module's activity id
(design.md: the final test is a module, so it is an AU of its own), so the
statements an LMS receives from a launch and those of the standalone site name
the same activities.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from leerpad.content.models import Course, Module
from leerpad.content.yamltext import split_front_matter
from leerpad.xapi.profile import activity_iri

NAMESPACE = "https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd"
SCHEMA_DIR = Path(__file__).parent / "schema"
SCHEMA_FILE = SCHEMA_DIR / "CourseStructure.xsd"
# Our pages are a whole website (navigation, search, outbox): an LMS frame around
# it would nest one site in another, so ask for a window of its own.
LAUNCH_METHOD = "OwnWindow"
# What an LMS shows before the first launch (cmi5 13.1.4 activityType): the profile's module type.
MODULE_TYPE = "http://adlnet.gov/expapi/activities/module"


@dataclass(frozen=True)
class AssignableUnit:
    """One AU of the course structure, as the LMS will launch it."""

    id: str
    title: str
    description: str
    url: str  # relative to cmi5.xml, a file of the package
    move_on: str  # CompletedAndPassed (module with toetsen) or Completed
    mastery_score: float | None  # the pass mark of the module's toetsen


def assignable_units(course: Course, root: Path, page_urls: dict[str, str]) -> list[AssignableUnit]:
    """The course's AUs in nav order; ``page_urls`` maps a module's nav page to its built file."""
    units = []
    for module in course.modules:
        quizzes = course.quizzes_of(module.id)
        # With several toetsen the module passes when all pass: the strictest mark decides.
        mastery = max((q.pass_mark for q in quizzes), default=None)
        units.append(
            AssignableUnit(
                id=activity_iri(course.iri, "module", module.id),
                title=module.title,
                description=module_description(module, root),
                url=page_urls[module.page],
                move_on="CompletedAndPassed" if quizzes else "Completed",
                mastery_score=mastery,
            )
        )
    return units


def module_description(module: Module, root: Path) -> str:
    """What an LMS shows about a module: its length and its learning objectives."""
    meta = split_front_matter((root / module.path).read_text("utf-8")).meta.data
    objectives = meta.get("objectives") if isinstance(meta, dict) else None
    parts = [f"Ongeveer {module.minutes} minuten."] if module.minutes else []
    if isinstance(objectives, list) and objectives:
        parts.append("Leerdoelen: " + " ".join(_sentence(str(o)) for o in objectives))
    return " ".join(parts) or module.title


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if text.endswith((".", "!", "?")) else text + "."


def mastery_text(score: float) -> str:
    """A masteryScore as cmi5 wants it: a decimal with at most 4 places (0.8, 0.75, 1)."""
    return f"{score:.4f}".rstrip("0").rstrip(".")


def course_structure(course: Course, description: str, units: list[AssignableUnit]) -> bytes:
    """The `cmi5.xml` document (UTF-8, with XML declaration)."""
    ns = f"{{{NAMESPACE}}}"
    root = etree.Element(f"{ns}courseStructure", nsmap={None: NAMESPACE})
    node = etree.SubElement(root, f"{ns}course", id=course.iri)
    _text(node, "title", course.title, course.language)
    _text(node, "description", description or course.title, course.language)
    for unit in units:
        attributes = {"id": unit.id, "moveOn": unit.move_on, "launchMethod": LAUNCH_METHOD,
                      "activityType": MODULE_TYPE}
        if unit.mastery_score is not None:
            attributes["masteryScore"] = mastery_text(unit.mastery_score)
        au = etree.SubElement(root, f"{ns}au", attributes)
        _text(au, "title", unit.title, course.language)
        _text(au, "description", unit.description, course.language)
        etree.SubElement(au, f"{ns}url").text = unit.url
    etree.indent(root, space="  ")
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8")) + b"\n"


def _text(parent: etree._Element, name: str, text: str, language: str) -> None:
    ns = f"{{{NAMESPACE}}}"
    holder = etree.SubElement(parent, f"{ns}{name}")
    etree.SubElement(holder, f"{ns}langstring", lang=language).text = " ".join(text.split())
