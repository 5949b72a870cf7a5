"""Toetsen in the browser through the scoring service (issue 11): a module test failed,
retried with a new draw and passed; the final test locked, failed and passed; a submit
made offline; attempts counted on the server after the learner erased the browser's data.
Every result in the LRS is the scorer's; the browser sends no statement about a toets."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

COURSE = "https://leerpad.example/demo"
DEMO = Path(__file__).resolve().parents[1] / "demo" / "mkdocs.yml"
ADL = "http://adlnet.gov/expapi/verbs/"
ATTEMPT = "https://w3id.org/leerpad/extension/attempt"
NUMBER = "http://id.tincanapi.com/extension/attempt-id"
IDENTITY = "https://w3id.org/leerpad/extension/identity-source"
TOEGANG = "Toets — toegang tot zorg en welzijn"
# What chromium logs by itself for a 409 answer (a refused start).
REFUSED = "Failed to load resource: the server responded with a status of 409 (Conflict)"


def outcome(stored: list[dict[str, Any]], *kinds: str) -> list[tuple[str, str]]:
    """(verb, object) of the results about quizzes, modules and the course, oldest first."""
    return [
        (s["verb"]["id"].removeprefix(ADL), s["object"]["id"].removeprefix(COURSE))
        for s in stored
        if s["verb"]["id"].removeprefix(ADL) in kinds
    ]


def assert_browser_sent_no_results(site: Any, stored: list[dict[str, Any]]) -> None:
    """Answers to toets questions and every passed/failed/completed of a quiz, a module with
    toetsen or the course come from the scorer only."""
    for s in stored:
        verb, iri = s["verb"]["id"].removeprefix(ADL), s["object"]["id"]
        if "/quiz/" in iri and verb != "experienced" or iri == COURSE and verb in ("passed", "completed"):
            assert site.by_scorer(s), (verb, iri)


def results_of_questions(page: Any, ids: list[str]) -> dict[str, str]:
    return {q: page.locator(f"#vraag-{q} .leerpad-question__result").text_content() for q in ids}


def test_module_test_failed_retried_with_a_new_draw_and_passed(page: Any, site: Any) -> None:
    page.goto("toetsen/toegang-toets/")
    site.fill_learner(page)
    reg = site.registration(page)
    quiz = page.locator(".leerpad-quiz")
    assert site.shown(page) == []  # nothing before the start: the scorer draws the questions
    first = site.start(page)
    assert len(first) == 2
    assert quiz.locator(".leerpad-quiz__attempt").text_content() == "Poging 1 van 3."
    assert (
        quiz.locator(".leerpad-check").evaluate_all("l => l.filter(b => !b.hidden).length") == 0
    )  # no check per question
    responses = {first[0]: site.answer(page, first[0], right=True), first[1]: site.answer(page, first[1], right=False)}
    result = site.submit(page)
    assert result.startswith("Uw score: 1 van 2 (50 %). Niet geslaagd.")
    assert "U hebt nog 2 pogingen." in result
    lines = results_of_questions(page, first)
    assert lines[first[0]].startswith("Juist.") and lines[first[1]].startswith("Niet juist.")
    assert all(page.locator(f"#vraag-{q} fieldset").evaluate("f => f.disabled") for q in first)

    second = site.start(page, "Opnieuw proberen")
    assert len(second) == 2 and not set(second) & set(first)  # a new draw: the two others
    assert quiz.locator(".leerpad-quiz__attempt").text_content() == "Poging 2 van 3."
    assert not page.locator(f"#vraag-{second[0]} .leerpad-question__result").is_visible()
    for q in second:
        responses[q] = site.answer(page, q, right=True)
    result = site.submit(page)
    assert result.startswith("Uw score: 2 van 2 (100 %). Geslaagd.")
    assert page.locator(".leerpad-go").is_hidden()  # passed: no retry
    assert page.locator(".leerpad-progress").text_content().startswith("Voortgang: 1 van 2 modules afgerond")

    stored = site.delivered(page, reg)
    assert_browser_sent_no_results(site, stored)
    answered = [s for s in stored if s["verb"]["id"] == ADL + "answered"]
    assert {s["object"]["id"].rsplit("/", 1)[-1]: s["result"]["response"] for s in answered} == responses
    assert [s["context"]["extensions"][NUMBER] for s in answered] == [1, 1, 2, 2]
    assert len({s["context"]["extensions"][ATTEMPT] for s in answered}) == 2
    # The learner declared who they are, and their profession: the start request says so.
    by_scorer = [s for s in stored if site.by_scorer(s)]
    assert {s["context"]["extensions"][IDENTITY] for s in by_scorer} == {"declared"}
    assert {s["context"]["extensions"][f"{COURSE}/extension/beroep"] for s in by_scorer} == {"huisarts"}
    for s in answered:  # the interaction with its key, as the scorer writes it
        assert s["object"]["definition"]["correctResponsesPattern"]
    assert Counter(outcome(stored, "passed", "failed", "completed")) == Counter(
        [
            ("failed", "/quiz/toegang-toets"),
            ("passed", "/quiz/toegang-toets"),
            ("completed", "/module/toegang"),
            ("passed", "/module/toegang"),
        ]
    )
    assert not page.errors


def overview(page: Any, table: int = 0) -> list[list[str]]:
    """The rows of a table on "Mijn voortgang" (0: modules, 1: toetsen, 2: cases), time left out."""
    page.goto("voortgang/")
    page.locator(".leerpad-overview table").first.wait_for()
    rows = page.locator(".leerpad-overview table").nth(table).locator("tbody tr")
    return list(rows.evaluate_all("l => l.map(r => [...r.children].slice(0, -1).map(c => c.textContent))"))


def toegang(rows: list[list[str]]) -> list[str]:
    """The toegang-toets's row of the toetsen table, without its title."""
    return next(r[1:] for r in rows if "oegang" in r[0])


