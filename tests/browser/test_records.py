"""What the runtime keeps in localStorage: version 2 records, migrated from the
unversioned records of earlier releases; the profession list from the course package."""

from __future__ import annotations

import json
from typing import Any

from leerpad.content.models import PROFESSIONS

ADL = "http://adlnet.gov/expapi/verbs/"
COURSE = "https://leerpad.example/demo"

# What a learner's browser holds after an earlier release (no `v`, one-letter fields):
# the identity form, a checked case answer two steps into the case, a draft answer on a
# module page, a finished quiz attempt, and a module reported done.
OLD = {
    "learner": {"naam": "Mies Claes", "mail": "mies@example.be", "beroep": "sociaal werker", "soort": "geen", "nr": ""},
    f"s.{COURSE}/case/slaapproblemen": {"n": 2, "t": 1_700_000_000_000},
    f"s.{COURSE}/case/slaapproblemen/question/peeters-stap": {
        "a": 1,
        "r": "vragen-hoe-zijn-dagen-eruitzien-en-wie",
        "c": 1,
        "ok": True,
        "t": 1_700_000_000_000,
    },
    f"s.{COURSE}/module/toegang/question/toegang-proces": {"a": 1, "r": "false", "t": 1_700_000_000_000},
    f"s.{COURSE}/quiz/toegang-toets": {
        "a": 2,
        "t": 1_700_000_000_000,
        "res": [{"a": 1, "s": 0.25, "r": 1, "m": 4, "p": False}],
    },
    f"s.{COURSE}/module/verbondenheid": {"d": 1, "p": True},
}


def stored_record(page: Any, key: str) -> Any:
    return page.evaluate(f"JSON.parse(localStorage['leerpad.{key}'])")


def test_a_page_loaded_with_unversioned_records_keeps_the_learners_answers(page: Any, site: Any) -> None:
    page.goto("course.json")  # the site's origin, without the runtime
    page.evaluate(
        "old => { for (const [k, v] of Object.entries(old)) localStorage['leerpad.' + k] = JSON.stringify(v) }", OLD
    )
    page.goto("casussen/slaapproblemen/")
    # The learner's data are kept, but the earlier form asked no consent: asked now, the
    # rest filled in; then the learner is known under the profession's label.
    page.locator(".leerpad-learner form").wait_for()
    assert page.get_by_label("Naam", exact=True).input_value() == "Mies Claes"
    assert page.get_by_label("Beroep").input_value() == "sociaal-werker"
    page.get_by_label("Ik ga akkoord").check()
    page.get_by_role("button", name="Opslaan").click()
    assert page.locator(".leerpad-learner").text_content().startswith("U neemt deel als Mies Claes (sociaal werker). ")
    # The case resumes at step 2 with its answer checked and locked.
    steps = page.locator(".leerpad-case__step")
    assert [steps.nth(i).is_visible() for i in range(3)] == [True, True, False]
    question = page.locator("#vraag-peeters-stap")
    assert question.get_by_label("Vragen hoe zijn dagen eruitzien en wie hij ziet").is_checked()
    assert question.get_by_label("Vragen hoe zijn dagen eruitzien en wie hij ziet").is_disabled()
    assert question.locator(".leerpad-question__result").text_content() == "Juist."
    # One of three modules was reported done.
    assert page.locator(".leerpad-progress").text_content().startswith("Voortgang: 1 van 2 modules afgerond")
    assert stored_record(page, "learner") == {
        "v": 2,
        "name": "Mies Claes",
        "mail": "mies@example.be",
        "profession": "sociaal-werker",
        "register": "geen",
        "number": "",
        "consent": True,
    }
    assert stored_record(page, f"s.{COURSE}/case/slaapproblemen") == {
        "v": 2,
        "step": 2,
        "started": 1_700_000_000_000,
        "done": False,
    }
    assert stored_record(page, f"s.{COURSE}/quiz/toegang-toets") == {
        "v": 2,
        "attempt": 2,
        "started": 1_700_000_000_000,
        "results": [{"number": 1, "scaled": 0.25, "raw": 1, "max": 4, "passed": False}],
    }
    assert stored_record(page, f"s.{COURSE}/module/verbondenheid") == {"v": 2, "done": True, "passed": True}

    # The draft on the module page is still there, and checking it sends the answer with the
    # migrated identity and profession.
    page.goto("toegang/")
    page.locator(".leerpad-progress").wait_for()  # the runtime is up
    draft = page.locator("#vraag-toegang-proces")
    assert draft.get_by_label("Onjuist", exact=True).is_checked()
    draft.get_by_role("button", name="Controleer").click()
    reg = site.registration(page)
    stored = site.delivered(page, reg)
    answered = next(s for s in stored if s["verb"]["id"] == ADL + "answered")
    assert answered["object"]["id"] == f"{COURSE}/module/toegang/question/toegang-proces"
    assert answered["result"]["response"] == "false"
    assert answered["actor"] == {"objectType": "Agent", "name": "Mies Claes", "mbox": "mailto:mies@example.be"}
    assert answered["context"]["extensions"][f"{COURSE}/extension/beroep"] == "sociaal-werker"
    assert stored_record(page, f"s.{COURSE}/module/toegang/question/toegang-proces") | {"started": 0} == {
        "v": 2,
        "attempt": 1,
        "response": "false",
        "checked": True,
        "success": answered["result"].get("success"),
        "started": 0,
    }
    assert not page.errors


