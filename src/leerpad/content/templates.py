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


# One question block per type, to paste into a case or quiz (the editor's "Vraag invoegen").
QUESTIONS = {
    "single": """/// question | Welke keuze past het best bij deze situatie?
    id: {id}
    type: single
- [x] De beste keuze
    > Leg uit waarom deze keuze helpt.
- [ ] Een plausibele maar minder goede keuze
    > Leg uit waarom deze keuze minder helpt.
///
""",
    "multiple": """/// question | Welke uitspraken kloppen? Kies alle juiste antwoorden.
    id: {id}
    type: multiple
- [x] Een juiste uitspraak
    > Leg uit waarom dit klopt.
- [x] Nog een juiste uitspraak
    > Leg uit waarom dit klopt.
- [ ] Een onjuiste uitspraak
    > Leg uit waarom dit niet klopt.
///
""",
    "true-false": """/// question | Een stelling die juist of onjuist is.
    id: {id}
    type: true-false
- [x] Juist
    > Leg uit waarom de stelling klopt.
- [ ] Onjuist
    > Leg uit waarom de stelling toch klopt.
///
""",
    "fill-in": """/// question | Welk woord ontbreekt in deze zin: ...?
    id: {id}
    type: fill-in
- [x] antwoord
- [x] ander aanvaard antwoord
> Leg uit wat het antwoord betekent.
///
""",
    "sequencing": """/// question | Zet de stappen in de juiste volgorde.
    id: {id}
    type: sequencing
1. Eerste stap
2. Tweede stap
3. Derde stap
///
""",
    "matching": """/// question | Koppel elk begrip aan zijn betekenis.
    id: {id}
    type: matching
- Eerste begrip :: eerste betekenis
- Tweede begrip :: tweede betekenis
- Derde begrip :: derde betekenis
///
""",
    "likert": """/// question | Hoe zeker voelt u zich hierover?
    id: {id}
    type: likert
- [ ] Niet zeker
- [ ] Een beetje zeker
- [ ] Heel zeker
///
""",
    "reflection": """/// question | Wat neemt u mee naar uw eigen praktijk?
    id: {id}
    type: reflection
///
""",
}


def new_question(qtype: str, ident: str) -> str:
    """A question block of this type with this id."""
    return QUESTIONS[qtype].replace("{id}", ident)


def new_file(kind: str, ident: str, course: Course) -> str:
    """The text of a new case or quiz with this id, tied to the course's first module."""
    module = course.modules[0].id if course.modules else "module-id"
    template = CASE if kind == "case" else QUIZ
    return template.format(id=ident, module=module)
