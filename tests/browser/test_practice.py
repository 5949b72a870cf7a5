"""Practice in the browser: questions on module pages and in cases, with feedback at
once, steps of a case in order, resume after reload; and what the LRS stores for them.
(Toetsen go through the scoring service: test_toets.py.)"""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import expect
from ralph.models.xapi.base.statements import BaseXapiStatement

COURSE = "https://leerpad.example/demo"
ADL = "http://adlnet.gov/expapi/verbs/"
ATTEMPT = "http://id.tincanapi.com/extension/attempt-id"


def verbs(statements: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(s["verb"]["id"].removeprefix(ADL), s["object"]["id"].removeprefix(COURSE)) for s in statements]


def check(page: Any, qid: str) -> None:
    page.locator(f"#vraag-{qid}").get_by_role("button", name="Controleer").click()


def data_definition(page: Any, qid: str) -> dict[str, Any]:
    text = page.locator(f"#vraag-{qid}").get_attribute("data-question")
    return dict(json.loads(text)["definition"])


def assert_valid(statement: dict[str, Any], registration: str, nr: str) -> None:
    """Valid for Ralph's models; the context every statement carries."""
    BaseXapiStatement(**{k: v for k, v in statement.items() if k not in ("stored", "authority", "version")})
    ctx = statement["context"]
    assert ctx["registration"] == registration
    assert ctx["language"] == "nl-BE"
    assert ctx["platform"].startswith("Leerpad ")
    assert ctx["extensions"][COURSE + "/extension/beroep"] == "huisarts"
    assert statement["actor"]["account"] == {"homePage": "https://www.riziv.fgov.be", "name": nr}
    if statement["object"]["id"] != COURSE:
        assert {"id": COURSE, "objectType": "Activity"} in ctx["contextActivities"]["grouping"]


def test_a_module_page_question_gives_feedback_at_once_and_is_stored(page: Any, site: Any) -> None:
    page.goto("toegang/")
    q = page.locator("#vraag-toegang-proces")
    q.get_by_label("Onjuist", exact=True).check()
    check(page, "toegang-proces")
    # Feedback of the chosen option and the right answer, in words, without the scorer.
    assert q.locator(".leerpad-question__result").text_content() == "Niet juist."
    assert q.locator("[data-feedback-for=false]").is_visible()
    assert not q.locator("[data-feedback-for=true]").is_visible()
    assert q.locator(".leerpad-mark.is-wrong").text_content() == "✗ fout"
    assert q.locator(".leerpad-mark.is-right").text_content() == "✓ goed"
    definition = data_definition(page, "toegang-proces")
    # The learner fills in the form on the next quiz or case; the answer waits until then.
    page.goto("casussen/slaapproblemen/")
    nr = site.fill_learner(page)
    reg = site.registration(page)
    page.reload()
    page.locator(".leerpad-progress").wait_for()
    page.goto("toegang/")
    # The runtime restores the answer once it has read the course: wait for it, then judge.
    restored = page.locator("#vraag-toegang-proces .leerpad-question__result")
    expect(restored).to_have_text("Niet juist.")
    assert page.locator("#vraag-toegang-proces").get_by_label("Onjuist", exact=True).is_checked()
    stored = site.delivered(page, reg)
    answered = [s for s in stored if s["verb"]["id"] == ADL + "answered"]
    assert len(answered) == 1
    assert answered[0]["object"]["definition"] == definition
    assert answered[0]["result"] | {"duration": ""} == {
        "response": "false",
        "success": False,
        "completion": True,
        "duration": "",
    }
    assert answered[0]["context"]["contextActivities"]["parent"] == [
        {"id": COURSE + "/module/toegang", "objectType": "Activity"}
    ]
    for s in stored:
        assert_valid(s, reg, nr)
    assert not page.errors


def test_case_reveals_steps_in_order_and_completes(page: Any, site: Any) -> None:
    page.goto("casussen/slaapproblemen/")
    nr = site.fill_learner(page)
    reg = site.registration(page)
    steps = page.locator(".leerpad-case__step")
    done = page.locator(".leerpad-case__done")
    assert [steps.nth(i).is_visible() for i in range(3)] == [True, False, False]
    page.get_by_role("button", name="Verder").click()
    assert steps.nth(1).is_visible() and steps.nth(2).is_hidden()
    assert page.evaluate("document.activeElement.id") == "wat-doet-u"
    # The next step tells what happened: it opens only once the decision is answered.
    assert page.get_by_role("button", name="Verder").count() == 0
    page.get_by_label("Vragen hoe zijn dagen eruitzien en wie hij ziet").check()
    check(page, "peeters-stap")
    assert done.is_hidden()
    page.get_by_role("button", name="Verder").click()
    assert page.get_by_role("button", name="Verder").count() == 0
    # The reflection is the learner's own: the case is finished without it, and says so.
    assert done.text_content() == "Casus afgerond."
    assert done.is_visible()
    page.locator("#vraag-peeters-reflectie textarea").fill("Ik vraag vaker naar eenzaamheid.")
    check(page, "peeters-reflectie")
    stored = site.delivered(page, reg)
    assert verbs(stored) == [
        ("initialized", ""),
        ("experienced", "/case/slaapproblemen"),
        ("answered", "/case/slaapproblemen/question/peeters-stap"),
        ("completed", "/case/slaapproblemen"),
        ("answered", "/case/slaapproblemen/question/peeters-reflectie"),
    ]
    # Not ticked "may go to the organiser": only that the reflection was done.
    assert "response" not in stored[4]["result"] and stored[4]["result"]["completion"] is True
    grouping = {a["id"] for a in stored[3]["context"]["contextActivities"]["grouping"]}
    assert grouping == {COURSE, COURSE + "/module/verbondenheid", COURSE + "/module/toegang"}
    assert stored[2]["context"]["contextActivities"]["parent"] == [
        {"id": COURSE + "/case/slaapproblemen", "objectType": "Activity"}
    ]
    for s in stored:
        assert_valid(s, reg, nr)