def test_mijn_voortgang_shows_per_module_status_and_what_is_still_needed(page: Any, site: Any) -> None:
    page.goto("toetsen/toegang-toets/")
    site.fill_learner(page)
    site.start(page)
    site.submit(page)  # nothing answered: failed
    assert [r[:2] for r in overview(page)] == [
        ["Toegang tot zorg en welzijn", "bezig"],
        ["Sociale verbondenheid", "niet begonnen"],
        ["Eindtoets", "niet begonnen"],
    ]
    assert toegang(overview(page, 1)) == ["niet geslaagd, nog 2 pogingen", "0 %", "1 van 3"]
    pass_toets(page, site, "toetsen/toegang-toets/", "Opnieuw proberen")
    assert overview(page)[0][:2] == ["Toegang tot zorg en welzijn", "afgerond, 100 %"]
    assert toegang(overview(page, 1)) == ["geslaagd", "100 %", "2 van 3"]
    assert [r[1] for r in overview(page, 2)] == ["niet begonnen", "niet begonnen"]
    needed = page.locator(".leerpad-overview ul").first.text_content()
    assert "Sociale verbondenheid" in needed and "De eindtoets halen" in needed
    assert "Toegang tot zorg" not in needed
    assert not page.errors


def pass_toets(page: Any, site: Any, path: str, button: str = "Toets starten") -> None:
    page.goto(path)
    page.locator(".leerpad-go").wait_for()
    for q in site.start(page, button):
        site.answer(page, q, right=True)
    assert "Geslaagd." in site.submit(page)


