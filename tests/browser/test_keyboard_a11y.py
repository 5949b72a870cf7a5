"""Keyboard-only use and axe-core on the page types a learner meets."""

from __future__ import annotations

import random
from collections import Counter
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


def unchecked_riziv() -> tuple[str, str]:
    """A new learner's RIZIV number whose check digits do not match (the scorer counts
    attempts per learner, and the tests share an LRS): as typed, and as shown."""
    while True:
        d = f"{random.randrange(10**11):011d}"
        n, c = int(d[:6]), int(d[6:8])
        if c not in (97 - n % 97, 89 - n % 89):
            return f"{d[0]} {d[1:6]} {d[6:8]} {d[8:]}", f"{d[0]}-{d[1:6]}-{d[6:8]}-{d[8:]}"


def fill_learner_by_keyboard(page: Any) -> str:
    """The learner form, by keyboard: a RIZIV number whose check digits do not match;
    returns the number."""
    typed, nr = unchecked_riziv()
    tab_to(page, "#leerpad-naam")
    page.keyboard.type("An Peeters")
    page.keyboard.press("Tab")
    page.keyboard.type("an@example.be")
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")  # huisarts
    page.keyboard.press("Tab")  # RIZIV stays chosen
    page.keyboard.press("Tab")
    page.keyboard.type(typed)
    page.keyboard.press("Enter")
    # No consent yet: the form says why it is needed and puts the focus on it.
    assert page.evaluate("document.activeElement.id") == "leerpad-akkoord"
    page.keyboard.press("Space")
    tab_to(page, ".leerpad-learner button[type=submit]")
    page.keyboard.press("Enter")
    # The check digits do not match: a warning to confirm, never a refusal.
    assert page.evaluate("document.activeElement.id") == "leerpad-zeker"
    page.keyboard.press("Space")
    tab_to(page, ".leerpad-learner button[type=submit]")
    page.keyboard.press("Enter")
    page.get_by_text(f"U neemt deel als An Peeters (huisarts, {nr}).").wait_for()
    return nr


def answer_by_keyboard(page: Any, site: Any, qid: str) -> None:
    """The right answer to a demo toets question, by keyboard, in the option order the
    scorer gave this attempt."""
    how = site.answers[qid][0]
    q = f"#vraag-{qid}"
    if isinstance(how, list):  # sequencing: ↑ on the item until it is in place; focus stays on it
        for i, option in enumerate(how):
            button = f"{q} li[data-option='{option}'] button[aria-label^='Hoger']"
            tab_to(page, button, limit=200)
            at = page.evaluate(
                "s => [...document.querySelector(s).parentElement.children].indexOf(document.querySelector(s))",
                f"{q} li[data-option='{option}']",
            )
            for _ in range(at - i):
                page.keyboard.press("Enter")
        return
    if isinstance(how, dict):  # matching: arrows move the choice in each row's list
        for source, target in how.items():
            select = f"{q} select[data-source='{source}']"
            tab_to(page, select, limit=200)
            downs = page.evaluate(
                "([s, t]) => [...document.querySelector(s).options].findIndex(o => o.value === t)", [select, target]
            )
            for _ in range(downs):
                page.keyboard.press("ArrowDown")
        return
    kind = page.locator(q).get_attribute("data-type")
    if kind == "fill-in":
        tab_to(page, f"{q} input", limit=200)
        page.keyboard.type(how)
        return
    values = [page.locator(q).get_by_label(label, exact=True).get_attribute("value") for label in how.split("|")]
    if kind == "multiple":
        for value in values:
            tab_to(page, f"{q} input[value='{value}']", limit=200)
            page.keyboard.press("Space")
        return
    # Radio buttons are one tab stop: Space takes the focused one, arrows move the choice.
    tab_to(page, f"{q} input", limit=200)
    page.keyboard.press("Space")
    for _ in range(6):
        if page.evaluate("s => document.querySelector(s).checked", f"{q} input[value='{values[0]}']"):
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"{qid}: arrows never reached {values[0]}")


def toets_by_keyboard(page: Any, site: Any) -> list[str]:
    """Starts the page's toets, answers every question it shows right and submits it, by
    keyboard; returns the questions shown."""
    press_on(page, ".leerpad-go")  # Toets starten
    page.locator(".leerpad-go", has_text="Indienen").wait_for()
    shown = site.shown(page)
    for qid in shown:
        answer_by_keyboard(page, site, qid)
    press_on(page, ".leerpad-go")  # Indienen
    page.locator(".leerpad-quiz__result").filter(has_text="Uw score:").wait_for()
    return shown


