"""Keyboard-only use and axe-core on the page types a learner meets."""

from __future__ import annotations

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


def fill_learner_by_keyboard(page: Any) -> None:
    """The learner form, by keyboard: a RIZIV number whose check digits do not match."""
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


def answer_verbondenheid_by_keyboard(page: Any) -> None:
    """Every question of the demo's verbondenheid test, by keyboard."""
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


def test_keyboard_only_completion_of_a_quiz(page: Any, site: Any) -> None:
    page.goto("toetsen/verbondenheid-toets/")
    page.locator(".leerpad-progress").wait_for()
    fill_learner_by_keyboard(page)
    answer_verbondenheid_by_keyboard(page)
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
    fill_learner_by_keyboard(page)
    reg = site.registration(page)
    choose(page, "dimensie-1", 1)
    press_on(page, "#vraag-dimensie-1 .leerpad-check")
    for value in ("het-vermogen-om-zorg-te-zoeken", "het-vermogen-om-te-betalen"):
        press_on(page, f"#vraag-vermogens-1 input[value={value}]", "Space")
    press_on(page, "#vraag-vermogens-1 .leerpad-check")
    choose(page, "verantwoordelijkheid-1", 1)
    press_on(page, "#vraag-verantwoordelijkheid-1 .leerpad-check")
    tab_to(page, "#vraag-onderbescherming-1 input")
    page.keyboard.type("onderbescherming")
    press_on(page, "#vraag-onderbescherming-1 .leerpad-check")
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
    answer_verbondenheid_by_keyboard(page)
    assert "Geslaagd." in page.locator(".leerpad-quiz__result").text_content()

    page.goto("toetsen/eindtoets/")
    choose(page, "en-en-1", 0)
    press_on(page, "#vraag-en-en-1 .leerpad-check")
    choose(page, "isolatie-1", 0)
    press_on(page, "#vraag-isolatie-1 .leerpad-check")
    assert "Geslaagd." in page.locator(".leerpad-quiz__result").text_content()
    assert page.locator(".leerpad-progress").text_content().startswith("Voortgang: 3 van 3 modules afgerond")

    page.goto("")  # leaving the last page sends its `terminated`
    expected = Counter(
        {
            ("initialized", ""): 7,
            ("terminated", ""): 6,
            **{("experienced", p): 1 for p in (
                "/module/toegang", "/quiz/toegang-toets", "/case/huurachterstand",
                "/case/slaapproblemen", "/quiz/verbondenheid-toets", "/quiz/eindtoets",
            )},
            ("answered", "/module/toegang/question/toegang-proces"): 1,
            **{("answered", f"/quiz/toegang-toets/question/{q}"): 1 for q in (
                "dimensie-1", "vermogens-1", "verantwoordelijkheid-1", "onderbescherming-1")},
            ("answered", "/case/huurachterstand/question/janssens-wie"): 1,
            ("answered", "/case/slaapproblemen/question/peeters-stap"): 1,
            ("answered", "/case/slaapproblemen/question/peeters-reflectie"): 1,
            **{("answered", f"/quiz/verbondenheid-toets/question/{q}"): 1 for q in (
                "volgorde-1", "koppel-1", "eenzaam-likert", "reflectie-1")},
            **{("answered", f"/quiz/eindtoets/question/{q}"): 1 for q in ("en-en-1", "isolatie-1")},
            ("completed", "/case/huurachterstand"): 1,
            ("completed", "/case/slaapproblemen"): 1,
            **{(verb, f"/{kind}/{ident}"): 1
               for verb in ("passed", "completed")
               for kind, ident in (("quiz", "toegang-toets"), ("module", "toegang"),
                                   ("quiz", "verbondenheid-toets"), ("module", "verbondenheid"),
                                   ("quiz", "eindtoets"), ("module", "eindtoets"))},
        }
    )
    stored = site.delivered(page, reg)
    got = Counter(
        (s["verb"]["id"].removeprefix(ADL), s["object"]["id"].removeprefix("https://leerpad.example/demo"))
        for s in stored
    )
    assert got == expected
    assert {s["actor"]["account"]["name"] for s in stored} == {"1-23456-78-901"}
    final = next(s for s in stored if s["verb"]["id"] == ADL + "passed" and s["object"]["id"].endswith("/eindtoets"))
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
    names = {name for name, _ in before + after}
    assert {"Opslaan", "Controleer"} <= names
    # The pointer rests where "Opslaan" was: now over the first "Controleer" (hover state).
    page.hover("#vraag-volgorde-1 .leerpad-check")
    page.wait_for_function(settled)
    hovered = page.evaluate(CONTRAST)
    low = [(name, ratio) for name, ratio in before + after + hovered if ratio < 4.5]
    assert low == [], str(low)
