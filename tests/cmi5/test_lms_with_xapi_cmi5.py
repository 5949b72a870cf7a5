"""The simulated LMS checked with an independent AU library, @xapi/cmi5 (npm).

If that library cannot complete a launch against the simulation, the simulation
is wrong: the same LMS then judges Leerpad's own cmi5 mode (test_launch_browser.py).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
AU = "https://leerpad.example/demo/module/toegang"
ACTOR = {"objectType": "Agent", "name": "Lien Janssens",
         "account": {"homePage": "https://lms.example", "name": "lien-4711"}}
CMI5 = "https://w3id.org/xapi/cmi5/context/"


def run_au(url: str, score: str | None = None) -> dict[str, Any]:
    node = shutil.which("node")
    assert node, "node is needed (npm ci installs @xapi/cmi5)"
    assert (ROOT / "node_modules" / "@xapi" / "cmi5").is_dir(), "run npm ci (./scripts/test does)"
    args = [node, str(HERE / "xapi_cmi5_au.cjs"), url, *([score] if score else [])]
    result = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, timeout=60, check=False)
    assert result.stdout, result.stderr
    return dict(json.loads(result.stdout.splitlines()[-1]))


def verbs(statements: list[dict[str, Any]]) -> list[str]:
    return [s["verb"]["id"].rsplit("/", 1)[-1] for s in statements]


def test_xapi_cmi5_completes_a_normal_launch(lms: Any, lms_lrs: Any, wait_for: Any) -> None:
    registration = str(uuid.uuid4())
    session = lms.launch(AU, ACTOR, registration)
    out = run_au(session.url, "0.9")
    assert out["ok"], out
    data = out["launchData"]
    assert (data["launchMode"], data["moveOn"], data["masteryScore"]) == ("Normal", "CompletedAndPassed", 0.75)
    assert data["contextTemplate"]["extensions"][CMI5 + "extensions/sessionid"] == session.session_id
    assert out["preferences"] == {"languagePreference": "nl-BE,nl", "audioPreference": "off"}
    stored = wait_for(lms_lrs, {"registration": registration}, 5)
    assert verbs(stored) == ["launched", "initialized", "completed", "passed", "terminated"]
    for statement in stored:
        assert statement["actor"]["account"] == ACTOR["account"]
        assert statement["object"]["id"] == session.activity_id != AU
        assert statement["context"]["extensions"][CMI5 + "extensions/sessionid"] == session.session_id
        assert {"id": AU, "objectType": "Activity"} in statement["context"]["contextActivities"]["grouping"] or \
            {"id": AU} in statement["context"]["contextActivities"]["grouping"]
    assert stored[3]["context"]["extensions"][CMI5 + "extensions/masteryscore"] == 0.75
    assert session.terminated and not session.refused


def test_the_fetch_url_gives_its_token_once(lms: Any) -> None:
    session = lms.launch(AU, ACTOR, str(uuid.uuid4()), mode="Browse")
    assert run_au(session.url)["ok"]
    again = run_au(session.url)
    assert not again["ok"]
    assert session.fetched == 2


@pytest.mark.parametrize("mode", ["Browse", "Review"])
def test_xapi_cmi5_in_browse_and_review_sends_initialized_and_terminated_only(
    mode: str, lms: Any, lms_lrs: Any, wait_for: Any
) -> None:
    registration = str(uuid.uuid4())
    session = lms.launch(AU, ACTOR, registration, mode=mode)
    assert run_au(session.url)["ok"]
    assert verbs(wait_for(lms_lrs, {"registration": registration}, 3)) == ["launched", "initialized", "terminated"]
