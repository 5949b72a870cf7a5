"""Dataclasses for everything a course is made of.

Ids are the stable part: they become xAPI activity ids, so a model never
derives an id from a title or a position.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

# Closed lists (design.md, "Pinned details"): id -> the Dutch label a learner reads.
# Ids are what front matter uses (the trainer guide documents them); labels use the
# modules' own wording (krachtlijnen/index.md, toegang/index.md).
KRACHTLIJNEN = {
    "generalistisch": "Generalistisch werken",
    "nabijheid": "Nabijheid",
    "procesgericht": "Procesgericht werken",
    "verbindend": "Verbindend werken",
    "politiserend": "Politiserend werken",
}
ACCESS_DIMENSIONS = {
    "approachability": "Benaderbaarheid",
    "acceptability": "Aanvaardbaarheid",
    "availability": "Beschikbaarheid en inpasbaarheid",
    "affordability": "Betaalbaarheid",
    "appropriateness": "Gepastheid",
    "ability-to-perceive": "Kunnen waarnemen",
    "ability-to-seek": "Kunnen zoeken",
    "ability-to-reach": "Kunnen bereiken",
    "ability-to-pay": "Kunnen betalen",
    "ability-to-engage": "Kunnen deelnemen",
}
SETTINGS = {
    "huisartsenpraktijk": "Huisartsenpraktijk",
    "apotheek": "Apotheek",
    "wijkgezondheidscentrum": "Wijkgezondheidscentrum",
    "caw": "CAW (Centrum Algemeen Welzijnswerk)",
    "ocmw": "OCMW / sociaal huis",
    "ziekenfonds": "Dienst maatschappelijk werk van het ziekenfonds",
    "wijkteam": "Wijkteam (Nederland)",
}
ROLES = {
    "huisarts": "huisarts",
    "apotheker": "apotheker",
    "sociaal-werker": "sociaal werker",
    "verpleegkundige": "verpleegkundige",
    "patient": "patiënt",
}
# What a learner declares as profession in the identity form (id -> Dutch label); the id goes
# into every statement (`<course>/extension/beroep`). The professions that are case roles
# share their id and wording.
PROFESSIONS = {
    **{role: label.capitalize() for role, label in ROLES.items() if role != "patient"},
    "student": "Student",
    "andere": "Andere",
}
QUESTION_TYPES = (
    "single",
    "multiple",
    "true-false",
    "fill-in",
    "sequencing",
    "matching",
    "likert",
    "reflection",
)
UNSCORED_TYPES = ("likert", "reflection")


@dataclass(frozen=True)
class CourseSettings:
    """What the loader needs of the course's configuration, passed in by its one reader.

    The plugin's options in mkdocs.yml are the one source (the plugin, or
    `leerpad validate` through MkDocs' own config loader, fills this in).
    """

    iri: str
    title: str
    language: str = "nl-BE"
    docs_dir: str = "docs"  # relative to the course folder (the one holding mkdocs.yml)
    nav: Any = None  # the MkDocs nav as written in mkdocs.yml (None: no modules)


@dataclass(frozen=True, order=True)
class ContentError:
    """One problem in the course, at a file and line a trainer can open."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass
class Option:
    """An answer option: a choice, a scale label, an accepted fill-in answer, a step."""

    id: str
    text: str
    correct: bool = False
    feedback: str = ""
    match: str = ""  # matching: the right-hand side of `left :: right`
    match_id: str = ""


@dataclass
class Question:
    """A `/// question` block, wherever it stands (quiz, case or module page)."""

    id: str
    type: str
    stem: str
    line: int
    prompt: str = ""
    options: list[Option] = field(default_factory=list)
    explanation: str = ""

    @property
    def scored(self) -> bool:
        """Whether the question counts towards a score."""
        return self.type not in UNSCORED_TYPES


@dataclass
class Quiz:
    """A module test or the final test (`quizzes/<id>.md`)."""

    id: str
    title: str
    module: str
    path: str
    pass_mark: float = 0.8
    attempts: int = 0
    final: bool = False
    draw: int | None = None  # questions drawn per attempt from the pool (None: all)
    body: str = ""
    questions: list[Question] = field(default_factory=list)


