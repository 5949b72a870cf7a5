"""The course as the scorer sees it: quizzes with their keys, modules, final test, options.

Read from the course folder (the one holding mkdocs.yml): the plugin's settings from
mkdocs.yml (validated by MkDocs, the one source of the course IRI and the options),
the content through the content loader, the keys from ``.leerpad/keys/``. A key file
that is missing or older than its quiz stops the scorer with a message naming the quiz.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import leerpad
from leerpad.content import load_course
from leerpad.content.models import Course
from leerpad.scoring.launches import FLAG, check_endpoints
from leerpad.xapi.keys import AnswerKeyError, QuizKey, read_key, write_keys
from leerpad.xapi.profile import activity_iri, interaction_definition


class CourseError(Exception):
    """The scorer cannot serve this course (the message says which file or quiz)."""


@dataclass(frozen=True)
class ScorerOptions:
    """The plugin's scorer options (mkdocs.yml: ``leerpad: {scorer: {…}}``)."""

    final_lock: bool = True
    final_feedback: bool = False
    #: The LMS xAPI endpoints the scorer may ask whether they launched a learner (cmi5).
    cmi5_endpoints: tuple[str, ...] = ()


@dataclass(frozen=True)
class ScoredQuiz:
    """A quiz with its key and what its statements name."""

    key: QuizKey
    iri: str
    title: str
    module_iri: str
    # The complete interaction definition (correctResponsesPattern included) per scored question.
    definitions: dict[str, dict[str, Any]]

    @property
    def id(self) -> str:
        """The quiz id."""
        return self.key.id


@dataclass(frozen=True)
class ScoredModule:
    """A module and the ids of its toetsen (none: done when the learner completes it)."""

    id: str
    iri: str
    title: str
    quizzes: tuple[str, ...]


@dataclass(frozen=True)
class ScoredCourse:
    """Everything the scorer needs of one course."""

    iri: str
    title: str
    language: str
    quizzes: dict[str, ScoredQuiz]
    modules: dict[str, ScoredModule]
    options: ScorerOptions = field(default_factory=ScorerOptions)
    platform: str = f"Leerpad {leerpad.__version__}"

    def final_quizzes(self) -> list[ScoredQuiz]:
        """The final test(s)."""
        return [q for q in self.quizzes.values() if q.key.final]

    def required_modules(self) -> list[ScoredModule]:
        """The modules to finish before the final test: all but the final test's own."""
        final_modules = {q.key.module for q in self.final_quizzes()}
        return [m for m in self.modules.values() if m.id not in final_modules]


def scored_course(course: Course, course_dir: Path, options: ScorerOptions) -> ScoredCourse:
    """Combine a loaded course with its key files (raises :class:`CourseError`)."""
    quizzes: dict[str, ScoredQuiz] = {}
    problems: list[str] = []
    for quiz in course.quizzes:
        try:
            key = read_key(course_dir, quiz)
        except AnswerKeyError as error:
            problems.append(str(error))
            continue
        iri = activity_iri(course.iri, "quiz", quiz.id)
        scored = [q for q in quiz.questions if q.scored]
        quizzes[quiz.id] = ScoredQuiz(
            key=key,
            iri=iri,
            title=quiz.title,
            module_iri=activity_iri(course.iri, "module", quiz.module),
            definitions={q.id: interaction_definition(q) for q in scored},
        )
    if problems:
        raise CourseError("De scorer start niet:\n" + "\n".join(problems))
    modules = {
        m.id: ScoredModule(
            id=m.id,
            iri=activity_iri(course.iri, "module", m.id),
            title=m.title,
            quizzes=tuple(q.id for q in course.quizzes_of(m.id)),
        )
        for m in course.modules
    }
    return ScoredCourse(
        iri=course.iri,
        title=course.title,
        language=course.language,
        quizzes=quizzes,
        modules=modules,
        options=options,
    )


def _course(course_dir: Path) -> tuple[Course, Any]:
    """The course as ``mkdocs build`` loads it, and the plugin's validated options."""
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    from leerpad.plugin.settings import course_settings, plugin_options

    config_file = course_dir / "mkdocs.yml"
    if not config_file.exists():
        raise CourseError(f"Geen mkdocs.yml in {course_dir}: de scorer heeft de cursusmap nodig.")
    try:
        config = load_config(str(config_file))
    except MkDocsException as error:
        raise CourseError(f"{config_file}: {error}") from error
    options = plugin_options(config)
    if options is None:
        raise CourseError(f"{config_file}: de plugin 'leerpad' staat niet in plugins")
    settings, errors = course_settings(config, options)
    course, content_errors = load_course(course_dir, settings)
    errors = sorted(errors + content_errors)
    if errors:
        listed = "\n".join(str(e) for e in errors[:20])
        raise CourseError(f"De scorer start niet: de cursus heeft fouten.\n{listed}")
    return course, options


def write_course_keys(course_dir: Path) -> None:
    """Write the key files of the course in ``course_dir`` (as the build does)."""
    course, _settings = _course(course_dir.resolve())
    write_keys(course, course_dir.resolve())


def load_scored_course(course_dir: Path, more_endpoints: Sequence[str] = ()) -> ScoredCourse:
    """Load the course in ``course_dir`` for scoring (raises :class:`CourseError`).

    The scorer trusts the LMS endpoints of the course's ``scorer: cmi5_endpoints`` and
    ``more_endpoints`` (given with ``--cmi5-endpoint``); a bad one stops it, named where given.
    """
    course_dir = course_dir.resolve()
    course, settings = _course(course_dir)
    more = tuple(more_endpoints)
    endpoints = tuple(settings.scorer.cmi5_endpoints)
    if problems := check_endpoints(endpoints) + check_endpoints(more, FLAG):
        raise CourseError("De scorer start niet:\n" + "\n".join(problems))
    endpoints += more
    options = ScorerOptions(
        final_lock=bool(settings.scorer.final_lock),
        final_feedback=bool(settings.scorer.final_feedback),
        cmi5_endpoints=endpoints,
    )
    return scored_course(course, course_dir, options)
