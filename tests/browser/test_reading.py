"""Reading the course: glossary tooltips by keyboard and mouse, and search, offline."""

from __future__ import annotations

from typing import Any


def test_glossary_tooltip_shows_on_focus_and_hover_and_escape_hides_it(page: Any, site: Any) -> None:
    page.goto("toegang/")
    page.locator(".leerpad-progress").wait_for()
    term = page.locator(".leerpad-term").first
    link, tip = term.locator("a"), term.locator("[role=tooltip]")
    assert link.inner_text() == "hulpvraag"
    assert tip.is_hidden()
    link.focus()
    assert tip.is_visible()
    assert tip.inner_text().startswith("Zorgtaal: de klacht of reden van komst")
    # The tooltip describes the link for screen readers.
    assert link.get_attribute("aria-describedby") == tip.get_attribute("id")
    page.keyboard.press("Escape")  # WCAG 1.4.13: dismissible without moving focus
    assert tip.is_hidden()
    assert page.evaluate("document.activeElement.closest('.leerpad-term') !== null")
    page.locator("h1").hover()
    term.hover()
    assert tip.is_visible()
    link.click()
    page.wait_for_url("**/woordenlijst/#term-hulpvraag")
    assert page.locator("#term-hulpvraag").inner_text() == "hulpvraag"


def test_search_finds_quiz_and_case_text_without_leaving_the_site(page: Any, site: Any) -> None:
    page.goto("")
    page.locator(".leerpad-progress").wait_for()
    page.keyboard.press("/")
    page.keyboard.type("weduwnaar")
    results = page.locator(".md-search-result__item")
    results.first.wait_for()
    assert "slaapproblemen" in results.first.inner_text()
    page.keyboard.press("Control+A")
    page.keyboard.type("benaderbaarheid")
    found = page.locator(".md-search-result__item a[href*='toetsen/toegang-toets']").first
    found.wait_for()
    # The question is found; the feedback that gives the answer away is not in the index.
    assert "Juist" not in page.locator(".md-search-result").inner_text()
