"""Leerpad's cmi5 mode in headless chromium, launched by the simulated LMS.

The demo package is imported by the LMS (tests/cmi5/lms.py); a learner opens
its launch URL, works in the module and returns to the LMS. What the embedded
LRS stored for the registration is then held against every rule of issue 14
(`assert_cmi5_rules`), for Normal, Browse and Review launches, an abandoned
session, and each bad-input case the learner must be told about in Dutch.
The pages run under their own Content-Security-Policy, and may reach nothing
but the LMS's origin.
"""

from __future__ import annotations

import json
import re
import time
import uuid
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest
import requests

pytestmark = pytest.mark.browser

COURSE = "https://leerpad.example/demo"
AU = COURSE + "/module/toegang"
QUIZ = COURSE + "/quiz/toegang-toets"
ACTOR = {"objectType": "Agent", "name": "Lien Janssens",
         "account": {"homePage": "https://lms.example", "name": "lien-4711"}}
ADL = "http://adlnet.gov/expapi/verbs/"
CMI5 = "https://w3id.org/xapi/cmi5/context/"
CATEGORY, MOVEON = CMI5 + "categories/cmi5", CMI5 + "categories/moveon"
SESSION, MASTERY = CMI5 + "extensions/sessionid", CMI5 + "extensions/masteryscore"
LMS_VERBS = ("launched", "abandoned")
AGAIN = " Start de module opnieuw vanuit uw leeromgeving."
IDENTITY = "https://w3id.org/leerpad/extension/identity-source"
SCORER = {"objectType": "Agent", "name": "Leerpad-scorer",
          "account": {"homePage": "https://w3id.org/leerpad", "name": "scorer"}}


def verb(statement: dict[str, Any]) -> str:
    return str(statement["verb"]["id"]).rsplit("/", 1)[-1]


def categories(statement: dict[str, Any]) -> list[str]:
    return [a["id"] for a in statement["context"].get("contextActivities", {}).get("category", [])]


