"""Page-level structure: the quiz wrapper, case steps and metadata, module links."""

from __future__ import annotations

import xml.etree.ElementTree as etree

from markdown.treeprocessors import Treeprocessor

from leerpad.content.models import ACCESS_DIMENSIONS, KRACHTLIJNEN, ROLES, SETTINGS, Case, Course, Quiz
from leerpad.layout import case_page, quiz_page, source_link
from leerpad.markdown.context import PageContext


def quiz_rules(quiz: Quiz) -> str:
    """The quiz's rules in one Dutch sentence."""
    attempts = "onbeperkt aantal pogingen" if quiz.attempts == 0 else (
        "1 poging" if quiz.attempts == 1 else f"{quiz.attempts} pogingen"
    )
    scored = sum(1 for q in quiz.questions if q.scored)
    counted = "1 vraag telt mee" if scored == 1 else f"{scored} vragen tellen mee"
    kind = "Eindtoets: u ziet uw score pas aan het einde. " if quiz.final else ""
    return f"{kind}{counted}; geslaagd vanaf {round(quiz.pass_mark * 100)} %; {attempts}."


class PageStructureProcessor(Treeprocessor):
    """Wraps quiz and case pages as the page contract says; links a module to its tests."""

    def __init__(self, md: object, context: PageContext) -> None:
        super().__init__(md)  # type: ignore[arg-type]
        self.context = context

    def run(self, root: etree.Element) -> None:
        course = self.context.course
        kind, ident = self.context.kind, self.context.id
        if kind == "quiz" and ident and (quiz := course.quiz(ident)):
            self._quiz(root, quiz)
        elif kind == "case" and ident and (case := course.case(ident)):
            self._case(root, case, course)
        elif kind == "module" and ident:
            self._module(root, ident, course)

    def _wrap(self, root: etree.Element, tag: str, attrs: dict[str, str]) -> etree.Element:
        children = list(root)
        keep = children[:1] if children and children[0].tag == "h1" else []
        wrapper = etree.Element(tag, attrs)
        wrapper.extend(children[len(keep):])
        root[:] = [*keep, wrapper]  # one move, not a remove() per child
        return wrapper

    def _quiz(self, root: etree.Element, quiz: Quiz) -> None:
        wrapper = self._wrap(
            root,
            "div",
            {
                "class": "leerpad-quiz",
                "data-leerpad-quiz": quiz.id,
                "data-iri": self.context.iri or "",
                "data-module": quiz.module,
                "data-pass-mark": f"{quiz.pass_mark:g}",
                "data-attempts": str(quiz.attempts),
                "data-final": "true" if quiz.final else "false",
            },
        )
        rules = etree.Element("p", {"class": "leerpad-quiz__rules"})
        rules.text = quiz_rules(quiz)
        wrapper.insert(0, rules)

    def _case(self, root: etree.Element, case: Case, course: Course) -> None:
        wrapper = self._wrap(
            root, "div", {"class": "leerpad-case", "data-leerpad-case": case.id, "data-iri": self.context.iri or ""}
        )
        children = list(wrapper)
        wrapper[:] = [self._meta(case, course)]
        step: etree.Element | None = None
        number = 0
        for child in children:
            if step is None or child.tag == "h2":
                number += 1
                step = etree.SubElement(wrapper, "section", {"class": "leerpad-case__step", "data-step": str(number)})
            step.append(child)

    def _meta(self, case: Case, course: Course) -> etree.Element:
        dl = etree.Element("dl", {"class": "leerpad-case__meta"})
        base = self.context.base

        def row(name: str, values: list[tuple[str, str | None]]) -> None:
            if not values:
                return
            dt = etree.SubElement(dl, "dt")
            dt.text = name
            dd = etree.SubElement(dl, "dd")
            for i, (text, href) in enumerate(values):
                node = etree.SubElement(dd, "a", {"href": href}) if href else etree.SubElement(dd, "span")
                node.text = text
                node.tail = ", " if i < len(values) - 1 else None

        row("Werkplek", [(SETTINGS.get(case.setting, case.setting), None)] if case.setting else [])
        row("Perspectieven", [(ROLES.get(r, r), None) for r in case.roles])
        modules = [course.module(m) for m in case.modules]
        row("Modules", [(m.title, f"{base}{m.page}") for m in modules if m])
        row("Krachtlijnen", [(KRACHTLIJNEN.get(k, k), None) for k in case.krachtlijnen])
        row("Toegang", [(ACCESS_DIMENSIONS.get(a, a), None) for a in case.access])
        row("Duur", [(f"{case.minutes} minuten", None)] if case.minutes else [])
        sources = [course.sources.get(s) for s in case.sources]
        row("Bronnen", [(s.short, f"{base}{source_link(s.key)}") for s in sources if s])
        return dl

    def _module(self, root: etree.Element, module_id: str, course: Course) -> None:
        quizzes = course.quizzes_of(module_id)
        cases = [c for c in course.cases if module_id in c.modules]
        if not quizzes and not cases:
            return
        nav = etree.SubElement(root, "nav", {"class": "leerpad-module-links", "aria-label": "Bij deze module"})
        for title, items in (
            ("Toets bij deze module", [(q.title, quiz_page(q.id)) for q in quizzes]),
            ("Casussen bij deze module", [(c.title, case_page(c.id)) for c in cases]),
        ):
            if not items:
                continue
            heading = etree.SubElement(nav, "h2")
            heading.text = title
            ul = etree.SubElement(nav, "ul")
            for text, href in items:
                link = etree.SubElement(etree.SubElement(ul, "li"), "a", {"href": f"{self.context.base}{href}"})
                link.text = text
