"""A course update while a learner has a toets open: the learner reloads the page.

The trainer removes ``koppel-1`` from ``verbondenheid-toets`` and gives ``volgorde-1``
another right order under the same id, rebuilds the site and the keys (the embedded
scorer reloads them). The learner, who started an attempt on the old page, reloads:
the attempt is drawn again from the questions the page now shows, keeps its number
(it counts once), and a line says why. A submit the scorer refuses because none of its
questions is left is drawn again on the next page load too. This module has its own
site and LRS.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import ROOT, Site, _served
from tests.scoring.test_versions import KOPPEL, OLD_ORDER
from tests.scoring.test_versions import NEW_ORDER as NEW_LINES

ADL = "http://adlnet.gov/expapi/verbs/"
NUMBER = "http://id.tincanapi.com/extension/attempt-id"
NEW_ORDER = ["behoefte-aan-zorg", "zorg-bereiken", "zorg-zoeken", "zorg-gebruiken"]
# What chromium logs by itself for the scorer's 400 (a refused submit).
REFUSED = "Failed to load resource: the server responded with a status of 400 (Bad Request)"
RENEWED = (
    "De toets is aangepast nadat u deze poging begon. "
    "Uw poging begint opnieuw met de huidige vragen en telt niet als extra poging."
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The demo course served with an LRS of its own: this module edits its course."""
    with _served(tmp_path_factory.mktemp("course-update"), instant=False) as built:
        yield built


def update_course(site: Site) -> None:
    """The trainer's edit: koppel-1 out, volgorde-1 reordered; then the build."""
    quiz = site.course / "quizzes" / "verbondenheid-toets.md"
    text = quiz.read_text("utf-8")
    quiz.write_text(text.replace(KOPPEL, "").replace(OLD_ORDER, NEW_LINES), "utf-8")
    build(site)


def build(site: Site) -> None:
    """The build (site and keys) as before; the scorer reloads the keys."""
    env = {
        **os.environ,
        "LEERPAD_LRS_ENDPOINT": site.lrs.endpoint,
        "LEERPAD_LRS_USERNAME": site.lrs.write[0],
        "LEERPAD_LRS_PASSWORD": site.lrs.write[1],
        "NO_MKDOCS_2_WARNING": "1",
    }
    env.pop("LEERPAD_SITE_URL", None)
    config = str(site.course / "mkdocs.yml")
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-q", "-f", config, "-d", str(site.dir)],
        check=True,
        env=env,
        cwd=ROOT,
    )
    time.sleep(1.2)  # the embedded scorer looks at the key files at most once a second


def test_an_open_attempt_is_drawn_again_after_an_update_and_counts_once(
    page: Any, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    page.goto("toetsen/verbondenheid-toets/")
    site.fill_learner(page)
    reg = site.registration(page)
    assert sorted(site.start(page)) == ["koppel-1", "volgorde-1"]
    site.answer(page, "koppel-1")
    update_course(site)

    page.reload()
    quiz = page.locator(".leerpad-quiz")
    quiz.locator(".leerpad-quiz__result").filter(has_text=RENEWED).wait_for()
    assert quiz.locator(".leerpad-quiz__result").text_content() == RENEWED
    assert site.shown(page) == ["volgorde-1"]
    assert quiz.locator(".leerpad-quiz__attempt").text_content() == "Poging 1."
    assert page.get_by_role("button", name="Indienen").is_visible()
    # Drawn again once: the next reload asks again, and the attempt stays as it is, without the line.
    with page.expect_response(lambda r: r.url.endswith("/leerpad/v1/attempts")) as renewal:
        page.reload()
    assert renewal.value.json()["questions"] == ["volgorde-1"] and "renewed" not in renewal.value.json()
    assert site.shown(page) == ["volgorde-1"]
    assert quiz.locator(".leerpad-quiz__result").is_hidden()

    # The learner answers the question as the page now shows it.
    monkeypatch.setitem(site.answers, "volgorde-1", (NEW_ORDER, NEW_ORDER))
    response = site.answer(page, "volgorde-1")
    result = site.submit(page)
    assert result.startswith("Uw score: 1 van 1 (100 %). Geslaagd.")

    site.drained(page)
    stored = site.wait(reg, 2)
    answered = [s for s in stored if s["verb"]["id"] == ADL + "answered"]
    assert [s["object"]["id"].rsplit("/", 1)[-1] for s in answered] == ["volgorde-1"]
    assert answered[0]["result"]["response"] == response
    assert answered[0]["context"]["extensions"][NUMBER] == 1
    definition = answered[0]["object"]["definition"]
    assert definition["correctResponsesPattern"] == ["[,]".join(NEW_ORDER)]
    assert [c["id"] for c in definition["choices"]] == NEW_ORDER
    assert not page.errors


def test_a_submit_with_nothing_left_to_score_is_refused_and_drawn_again_on_reload(page: Any, site: Site) -> None:
    """The learner did not reload: every question of toegang-toets gets a new id, and the
    attempt's two are submitted unanswered. Nothing left to score: refused; the reload draws
    the attempt again, still attempt 1 of 3."""
    page.goto("toetsen/toegang-toets/")
    site.fill_learner(page)
    drawn = site.start(page)
    quiz = site.course / "quizzes" / "toegang-toets.md"
    text = quiz.read_text("utf-8")
    for qid in ("dimensie-1", "vermogens-1", "verantwoordelijkheid-1", "onderbescherming-1"):
        text = text.replace(f"id: {qid}", f"id: {qid.replace('-1', '-2')}")
    quiz.write_text(text, "utf-8")
    build(site)

    page.get_by_role("button", name="Indienen").click()
    result = page.locator(".leerpad-quiz__result")
    result.filter(has_text="geweigerd").wait_for()
    assert result.text_content() == (
        "Uw antwoorden werden geweigerd: de toets is aangepast nadat u deze poging begon en geen van haar "
        "vragen bestaat nog. Laad de pagina opnieuw: uw poging begint dan opnieuw met de huidige vragen "
        "en telt niet als extra poging."
    )
    page.reload()
    result.filter(has_text=RENEWED).wait_for()
    renewed = site.shown(page)
    assert len(renewed) == 2 and all(q.endswith("-2") for q in renewed), (drawn, renewed)
    assert page.locator(".leerpad-quiz__attempt").text_content() == "Poging 1 van 3."
    page.get_by_role("button", name="Indienen").click()
    assert result.filter(has_text="Uw score:").text_content() == (
        "Uw score: 0 van 2 (0 %). Niet geslaagd.U hebt nog 2 pogingen."
    )
    assert page.errors == [REFUSED]
