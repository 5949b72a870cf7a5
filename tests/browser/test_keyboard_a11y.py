"""Keyboard-only use and axe-core on the page types a learner meets."""

from __future__ import annotations

from typing import Any

from axe_playwright_python.sync_playwright import Axe

ADL = "http://adlnet.gov/expapi/verbs/"


def tab_to(page: Any, selector: str, limit: int = 80) -> None:
    """Presses Tab until the element matching `selector` has the focus."""
    for _ in range(limit):
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def test_keyboard_only_completion_of_a_quiz(page: Any, site: Any) -> None:
    page.goto("toetsen/verbondenheid-toets/")
    page.locator(".leerpad-progress").wait_for()
    tab_to(page, "#leerpad-naam")
    page.keyboard.type("An Peeters")
    page.keyboard.press("Tab")
    page.keyboard.type("an@example.be")
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")  # huisarts
    page.keyboard.press("Tab")  # RIZIV stays chosen
    page.keyboard.press("Tab")
    page.keyboard.type("1 23456 78 901")
    page.keyboard.press("Enter")
    # The check digits do not match: a warning to confirm, never a refusal.
    assert page.evaluate("document.activeElement.id") == "leerpad-zeker"
    page.keyboard.press("Space")
    tab_to(page, ".leerpad-learner button[type=submit]")
    page.keyboard.press("Enter")
    page.get_by_text("U neemt deel als An Peeters (huisarts, 1-23456-78-901).").wait_for()

    tab_to(page, "button[aria-label='Lager: Zorg gebruiken']")
    for _ in range(3):
        page.keyboard.press("Enter")  # focus stays on the moved item's button
    tab_to(page, "button[aria-label='Hoger: Zorg zoeken']")
    page.keyboard.press("Space")
    tab_to(page, "#vraag-volgorde-1 .leerpad-check")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.textContent").startswith("Juist.")

    for n, downs in ((1, 1), (2, 3), (3, 2)):
        tab_to(page, f"#vraag-koppel-1-{n}")
        for _ in range(downs):
            page.keyboard.press("ArrowDown")
    tab_to(page, "#vraag-koppel-1 .leerpad-check")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.textContent") == "Juist."

    tab_to(page, "#vraag-eenzaam-likert input")
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")  # moves the choice, never submits
    page.keyboard.press("ArrowDown")
    assert page.locator("#vraag-eenzaam-likert .leerpad-question__result").is_hidden()
    assert page.get_by_label("Vaak").is_checked()
    tab_to(page, "#vraag-eenzaam-likert .leerpad-check")
    page.keyboard.press("Space")
    tab_to(page, "#vraag-reflectie-1 textarea")
    page.keyboard.type("Ik vraag wie de patiënt ziet.")
    tab_to(page, "#vraag-reflectie-1 .leerpad-check")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.classList.contains('leerpad-quiz__result')")
    assert "Uw score: 2 van 2 (100%). Geslaagd." in page.locator(".leerpad-quiz__result").text_content()
    site.drained(page)
    stored = site.wait(site.registration(page), 9)
    answered = [s for s in stored if s["verb"]["id"] == ADL + "answered"]
    assert [s["result"]["response"] for s in answered] == [
        "behoefte-aan-zorg[,]zorg-zoeken[,]zorg-bereiken[,]zorg-gebruiken",
        "benaderbaarheid[.]vermogen-om-waar-te-nemen[,]aanvaardbaarheid[.]vermogen-om-te-zoeken[,]betaalbaarheid[.]vermogen-om-te-betalen",
        "vaak",
        "Ik vraag wie de patiënt ziet.",
    ]
    assert not page.errors


def violations(page: Any) -> list[str]:
    # Contrast is judged on the final colours: wait until Material's transitions
    # (the header topic fades in on scroll) have finished.
    page.wait_for_function("document.getAnimations().every(a => a.playState !== 'running')")
    result = Axe().run(page)
    return [f"{v['id']}: {[n['target'] for n in v['nodes']]}" for v in result.response["violations"]]


def test_axe_finds_nothing_on_module_quiz_and_case_pages(page: Any, site: Any) -> None:
    page.goto("toegang/")
    page.locator(".leerpad-progress").wait_for()
    assert violations(page) == []
    page.goto("toetsen/toegang-toets/")
    page.locator(".leerpad-learner form").wait_for()
    page.get_by_role("button", name="Opslaan").click()  # errors shown
    assert violations(page) == []
    site.fill_learner(page)
    page.get_by_label("Betaalbaarheid", exact=True).check()
    page.locator("#vraag-dimensie-1 .leerpad-check").click()  # feedback and marks shown
    assert violations(page) == []
    page.goto("casussen/slaapproblemen/")
    page.get_by_role("button", name="Verder").click()
    page.get_by_label("Een hogere dosis voorschrijven").check()
    page.locator("#vraag-peeters-stap .leerpad-check").click()
    page.get_by_role("button", name="Verder").click()
    assert violations(page) == []
