"""Quizzes and cases in the browser: every question type, feedback, scoring,
attempts, final tests, resume after reload; and what the LRS stores for them."""

from __future__ import annotations

import json
from typing import Any

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


def assert_valid(statement: dict[str, Any], registration: str) -> None:
    """Valid for Ralph's models; the context every statement carries."""
    BaseXapiStatement(**{k: v for k, v in statement.items() if k not in ("stored", "authority", "version")})
    ctx = statement["context"]
    assert ctx["registration"] == registration
    assert ctx["language"] == "nl-BE"
    assert ctx["platform"].startswith("Leerpad ")
    assert ctx["extensions"][COURSE + "/extension/beroep"] == "huisarts"
    assert statement["actor"]["account"] == {"homePage": "https://www.riziv.fgov.be", "name": "1-23456-78-901"}
    if statement["object"]["id"] != COURSE:
        assert {"id": COURSE, "objectType": "Activity"} in ctx["contextActivities"]["grouping"]


def answer_toegang(page: Any, right: bool) -> None:
    page.get_by_label("Benaderbaarheid" if right else "Betaalbaarheid", exact=True).check()
    check(page, "dimensie-1")
    page.get_by_label("Het vermogen om zorg te zoeken").check()
    if right:
        page.get_by_label("Het vermogen om te betalen").check()
    check(page, "vermogens-1")
    page.locator("#vraag-verantwoordelijkheid-1").get_by_label("Onjuist" if right else "Juist", exact=True).check()
    check(page, "verantwoordelijkheid-1")
    page.locator("#vraag-onderbescherming-1 input").fill(" Non-Take-Up " if right else "armoede")
    check(page, "onderbescherming-1")


def test_every_question_type_is_answered_and_stored_with_its_interaction(page: Any, site: Any) -> None:
    page.goto("toetsen/toegang-toets/")
    page.locator(".leerpad-learner").wait_for()  # the runtime has started
    assert page.locator(".leerpad-quiz").get_attribute("inert") is not None  # form first
    site.fill_learner(page)
    reg = site.registration(page)
    answer_toegang(page, right=True)
    # Feedback per option after checking, as text; right and wrong marked in words.
    q = page.locator("#vraag-dimensie-1")
    assert q.locator("[data-feedback-for=benaderbaarheid]").is_visible()
    assert not q.locator("[data-feedback-for=betaalbaarheid]").is_visible()
    assert q.locator(".leerpad-question__result").text_content() == "Juist."
    assert page.locator("#vraag-onderbescherming-1 .leerpad-question__result").text_content() == "Juist."
    assert "Uw score: 4 van 4 (100%). Geslaagd." in page.locator(".leerpad-quiz__result").text_content()
    definitions = {
        qid: data_definition(page, qid)
        for qid in ("dimensie-1", "vermogens-1", "verantwoordelijkheid-1", "onderbescherming-1")
    }

    page.goto("toetsen/verbondenheid-toets/")
    seq = page.locator("#vraag-volgorde-1")
    for _ in range(3):  # shuffled: zorg-gebruiken, behoefte, bereiken, zoeken -> bring into order
        seq.get_by_role("button", name="Lager: Zorg gebruiken").click()
    seq.get_by_role("button", name="Hoger: Zorg zoeken").click()
    assert seq.locator("li").evaluate_all("l => l.map(e => e.dataset.option)") == [
        "behoefte-aan-zorg",
        "zorg-zoeken",
        "zorg-bereiken",
        "zorg-gebruiken",
    ]
    check(page, "volgorde-1")
    page.get_by_label("Benaderbaarheid").select_option("vermogen-om-waar-te-nemen")
    page.get_by_label("Aanvaardbaarheid").select_option("vermogen-om-te-zoeken")
    page.get_by_label("Betaalbaarheid").select_option("vermogen-om-te-zoeken")  # wrong
    check(page, "koppel-1")
    assert "juist is Vermogen om te betalen" in page.locator("#vraag-koppel-1").text_content()
    page.get_by_label("Soms").check()
    check(page, "eenzaam-likert")
    page.locator("#vraag-reflectie-1 textarea").fill("Ik vraag naar wie de patiënt ziet.")
    check(page, "reflectie-1")
    assert "Uw score: 1 van 2 (50%). Geslaagd." in page.locator(".leerpad-quiz__result").text_content()
    for qid in ("volgorde-1", "koppel-1", "eenzaam-likert", "reflectie-1"):
        definitions[qid] = data_definition(page, qid)
    site.drained(page)

    stored = site.wait(reg, 25)
    for s in stored:
        assert_valid(s, reg)
    answered = {s["object"]["id"].rsplit("/", 1)[-1]: s for s in stored if s["verb"]["id"] == ADL + "answered"}
    assert set(answered) == set(definitions)
    for qid, s in answered.items():
        # The full interaction definition survives the round trip, components included.
        assert s["object"]["definition"] == definitions[qid], qid
        assert s["result"]["duration"].startswith("PT")
        assert s["context"]["extensions"][ATTEMPT] == 1
        assert s["context"]["contextActivities"]["parent"][0]["id"].startswith(COURSE + "/quiz/")
    assert answered["dimensie-1"]["result"]["response"] == "benaderbaarheid"
    assert (
        answered["vermogens-1"]["result"]["response"] == "het-vermogen-om-zorg-te-zoeken[,]het-vermogen-om-te-betalen"
    )
    assert answered["verantwoordelijkheid-1"]["result"]["response"] == "false"
    assert answered["onderbescherming-1"]["result"] | {"duration": ""} == {
        "response": "Non-Take-Up",
        "success": True,
        "completion": True,
        "duration": "",
    }
    assert (
        answered["volgorde-1"]["result"]["response"]
        == "behoefte-aan-zorg[,]zorg-zoeken[,]zorg-bereiken[,]zorg-gebruiken"
    )
    assert answered["volgorde-1"]["result"]["success"] is True
    assert answered["koppel-1"]["result"]["success"] is False
    assert answered["eenzaam-likert"]["result"]["response"] == "soms"
    assert "success" not in answered["eenzaam-likert"]["result"]
    assert answered["reflectie-1"]["result"]["response"] == "Ik vraag naar wie de patiënt ziet."
    assert answered["dimensie-1"]["object"]["definition"]["choices"][1]["id"] == "benaderbaarheid"
    assert (
        answered["koppel-1"]["object"]["definition"]["source"]
        and answered["koppel-1"]["object"]["definition"]["target"]
    )
    assert answered["volgorde-1"]["object"]["definition"]["choices"]
    assert answered["eenzaam-likert"]["object"]["definition"]["scale"]

    passed = [s for s in stored if s["verb"]["id"] == ADL + "passed"]
    assert [s["object"]["id"] for s in passed] == [
        COURSE + "/quiz/toegang-toets",
        COURSE + "/module/toegang",
        COURSE + "/quiz/verbondenheid-toets",
        COURSE + "/module/verbondenheid",
    ]
    assert passed[0]["result"]["score"] == {"scaled": 1, "raw": 4, "min": 0, "max": 4}
    assert passed[2]["result"]["score"] == {"scaled": 0.5, "raw": 1, "min": 0, "max": 2}
    assert passed[0]["context"]["contextActivities"]["parent"] == [
        {"id": COURSE + "/module/toegang", "objectType": "Activity"}
    ]
    completed = [s["object"]["id"] for s in stored if s["verb"]["id"] == ADL + "completed"]
    assert completed == [p["object"]["id"] for p in passed]
    assert page.locator(".leerpad-progress").text_content().startswith("Voortgang: 2 van 3 modules afgerond")
    assert not page.errors


