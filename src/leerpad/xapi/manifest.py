"""`course.json`: the course manifest read by the runtime, the reports and the cmi5 export."""

from __future__ import annotations

from typing import Any

from leerpad.content.models import Course
from leerpad.xapi.profile import activity_iri, question_iri


def course_manifest(course: Course) -> dict[str, Any]:
    """Every module, quiz, question and case with its activity id (design.md)."""
    quizzes = []
    for quiz in course.quizzes:
        iri = activity_iri(course.iri, "quiz", quiz.id)
        quizzes.append(
            {
                "id": quiz.id,
                "iri": iri,
                "title": quiz.title,
                "module": quiz.module,
                "pass_mark": quiz.pass_mark,
                "attempts": quiz.attempts,
                "final": quiz.final,
                "draw": quiz.draw,
                "questions": [
                    {"id": q.id, "iri": question_iri(iri, q.id), "type": q.type, "scored": q.scored}
                    for q in quiz.questions
                ],
            }
        )
    return {
        "iri": course.iri,
        "title": course.title,
        "language": course.language,
        "modules": [
            {
                "id": m.id,
                "iri": activity_iri(course.iri, "module", m.id),
                "title": m.title,
                "page": m.page,
                "minutes": m.minutes,
                "credits": m.credits,
                "quizzes": [q.id for q in course.quizzes_of(m.id)],
            }
            for m in course.modules
        ],
        "quizzes": quizzes,
        "cases": [
            {
                "id": c.id,
                "iri": activity_iri(course.iri, "case", c.id),
                "title": c.title,
                "modules": c.modules,
                "minutes": c.minutes,
            }
            for c in course.cases
        ],
    }
