"""The course's content: models, the loader and validator, the `/// question` parser.

Holds what a course is made of (modules, cases, quizzes, questions, sources,
glossary), how it is read from its files (`load_course`, given the settings the
plugin config names) and every error a trainer can make, at its file and line.

May import: `leerpad.layout` only, and PyYAML's pure loader. Pure Python on
purpose, so that the trainer's in-browser editor can run it in Pyodide; never
xapi, markdown or plugin (they build on content, not the other way round).
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
