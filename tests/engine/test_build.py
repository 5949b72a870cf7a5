"""A real `mkdocs build --strict` of the demo course: what ends up in the site."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from html import unescape
from pathlib import Path
from typing import Any

from leerpad.content import Course
from leerpad.xapi.profile import activity_iri


def page_config(html: str) -> dict[str, Any]:
    """The page's configuration, as the runtime reads it (JSON in `data-config`)."""
    found = re.search(r'<div id="leerpad-config" hidden data-config="([^"]*)"></div>', html)
    assert found is not None
    return dict(json.loads(unescape(found.group(1))))


def test_generated_pages_exist(demo_site: Path, demo_course: Course) -> None:
    for quiz in demo_course.quizzes:
        assert (demo_site / "toetsen" / quiz.id / "index.html").is_file()
    for case in demo_course.cases:
        assert (demo_site / "casussen" / case.id / "index.html").is_file()
    for page in ("casussen", "bronnen", "woordenlijst"):
        assert (demo_site / page / "index.html").is_file()
    # Course data is not published as files of its own.
    assert not (demo_site / "sources.yml").exists()
    assert not (demo_site / "glossary.yml").exists()


def test_course_manifest_round_trip(demo_site: Path, demo_course: Course) -> None:
    """Every id in the Markdown reaches course.json with its stable activity id."""
    manifest = json.loads((demo_site / "course.json").read_text("utf-8"))
    iri = "https://leerpad.example/demo"
    assert manifest["iri"] == iri
    assert manifest["language"] == "nl-BE"
    assert [m["id"] for m in manifest["modules"]] == ["toegang", "verbondenheid", "eindtoets"]
    toegang = manifest["modules"][0]
    assert toegang == {
        "id": "toegang",
        "iri": f"{iri}/module/toegang",
        "title": "Toegang tot zorg en welzijn",
        "page": "toegang/index.md",
        "minutes": 30,
        "credits": 0.5,
        "quizzes": ["toegang-toets"],
    }
    quiz = next(q for q in manifest["quizzes"] if q["id"] == "toegang-toets")
    assert quiz["iri"] == activity_iri(iri, "quiz", "toegang-toets")
    assert quiz["pass_mark"] == 0.75 and quiz["attempts"] == 3 and quiz["final"] is False and quiz["draw"] is None
    assert [(q["id"], q["type"]) for q in quiz["questions"]] == [
        ("dimensie-1", "single"),
        ("vermogens-1", "multiple"),
        ("verantwoordelijkheid-1", "true-false"),
        ("onderbescherming-1", "fill-in"),
    ]
    assert quiz["questions"][0]["iri"] == f"{iri}/quiz/toegang-toets/question/dimensie-1"
    final = next(q for q in manifest["quizzes"] if q["id"] == "eindtoets")
    assert final["final"] is True and final["module"] == "eindtoets"
    assert {c["id"]: c["iri"] for c in manifest["cases"]} == {
        "huurachterstand": f"{iri}/case/huurachterstand",
        "slaapproblemen": f"{iri}/case/slaapproblemen",
    }
    all_types = {q["type"] for quiz in manifest["quizzes"] for q in quiz["questions"]}
    assert all_types == {
        "single", "multiple", "true-false", "fill-in", "sequencing", "matching", "likert", "reflection"
    }


def test_quiz_page_html(demo_site: Path) -> None:
    html = (demo_site / "toetsen" / "toegang-toets" / "index.html").read_text("utf-8")
    assert '<html lang="nl"' in html
    assert 'data-leerpad-quiz="toegang-toets"' in html
    assert 'role="dialog" aria-label="Zoeken"' in html  # Material's search dialog, named
    assert 'data-pass-mark="0.75"' in html and 'data-attempts="3"' in html
    data = page_config(html)
    assert data["page"] == {
        "kind": "quiz",
        "id": "toegang-toets",
        "iri": "https://leerpad.example/demo/quiz/toegang-toets",
        "module": "toegang",
        "title": "Toets — toegang tot zorg en welzijn",
    }
    assert data["manifest"] == "../../course.json"
    assert data["lrs"] is None
    # Without an LRS the policy lets the page talk to the site only.
    assert "connect-src 'self';" in html and "default-src 'self'" in html


Build = Callable[..., subprocess.CompletedProcess[str]]


def test_lrs_settings_from_environment(tmp_path: Path, demo_dir: Path, build: Build) -> None:
    env = {"LEERPAD_LRS_ENDPOINT": "http://127.0.0.1:8100/xAPI", "LEERPAD_LRS_USERNAME": "browser",
           "LEERPAD_LRS_PASSWORD": "geheim"}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        result = build(demo_dir, tmp_path / "site", "--strict")
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    assert result.returncode == 0, result.stderr
    html = (tmp_path / "site" / "index.html").read_text("utf-8")
    csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)"', html)
    assert csp is not None
    assert "connect-src 'self' http://127.0.0.1:8100;" in csp.group(1)
    # base64("browser:geheim")
    assert page_config(html)["lrs"] == {"endpoint": "http://127.0.0.1:8100/xAPI/", "auth": "Basic YnJvd3NlcjpnZWhlaW0="}


def test_no_third_party_hosts(demo_site: Path) -> None:
    """No web fonts, no CDN: every resource a page loads comes from the site itself."""
    loaded: set[tuple[str, str]] = set()
    for page in demo_site.rglob("*.html"):
        html = page.read_text("utf-8")
        for tag in re.findall(r"<(?:script|img|iframe|source|link)\b[^>]*>", html):
            if re.search(r'rel="(?:canonical|alternate)"', tag):
                continue  # a link, not a request
            for url in re.findall(r'(?:src|href)="([^"]+)"', tag):
                if re.match(r"(?:https?:)?//", url):
                    loaded.add((page.relative_to(demo_site).as_posix(), url))
    assert loaded == set()
    for css in demo_site.rglob("*.css"):
        assert not re.search(r"url\((?:['\"])?(?:https?:)?//", css.read_text("utf-8")), css


