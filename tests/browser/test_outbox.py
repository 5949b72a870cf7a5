"""The durable outbox against the real LRS: offline periods, an LRS that
answers 503, several tabs, a statement the LRS refuses."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

ADL = "http://adlnet.gov/expapi/verbs/"


def outbox_ids(page: Any) -> set[str]:
    return set(
        page.evaluate(
            "Object.keys(localStorage).filter(k => k.startsWith('leerpad.out.'))"
            ".map(k => JSON.parse(localStorage[k]).id)"
        )
    )


def answer_four(page: Any, site: Any) -> list[Any]:
    """Four practice answers on three pages, each in its own tab (a page left would send
    its outbox with a keepalive request, which no route can intercept)."""
    page.goto("casussen/slaapproblemen/")
    site.fill_learner(page)
    page.get_by_role("button", name="Verder").click()
    page.get_by_label("Vragen hoe zijn dagen eruitzien en wie hij ziet").check()
    page.locator("#vraag-peeters-stap").get_by_role("button", name="Controleer").click()
    page.get_by_role("button", name="Verder").click()
    page.locator("#vraag-peeters-reflectie textarea").fill("Vaker doorvragen.")
    page.locator("#vraag-peeters-reflectie").get_by_role("button", name="Controleer").click()
    page = page.context.new_page()
    page.goto("casussen/huurachterstand/")
    page.get_by_role("button", name="Verder").click()
    page.get_by_label("Het OCMW").check()
    page.locator("#vraag-janssens-wie").get_by_role("button", name="Controleer").click()
    page = page.context.new_page()
    page.goto("toegang/")
    page.locator("#vraag-toegang-proces").get_by_label("Juist", exact=True).check()
    page.locator("#vraag-toegang-proces").get_by_role("button", name="Controleer").click()
    return list(page.context.pages)


def test_offline_then_lrs_down_then_online_every_statement_once(page: Any, context: Any, site: Any) -> None:
    lrs = site.lrs.endpoint
    posts: list[list[str]] = []
    to_lrs = lambda url: url.startswith(lrs)  # noqa: E731
    context.route(to_lrs, lambda route: route.abort("internetdisconnected"))
    tabs = answer_four(page, site)
    waiting = outbox_ids(page)
    reg = site.registration(page)
    answered = page.evaluate(
        "Object.keys(localStorage).filter(k => k.startsWith('leerpad.out.'))"
        ".map(k => JSON.parse(localStorage[k])).filter(s => s.verb.id.endsWith('answered')).length"
    )
    assert answered == 4
    assert site.statements(reg) == []
    # The LRS restarts: it answers 503 for a while.
    context.unroute(to_lrs)
    context.route(
        to_lrs,
        lambda route: (
            route.fulfill(status=503, body="restarting", headers={"Access-Control-Allow-Origin": site.url.rstrip("/")})
            if route.request.method == "POST"
            else route.fallback()
        ),
    )
    with context.expect_event("response", lambda r: r.url.startswith(lrs) and r.status == 503, timeout=60_000):
        page.evaluate("window.leerpad.outbox.flush(true)")  # send now, not after the offline backoff
    assert outbox_ids(page) >= waiting
    context.unroute(to_lrs)
    context.on(
        "request",
        lambda r: (
            posts.append([s["id"] for s in r.post_data_json]) if r.method == "POST" and r.url.startswith(lrs) else None
        ),
    )
    for tab in tabs:
        site.drained(tab, timeout=60)
    stored = site.delivered(page, reg)
    assert {s["id"] for s in stored} >= waiting
    counts = Counter((s["verb"]["id"], s["object"]["id"]) for s in stored if s["verb"]["id"] == ADL + "answered")
    assert len(counts) == 4 and set(counts.values()) == {1}
    assert posts  # sent after the network came back


def test_two_tabs_send_each_statement_once(context: Any, site: Any) -> None:
    a, b = context.new_page(), context.new_page()
    a.goto("casussen/slaapproblemen/")
    site.fill_learner(a)
    b.goto("casussen/huurachterstand/")
    b.locator(".leerpad-progress").wait_for()
    posted: Counter[str] = Counter()

    def count(r: Any) -> None:
        if r.method == "POST" and r.url.startswith(site.lrs.endpoint):
            posted.update(s["id"] for s in r.post_data_json)

    context.on("request", count)
    # Interleaved answers in both tabs.
    a.get_by_role("button", name="Verder").click()
    a.get_by_label("Een hogere dosis voorschrijven").check()
    a.locator("#vraag-peeters-stap .leerpad-check").click()
    b.get_by_role("button", name="Verder").click()
    b.get_by_label("Het OCMW").check()
    b.locator("#vraag-janssens-wie .leerpad-check").click()
    a.get_by_role("button", name="Verder").click()
    a.locator("#vraag-peeters-reflectie textarea").fill("Vaker doorvragen.")
    a.locator("#vraag-peeters-reflectie .leerpad-check").click()
    reg = site.registration(a)
    site.drained(b)
    stored = site.delivered(a, reg)
    answered = Counter(s["object"]["id"] for s in stored if s["verb"]["id"] == ADL + "answered")
    assert len(answered) == 3 and set(answered.values()) == {1}
    assert Counter(s["verb"]["id"].removeprefix(ADL) for s in stored)["initialized"] == 2
    assert posted and max(posted.values()) == 1  # one tab sent each statement, once


def test_refused_statement_is_reported_and_set_aside(page: Any, site: Any) -> None:
    page.goto("casussen/slaapproblemen/")
    site.fill_learner(page)
    site.drained(page)
    reg = site.registration(page)
    # A statement the LRS must refuse (scaled score above 1), between two good ones.
    site.add_statements(page, None, {"score": {"scaled": 1.5}}, None)
    notice = page.locator(".leerpad-notice")
    notice.wait_for()
    assert "geweigerd" in notice.text_content()
    site.drained(page)
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('leerpad.bad.')).length") == 1
    assert any("de LRS weigerde statement" in e for e in page.errors)
    stored = site.wait(reg, 4)
    assert len([s for s in stored if s["actor"].get("mbox") == "mailto:x@example.be"]) == 2
    # The refused statement can be saved as a file for the organiser, and survives "Gegevens wissen".
    with page.expect_download() as download:
        notice.get_by_role("link", name="Bewaren als bestand").click()
    saved = json.loads(Path(download.value.path()).read_text("utf-8"))
    assert [s["result"]["score"]["scaled"] for s in saved] == [1.5]
    notice.get_by_role("button", name="Sluiten").click()
    assert notice.count() == 0
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="Gegevens wissen").click()
    page.locator(".leerpad-learner form").wait_for()
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('leerpad.bad.')).length") == 1
