"""The plugin's scorer options: the scorer's URL in the page and its CSP, the final-test lock and feedback."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from tests.scoring.conftest import Scoring, copy_demo, learner, start_scored_lrs
from tests.scoring.test_no_key_in_site import build


def _with_options(course: Path, options: str) -> None:
    config = course / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("      language: nl-BE\n", f"      language: nl-BE\n{options}", 1), encoding="utf-8")


def _page_config(page: Path) -> dict[str, object]:
    found = re.search(r'id="leerpad-config" hidden data-config="([^"]*)"', page.read_text("utf-8"))
    assert found is not None
    return dict(json.loads(html.unescape(found.group(1))))


def _connect_src(page: Path) -> str:
    found = re.search(r"connect-src ([^;]*);", page.read_text("utf-8"))
    assert found is not None
    return found.group(1)


def test_the_page_names_the_scorer_and_its_csp_allows_it(tmp_path: Path) -> None:
    course = copy_demo(tmp_path / "embedded")
    build(course, tmp_path / "site", lrs=True)
    page = tmp_path / "site" / "toetsen" / "toegang-toets" / "index.html"
    assert _page_config(page)["scorer"] == "http://127.0.0.1:8100/"  # the LRS server's root
    assert _connect_src(page) == "'self' http://127.0.0.1:8100"
    other = copy_demo(tmp_path / "external")
    _with_options(other, "      scorer:\n        url: https://scorer.example/toetsen\n")
    build(other, tmp_path / "site2", lrs=True)
    page = tmp_path / "site2" / "toetsen" / "toegang-toets" / "index.html"
    assert _page_config(page)["scorer"] == "https://scorer.example/toetsen/"
    assert _connect_src(page) == "'self' http://127.0.0.1:8100 https://scorer.example"
    plain = copy_demo(tmp_path / "plain")
    build(plain, tmp_path / "site3", lrs=False)
    assert _page_config(tmp_path / "site3" / "toetsen" / "toegang-toets" / "index.html")["scorer"] is None


def test_without_the_lock_and_with_feedback_the_final_test_is_a_toets_like_the_others(tmp_path: Path) -> None:
    course = copy_demo(tmp_path / "course")
    _with_options(course, "      scorer:\n        final_lock: false\n        final_feedback: true\n")
    actor = learner()
    with start_scored_lrs(course) as lrs:
        scoring = Scoring(lrs)
        started = scoring.start("eindtoets", actor)
        assert started.status_code == 200  # no module done, and still open
        result = scoring.answer(started.json()).json()
        registration = started.request.body and json.loads(started.request.body)["registration"]
        done = {s["object"]["id"] for s in scoring.statements(registration=registration)}
        # The modules after the final test: the toets that completes the last one completes the course.
        scoring.passes("toegang-toets", actor, registration)
        between = {s["object"]["id"] for s in scoring.statements(registration=registration)}
        scoring.passes("verbondenheid-toets", actor, registration)
        course = scoring.statements(registration=registration, activity="https://leerpad.example/demo")
    assert result["questions"]["en-en-1"] == {"success": True, "feedback": "Juist: ze vullen elkaar aan."}
    # Passed before every module: the final test's module is done, the course is not.
    assert "https://leerpad.example/demo/module/eindtoets" in done
    assert "https://leerpad.example/demo" not in done
    assert "https://leerpad.example/demo" not in between
    assert sorted(s["verb"]["id"].rsplit("/", 1)[1] for s in course) == ["completed", "passed"]
