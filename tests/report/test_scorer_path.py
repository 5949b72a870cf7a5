"""The report over results the scoring service itself wrote, through its HTTP API.

Runs once the scoring service (issue 11) is on the branch: the embedded LRS is
started with the scorer mounted for a copy of the report course, learners take the
toetsen through ``/leerpad/v1/attempts``, as the browser runtime does, and the
report must count exactly what the scorer stored; a pass forged with the browser's
credential is refused by the LRS. Dates are today's (the scorer stamps them).
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from leerpad.cli import main
from leerpad.report.bodies import local_date

embedded = pytest.importorskip("leerpad.scoring.embedded", reason="the scoring service is not on this branch yet")

HERE = Path(__file__).resolve().parent
COURSE = "https://leerpad.example/rapport"
RIGHT = {"a1": "antwoord-a", "a2": "antwoord-b", "a3": "antwoord-c", "b1": "antwoord-a", "b2": "antwoord-b",
         "s1": "antwoord-a", "s2": "antwoord-b"}
WRONG = {q: "antwoord-c" if answer != "antwoord-c" else "antwoord-a" for q, answer in RIGHT.items()}
HEADERS = {"X-Experience-API-Version": "1.0.3"}


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Any]]:
    from leerpad.lrs.testing import LiveLRS

    course = tmp_path_factory.mktemp("scored") / "course"
    shutil.copytree(HERE / "course", course)
    state = course / ".leerpad"
    server = LiveLRS.start(database=f"sqlite://{state / 'lrs.sqlite3'}", state_dir=state, bcrypt_rounds=4,
                             extra_env=embedded.prepare(course))
    try:
        yield course, server
    finally:
        server.stop()


def take(server: Any, quiz: str, actor: dict[str, Any], registration: str, answers: dict[str, str]) -> dict[str, Any]:
    """Start and submit one attempt as the runtime does (the browser's write credential)."""
    root = server.endpoint.removesuffix("/xAPI/")
    started = requests.post(f"{root}/leerpad/v1/attempts", auth=server.write, timeout=60, json={
        "attempt": str(uuid.uuid4()), "quiz": quiz, "actor": actor, "registration": registration})
    assert started.status_code == 200, started.text
    body = started.json()
    submitted = requests.post(f"{root}/leerpad/v1/attempts/{body['attempt']}/responses", auth=server.write,
                              timeout=60, json={"responses": {q: answers[q] for q in body["questions"]}})
    assert submitted.status_code == 200, submitted.text
    return dict(submitted.json())


def practice(server: Any, actor: dict[str, Any], registration: str, profession: str) -> None:
    """The runtime's own statement with the learner's profession (the scorer does not copy it)."""
    statement = {
        "id": str(uuid.uuid4()), "actor": actor,
        "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced", "display": {"en-US": "experienced"}},
        "object": {"objectType": "Activity", "id": f"{COURSE}/module/alfa"},
        "context": {"registration": registration, "extensions": {f"{COURSE}/extension/beroep": profession},
                    "contextActivities": {"grouping": [{"objectType": "Activity", "id": COURSE}]}},
        "timestamp": datetime.now(UTC).isoformat(),
    }
    response = requests.post(server.statements_url, json=[statement], auth=server.write, headers=HEADERS, timeout=60)
    assert response.status_code == 200, response.text


def test_report_counts_what_the_scorer_wrote(scored: tuple[Path, Any], tmp_path: Path) -> None:
    course, server = scored
    lies = {"objectType": "Agent", "name": "Lies Vermeulen",
            "account": {"homePage": "https://www.riziv.fgov.be", "name": "1-10101-20-303"}}
    mark = {"objectType": "Agent", "name": "Mark Peeters",
            "account": {"homePage": "https://www.riziv.fgov.be", "name": "1-40404-50-606"}}
    for actor in (lies, mark):
        practice(server, actor, str(uuid.uuid4()), "huisarts")
    assert take(server, "alfa-toets", lies, str(uuid.uuid4()), RIGHT)["success"] is True
    assert take(server, "beta-toets", lies, str(uuid.uuid4()), RIGHT)["success"] is True
    assert take(server, "alfa-toets", mark, str(uuid.uuid4()), WRONG)["success"] is False
    assert take(server, "alfa-toets", mark, str(uuid.uuid4()), RIGHT)["success"] is True
    forged = {
        "id": str(uuid.uuid4()), "actor": mark,
        "verb": {"id": "http://adlnet.gov/expapi/verbs/passed", "display": {"en-US": "passed"}},
        "object": {"objectType": "Activity", "id": f"{COURSE}/quiz/beta-toets"},
        "result": {"score": {"scaled": 1.0}, "success": True},
        "timestamp": datetime.now(UTC).isoformat(),
    }
    refused = requests.post(server.statements_url, json=[forged], auth=server.write, headers=HEADERS, timeout=60)
    assert refused.status_code == 403

    assert main(["report", str(course), "--out", str(tmp_path), "--authority", "riziv", "--no-progress"]) == 0
    today = local_date(datetime.now(UTC))
    rows = (tmp_path / "riziv.csv").read_text(encoding="utf-8-sig").splitlines()
    ee = "ethiek en economie;declared"
    assert sorted(rows[1:]) == sorted([
        f"1-10101-20-303;Lies Vermeulen;EL-0042;RZ-1001;alfa;Alfa — toegang tot zorg;{today};0,75;0,75;{ee}",
        f"1-10101-20-303;Lies Vermeulen;EL-0042;RZ-1002;beta;Beta — samenwerken;{today};1,5;1,5;{ee}",
        f"1-40404-50-606;Mark Peeters;EL-0042;RZ-1001;alfa;Alfa — toegang tot zorg;{today};0,75;0,75;{ee}",
    ])
    progress = {tuple(r.split(";")[i] for i in (0, 4)): r.split(";") for r in
                (tmp_path / "voortgang.csv").read_text(encoding="utf-8-sig").splitlines()[1:]}
    assert progress[("1-40404-50-606", "alfa")][8:12] == ["2", "100", "100", "ja"]
    assert (tmp_path / "meldingen.csv").read_text(encoding="utf-8-sig").splitlines() == ["soort;statement;reden"]
