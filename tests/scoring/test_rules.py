"""The xAPI response patterns per question type, and the browser rule for a module without toetsen."""

from __future__ import annotations

import pytest

from leerpad.scoring.course import ScoredCourse, ScoredModule
from leerpad.scoring.guard import BrowserWriteRule
from leerpad.scoring.rules import score_response
from leerpad.xapi.keys import QuestionKey

SINGLE = QuestionKey("q", "single", ["b"], ["a", "b", "c"])
MULTIPLE = QuestionKey("q", "multiple", ["a[,]c"], ["a", "b", "c"])
TRUE_FALSE = QuestionKey("q", "true-false", ["false"], ["true", "false"])
FILL_IN = QuestionKey("q", "fill-in", ["{case_matters=false}Non-take-up", "{case_matters=false}onderbescherming"], [])
SEQUENCING = QuestionKey("q", "sequencing", ["a[,]b[,]c"], ["a", "b", "c"])
MATCHING = QuestionKey("q", "matching", ["a[.]x[,]b[.]y"], ["a", "b"])

CASES = [
    (SINGLE, "b", True),
    (SINGLE, "a", False),
    (MULTIPLE, "c[,]a", True),  # order does not matter for a choice
    (MULTIPLE, "a", False),
    (MULTIPLE, "a[,]b[,]c", False),
    (MULTIPLE, "", False),  # nothing chosen is an answer, and wrong
    (TRUE_FALSE, "false", True),
    (TRUE_FALSE, "true", False),
    (FILL_IN, " NON-TAKE-UP ", True),  # trimmed, case_matters=false
    (FILL_IN, "Onderbescherming", True),
    (FILL_IN, "non take up", False),
    (SEQUENCING, "a[,]b[,]c", True),
    (SEQUENCING, "b[,]a[,]c", False),
    (MATCHING, "b[.]y[,]a[.]x", True),  # pairs in any order
    (MATCHING, "a[.]y[,]b[.]x", False),
    (MATCHING, "a[.]x", False),  # one pair left out
]


@pytest.mark.parametrize(("key", "response", "right"), CASES)
def test_each_type_is_scored_as_xapi_defines_it(key: QuestionKey, response: str, right: bool) -> None:
    assert score_response(key, response) is right


def test_completing_a_module_without_toetsen_stays_allowed() -> None:
    course = ScoredCourse(
        iri="https://leerpad.example/c",
        title="C",
        language="nl-BE",
        quizzes={},
        modules={
            "lezen": ScoredModule("lezen", "https://leerpad.example/c/module/lezen", "Lezen", ()),
            "toets": ScoredModule("toets", "https://leerpad.example/c/module/toets", "Toets", ("t",)),
        },
    )
    rule = BrowserWriteRule(course)

    def completed(iri: str) -> dict[str, object]:
        return {"verb": {"id": "http://adlnet.gov/expapi/verbs/completed"}, "object": {"id": iri}}

    assert rule.refusal(completed("https://leerpad.example/c/module/lezen")) is None
    assert rule.refusal(completed("https://leerpad.example/c/module/toets")) == (
        "Een module met toetsen rondt alleen de scorer af (https://leerpad.example/c/module/toets)."
    )