def test_final_test_locked_then_failed_then_passed_ends_the_course(page: Any, site: Any) -> None:
    page.goto("toetsen/eindtoets/")
    site.fill_learner(page)
    reg = site.registration(page)
    page.get_by_role("button", name="Toets starten").click()
    locked = page.locator(".leerpad-quiz__result")
    locked.filter(has_text="De eindtoets is nog niet open").wait_for()
    assert "rond eerst alle modules af" in locked.text_content()
    assert site.shown(page) == []

    pass_toets(page, site, "toetsen/toegang-toets/")
    pass_toets(page, site, "toetsen/verbondenheid-toets/")
    page.goto("toetsen/eindtoets/")
    shown = site.start(page)
    assert sorted(shown) == ["en-en-1", "isolatie-1"]
    for q in shown:
        site.answer(page, q, right=False)
    result = site.submit(page)
    assert result.startswith("Uw score: 0 van 2 (0 %). Niet geslaagd.")
    assert "U hebt nog 1 poging." in result
    # The final test tells right or wrong only: no feedback, no correct answer.
    assert set(results_of_questions(page, shown).values()) == {"Niet juist."}
    for q in site.start(page, "Opnieuw proberen"):
        site.answer(page, q, right=True)
    assert site.submit(page).startswith("Uw score: 2 van 2 (100 %). Geslaagd.")
    assert set(results_of_questions(page, shown).values()) == {"Juist."}
    # The final test's module is not one of the course's modules; the end says what comes next.
    assert page.locator(".leerpad-progress").text_content().startswith("Voortgang: 2 van 2 modules afgerond")
    assert page.locator(".leerpad-quiz__end").text_content() == (
        "U hebt de eindtoets gehaald en de cursus afgerond. De organisator registreert uw accreditatie; "
        "uw attest volgt."
    )

    stored = site.delivered(page, reg)
    assert_browser_sent_no_results(site, stored)
    course = [s for s in stored if s["object"]["id"] == COURSE and s["verb"]["id"] != ADL + "initialized"]
    assert sorted(s["verb"]["id"].removeprefix(ADL) for s in course if site.by_scorer(s)) == ["completed", "passed"]
    final = [s for s in stored if s["object"]["id"] == COURSE + "/quiz/eindtoets" and site.by_scorer(s)]
    assert [s["verb"]["id"].removeprefix(ADL) for s in final] == ["failed", "passed"]
    assert page.errors == [REFUSED]  # the browser's own line for the 409 of the locked start


def test_offline_start_is_refused_and_an_offline_submit_is_scored_once_back_online(
    page: Any, context: Any, site: Any
) -> None:
    page.goto("toetsen/toegang-toets/")
    site.fill_learner(page)
    reg = site.registration(page)
    context.set_offline(True)
    page.get_by_role("button", name="Toets starten").click()
    note = page.locator(".leerpad-quiz__result")
    note.filter(has_text="geen verbinding").wait_for()
    assert "Om een toets te starten hebt u een internetverbinding nodig" in note.text_content()
    assert site.shown(page) == []

    context.set_offline(False)
    page.wait_for_function("navigator.onLine")
    shown = site.start(page)
    for q in shown:
        site.answer(page, q, right=True)
    scored: list[int] = []
    context.on(
        "response",
        lambda r: scored.append(r.status) if r.url.endswith("/responses") and r.request.method == "POST" else None,
    )
    context.set_offline(True)
    page.get_by_role("button", name="Indienen").click()
    waiting = page.locator(".leerpad-quiz__waiting")
    assert waiting.text_content() == (
        "Uw antwoorden zijn bewaard en worden verzonden. Uw score verschijnt zodra de leeromgeving ze heeft ontvangen."
    )
    assert all(page.locator(f"#vraag-{q} fieldset").evaluate("f => f.disabled") for q in shown)
    assert (
        page.evaluate(
            "Object.keys(localStorage).filter(k => k.startsWith('leerpad.out.'))"
            ".filter(k => 'body' in JSON.parse(localStorage[k])).length"
        )
        == 1
    )  # the submit waits in the outbox
    context.set_offline(False)  # the `online` event sends it
    page.locator(".leerpad-quiz__result").filter(has_text="Uw score: 2 van 2 (100 %). Geslaagd.").wait_for()
    site.drained(page)
    assert scored == [200]  # sent once
    stored = site.delivered(page, reg)
    graded = [s for s in stored if s["object"]["id"] == COURSE + "/quiz/toegang-toets" and site.by_scorer(s)]
    assert [s["verb"]["id"].removeprefix(ADL) for s in graded] == ["passed"]  # one attempt
    assert graded[0]["context"]["extensions"][NUMBER] == 1
    # Chromium's own lines for the requests that found no network.
    assert set(page.errors) == {"Failed to load resource: net::ERR_INTERNET_DISCONNECTED"}