def test_search_index_has_quiz_text_but_never_the_feedback(demo_site: Path, demo_course: Course) -> None:
    index = json.loads((demo_site / "search" / "search_index.json").read_text("utf-8"))
    assert index["config"]["lang"] == ["nl"]
    text = " ".join(doc["text"] for doc in index["docs"])
    assert "Benaderbaarheid" in text
    assert "weduwnaar" in text
    # Searching must not tell a learner which answer is right.
    questions = [q for quiz in demo_course.quizzes for q in quiz.questions]
    questions += [q for case in demo_course.cases for q in case.questions]
    feedback = [o.feedback for q in questions for o in q.options if o.feedback]
    feedback += [q.explanation for q in questions if q.explanation]
    assert len(feedback) >= 15
    assert [f for f in feedback if f in text] == []


def test_every_build_stops_on_content_errors(tmp_path: Path, demo_dir: Path, build: Build) -> None:
    """Not only --strict: a build with content errors ships nothing, and names every error."""
    course = tmp_path / "demo"
    shutil.copytree(demo_dir, course)
    quiz = course / "quizzes" / "toegang-toets.md"
    quiz.write_text(quiz.read_text("utf-8").replace("pass_mark: 0.75", "pass_mark: 75"), "utf-8")
    case = course / "cases" / "huurachterstand.md"
    case.write_text(case.read_text("utf-8").replace("setting: ", "setting: bakkerij\nweg: ", 1), "utf-8")
    result = build(course, tmp_path / "site")
    assert result.returncode != 0
    errors = [re.sub(r"^ERROR\s+-\s+", "", line) for line in result.stderr.splitlines() if line.startswith("ERROR")]
    assert errors[:-1] == [
        "cases/huurachterstand.md:4: onbekende setting 'bakkerij' (kies uit: huisartsenpraktijk, "
        "apotheek, wijkgezondheidscentrum, caw, ocmw, ziekenfonds, wijkteam)",
        "cases/huurachterstand.md:5: onbekende sleutel 'weg' (toegestaan: id, title, setting, roles, "
        "modules, krachtlijnen, access, minutes, sources, description)",
        "quizzes/toegang-toets.md:5: 'pass_mark' moet tussen 0 en 1 liggen, niet 75",
    ]
    assert "3 fouten in 2 bestanden van de cursus" in errors[-1]
    assert not (tmp_path / "site" / "index.html").exists()


def test_docs_dir_of_another_name(tmp_path: Path, demo_dir: Path, build: Build) -> None:
    """Modules are found through the nav wherever docs_dir is (here two folders deep)."""
    course = tmp_path / "demo"
    shutil.copytree(demo_dir, course)
    (course / "cursus").mkdir()
    (course / "docs").rename(course / "cursus" / "inhoud")
    config = course / "mkdocs.yml"
    config.write_text(config.read_text("utf-8").replace("docs_dir: docs", "docs_dir: cursus/inhoud"), "utf-8")
    result = build(course, tmp_path / "site", "--strict")
    assert result.returncode == 0, result.stderr
    html = (tmp_path / "site" / "toegang" / "index.html").read_text("utf-8")
    assert page_config(html)["page"]["kind"] == "module"
    case = (tmp_path / "site" / "casussen" / "slaapproblemen" / "index.html").read_text("utf-8")
    assert '<a href="../../toegang/">Toegang tot zorg en welzijn</a>' in case


def test_invalid_question_on_an_ordinary_page_reaches_the_build_log(
    tmp_path: Path, demo_dir: Path, build: Build
) -> None:
    """The loader validates modules, quizzes and cases; a block elsewhere is reported while rendering."""
    course = tmp_path / "demo"
    shutil.copytree(demo_dir, course)
    start = course / "docs" / "index.md"
    block = "\n/// question | Schrijf een essay.\n    id: start-essay\n    type: essay\n///\n"
    start.write_text(start.read_text("utf-8") + block, "utf-8")
    result = build(course, tmp_path / "site", "--strict")
    assert result.returncode != 0
    warnings = [re.sub(r"^WARNING\s+-\s+", "", line) for line in result.stderr.splitlines()
                if line.startswith("WARNING")]
    assert "index.md: onbekend vraagtype 'essay' (kies uit: single, multiple, true-false, fill-in, sequencing, " \
        "matching, likert, reflection): de vraag wordt als gewone tekst getoond" in warnings


def test_leerpad_build_names_the_errors_and_fails(tmp_path: Path, demo_dir: Path) -> None:
    course = tmp_path / "demo"
    shutil.copytree(demo_dir, course)
    quiz = course / "quizzes" / "toegang-toets.md"
    quiz.write_text(quiz.read_text("utf-8").replace("pass_mark: 0.75", "pass_mark: 75"), "utf-8")
    result = subprocess.run([sys.executable, "-m", "leerpad.cli", "build", str(course)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 1
    assert result.stderr.splitlines()[-3:] == [
        "quizzes/toegang-toets.md:5: 'pass_mark' moet tussen 0 en 1 liggen, niet 75",
        "1 fout in 1 bestand van de cursus (zie hierboven); controleer met 'leerpad validate'",
        "De cursus is niet gebouwd: los de fouten hierboven op.",
    ]