def test_fail_then_retry_then_pass_keeps_both_attempts(page: Any, site: Any) -> None:
    page.goto("toetsen/toegang-toets/")
    site.fill_learner(page)
    reg = site.registration(page)
    answer_toegang(page, right=False)
    result = page.locator(".leerpad-quiz__result")
    assert "Uw score: 0 van 4 (0%). Niet geslaagd." in result.text_content()
    assert page.locator("#vraag-dimensie-1 .leerpad-mark.is-wrong").text_content() == "✗ niet juist"
    assert "Aanvaard: onderbescherming, non-take-up." in page.locator("#vraag-onderbescherming-1").text_content()
    page.get_by_role("button", name="Opnieuw proberen").click()
    assert page.locator(".leerpad-quiz__attempt").text_content().startswith("Poging 2 van 3")
    assert not page.locator("#vraag-dimensie-1 input:checked").count()
    assert not page.locator(".leerpad-mark").count()
    answer_toegang(page, right=True)
    assert "Geslaagd." in result.text_content()
    site.drained(page)
    stored = site.wait(reg, 16)
    assert [v for v in verbs(stored) if v[0] in ("passed", "failed", "completed")] == [
        ("failed", "/quiz/toegang-toets"),
        ("completed", "/quiz/toegang-toets"),
        ("passed", "/quiz/toegang-toets"),
        ("completed", "/quiz/toegang-toets"),
        ("passed", "/module/toegang"),
        ("completed", "/module/toegang"),
    ]
    answered = [s for s in stored if s["verb"]["id"] == ADL + "answered"]
    assert [s["context"]["extensions"][ATTEMPT] for s in answered] == [1] * 4 + [2] * 4
    assert [s["result"]["success"] for s in answered] == [False] * 4 + [True] * 4
    failed = next(s for s in stored if s["verb"]["id"] == ADL + "failed")
    assert failed["result"]["score"] == {"scaled": 0, "raw": 0, "min": 0, "max": 4}
    assert failed["result"]["success"] is False


