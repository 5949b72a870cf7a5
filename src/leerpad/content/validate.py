"""`leerpad validate`: every content error of a course, as `path:line: message`."""

from __future__ import annotations

import sys
from typing import TextIO

from leerpad.content.models import ContentError, Course


def summary(course: Course) -> str:
    """One line with the course's counts."""
    questions = sum(len(q.questions) for q in course.quizzes)
    questions += sum(len(c.questions) for c in course.cases)
    questions += sum(len(m.questions) for m in course.modules)
    return (
        f"{len(course.modules)} modules, {len(course.cases)} casussen, "
        f"{len(course.quizzes)} toetsen, {questions} vragen"
    )


def count(errors: list[ContentError]) -> str:
    """How many errors in how many files: "3 fouten in 2 bestanden"."""
    files = len({e.path for e in errors})
    noun = "fout" if len(errors) == 1 else "fouten"
    where = "bestand" if files == 1 else "bestanden"
    return f"{len(errors)} {noun} in {files} {where}"


def report_errors(
    course: Course, errors: list[ContentError], out: TextIO = sys.stdout, err: TextIO = sys.stderr
) -> int:
    """Print every error (or a summary when there is none); return the exit code."""
    for error in errors:
        print(error, file=out)
    if errors:
        print(count(errors), file=err)
        return 1
    print(f"In orde: {summary(course)}", file=out)
    return 0
