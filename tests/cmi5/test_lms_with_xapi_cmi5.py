"""The simulated LMS checked with an independent AU library, @xapi/cmi5 (npm).

If that library cannot complete a launch against the simulation, the simulation
is wrong: the same LMS then judges Leerpad's own cmi5 mode (test_launch_browser.py).

The library runs where it is made to run, in a browser: its published builds
(dist/Cmi5.umd.js, dist/Cmi5.esm.js) bundle a browser-only HTTP client, which in
Node fails with "no suitable adapter" before any request. Chromium loads it in a
page of the LMS's origin (no launch parameters there, so Leerpad's runtime stays
out of it) and drives a launch with the LMS's launch URL.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
LIBRARY = HERE.parent.parent / "node_modules" / "@xapi" / "cmi5" / "dist" / "Cmi5.umd.js"
AU = "https://leerpad.example/demo/module/toegang"
ACTOR = {"objectType": "Agent", "name": "Lien Janssens",
         "account": {"homePage": "https://lms.example", "name": "lien-4711"}}
CMI5 = "https://w3id.org/xapi/cmi5/context/"

# initialize() POSTs to fetch, reads LMS.LaunchData and cmi5LearnerPreferences, sends initialized.
RUN_AU = """async ([url, score]) => {
  const q = new URL(url).searchParams;
  const cmi5 = new Cmi5({
    endpoint: q.get('endpoint'), fetch: q.get('fetch'), actor: JSON.parse(q.get('actor')),
    registration: q.get('registration'), activityId: q.get('activityId'),
  });
  try {
    await cmi5.initialize();
    const data = cmi5.getLaunchData();
    if (data.launchMode === 'Normal') {
      await cmi5.complete();
      if (score != null) await cmi5.pass(score);
    }
    await cmi5.terminate();
    return { ok: true, launchData: data, preferences: cmi5.getLearnerPreferences() };
  } catch (e) {
    return { ok: false, error: String(e && e.message || e) };
  }
}"""


@pytest.fixture
def au(browser: Any, lms: Any) -> Any:
    """A page of the LMS's origin with @xapi/cmi5 loaded: ``au(url, score)`` runs a launch."""
    assert LIBRARY.exists(), "node_modules/@xapi/cmi5 is missing: run npm ci (./scripts/test does)"
    context = browser.new_context()
    page = context.new_page()
    page.goto(lms.origin + "/return")
    page.add_script_tag(path=str(LIBRARY))
    yield lambda url, score=None: page.evaluate(RUN_AU, [url, score])
    context.close()


def verbs(statements: list[dict[str, Any]]) -> list[str]:
    return [s["verb"]["id"].rsplit("/", 1)[-1] for s in statements]


def test_xapi_cmi5_completes_a_normal_launch(au: Any, lms: Any, lms_lrs: Any, wait_for: Any) -> None:
    registration = str(uuid.uuid4())
    session = lms.launch(AU, ACTOR, registration)
    out = au(session.url, 0.9)
    assert out["ok"], out
    data = out["launchData"]
    assert (data["launchMode"], data["moveOn"], data["masteryScore"]) == ("Normal", "CompletedAndPassed", 0.75)
    assert data["returnURL"] == lms.origin + "/return"
    assert data["contextTemplate"]["extensions"][CMI5 + "extensions/sessionid"] == session.session_id
    assert out["preferences"] == {"languagePreference": "nl-BE,nl", "audioPreference": "off"}
    stored = wait_for(lms_lrs, {"registration": registration}, 5)
    assert verbs(stored) == ["launched", "initialized", "completed", "passed", "terminated"]
    for statement in stored:
        assert statement["actor"]["account"] == ACTOR["account"]
        assert statement["object"]["id"] == session.activity_id != AU
        context = statement["context"]
        assert context["extensions"][CMI5 + "extensions/sessionid"] == session.session_id
        assert AU in [a["id"] for a in context["contextActivities"]["grouping"]]
    assert stored[3]["context"]["extensions"][CMI5 + "extensions/masteryscore"] == 0.75
    assert session.terminated and not session.refused


def test_the_fetch_url_gives_its_token_once(au: Any, lms: Any) -> None:
    session = lms.launch(AU, ACTOR, str(uuid.uuid4()), mode="Browse")
    assert au(session.url)["ok"]
    assert not au(session.url)["ok"]  # the second POST gets error-code 1, and no token
    assert session.fetched == 2


@pytest.mark.parametrize("mode", ["Browse", "Review"])
def test_xapi_cmi5_in_browse_and_review(mode: str, au: Any, lms: Any, lms_lrs: Any, wait_for: Any) -> None:
    registration = str(uuid.uuid4())
    session = lms.launch(AU, ACTOR, registration, mode=mode)
    assert au(session.url)["ok"]
    assert verbs(wait_for(lms_lrs, {"registration": registration}, 3)) == ["launched", "initialized", "terminated"]


def test_a_new_launch_abandons_a_session_that_did_not_terminate(au: Any, lms: Any, lms_lrs: Any,
                                                               wait_for: Any) -> None:
    registration = str(uuid.uuid4())
    first = lms.launch(AU, ACTOR, registration)
    second = lms.launch(AU, ACTOR, registration)  # the learner closed the window and starts again
    assert first.abandoned and not second.abandoned
    assert au(second.url, 0.8)["ok"]
    stored = wait_for(lms_lrs, {"registration": registration}, 7)
    assert verbs(stored) == ["launched", "abandoned", "launched", "initialized", "completed", "passed", "terminated"]
    assert stored[1]["context"]["extensions"][CMI5 + "extensions/sessionid"] == first.session_id
    assert stored[1]["result"]["duration"].startswith("PT")