def test_keyboard_only_completion_of_a_toets(page: Any, site: Any) -> None:
    page.goto("toetsen/verbondenheid-toets/")
    page.locator(".leerpad-progress").wait_for()
    fill_learner_by_keyboard(page)
    reg = site.registration(page)
    # The unscored questions stay with the learner; they are no part of the attempt.
    tab_to(page, "#vraag-eenzaam-likert input")
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")  # moves the choice, never submits
    page.keyboard.press("ArrowDown")
    assert page.get_by_label("Vaak").is_checked()
    tab_to(page, "#vraag-reflectie-1 textarea")
    page.keyboard.type("Ik vraag wie de patiënt ziet.")
    toets_by_keyboard(page, site)
    assert page.evaluate("document.activeElement.classList.contains('leerpad-quiz__result')")
    assert "Uw score: 2 van 2 (100 %). Geslaagd." in page.locator(".leerpad-quiz__result").text_content()
    stored = site.delivered(page, reg)
    answered = {
        s["object"]["id"].rsplit("/", 1)[-1]: s["result"]["response"]
        for s in stored
        if s["verb"]["id"] == ADL + "answered"
    }
    assert answered.keys() == {"volgorde-1", "koppel-1"}
    assert answered["volgorde-1"] == "behoefte-aan-zorg[,]zorg-zoeken[,]zorg-bereiken[,]zorg-gebruiken"
    assert set(answered["koppel-1"].split("[,]")) == {
        "benaderbaarheid[.]vermogen-om-waar-te-nemen",
        "aanvaardbaarheid[.]vermogen-om-te-zoeken",
        "betaalbaarheid[.]vermogen-om-te-betalen",
    }
    assert page.get_by_label("Vaak").is_checked()
    assert not page.errors


def violations(page: Any) -> list[str]:
    # Contrast is judged on the final colours: wait until Material's transitions
    # (the header topic fades in on scroll) have finished.
    page.wait_for_function("document.getAnimations().every(a => a.playState !== 'running')")
    result = Axe().run(page)
    return [f"{v['id']}: {[n['target'] for n in v['nodes']]}" for v in result.response["violations"]]


def test_axe_finds_nothing_on_module_quiz_and_case_pages(page: Any, site: Any) -> None:
    page.goto("voortgang/")
    page.locator(".leerpad-overview h2").first.wait_for()  # "Mijn voortgang"
    assert violations(page) == []
    page.goto("toegang/")
    page.locator(".leerpad-progress").wait_for()
    assert violations(page) == []
    page.goto("toetsen/toegang-toets/")
    page.locator(".leerpad-learner form").wait_for()
    page.get_by_role("button", name="Opslaan").click()  # errors shown
    assert violations(page) == []
    site.fill_learner(page)
    shown = site.start(page)
    site.answer(page, shown[0], right=False)
    assert violations(page) == []
    site.submit(page)  # score and feedback shown
    assert violations(page) == []
    page.goto("casussen/slaapproblemen/")
    page.get_by_role("button", name="Verder").click()
    page.get_by_label("Een hogere dosis voorschrijven").check()
    page.locator("#vraag-peeters-stap .leerpad-check").click()
    page.get_by_role("button", name="Verder").click()
    assert violations(page) == []


def press_on(page: Any, selector: str, key: str = "Enter") -> None:
    tab_to(page, selector, limit=200)
    page.keyboard.press(key)


def choose(page: Any, qid: str, index: int) -> None:
    """Radio buttons are one tab stop: Space takes the first, arrows move the choice."""
    tab_to(page, f"#vraag-{qid} input", limit=200)
    page.keyboard.press("Space" if index == 0 else "ArrowDown")
    for _ in range(index - 1):
        page.keyboard.press("ArrowDown")


