"""Material's instant navigation: the content area is swapped and `document$`
emits; the runtime builds the new page's widgets, once, with no duplicate
listeners and no new visit.

(Material falls back to full page loads when the site is served from another
origin than `site_url`, as these tests do; so the swap is done the way Material
does it: replace the content, then emit on `document$`.)
"""

from __future__ import annotations

from collections import Counter
from typing import Any

ADL = "http://adlnet.gov/expapi/verbs/"

SWAP = """async (path) => {
  const html = await (await fetch(path)).text();
  const next = new DOMParser().parseFromString(html, 'text/html');
  history.pushState({}, '', path);
  document.querySelector('.md-content').replaceWith(document.adoptNode(next.querySelector('.md-content')));
  document$.next(document);
}"""


def test_document_emission_rebuilds_widgets_once(page: Any, site: Any) -> None:
    page.goto("toetsen/toegang-toets/")
    site.fill_learner(page)
    page.evaluate("document$.next(document)")  # the same page again: nothing new
    page.get_by_label("Benaderbaarheid", exact=True).check()
    page.locator("#vraag-dimensie-1 .leerpad-check").click()
    page.evaluate(SWAP, "/toetsen/verbondenheid-toets/")
    page.locator("#vraag-eenzaam-likert .leerpad-check").wait_for()
    assert page.locator(".leerpad-check").count() == 4
    assert page.locator(".leerpad-learner").count() == 1
    page.get_by_label("Soms").check()
    page.locator("#vraag-eenzaam-likert .leerpad-check").click()
    page.evaluate(SWAP, "/toetsen/toegang-toets/")
    page.locator("#vraag-dimensie-1 .leerpad-question__result").wait_for()
    assert page.get_by_label("Benaderbaarheid", exact=True).is_checked()  # resumed from local storage
    assert page.locator("#vraag-dimensie-1 .leerpad-check").count() == 1
    site.drained(page)
    stored = site.wait(site.registration(page), 6)
    counts = Counter((s["verb"]["id"].removeprefix(ADL), s["object"]["id"].rsplit("/", 1)[-1]) for s in stored)
    assert counts == Counter(
        {
            ("initialized", "demo"): 1,
            ("experienced", "toegang-toets"): 2,
            ("experienced", "verbondenheid-toets"): 1,
            ("answered", "dimensie-1"): 1,
            ("answered", "eenzaam-likert"): 1,
        }
    )
    assert not page.errors