def defined(statements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The cmi5 defined statements the AU made (the LMS's own left out)."""
    return [s for s in statements if CATEGORY in categories(s) and verb(s) not in LMS_VERBS]


def assert_cmi5_rules(stored: list[dict[str, Any]], sessions: list[Any]) -> None:
    """Every rule of issue 14 over the statements of one registration (oldest first)."""
    assert not any(verb(s) == "voided" for s in stored)
    for session in sessions:
        mine = [s for s in stored if s["context"].get("extensions", {}).get(SESSION) == session.session_id
                and verb(s) not in LMS_VERBS]
        if not mine:
            continue
        assert verb(mine[0]) == "initialized" and CATEGORY in categories(mine[0]), "initialized comes first"
        if session.terminated:
            assert verb(mine[-1]) == "terminated" and CATEGORY in categories(mine[-1]), "terminated comes last"
        for s in mine:
            context = s["context"]
            assert s["actor"] == session.actor, "the LMS's actor, as given"
            assert context["registration"] == session.registration
            assert session.au in [a["id"] for a in context["contextActivities"]["grouping"]], "the contextTemplate"
            assert MOVEON not in categories(s) or CATEGORY in categories(s)
            if CATEGORY not in categories(s):
                continue  # cmi5 allowed: no cmi5 rules beyond the template
            result = s.get("result") or {}
            assert s["object"]["id"] == session.activity_id, "cmi5 defined statements are about the launched AU"
            assert verb(s) in ("initialized", "completed", "passed", "failed", "terminated")
            assert (MOVEON in categories(s)) == ("success" in result or "completion" in result)
            if verb(s) in ("terminated", "completed", "passed", "failed"):
                assert re.fullmatch(r"PT\d+(\.\d+)?S", result["duration"])
            if verb(s) == "completed":
                assert result["completion"] is True and "success" not in result and "score" not in result
            elif verb(s) in ("passed", "failed"):
                assert result["success"] is (verb(s) == "passed") and "completion" not in result
                mastery = session.mastery
                assert context["extensions"].get(MASTERY) == mastery
                if mastery is not None and "score" in result:
                    assert (result["score"]["scaled"] >= mastery) is (verb(s) == "passed")
            else:
                assert not {"success", "completion", "score"} & set(result)
        cmi5_verbs = [verb(s) for s in defined(mine)]
        assert len(cmi5_verbs) == len(set(cmi5_verbs)), "no cmi5 verb twice in a session"
        assert cmi5_verbs.count("passed") + cmi5_verbs.count("failed") <= 1
        if session.mode != "Normal":
            assert set(cmi5_verbs) <= {"initialized", "terminated"}
            results = [s for s in mine if verb(s) in ("passed", "failed", "completed")]
            assert not results, "no results in " + session.mode
    ours = [verb(s) for s in defined(stored)]
    assert ours.count("passed") <= 1 and ours.count("completed") <= 1, "one passed, one completed per registration"
    if "passed" in ours:
        assert "failed" not in ours[ours.index("passed"):], "no failed after passed"


@pytest.fixture
def context(browser: Any, lms: Any) -> Iterator[Any]:
    """A fresh browser (empty storage) that may reach the LMS's origin only."""
    ctx = browser.new_context(locale="nl-BE")
    ctx.set_default_timeout(10_000)
    stray: list[str] = []

    def guard(route: Any) -> None:
        if route.request.url.startswith(lms.origin + "/"):
            route.fallback()
        else:
            stray.append(route.request.url)
            route.abort()

    ctx.route("**/*", guard)
    yield ctx
    ctx.close()
    assert not stray, f"requests to other hosts: {stray}"


@pytest.fixture
def page(context: Any) -> Any:
    p = context.new_page()
    p.errors = []
    p.on("pageerror", lambda e: p.errors.append(str(e)))
    p.on("console", lambda m: p.errors.append(m.text) if m.type == "error" else None)
    return p


def launch(lms: Any, page: Any, mode: str = "Normal", registration: str | None = None, **options: Any) -> Any:
    session = lms.launch(AU, ACTOR, registration or str(uuid.uuid4()), mode=mode, **options)
    page.goto(session.url)
    page.get_by_role("button", name="Terug naar de leeromgeving").wait_for()
    return session


def drained(page: Any, timeout: float = 20) -> None:
    """Waits until the page sent every statement it queued (cmi5.js keeps them in sessionStorage)."""
    deadline = time.monotonic() + timeout
    while page.evaluate("() => sessionStorage['leerpad.cmi5.q'] || '[]'") != "[]":
        assert time.monotonic() < deadline, "statements still waiting to be sent"
        time.sleep(0.2)


def answer_toegang(page: Any, right: bool) -> None:
    """One attempt at the demo's module test, all right or all wrong (tests/demo/quizzes/toegang-toets.md)."""
    attempt_toegang(page, 4 if right else 0)


def attempt_toegang(page: Any, good: int) -> None:
    """One attempt at the demo's module test with its first ``good`` questions right and the others wrong:
    started as a whole ("Toets starten", or "Opnieuw proberen" for the next attempt), answered, submitted
    ("Indienen"); the package names no LRS, so the page scores the attempt itself (pass mark 75 %)."""
    quiz = page.locator(".leerpad-quiz")
    go = quiz.locator("button.leerpad-go")
    if go.text_content() in ("Toets starten", "Opnieuw proberen"):
        go.click()
    go.filter(has_text="Indienen").wait_for()
    page.get_by_label("Benaderbaarheid" if good > 0 else "Betaalbaarheid", exact=True).check()
    page.get_by_label("Het vermogen om zorg te zoeken").check()
    if good > 1:
        page.get_by_label("Het vermogen om te betalen").check()
    page.locator("#vraag-verantwoordelijkheid-1").get_by_label("Onjuist" if good > 2 else "Juist", exact=True).check()
    page.locator("#vraag-onderbescherming-1 input").fill("non-take-up" if good > 3 else "armoede")
    go.click()
    verdict = "Geslaagd." if good >= 3 else "Niet geslaagd."
    quiz.locator(".leerpad-quiz__result").get_by_text(f"Uw score: {good} van 4 ({good * 25} %). {verdict}").wait_for()


def to_the_test(page: Any) -> None:
    page.get_by_role("link", name="Toets toegang").first.click()
    page.locator(".leerpad-quiz").wait_for()
    assert not page.locator(".leerpad-learner").count(), "the LMS names the learner: no form"


def back_to_lms(page: Any, lms: Any) -> None:
    page.get_by_role("button", name="Terug naar de leeromgeving").click()
    page.wait_for_url(lms.origin + "/return")


def test_normal_launch_fail_fail_pass_and_return(page: Any, lms: Any, lms_lrs: Any, wait_for: Any) -> None:
    session = launch(lms, page)
    page.reload()  # a reload in the same session needs no new token
    page.get_by_role("button", name="Terug naar de leeromgeving").wait_for()
    assert session.fetched == 1
    to_the_test(page)
    answer_toegang(page, right=False)
    answer_toegang(page, right=False)  # "Opnieuw proberen": the next attempt
    answer_toegang(page, right=True)
    back_to_lms(page, lms)
    stored = wait_for(lms_lrs, {"registration": session.registration}, 1)
    assert_cmi5_rules(stored, [session])
    # The failed attempts were made good in the same session: cmi5 allows passed or failed, once.
    assert [verb(s) for s in defined(stored)] == ["initialized", "passed", "completed", "terminated"]
    passed = defined(stored)[1]
    assert passed["result"]["score"]["scaled"] == 1
    assert passed["context"]["extensions"][MASTERY] == 0.75
    assert verb(stored[-1]) == "terminated" and session.terminated and not session.refused
    assert not page.errors
    page.go_back()  # back into the course after leaving it: nothing more is sent
    assert learner_message(page) == "U hebt deze module afgesloten: wat u nu doet, wordt niet doorgegeven." + AGAIN
    page.goto(lms.origin + "/content/verbondenheid/index.html")  # another page, another `experienced`
    page.get_by_role("button", name="Terug naar de leeromgeving").wait_for()
    assert wait_for(lms_lrs, {"registration": session.registration}, len(stored) + 1, timeout=3) == stored


def test_a_failed_attempt_not_made_good_is_reported_when_the_learner_leaves(page: Any, lms: Any, lms_lrs: Any,
                                                                            wait_for: Any) -> None:
    session = launch(lms, page)
    to_the_test(page)
    answer_toegang(page, right=False)
    back_to_lms(page, lms)
    stored = wait_for(lms_lrs, {"registration": session.registration}, 1)
    assert_cmi5_rules(stored, [session])
    assert [verb(s) for s in defined(stored)] == ["initialized", "failed", "terminated"]
    failed = defined(stored)[1]
    assert failed["result"]["score"]["scaled"] == 0 and failed["result"]["success"] is False


def test_a_module_failed_for_good_is_reported_at_once(page: Any, lms: Any, lms_lrs: Any, wait_for: Any) -> None:
    session = launch(lms, page)
    to_the_test(page)
    for _attempt in range(3):
        answer_toegang(page, right=False)
    assert not page.get_by_role("button", name="Opnieuw proberen").count(), "no attempts left"
    drained(page)
    stored = wait_for(lms_lrs, {"registration": session.registration}, 1)
    assert [verb(s) for s in defined(stored)] == ["initialized", "failed", "completed"]  # before any return
    back_to_lms(page, lms)
    stored = wait_for(lms_lrs, {"registration": session.registration}, 1)
    assert_cmi5_rules(stored, [session])
    assert [verb(s) for s in defined(stored)] == ["initialized", "failed", "completed", "terminated"]


@pytest.mark.parametrize(("mastery", "good", "expected"), [(0.5, 2, "passed"), (1.0, 3, "failed")])
def test_launch_data_mastery_score_decides_over_the_pass_mark(mastery: float, good: int, expected: str, page: Any,
                                                               lms: Any, lms_lrs: Any, wait_for: Any) -> None:
    """The page judges 2 of 4 "Niet geslaagd" and 3 of 4 "Geslaagd" (pass mark 75 %); the LMS's masteryScore
    (50 %, 100 %) decides what the AU reports."""
    session = launch(lms, page, mastery=mastery)
    to_the_test(page)
    attempt_toegang(page, good)
    back_to_lms(page, lms)
    stored = wait_for(lms_lrs, {"registration": session.registration}, 1)
    assert_cmi5_rules(stored, [session])
    verbs = ["initialized", "passed", "completed", "terminated"] if expected == "passed" else [
        "initialized", "failed", "terminated"]
    assert [verb(s) for s in defined(stored)] == verbs
    result = defined(stored)[1]
    assert result["result"]["score"]["scaled"] == good / 4
    assert result["context"]["extensions"][MASTERY] == mastery


@pytest.mark.parametrize("mode", ["Browse", "Review"])
def test_browse_and_review_send_no_results(mode: str, page: Any, lms: Any, lms_lrs: Any, wait_for: Any) -> None:
    session = launch(lms, page, mode=mode)
    label = "Verkennen" if mode == "Browse" else "Herbekijken"
    assert f"in de modus „{label}”: uw antwoorden worden niet als resultaat doorgegeven" in page.content()
    practice = page.locator("#vraag-toegang-proces")  # a practice question on the module page
    practice.get_by_label("Juist", exact=True).check()
    practice.get_by_role("button", name="Controleer").click()
    to_the_test(page)
    answer_toegang(page, right=True)
    back_to_lms(page, lms)
    stored = wait_for(lms_lrs, {"registration": session.registration}, 1)
    assert_cmi5_rules(stored, [session])
    assert [verb(s) for s in defined(stored)] == ["initialized", "terminated"]
    assert {verb(s) for s in stored} >= {"answered", "experienced"}  # practice goes on, as cmi5 allowed


def test_abandoned_session_then_a_new_one_passes_once(browser: Any, page: Any, lms: Any, lms_lrs: Any,
                                                     wait_for: Any) -> None:
    """The second session knows from the LMS's own statements that the first one passed: whatever the
    first window wrote besides its statements (here: every State document) is lost as it closes."""
    lost: list[str] = []

    def closing(route: Any) -> None:
        if route.request.method == "PUT":
            lost.append(route.request.url)
            route.abort()
        else:
            route.fallback()

    page.route("**/xapi/activities/state?**", closing)
    first = launch(lms, page)
    to_the_test(page)
    answer_toegang(page, right=True)  # passed in the first session
    drained(page)
    page.close()  # the learner closes the window
    other = browser.new_context(locale="nl-BE")  # another browser: the runtime judges the module again
    try:
        page2 = other.new_page()
        second = launch(lms, page2, registration=first.registration)
        assert first.abandoned
        page2.get_by_role("link", name="Toets toegang").first.click()
        answer_toegang(page2, right=True)
        back_to_lms(page2, lms)
    finally:
        other.close()
    stored = wait_for(lms_lrs, {"registration": first.registration}, 1)
    assert_cmi5_rules(stored, [first, second])
    abandoned = [s for s in stored if verb(s) == "abandoned"]
    assert len(abandoned) == 1 and abandoned[0]["context"]["extensions"][SESSION] == first.session_id
    later = [s for s in stored if s["context"]["extensions"].get(SESSION) == first.session_id
             and s["timestamp"] > abandoned[0]["timestamp"]]
    assert not later, "nothing of the first session after it was abandoned"
    assert [verb(s) for s in defined(stored)] == ["initialized", "passed", "completed", "initialized", "terminated"]


def test_the_lms_learner_is_the_actor_never_a_declared_one(context: Any, page: Any, lms: Any, lms_lrs: Any,
                                                           wait_for: Any) -> None:
    """A learner who once declared an identity in this browser (standalone) is launched by the LMS."""
    page.goto(lms.origin + "/content/index.html")
    page.evaluate("""() => localStorage['leerpad.learner'] = JSON.stringify({naam: 'Iemand Anders',
        mail: 'ander@example.be', beroep: 'apotheker', soort: 'riziv', nr: '1-23456-78-901'})""")
    session = launch(lms, page)
    to_the_test(page)
    answer_toegang(page, right=True)
    back_to_lms(page, lms)
    stored = wait_for(lms_lrs, {"registration": session.registration}, 1)
    assert len(stored) > 5
    assert {s["actor"]["account"]["name"] for s in stored} == {"lien-4711"}
    assert not any(k.endswith("/extension/beroep") for s in stored for k in s["context"].get("extensions", {}))
    assert_cmi5_rules(stored, [session])


def learner_message(page: Any) -> str:
    return str(page.get_by_role("alert").first.text_content()).strip()


def stored_by_au(lms_lrs: Any, registration: str, wait_for: Any) -> list[str]:
    stored = wait_for(lms_lrs, {"registration": registration}, 1, timeout=2)
    return [verb(s) for s in stored if verb(s) not in LMS_VERBS]


@pytest.mark.parametrize(("drop", "message"), [
    ("fetch", "De leeromgeving gaf geen geldige 'fetch' door." + AGAIN),
    ("actor", "De leeromgeving gaf geen geldige 'actor' door." + AGAIN),
])
def test_missing_launch_parameter(drop: str, message: str, page: Any, lms: Any, lms_lrs: Any, wait_for: Any) -> None:
    session = lms.launch(AU, ACTOR, str(uuid.uuid4()))
    page.goto(re.sub(rf"([?&]){drop}=[^&]*&?", r"\1", session.url))
    assert learner_message(page) == message
    assert session.fetched == 0
    assert stored_by_au(lms_lrs, session.registration, wait_for) == []


def test_malformed_actor(page: Any, lms: Any, lms_lrs: Any, wait_for: Any) -> None:
    session = lms.launch(AU, ACTOR, str(uuid.uuid4()))
    page.goto(re.sub(r"actor=[^&]*", "actor=%7B%22name%22%3A%22Lien%22%7D", session.url))  # no account
    assert learner_message(page) == "De leeromgeving gaf geen geldige 'actor' door." + AGAIN
    assert stored_by_au(lms_lrs, session.registration, wait_for) == []


def test_a_launch_url_used_twice_gets_no_second_token(context: Any, page: Any, lms: Any, lms_lrs: Any,
                                                      wait_for: Any) -> None:
    session = launch(lms, page)
    drained(page)
    other = context.new_page()  # a new tab: no session of its own
    other.goto(session.url)
    assert learner_message(other) == "De aanmeldsleutel van deze sessie werd al gebruikt of is verlopen." + AGAIN
    assert session.fetched == 2
    assert stored_by_au(lms_lrs, session.registration, wait_for) == ["initialized", "experienced"]


def test_an_expired_token(page: Any, lms: Any, lms_lrs: Any, wait_for: Any) -> None:
    session = launch(lms, page)
    drained(page)
    session.expired = True  # the LMS ends the session: the token no longer opens its endpoint
    to_the_test(page)
    answer_toegang(page, right=True)
    message = "Uw sessie bij de leeromgeving is verlopen: uw voortgang wordt niet meer doorgegeven." + AGAIN
    page.get_by_text(message).wait_for()
    assert stored_by_au(lms_lrs, session.registration, wait_for) == ["initialized", "experienced"]


def test_launch_data_that_cannot_be_read(page: Any, lms: Any, lms_lrs: Any, wait_for: Any) -> None:
    session = lms.launch(AU, ACTOR, str(uuid.uuid4()), launch_data=False)  # the LMS wrote no LMS.LaunchData
    page.goto(session.url)
    assert learner_message(page) == "De leeromgeving gaf geen startgegevens (LMS.LaunchData) voor deze module." + AGAIN
    assert stored_by_au(lms_lrs, session.registration, wait_for) == []


def test_a_statement_the_lms_refuses(page: Any, lms: Any, lms_lrs: Any, wait_for: Any) -> None:
    session = launch(lms, page)
    lms.refuse = lambda s: s["object"]["id"] == QUIZ and s["verb"]["id"] == ADL + "experienced"
    try:
        to_the_test(page)
        refused = "De leeromgeving weigerde een leerresultaat. Meld dit aan de organisator van de cursus."
        page.get_by_text(refused).wait_for()
        answer_toegang(page, right=True)  # the rest still goes in, in order
        back_to_lms(page, lms)
    finally:
        lms.refuse = lambda s: False
    assert [s["verb"]["id"] for s in session.refused] == [ADL + "experienced"]
    stored = wait_for(lms_lrs, {"registration": session.registration}, 1)
    assert_cmi5_rules(stored, [session])
    assert [verb(s) for s in defined(stored)] == ["initialized", "passed", "completed", "terminated"]


def test_leaving_while_the_lms_fails_keeps_every_result_until_it_is_back(page: Any, lms: Any, lms_lrs: Any,
                                                                          wait_for: Any) -> None:
    """The LMS answers 5xx while the learner passes and presses "Terug naar de leeromgeving": the learner is
    told at once that the results are not passed on yet and stays on the page (the old code waited 8 s and
    left, its queue with passed, completed and terminated never sent); once the LMS is back, the same button
    sends them, in order, and leads to the returnURL."""
    session = launch(lms, page)
    to_the_test(page)
    lms.failing = 503
    try:
        answer_toegang(page, right=True)  # passed and completed wait in the queue
        page.get_by_role("button", name="Terug naar de leeromgeving").click()
        page.get_by_role("alert").get_by_text(
            "De leeromgeving antwoordt nu niet: uw resultaten zijn nog niet doorgegeven. Probeer over enkele "
            "ogenblikken opnieuw „Terug naar de leeromgeving”.", exact=True).wait_for()
        assert page.url.startswith(lms.origin + "/content/")
        page.reload()  # a new page of the ended session: the queue is still there
        assert any(s["verb"]["id"] == ADL + "terminated"
                   for s in json.loads(page.evaluate("() => sessionStorage['leerpad.cmi5.q']")))
    finally:
        lms.failing = None
    back_to_lms(page, lms)
    stored = wait_for(lms_lrs, {"registration": session.registration}, 1)
    assert_cmi5_rules(stored, [session])
    assert [verb(s) for s in defined(stored)] == ["initialized", "passed", "completed", "terminated"]
    assert not session.refused


def test_a_session_that_expires_while_leaving_still_leads_back(page: Any, lms: Any, lms_lrs: Any,
                                                                 wait_for: Any) -> None:
    """The LMS refuses `terminated` with 401 (the token expired): nothing can be sent any more, so the
    button does not hold the learner back with "try again"; it leads to the returnURL."""
    session = launch(lms, page)
    drained(page)
    session.expired = True
    back_to_lms(page, lms)
    assert [verb(s) for s in defined(wait_for(lms_lrs, {"registration": session.registration}, 1))] == [
        "initialized"]


def test_axe_finds_nothing_on_launched_pages(browser: Any, lms: Any) -> None:
    """The return button, the mode notice and a launch error, as axe-core sees them."""
    from axe_playwright_python.sync_playwright import Axe

    ctx = browser.new_context(locale="nl-BE", bypass_csp=True)  # axe is injected as a script
    try:
        page = ctx.new_page()
        launch(lms, page, mode="Review")
        page.keyboard.press("Tab")
        for _ in range(40):  # keyboard only: the button is reachable
            if page.evaluate("() => document.activeElement.textContent") == "Terug naar de leeromgeving":
                break
            page.keyboard.press("Tab")
        else:
            pytest.fail("'Terug naar de leeromgeving' cannot be reached with Tab")
        page.wait_for_timeout(500)  # Material's transitions settle before contrast is judged
        found = Axe().run(page).response["violations"]
        assert [(v["id"], [(n["target"], n["failureSummary"]) for n in v["nodes"]]) for v in found] == []
        session = lms.launch(AU, ACTOR, str(uuid.uuid4()))
        page.goto(session.url.replace("registration=", "registration=x"))
        page.get_by_role("alert").wait_for()
        assert Axe().run(page).response["violations"] == []
    finally:
        ctx.close()


def test_each_registration_has_its_own_progress_and_the_standalone_learner_keeps_theirs(
        context: Any, page: Any, lms: Any, lms_lrs: Any, wait_for: Any) -> None:
    """One browser: a standalone visit, then two enrolments (registrations) by the LMS. A new registration
    starts afresh, and neither the launches nor the standalone learner see each other's answers."""
    page.goto(lms.origin + "/content/toegang/index.html")  # no launch: standalone
    practice = page.locator("#vraag-toegang-proces")
    practice.get_by_label("Juist", exact=True).check()
    practice.get_by_role("button", name="Controleer").click()
    practice.locator(".leerpad-question__result").wait_for()
    first = launch(lms, page)
    practice.get_by_role("button", name="Controleer").wait_for()  # unanswered: the standalone answer is not its own
    to_the_test(page)
    answer_toegang(page, right=True)
    back_to_lms(page, lms)
    second = launch(lms, page)  # a new enrolment in the same browser
    to_the_test(page)
    quiz = page.locator(".leerpad-quiz")
    quiz.locator("button.leerpad-go").filter(has_text="Toets starten").wait_for()  # no attempt of the first's
    page.locator(".leerpad-progress").get_by_text("Module „Toegang tot zorg en welzijn”: nog niet afgerond.").wait_for()
    assert not quiz.locator(".leerpad-quiz__result").is_visible()
    answer_toegang(page, right=True)
    back_to_lms(page, lms)
    for session in (first, second):
        stored = wait_for(lms_lrs, {"registration": session.registration}, 1)
        assert_cmi5_rules(stored, [session])
        assert [verb(s) for s in defined(stored)] == ["initialized", "passed", "completed", "terminated"]
    standalone = context.new_page()  # a new tab: no LMS session
    standalone.goto(lms.origin + "/content/toegang/index.html")
    standalone.locator("#vraag-toegang-proces .leerpad-question__result").wait_for()  # kept, as answered
    standalone.goto(lms.origin + "/content/toetsen/toegang-toets/index.html")
    standalone.locator(".leerpad-quiz button.leerpad-go").filter(has_text="Toets starten").wait_for()
    assert not standalone.locator(".leerpad-quiz__result").is_visible(), "the launches' attempts are not its own"


def test_a_toets_scored_by_the_organisers_scoring_service(browser: Any, scored_launch: Any, lms_lrs: Any,
                                                          wait_for: Any) -> None:
    """The package names the organiser's LRS: the key stays in the course's .leerpad/keys, the scoring
    service (which allows the LMS's origin) scores the toets and writes its statements to that LRS only,
    and the AU reports the service's score to the LMS as cmi5's passed, with the LMS's token."""
    lms, lrs = scored_launch.lms, scored_launch.lrs
    allowed = (lms.origin + "/", lrs.endpoint.removesuffix("xAPI/"))
    ctx = browser.new_context(locale="nl-BE")
    ctx.set_default_timeout(10_000)
    stray: list[str] = []
    served: list[str] = []

    def guard(route: Any) -> None:
        url = route.request.url
        if not url.startswith(allowed):
            stray.append(url)
            return route.abort()
        if url.startswith(lms.origin + "/content/"):
            served.append(url.split("?")[0])
        route.fallback()

    ctx.route("**/*", guard)
    try:
        page = ctx.new_page()
        session = launch(lms, page)
        to_the_test(page)
        answer_toegang(page, right=True)  # "Toets starten" and "Indienen" go to the scoring service
        back_to_lms(page, lms)
    finally:
        ctx.close()
    assert not stray, f"requests to other hosts: {stray}"

    # No key reached the page: none of the key's patterns or feedback is in anything the LMS served.
    key = json.loads((scored_launch.course / ".leerpad" / "keys" / "toegang-toets.json").read_text("utf-8"))
    feedback = {text for q in key["questions"].values() for text in q["feedback"].values() if len(text) > 12}
    assert len(feedback) >= 5 and any("/toetsen/toegang-toets/" in u for u in served), served
    for url in set(served):
        body = requests.get(url, timeout=10).text
        assert not [text for text in feedback if text in body], url
        if "/toetsen/" in url:
            assert "correctResponsesPattern" not in body and "data-feedback-for" not in body, url
    with zipfile.ZipFile(scored_launch.package) as archive:
        assert not [n for n in archive.namelist() if ".leerpad" in n]

    # The scorer's statements: in the organiser's LRS only, the LMS's learner and registration, identity "cmi5".
    scorer = wait_for(lrs, {"registration": session.registration}, 7)
    assert sorted((verb(s), s["object"]["id"].removeprefix(COURSE)) for s in scorer) == sorted([
        *[("answered", f"/quiz/toegang-toets/question/{q}") for q in key["questions"]],
        ("passed", "/quiz/toegang-toets"), ("completed", "/module/toegang"), ("passed", "/module/toegang"),
    ])
    for s in scorer:
        assert s["authority"] == SCORER and s["actor"] == ACTOR
        own = {k: v for k, v in s["context"]["extensions"].items() if "attempt" not in k}
        assert own == {IDENTITY: "cmi5"}, "an LMS launch, and no declared profession"
    quiz_passed = next(s for s in scorer if verb(s) == "passed" and s["object"]["id"] == QUIZ)
    assert quiz_passed["result"]["score"] == {"scaled": 1, "raw": 4, "min": 0, "max": 4}
    # "cmi5" because the LMS confirmed the launch: the scorer read its LMS.LaunchData once, with the token.
    asked = [r for r in lms.requests if r.client.startswith("python-requests")]
    assert [(r.method, r.resource, r.query["stateId"], r.query["registration"]) for r in asked] == [
        ("GET", "activities/state", "LMS.LaunchData", session.registration)]
    token = session.token.encode()
    assert not [f for f in (scored_launch.course / ".leerpad").glob("lrs.sqlite3*") if token in f.read_bytes()]

    # The LMS's LRS: the AU's cmi5 statements with the service's score, and nothing of the scorer's.
    stored = wait_for(lms_lrs, {"registration": session.registration}, 1)
    assert_cmi5_rules(stored, [session])
    assert [verb(s) for s in defined(stored)] == ["initialized", "passed", "completed", "terminated"]
    assert defined(stored)[1]["result"]["score"] == {"scaled": 1}
    assert not [s for s in stored if s.get("authority") == SCORER or QUIZ + "/question/" in s["object"]["id"]]
    assert not session.refused


def test_a_toets_started_while_the_lms_is_down_starts_once_it_is_back(browser: Any, scored_launch: Any,
                                                                      wait_for: Any) -> None:
    """The scorer cannot confirm the launch while the LMS fails: the learner reads why, and "Toets starten"
    works once the LMS answers again; the attempt's statements then say "cmi5"."""
    lms, lrs = scored_launch.lms, scored_launch.lrs
    ctx = browser.new_context(locale="nl-BE")
    ctx.set_default_timeout(10_000)
    try:
        page = ctx.new_page()
        learner = {**ACTOR, "account": {"homePage": "https://lms.example", "name": "jan-0815"}, "name": "Jan Maes"}
        session = lms.launch(AU, learner, str(uuid.uuid4()))  # a learner of its own: the module is done once
        page.goto(session.url)
        page.get_by_role("button", name="Terug naar de leeromgeving").wait_for()
        to_the_test(page)
        quiz = page.locator(".leerpad-quiz")
        lms.failing = 503
        try:
            quiz.get_by_role("button", name="Toets starten").click()
            quiz.get_by_text(f"De leeromgeving {lms.origin}/xapi/ antwoordt niet (HTTP 503), zodat de scorer uw "
                             "lancering niet kan nagaan: de toets start nu niet. Probeer het over enkele minuten "
                             "opnieuw.", exact=True).wait_for()
        finally:
            lms.failing = None
        answer_toegang(page, right=True)  # "Toets starten" again: the LMS confirms the launch now
        back_to_lms(page, lms)  # and the way back is not held up by the earlier failure
    finally:
        ctx.close()
    scorer = wait_for(lrs, {"registration": session.registration}, 7)
    assert len(scorer) == 7 and {s["context"]["extensions"][IDENTITY] for s in scorer} == {"cmi5"}