def test_keyboard_only_completion_of_the_whole_demo_course(page: Any, site: Any) -> None:
    """Every module, quiz and case of the demo by keyboard; the LRS then holds exactly
    the statements the profile asks for. Pages are opened by URL, as from the nav."""
    page.goto("toegang/")
    choose(page, "toegang-proces", 0)
    press_on(page, "#vraag-toegang-proces .leerpad-check")

    press_on(page, ".leerpad-module-links a[href$='toetsen/toegang-toets/']")
    page.locator(".leerpad-learner").wait_for()
    nr = fill_learner_by_keyboard(page)
    reg = site.registration(page)
    toegang = toets_by_keyboard(page, site)
    assert "Geslaagd." in page.locator(".leerpad-quiz__result").text_content()

    page.goto("casussen/huurachterstand/")
    press_on(page, ".leerpad-next")
    for value in ("het-ocmw", "de-dienst-maatschappelijk-werk-van-het"):
        press_on(page, f"#vraag-janssens-wie input[value={value}]", "Space")
    press_on(page, "#vraag-janssens-wie .leerpad-check")

    page.goto("casussen/slaapproblemen/")
    press_on(page, ".leerpad-next")
    choose(page, "peeters-stap", 1)
    press_on(page, "#vraag-peeters-stap .leerpad-check")
    press_on(page, ".leerpad-next")
    tab_to(page, "#vraag-peeters-reflectie textarea")
    page.keyboard.type("Ik vraag vaker wie iemand ziet.")
    press_on(page, "#vraag-peeters-reflectie .leerpad-check")

    page.goto("toetsen/verbondenheid-toets/")
    page.locator(".leerpad-go").wait_for()
    toets_by_keyboard(page, site)
    assert "Geslaagd." in page.locator(".leerpad-quiz__result").text_content()

    page.goto("toetsen/eindtoets/")
    page.locator(".leerpad-go").wait_for()
    toets_by_keyboard(page, site)
    assert "Geslaagd." in page.locator(".leerpad-quiz__result").text_content()
    assert page.locator(".leerpad-progress").text_content().startswith("Voortgang: 2 van 2 modules afgerond")

    page.goto("")  # leaving the last page sends its `terminated`
    expected = Counter(
        {
            ("initialized", ""): 7,
            ("terminated", ""): 6,
            **{
                ("experienced", p): 1
                for p in (
                    "/module/toegang",
                    "/quiz/toegang-toets",
                    "/case/huurachterstand",
                    "/case/slaapproblemen",
                    "/quiz/verbondenheid-toets",
                    "/quiz/eindtoets",
                )
            },
            ("answered", "/module/toegang/question/toegang-proces"): 1,
            ("answered", "/case/huurachterstand/question/janssens-wie"): 1,
            ("answered", "/case/slaapproblemen/question/peeters-stap"): 1,
            ("answered", "/case/slaapproblemen/question/peeters-reflectie"): 1,
            ("completed", "/case/huurachterstand"): 1,
            ("completed", "/case/slaapproblemen"): 1,
        }
    )
    scored = Counter(
        {
            **{("answered", f"/quiz/toegang-toets/question/{q}"): 1 for q in toegang},
            **{("answered", f"/quiz/verbondenheid-toets/question/{q}"): 1 for q in ("volgorde-1", "koppel-1")},
            **{("answered", f"/quiz/eindtoets/question/{q}"): 1 for q in ("en-en-1", "isolatie-1")},
            **{("passed", f"/quiz/{q}"): 1 for q in ("toegang-toets", "verbondenheid-toets", "eindtoets")},
            **{
                (verb, f"/module/{m}"): 1
                for verb in ("passed", "completed")
                for m in ("toegang", "verbondenheid", "eindtoets")
            },
            ("passed", ""): 1,
            ("completed", ""): 1,
        }
    )
    stored = site.delivered(page, reg)

    def got(by_scorer: bool) -> Counter[tuple[str, str]]:
        return Counter(
            (s["verb"]["id"].removeprefix(ADL), s["object"]["id"].removeprefix("https://leerpad.example/demo"))
            for s in stored
            if site.by_scorer(s) == by_scorer
        )

    assert got(False) == expected
    assert got(True) == scored
    assert {s["actor"]["account"]["name"] for s in stored} == {nr}
    eindtoets = "https://leerpad.example/demo/quiz/eindtoets"
    final = next(s for s in stored if s["verb"]["id"] == ADL + "passed" and s["object"]["id"] == eindtoets)
    assert final["result"]["score"]["scaled"] == 1
    assert not page.errors


CONTRAST = """() => {
  const rgb = c => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = c => {
    const [r, g, b] = rgb(c).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const background = el => {
    for (let e = el; e; e = e.parentElement) {
      const c = getComputedStyle(e).backgroundColor;
      if (!/rgba\\(.*, 0\\)$/.test(c) && c !== 'transparent') return c;
    }
    return 'rgb(255, 255, 255)';
  };
  return [...document.querySelectorAll('.md-content button')].filter(b => b.offsetParent).map(b => {
    const [l1, l2] = [lum(getComputedStyle(b).color), lum(background(b))].sort((x, y) => y - x);
    return [b.textContent.trim() || b.getAttribute('aria-label'), Math.round((l1 + 0.05) / (l2 + 0.05) * 10) / 10];
  });
}"""


def test_every_runtime_button_is_readable(page: Any, site: Any) -> None:
    """Text and background of each visible button differ enough (WCAG AA, 4.5:1)."""
    page.goto("toetsen/verbondenheid-toets/")
    page.locator(".leerpad-learner form").wait_for()
    settled = "document.getAnimations().every(a => a.playState !== 'running')"
    page.wait_for_function(settled)
    before = page.evaluate(CONTRAST)
    site.fill_learner(page)
    page.wait_for_function(settled)
    after = page.evaluate(CONTRAST)
    page.hover(".leerpad-go")  # hover state of the primary button
    page.wait_for_function(settled)
    hovered = page.evaluate(CONTRAST)
    site.start(page)
    page.mouse.move(0, 0)
    page.wait_for_function(settled)
    started = page.evaluate(CONTRAST)
    names = {name for name, _ in before + after + started}
    assert {"Opslaan", "Toets starten", "Indienen", "↑", "↓"} <= names
    page.hover("#vraag-volgorde-1 .leerpad-move button")
    page.wait_for_function(settled)
    moved = page.evaluate(CONTRAST)
    low = [(name, ratio) for name, ratio in before + after + hovered + started + moved if ratio < 4.5]
    assert low == [], str(low)