def test_final_test_shows_score_and_feedback_only_at_the_end(page: Any, site: Any) -> None:
    page.goto("toetsen/eindtoets/")
    site.fill_learner(page)
    reg = site.registration(page)
    for attempt in (1, 2):
        questions = page.locator(".leerpad-question")
        for i in range(questions.count()):
            q = questions.nth(i)
            q.locator("input").first.check()
            q.get_by_role("button", name="Antwoord bevestigen").click()
            if i < questions.count() - 1:
                assert q.locator(".leerpad-question__result").text_content() == "Antwoord bewaard."
                assert not page.locator(".leerpad-mark").count()
                assert page.locator(".leerpad-quiz__result").is_hidden()
        assert page.locator(".leerpad-quiz__result").is_visible()
        assert page.locator(".leerpad-mark").count()
        if attempt == 1 and page.get_by_role("button", name="Opnieuw proberen").count():
            page.get_by_role("button", name="Opnieuw proberen").click()
        else:
            break
    site.drained(page)
    stored = site.wait(reg, 3)
    outcome = [v for v in verbs(stored) if v[0] in ("passed", "failed")]
    assert outcome[0][1] == "/quiz/eindtoets"
    if outcome[0][0] == "failed":  # first options chosen: fails twice, no attempts left
        assert "U hebt geen pogingen meer." in page.locator(".leerpad-quiz__result").text_content()
        assert outcome == [
            ("failed", "/quiz/eindtoets"),
            ("failed", "/quiz/eindtoets"),
            ("failed", "/module/eindtoets"),
        ]


def test_reload_mid_quiz_resumes_answers_without_sending_twice(page: Any, site: Any) -> None:
    page.goto("toetsen/toegang-toets/")
    site.fill_learner(page)
    reg = site.registration(page)
    page.get_by_label("Benaderbaarheid", exact=True).check()
    check(page, "dimensie-1")
    page.get_by_label("Het vermogen om zorg te zoeken").check()  # a draft, not checked
    page.locator("#vraag-onderbescherming-1 input").fill("onderbescherming")
    site.drained(page)
    page.reload()
    page.locator(".leerpad-progress").wait_for()  # the runtime is up
    assert page.get_by_label("Benaderbaarheid", exact=True).is_checked()
    assert page.get_by_label("Benaderbaarheid", exact=True).is_disabled()
    assert page.locator("#vraag-dimensie-1 .leerpad-question__result").text_content() == "Juist."
    assert page.get_by_label("Het vermogen om zorg te zoeken").is_checked()
    assert page.locator("#vraag-onderbescherming-1 input").input_value() == "onderbescherming"
    assert page.locator("#vraag-vermogens-1").get_by_role("button", name="Controleer").is_visible()
    page.get_by_label("Het vermogen om te betalen").check()
    check(page, "vermogens-1")
    page.locator("#vraag-verantwoordelijkheid-1").get_by_label("Onjuist", exact=True).check()
    check(page, "verantwoordelijkheid-1")
    check(page, "onderbescherming-1")
    assert "Geslaagd." in page.locator(".leerpad-quiz__result").text_content()
    stored = site.delivered(page, reg)
    answered = [v[1].rsplit("/", 1)[-1] for v in verbs(stored) if v[0] == "answered"]
    assert answered == ["dimensie-1", "vermogens-1", "verantwoordelijkheid-1", "onderbescherming-1"]
    assert verbs(stored).count(("initialized", "")) == 2  # one visit per page load
    assert verbs(stored).count(("terminated", "")) == 1


def test_case_reveals_steps_in_order_and_completes(page: Any, site: Any) -> None:
    page.goto("casussen/slaapproblemen/")
    site.fill_learner(page)
    reg = site.registration(page)
    steps = page.locator(".leerpad-case__step")
    assert [steps.nth(i).is_visible() for i in range(3)] == [True, False, False]
    page.get_by_role("button", name="Verder").click()
    assert steps.nth(1).is_visible() and steps.nth(2).is_hidden()
    assert page.evaluate("document.activeElement.id") == "wat-doet-u"
    page.get_by_label("Vragen hoe zijn dagen eruitzien en wie hij ziet").check()
    check(page, "peeters-stap")
    page.get_by_role("button", name="Verder").click()
    assert page.get_by_role("button", name="Verder").count() == 0
    page.locator("#vraag-peeters-reflectie textarea").fill("Ik vraag vaker naar eenzaamheid.")
    check(page, "peeters-reflectie")
    site.drained(page)
    stored = site.wait(reg, 5)
    assert verbs(stored) == [
        ("initialized", ""),
        ("experienced", "/case/slaapproblemen"),
        ("answered", "/case/slaapproblemen/question/peeters-stap"),
        ("answered", "/case/slaapproblemen/question/peeters-reflectie"),
        ("completed", "/case/slaapproblemen"),
    ]
    grouping = {a["id"] for a in stored[-1]["context"]["contextActivities"]["grouping"]}
    assert grouping == {COURSE, COURSE + "/module/verbondenheid", COURSE + "/module/toegang"}
    assert stored[2]["context"]["contextActivities"]["parent"] == [
        {"id": COURSE + "/case/slaapproblemen", "objectType": "Activity"}
    ]
    for s in stored:
        assert_valid(s, reg)