@dataclass
class Case:
    """A practice case (`cases/<id>.md`)."""

    id: str
    title: str
    path: str
    setting: str = ""
    roles: list[str] = field(default_factory=list)
    modules: list[str] = field(default_factory=list)
    krachtlijnen: list[str] = field(default_factory=list)
    access: list[str] = field(default_factory=list)
    minutes: int = 0
    sources: list[str] = field(default_factory=list)
    body: str = ""
    questions: list[Question] = field(default_factory=list)


@dataclass
class Module:
    """A nav page whose front matter has `id`, `title` and `minutes`."""

    id: str
    title: str
    path: str  # the file, relative to the course folder (docs/toegang/index.md)
    page: str = ""  # the same page as the nav names it, relative to docs_dir (toegang/index.md)
    minutes: int = 0
    credits: float | None = None
    questions: list[Question] = field(default_factory=list)


@dataclass
class Source:
    """A reference in `docs/sources.yml`."""

    key: str
    authors: list[str]
    year: int | str
    title: str
    journal: str = ""
    volume: str = ""
    pages: str = ""
    doi: str = ""
    url: str = ""
    publisher: str = ""
    note: str = ""  # e.g. "geciteerd via Hermans 2023"

    @property
    def short(self) -> str:
        """In-text citation: "Levesque e.a., 2013"."""
        names = [a.split(",")[0].strip() for a in self.authors] or ["z.n."]
        if len(names) == 1:
            who = names[0]
        elif len(names) == 2:
            who = f"{names[0]} & {names[1]}"
        else:
            who = f"{names[0]} e.a."
        return f"{who}, {self.year}"


@dataclass
class GlossaryTerm:
    """A term in `docs/glossary.yml`: what it means in care and in social work."""

    term: str
    zorgtaal: str
    sociale_taal: str
    synoniemen: list[str] = field(default_factory=list)


_Item = TypeVar("_Item", "Module", "Quiz", "Case")


@dataclass
class Course:
    """Everything the loader found; ids are unique within it."""

    iri: str
    title: str
    language: str = "nl-BE"
    modules: list[Module] = field(default_factory=list)
    quizzes: list[Quiz] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)
    sources: dict[str, Source] = field(default_factory=dict)
    glossary: list[GlossaryTerm] = field(default_factory=list)
    # id of a list -> (the list, its length, id -> item): see _find
    _index: dict[int, tuple[list[Any], int, dict[str, Any]]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def module(self, module_id: str) -> Module | None:
        """The module with this id, if any."""
        return self._find(self.modules, module_id)

    def quiz(self, quiz_id: str) -> Quiz | None:
        """The quiz with this id, if any."""
        return self._find(self.quizzes, quiz_id)

    def case(self, case_id: str) -> Case | None:
        """The case with this id, if any."""
        return self._find(self.cases, case_id)

    def _find(self, items: list[_Item], ident: str) -> _Item | None:
        # Every page asks; an index keeps a build linear in the number of cases.
        # Rebuilt when the list was replaced or has grown (the loader appends).
        cached = self._index.get(id(items))
        if cached is None or cached[0] is not items or cached[1] != len(items):
            index: dict[str, Any] = {}
            for item in items:
                index.setdefault(item.id, item)  # the first of duplicate ids, as a scan finds
            cached = self._index[id(items)] = (items, len(items), index)
        found: _Item | None = cached[2].get(ident)
        return found

    def activity(self, kind: str, ident: str | None) -> Module | Quiz | Case | None:
        """The module, quiz or case of this kind and id, if any."""
        if not ident:
            return None
        if kind == "module":
            return self.module(ident)
        if kind == "quiz":
            return self.quiz(ident)
        return self.case(ident) if kind == "case" else None

    def quizzes_of(self, module_id: str) -> list[Quiz]:
        """The quizzes that belong to a module, in course order."""
        return [q for q in self.quizzes if q.module == module_id]