def test_the_identity_form_offers_the_professions_of_the_course_package(page: Any, site: Any) -> None:
    page.goto("casussen/slaapproblemen/")
    page.locator(".leerpad-learner form").wait_for()
    options = page.get_by_label("Beroep").locator("option")
    assert options.evaluate_all("os => os.map(o => [o.value, o.textContent])") == [
        ["", "— kies —"],
        *([k, v] for k, v in PROFESSIONS.items()),
    ]
    config = json.loads(page.locator("#leerpad-config").get_attribute("data-config"))
    assert config["professions"] == PROFESSIONS


def test_the_identity_form_asks_consent_and_never_keeps_a_stale_warning(page: Any, site: Any) -> None:
    page.goto("casussen/slaapproblemen/")
    form = page.locator(".leerpad-learner form")
    page.get_by_label("Naam", exact=True).fill("An Peeters")
    page.get_by_label("E-mail").fill("an.peeters@groepspraktijk-de-linde.be")
    # A long address is shown whole, not cut off.
    assert page.get_by_label("E-mail").evaluate("e => e.scrollWidth <= e.clientWidth")
    page.get_by_label("Beroep").select_option("huisarts")
    page.get_by_label("RIZIV- of BIG-nummer").fill("1-23456-78-901")  # check digits do not match
    page.get_by_role("button", name="Opslaan").click()
    assert page.locator("#leerpad-akkoord-fout").text_content() == (
        "Zonder uw akkoord gaan er geen resultaten naar de organisator en telt de cursus niet voor accreditatie."
    )
    assert page.evaluate("document.activeElement.id") == "leerpad-akkoord"
    assert page.locator(".leerpad-case").get_attribute("inert") is not None
    page.get_by_label("Ik ga akkoord").check()
    page.get_by_role("button", name="Opslaan").click()
    warning = page.locator(".leerpad-warning")
    assert warning.is_visible()
    # A number in the wrong format: its error, and no longer the warning about the previous number.
    page.get_by_label("RIZIV- of BIG-nummer").fill("1-2345")
    page.get_by_role("button", name="Opslaan").click()
    example = "1-23456-25-901"
    assert page.locator("#leerpad-nr-fout").text_content() == f"Een RIZIV-nummer heeft 11 cijfers, bv. {example}."
    assert warning.is_hidden()
    # The form's own example passes its check digits.
    page.get_by_label("RIZIV- of BIG-nummer").fill(example)
    page.get_by_role("button", name="Opslaan").click()
    assert (
        page.locator(".leerpad-learner")
        .text_content()
        .startswith(f"U neemt deel als An Peeters (huisarts, {example}). ")
    )
    assert form.count() == 0
    assert stored_record(page, "learner")["consent"] is True
    assert not page.errors
