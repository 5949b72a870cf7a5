"""The HTML dashboard in headless Debian chromium: self-contained, error-free, axe-clean."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from leerpad.cli import main

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def dashboard(cohort: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("html")
    assert main(["report", str(cohort.course_dir), "--out", str(out), "--format", "html", "--no-progress"]) == 0
    return out / "dashboard.html"


def open_page(browser: Any, path: Path, bypass_csp: bool) -> Iterator[tuple[Any, list[str], list[str]]]:
    context = browser.new_context(locale="nl-BE", bypass_csp=bypass_csp)
    requests: list[str] = []
    errors: list[str] = []
    context.on("request", lambda r: requests.append(r.url))
    page = context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    try:
        yield page, requests, errors
    finally:
        context.close()


def test_dashboard_loads_nothing_and_shows_no_errors(browser: Any, dashboard: Path) -> None:
    for page, requests, errors in open_page(browser, dashboard, bypass_csp=False):
        assert errors == []
        assert [r for r in requests if not r.startswith(("file://", "data:"))] == []
        assert page.title() == "Dashboard — Rapportcursus"
        images = page.locator("img")
        assert images.count() == 4
        for i in range(images.count()):
            image = images.nth(i)
            assert image.get_attribute("src").startswith("data:image/svg+xml;base64,")
            assert image.evaluate("i => i.complete && i.naturalWidth > 0")  # the SVG decodes and draws
            assert len(image.get_attribute("alt") or "") > 40
        funnel = page.get_by_role("img", name="Staafdiagram, voltooiingstrechter", exact=False)
        assert "Gestart: " in (funnel.get_attribute("alt") or "")
        assert "Volledige cursus: 2" in (funnel.get_attribute("alt") or "")


def test_item_analysis_table_shows_moodle_statistics(browser: Any, dashboard: Path) -> None:
    # alfa-toets, first attempts: An 111, Bart 100, Chris 000, Fien 110, Hanna 111, Ivo 111
    # a1: right 5 of 6 -> facility 83.3 %; a3: 3 of 6 -> 50 %.
    for page, _requests, _errors in open_page(browser, dashboard, bypass_csp=False):
        table = page.get_by_role("table", name="Itemanalyse: Toets alfa")
        a1 = table.get_by_role("row", name="a1", exact=False)
        cells = a1.locator("td").all_inner_texts()
        assert cells[:2] == ["6", "83,3 %"]
        assert "Antwoord a: 83 %" in cells[5]
        a3 = table.get_by_role("row", name="a3", exact=False).locator("td").all_inner_texts()
        assert a3[1] == "50,0 %"
        assert "6 pogingen (eerste poging)" in page.locator("#toets-alfa-toets + p").inner_text()


def test_dashboard_is_axe_clean(browser: Any, dashboard: Path) -> None:
    from axe_playwright_python.sync_playwright import Axe

    for page, _requests, _errors in open_page(browser, dashboard, bypass_csp=True):  # axe needs eval
        result = Axe().run(page)
        assert [f"{v['id']}: {[n['target'] for n in v['nodes']]}" for v in result.response["violations"]] == []