def test_attempts_used_up_stay_used_up_after_erasing_the_browser_data(page: Any, site: Any) -> None:
    page.goto("toetsen/toegang-toets/")
    nr = site.fill_learner(page)
    for n in (1, 2, 3):
        site.start(page, "Toets starten" if n == 1 else "Opnieuw proberen")
        result = site.submit(page)  # nothing answered: every question counts as wrong
        assert result.startswith("Uw score: 0 van 2 (0 %). Niet geslaagd.")
    assert "U hebt geen pogingen meer." in result
    assert page.locator(".leerpad-go").is_hidden()

    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="Gegevens wissen").click()
    page.locator(".leerpad-learner form").wait_for()
    site.fill_learner(page, nr)  # the same learner, in a browser that forgot everything
    page.get_by_role("button", name="Toets starten").click()
    refused = page.locator(".leerpad-quiz__result")
    refused.filter(has_text="pogingen").wait_for()
    assert refused.text_content() == f"U hebt al uw 3 pogingen voor de toets '{TOEGANG}' gebruikt."
    assert site.shown(page) == []
    assert page.errors == [REFUSED]


def test_reload_mid_toets_resumes_the_same_attempt(page: Any, site: Any) -> None:
    page.goto("toetsen/toegang-toets/")
    site.fill_learner(page)
    reg = site.registration(page)
    shown = site.start(page)
    response = site.answer(page, shown[0], right=True)
    page.reload()
    page.locator(".leerpad-go", has_text="Indienen").wait_for()
    assert site.shown(page) == shown  # same questions, same order
    assert page.locator(".leerpad-quiz__attempt").text_content().startswith("Poging 1 van 3.")
    site.answer(page, shown[1], right=True)
    assert site.submit(page).startswith("Uw score: 2 van 2 (100 %). Geslaagd.")
    stored = site.delivered(page, reg)
    answered = {
        s["object"]["id"].rsplit("/", 1)[-1]: s["result"]["response"]
        for s in stored
        if s["verb"]["id"] == ADL + "answered"
    }
    assert answered[shown[0]] == response
    assert outcome(stored, "passed", "failed").count(("passed", "/quiz/toegang-toets")) == 1
    assert not page.errors


@pytest.fixture(scope="module")
def static_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo course built without any LRS (plain static hosting), served on 127.0.0.1."""
    tmp = tmp_path_factory.mktemp("static")
    course = shutil.copytree(DEMO.parent, tmp / "course", ignore=shutil.ignore_patterns("site", ".leerpad"))
    out = tmp / "site"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEERPAD_LRS_")}
    env["NO_MKDOCS_2_WARNING"] = "1"
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(course / "mkdocs.yml"), "-d", str(out)],
        check=True,
        env=env,
        cwd=course,
    )
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(out))
    )
    server.RequestHandlerClass.log_message = lambda *a: None  # type: ignore[method-assign]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_without_an_lrs_the_page_scores_the_toets_and_says_it_is_not_recorded(
    browser: Any, static_site: str, site: Any
) -> None:
    context = browser.new_context(base_url=static_site, locale="nl-BE")
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto("toetsen/toegang-toets/")
        site.fill_learner(page)
        assert page.locator(".leerpad-quiz__local").text_content() == (
            "Deze toets wordt niet geregistreerd: uw resultaat telt niet voor accreditatie."
        )
        shown = site.start(page)
        assert shown == ["dimensie-1", "vermogens-1", "verantwoordelijkheid-1", "onderbescherming-1"]  # no draw
        for q in shown:
            site.answer(page, q, right=q != "dimensie-1")
        assert site.submit(page).startswith("Uw score: 3 van 4 (75 %). Geslaagd.")
        # The key is in the page: the same feedback as a practice question, marks included.
        q = page.locator("#vraag-dimensie-1")
        assert q.locator(".leerpad-question__result").text_content() == "Niet juist."
        assert q.locator("[data-feedback-for=betaalbaarheid]").is_visible()
        assert q.locator(".leerpad-mark.is-right").text_content() == "✓ goed"
        assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('leerpad.out.')).length") == 0
        assert not errors
    finally:
        context.close()
