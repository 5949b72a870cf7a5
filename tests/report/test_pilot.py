"""The pilot of the final test: `leerpad report` over a before/after cohort in a real LRS.

The cohort and its expected figures are described in conftest.py (``pilot_cohort``):
six colleagues take the final test before opening the course, five after finishing
it, one of the six again after the course, one while studying; the final test draws
3 of 4 questions.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from leerpad.cli import main

GROUPS_CSV = [
    "toets;groep;pogingen;deelnemers;gemiddelde_score;geslaagd;slaagpercentage",
    # P2's second attempt (before the course) and Q3's (after it) are attempts, not counted
    "eind-toets;zonder cursus;7;6;55,6;1;16,7",
    "eind-toets;tijdens de cursus;1;1;33,3;0;0,0",
    "eind-toets;na de cursus;7;6;83,3;3;50,0",
]
QUESTIONS_CSV = [
    "toets;vraag;n_zonder;aandeel_juist_zonder;n_tijdens;aandeel_juist_tijdens;n_na;aandeel_juist_na;verschil;signaal",
    "eind-toets;e1;6;0,17;1;1,00;6;1,00;0,83;onderscheidt",
    "eind-toets;e2;6;0,83;1;0,00;6;1,00;0,17;onderscheidt niet",
    "eind-toets;e3;5;0,80;1;0,00;5;0,40;-0,40;onderscheidt niet: zonder cursus vaker juist",
    "eind-toets;e4;1;0,00;0;;1;1,00;1,00;te weinig pogingen",
]


def lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8-sig").splitlines()


@pytest.fixture(scope="module")
def reported(pilot_cohort: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pilot-report")
    args = ["report", str(pilot_cohort), "--out", str(out), "--no-progress", "--format", "csv", "--format", "html"]
    assert main(args) == 0
    return out


def test_pilot_csv_rows_are_exact(reported: Path) -> None:
    assert lines(reported / "pilot-groepen.csv") == GROUPS_CSV
    assert lines(reported / "pilot-vragen.csv") == QUESTIONS_CSV
    assert lines(reported / "meldingen.csv") == ["soort;statement;reden"]  # nothing left out


def test_the_report_names_the_pilot_files(
    pilot_cohort: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", str(pilot_cohort), "--out", str(tmp_path), "--no-progress", "--authority", "riziv"]) == 0
    out = capsys.readouterr().out
    assert f"{tmp_path / 'pilot-groepen.csv'}: 3 rijen" in out
    assert f"{tmp_path / 'pilot-vragen.csv'}: 4 rijen" in out


def test_a_course_without_final_test_has_no_pilot(pilot_cohort: Path, tmp_path: Path) -> None:
    import shutil

    course = tmp_path / "course"
    shutil.copytree(pilot_cohort, course)
    quiz = course / "quizzes" / "eind-toets.md"
    quiz.write_text(quiz.read_text(encoding="utf-8").replace("final: true\n", ""), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["report", str(course), "--out", str(out), "--no-progress", "--format", "csv", "--format", "html"]) == 0
    assert not (out / "pilot-groepen.csv").exists() and not (out / "pilot-vragen.csv").exists()
    page = (out / "dashboard.html").read_text(encoding="utf-8")
    assert "Itemanalyse: Eindtoets pilot" in page and "Pilot van de eindtoets" not in page


def open_page(browser: Any, path: Path, bypass_csp: bool = False) -> Iterator[Any]:
    context = browser.new_context(locale="nl-BE", bypass_csp=bypass_csp)
    try:
        page = context.new_page()
        page.goto(path.as_uri())
        yield page
    finally:
        context.close()


def cells(table: Any, row: str) -> list[str]:
    return list(table.get_by_role("row", name=row, exact=False).locator("td").all_inner_texts())


@pytest.mark.browser
def test_dashboard_shows_the_pilot_per_group_and_question(browser: Any, reported: Path) -> None:
    for page in open_page(browser, reported / "dashboard.html"):
        heading = page.get_by_role("heading", name="Pilot van de eindtoets")
        assert heading.count() == 1
        groups = page.get_by_role("table", name="Pilot Eindtoets pilot: resultaat per groep (slaagdrempel 75 %)")
        assert cells(groups, "zonder cursus") == ["7", "6", "55,6 %", "1", "16,7 %"]
        assert cells(groups, "tijdens de cursus") == ["1", "1", "33,3 %", "0", "0,0 %"]
        assert cells(groups, "na de cursus") == ["7", "6", "83,3 %", "3", "50,0 %"]
        items = page.get_by_role("table", name="Pilot Eindtoets pilot: onderscheidt elke vraag wie de cursus volgde?")
        headers = items.locator("thead th").all_inner_texts()
        assert headers[0] == "Vraag" and headers[-2:] == ["Verschil (na − zonder)", "Signaal"]
        assert headers[1:3] == ["Zonder cursus: n", "Zonder cursus: juist"]
        assert cells(items, "e1") == ["6", "17 %", "1", "100 %", "6", "100 %", "+0,83", "onderscheidt"]
        assert cells(items, "e2") == ["6", "83 %", "1", "0 %", "6", "100 %", "+0,17", "onderscheidt niet"]
        assert cells(items, "e3") == [
            "5", "80 %", "1", "0 %", "5", "40 %", "−0,40", "onderscheidt niet: zonder cursus vaker juist"]
        # e4 is drawn in one attempt of each group: counted over those, and too few to judge
        assert cells(items, "e4") == ["1", "0 %", "0", "—", "1", "100 %", "+1,00", "te weinig pogingen"]
        # a flag is words, not only colour; a question that separates carries no flag style
        assert items.locator("tbody tr").nth(1).locator(".flag").inner_text() == "onderscheidt niet"
        assert items.locator("tbody tr").nth(0).locator(".flag").count() == 0
        right = "cells => cells.length > 0 && cells.every(c => getComputedStyle(c).textAlign === 'right')"
        assert items.locator("td.num").evaluate_all(right)


@pytest.mark.browser
def test_pilot_dashboard_is_axe_clean(browser: Any, reported: Path) -> None:
    from axe_playwright_python.sync_playwright import Axe

    for page in open_page(browser, reported / "dashboard.html", bypass_csp=True):  # axe needs eval
        result = Axe().run(page)
        assert [f"{v['id']}: {[n['target'] for n in v['nodes']]}" for v in result.response["violations"]] == []


def test_pilot_through_the_scorer_with_the_lock_off(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The pilot copy (``final_lock: false``): the scorer lets the final test open before any
    module, draws from the pool, and the report groups what it wrote."""
    import shutil
    import uuid
    from datetime import UTC, datetime

    import requests

    from leerpad.lrs.testing import LiveLRS
    from tests.report.test_scorer_path import take

    embedded = pytest.importorskip("leerpad.scoring.embedded")
    course = tmp_path_factory.mktemp("pilot-scored") / "course"
    shutil.copytree(Path(__file__).resolve().parent / "pilot", course)
    right = dict.fromkeys(("n1", "n2", "e1", "e2", "e3", "e4"), "antwoord-a")
    wrong = dict.fromkeys(right, "antwoord-b")
    lies = {"objectType": "Agent", "name": "Lies Vermeulen",
            "account": {"homePage": "https://www.riziv.fgov.be", "name": "1-10101-20-303"}}
    mark = {"objectType": "Agent", "name": "Mark Peeters",
            "account": {"homePage": "https://www.riziv.fgov.be", "name": "1-40404-50-606"}}
    state = course / ".leerpad"
    server = LiveLRS.start(database=f"sqlite://{state / 'lrs.sqlite3'}", state_dir=state, bcrypt_rounds=4,
                           extra_env=embedded.prepare(course))
    try:
        # Before the course: Lies fails, Mark (who knows the subject) passes.
        assert take(server, "eind-toets", lies, str(uuid.uuid4()), wrong)["success"] is False
        assert take(server, "eind-toets", mark, str(uuid.uuid4()), right)["success"] is True
        # Lies studies: passes een's toets, completes twee (a module without toets), tries again.
        registration = str(uuid.uuid4())
        assert take(server, "een-toets", lies, registration, right)["success"] is True
        completed = {
            "id": str(uuid.uuid4()), "actor": lies,
            "verb": {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en-US": "completed"}},
            "object": {"objectType": "Activity", "id": "https://leerpad.example/pilot/module/twee"},
            "context": {"registration": registration, "contextActivities": {
                "grouping": [{"objectType": "Activity", "id": "https://leerpad.example/pilot"}]}},
            "timestamp": datetime.now(UTC).isoformat(),
        }
        stored = requests.post(server.statements_url, json=[completed], auth=server.write,
                               headers={"X-Experience-API-Version": "1.0.3"}, timeout=60)
        assert stored.status_code == 200, stored.text
        assert take(server, "eind-toets", lies, registration, right)["success"] is True
        out = tmp_path_factory.mktemp("pilot-scored-report")
        assert main(["report", str(course), "--out", str(out), "--no-progress", "--format", "csv"]) == 0
    finally:
        server.stop()
    assert lines(out / "pilot-groepen.csv")[1:] == [
        "eind-toets;zonder cursus;2;2;50,0;1;50,0",
        "eind-toets;tijdens de cursus;0;0;;0;",
        "eind-toets;na de cursus;1;1;100,0;1;100,0",
    ]
    rows = [row.split(";") for row in lines(out / "pilot-vragen.csv")[1:]]
    # 3 of 4 drawn per attempt: 6 drawn before the course, 3 after, whichever the scorer chose
    assert sum(int(r[2]) for r in rows) == 6 and sum(int(r[6]) for r in rows) == 3
    assert {r[9] for r in rows} == {"te weinig pogingen"}
