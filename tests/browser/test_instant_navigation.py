"""Material's instant loading, for real: the site is built with `site_url` set to
the origin it is served from (the `instant_site` fixture), so clicks on nav links,
in-content links and the back button fetch the next page and swap the content
area without a page load; `document$` emits and the runtime builds the new
page's widgets, once, with no duplicate listeners and no new visit.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

ADL = "http://adlnet.gov/expapi/verbs/"
MARKER = "window.__sameDocument"


@pytest.fixture(scope="session")
def site(instant_site: Any) -> Any:
    """`context` and `page` of these tests open the site with instant loading on."""
    return instant_site


def leave(page: Any) -> None:
    """Marks the current content, so that `arrive` can tell the next one from it."""
    page.evaluate("document.querySelector('.md-content__inner').dataset.left = '1'")


def arrive(page: Any, path: str) -> None:
    """Waits until `path` is shown in a new content area with its widgets, in the same document."""
    page.wait_for_function(
        "p => location.pathname === p"
        " && document.querySelector('.md-content__inner:not([data-left]) .leerpad-progress')",
        arg=path,
    )
    assert page.evaluate(MARKER) == "first load", f"{path}: a full page load, not instant navigation"
    assert page.locator(".leerpad-progress").count() == 1
    assert page.locator(".md-content__inner").count() == 1


def nav(page: Any, title: str, path: str, section: str | None = None) -> None:
    """A click on a link of the primary navigation (opening its section first)."""
    primary = page.locator(".md-sidebar--primary .md-nav--primary")
    if section:
        primary.locator("label.md-nav__link", has_text=section).first.click()
    leave(page)
    primary.get_by_role("link", name=title, exact=True).first.click()
    arrive(page, path)


def widgets_once(page: Any, questions: int) -> None:
    assert page.locator(".leerpad-question").count() == questions
    assert page.locator(".leerpad-check").count() == questions
    assert page.locator(".leerpad-question__result").count() == questions
    assert page.locator(".leerpad-learner").count() == page.locator(".leerpad-quiz,.leerpad-case").count()


def test_instant_navigation_keeps_one_document_and_one_set_of_listeners(page: Any, site: Any) -> None:
    page.goto("toegang/")
    page.locator(".leerpad-progress").wait_for()
    page.evaluate(f"{MARKER} = 'first load'")
    widgets_once(page, 1)
    page.evaluate("document$.next(document)")  # the same page emitted again: nothing new
    page.locator(".leerpad-progress").wait_for()
    widgets_once(page, 1)
    assert page.locator(".leerpad-progress").count() == 1
    page.locator("#vraag-toegang-proces").get_by_label("Juist", exact=True).check()
    page.locator("#vraag-toegang-proces .leerpad-check").click()
    page.locator("#vraag-toegang-proces .leerpad-mark").first.wait_for()

    # An in-content link to the module's toets: started, one answer given.
    leave(page)
    page.locator(".md-content__inner a[href$='toetsen/toegang-toets/']").first.click()
    arrive(page, "/toetsen/toegang-toets/")
    widgets_once(page, 4)
    site.fill_learner(page)
    shown = site.start(page)
    site.answer(page, shown[0], right=True)

    # Away and back through the navigation, the back button included.
    nav(page, "Start", "/")
    nav(page, "Sociale verbondenheid", "/verbondenheid/", section="Verbondenheid")
    nav(page, "Toets verbondenheid", "/toetsen/verbondenheid-toets/")
    widgets_once(page, 4)
    assert page.locator(".leerpad-go").count() == 1
    leave(page)
    page.go_back()
    arrive(page, "/verbondenheid/")
    nav(page, "Toets toegang", "/toetsen/toegang-toets/", section="Toegang")

    # The toets again: the same attempt resumed from local storage, every widget once.
    widgets_once(page, 4)
    assert page.locator(".leerpad-go").count() == 1
    assert site.shown(page) == shown
    site.answer(page, shown[1], right=True)
    assert site.submit(page).startswith("Uw score: 2 van 2 (100 %). Geslaagd.")
    assert page.locator(".leerpad-quiz__result p").count() == 1  # the score, once
    assert page.evaluate(MARKER) == "first load"

    expected = Counter(
        {
            ("initialized", "demo"): 1,  # one visit: no page load, no pagehide
            ("experienced", "toegang"): 1,
            ("experienced", "toegang-toets"): 2,
            ("experienced", "verbondenheid"): 2,  # by the nav, then by the back button
            ("experienced", "verbondenheid-toets"): 1,
            ("answered", "toegang-proces"): 1,
        }
    )
    stored = site.delivered(page, site.registration(page))
    sent = [s for s in stored if not site.by_scorer(s)]
    counts = Counter((s["verb"]["id"].removeprefix(ADL), s["object"]["id"].rsplit("/", 1)[-1]) for s in sent)
    assert counts == expected
    scored = Counter(
        (s["verb"]["id"].removeprefix(ADL), s["object"]["id"].rsplit("/", 1)[-1]) for s in stored if site.by_scorer(s)
    )
    assert scored == Counter(
        {
            ("answered", shown[0]): 1,
            ("answered", shown[1]): 1,
            ("passed", "toegang-toets"): 1,
            ("passed", "toegang"): 1,
            ("completed", "toegang"): 1,
        }
    )
    assert page.errors == []


def test_instant_navigation_runs_no_page_data_as_script(page: Any, site: Any) -> None:
    page.goto("toegang/")
    page.locator(".leerpad-progress").wait_for()
    page.evaluate(f"{MARKER} = 'first load'")
    leave(page)
    page.locator(".md-content__inner a[href$='toetsen/toegang-toets/']").first.click()
    arrive(page, "/toetsen/toegang-toets/")
    assert page.errors == []
