"""Starting points for a new case or quiz (`leerpad new`), valid as written."""

from __future__ import annotations

from leerpad.content.models import Course

CASE = """---
id: {id}
title: Titel van de casus
setting: huisartsenpraktijk
roles: [huisarts, sociaal-werker]
modules: [{module}]
krachtlijnen: [nabijheid]
access: [approachability]
minutes: 10
sources: []
---

Beschrijf de situatie: wie komt binnen, met welke vraag, in welke context?

## Wat doet u?

/// question | Wat is de beste volgende stap?
    id: {id}-stap
    type: single
- [x] Een goede keuze
    > Leg uit waarom deze keuze helpt.
- [ ] Een minder goede keuze
    > Leg uit waarom deze keuze minder helpt.
///

## Afsluiting

/// question | Wat neemt u mee naar uw eigen praktijk?
    id: {id}-reflectie
    type: reflection
///
"""

QUIZ = """---
id: {id}
title: Toets — titel
module: {module}
pass_mark: 0.8
attempts: 3
---

/// question | Een vraag die begrip toetst, liefst in een situatie uit de praktijk?
    id: {id}-1
    type: single
- [x] Het juiste antwoord
    > Leg uit waarom dit juist is.
- [ ] Een plausibel maar fout antwoord
    > Leg uit waarom dit niet klopt.
///
"""


def new_file(kind: str, ident: str, course: Course) -> str:
    """The text of a new case or quiz with this id, tied to the course's first module."""
    module = course.modules[0].id if course.modules else "module-id"
    template = CASE if kind == "case" else QUIZ
    return template.format(id=ident, module=module)
