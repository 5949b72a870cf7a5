"""The course's content model: modules, cases, quizzes, questions, sources, glossary.

Pure Python on purpose: it depends only on PyYAML (pure loader) so that the
trainer's in-browser editor can run it in Pyodide.
"""

from leerpad.content.loader import load_course, load_course_files
from leerpad.content.models import (
    Case,
    ContentError,
    Course,
    CourseSettings,
    GlossaryTerm,
    Module,
    Option,
    Question,
    Quiz,
    Source,
)

__all__ = [
    "Case",
    "ContentError",
    "Course",
    "CourseSettings",
    "GlossaryTerm",
    "Module",
    "Option",
    "Question",
    "Quiz",
    "Source",
    "load_course",
    "load_course_files",
]
