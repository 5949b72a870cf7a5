"""The scorer refuses a course whose keys are missing or stale, keeps attempts across restarts,
and runs on its own in front of another LRS (``leerpad scorer``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from leerpad.lrs.server import LRSStartError, free_port
from leerpad.lrs.testing import LiveLRS
from leerpad.scoring.course import write_course_keys
from leerpad.scoring.embedded import mount_environment
from leerpad.scoring.statements import SCORER_AGENT
from tests.scoring.conftest import COURSE, RIGHT, Scoring, copy_demo, learner, start_scored_lrs


def _start_without_writing_keys(course: Path) -> LiveLRS:
    state = course / ".leerpad"
    return LiveLRS.start(
        database=f"sqlite://{state / 'lrs.sqlite3'}",
        state_dir=state,
        bcrypt_rounds=4,
        extra_env=mount_environment(course),
        timeout=60,
    )


def test_a_missing_key_file_stops_the_lrs_naming_the_quiz(tmp_path: Path) -> None:
    course = copy_demo(tmp_path / "course")
    write_course_keys(course)
    key = course / ".leerpad" / "keys" / "eindtoets.json"
    key.unlink()
    with pytest.raises(LRSStartError) as refused:
        _start_without_writing_keys(course)
    assert f"toets 'eindtoets': sleutelbestand {key} ontbreekt; bouw de cursus opnieuw (leerpad build)" in str(
        refused.value
    )


def test_a_stale_key_file_stops_the_lrs_and_the_scorer_naming_the_quiz(tmp_path: Path) -> None:
    course = copy_demo(tmp_path / "course")
    write_course_keys(course)
    quiz = course / "quizzes" / "toegang-toets.md"
    quiz.write_text(
        quiz.read_text(encoding="utf-8").replace(
            "- [x] Benaderbaarheid", "- [ ] Benaderbaarheid\n- [x] Beschikbaarheid"
        )
    )
    expected = (
        f"toets 'toegang-toets': sleutelbestand {course / '.leerpad' / 'keys' / 'toegang-toets.json'} "
        "hoort bij een oudere versie van quizzes/toegang-toets.md; bouw de cursus opnieuw (leerpad build)"
    )
    with pytest.raises(LRSStartError) as refused:
        _start_without_writing_keys(course)
    assert expected in str(refused.value)
    standalone = subprocess.run(
        [sys.executable, "-m", "leerpad.cli", "scorer", str(course), "--lrs", "http://127.0.0.1:9/xAPI/",
         "--username", "s", "--password", "p", "--learner-username", "b", "--learner-password", "w"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert standalone.returncode == 1
    assert standalone.stderr.strip() == f"De scorer start niet:\n{expected}"


def test_attempts_survive_a_restart(tmp_path: Path) -> None:
    course = copy_demo(tmp_path / "course")
    actor = learner()
    with start_scored_lrs(course) as lrs:
        scoring = Scoring(lrs)
        first = scoring.start("toegang-toets", actor).json()
        scoring.start("toegang-toets", actor)
        lrs.kill()  # a crash, not a clean stop
        lrs.launch()
        resumed = scoring.start("toegang-toets", actor, attempt=first["attempt"])
        assert resumed.json() == {**first, "attempts_left": 1}
        third = scoring.start("toegang-toets", actor).json()
        assert third["number"] == 3
        assert scoring.answer(first).json()["success"] is True
        assert scoring.start("toegang-toets", actor).status_code == 409


def _add_scorer_credential(lrs: LiveLRS, username: str, password: str) -> None:
    """Give the LRS a credential whose agent is the scorer's, as an organiser would."""
    import bcrypt

    auth = Path(lrs.env["RALPH_AUTH_FILE"])
    entries = json.loads(auth.read_text(encoding="utf-8"))
    entries.append(
        {
            "username": username,
            "hash": bcrypt.hashpw(password.encode(), bcrypt.gensalt(4)).decode(),
            "scopes": ["statements/write", "statements/read"],
            "agent": SCORER_AGENT,
        }
    )
    auth.write_text(json.dumps(entries), encoding="utf-8")


@contextmanager
def _standalone(course: Path, lrs: LiveLRS, credential: tuple[str, str]) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "leerpad.cli", "scorer", str(course), "--lrs", lrs.endpoint,
         "--username", credential[0], "--password", credential[1], "--port", str(port),
         "--database", f"sqlite://{course / 'scorer.sqlite3'}"],
        env={**os.environ, "LEERPAD_LRS_USERNAME": lrs.write[0], "LEERPAD_LRS_PASSWORD": lrs.write[1]},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    root = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            try:
                requests.post(root + "/leerpad/v1/attempts", timeout=2)
                break
            except requests.RequestException:
                assert time.monotonic() < deadline, "leerpad scorer did not answer"
                time.sleep(0.2)
        yield root
    finally:
        process.terminate()
        process.wait(10)


def test_the_standalone_scorer_writes_to_another_lrs_under_its_own_agent(tmp_path: Path) -> None:
    course = copy_demo(tmp_path / "course")
    write_course_keys(course)
    state = tmp_path / "extern"
    credential = ("leerpad-scorer", uuid.uuid4().hex)
    with LiveLRS.start(database=f"sqlite://{state / 'lrs.sqlite3'}", state_dir=state, bcrypt_rounds=4) as lrs:
        _add_scorer_credential(lrs, *credential)
        with _standalone(course, lrs, credential) as root:
            scoring = Scoring(lrs)
            scoring.root = root
            actor, registration = learner(), str(uuid.uuid4())
            started = scoring.start("verbondenheid-toets", actor, registration=registration).json()
            assert scoring.answer(started).json()["success"] is True
            lrs.stop()  # the LRS goes down: the submit is scored, its statements wait
            later = scoring.start("toegang-toets", actor, registration=registration).json()
            assert scoring.answer(later, RIGHT).json()["success"] is True
            lrs.launch()
            deadline = time.monotonic() + 60
            while len(stored := scoring.statements(registration=registration)) < 10:
                assert time.monotonic() < deadline, f"only {len(stored)} statements arrived"
                time.sleep(0.5)
    assert len(stored) == 10  # per quiz: 2 answered, passed, module completed and passed
    assert {json.dumps(s["authority"], sort_keys=True) for s in stored} == {json.dumps(SCORER_AGENT, sort_keys=True)}
    assert {s["object"]["id"] for s in stored if s["verb"]["id"].endswith("/passed")} == {
        f"{COURSE}/quiz/verbondenheid-toets",
        f"{COURSE}/module/verbondenheid",
        f"{COURSE}/quiz/toegang-toets",
        f"{COURSE}/module/toegang",
    }


def test_rebuilt_keys_are_taken_without_a_restart(tmp_path: Path) -> None:
    """``leerpad serve --watch``: a trainer edits a toets, the build rewrites its key."""
    course = copy_demo(tmp_path / "course")
    with start_scored_lrs(course) as lrs:
        scoring = Scoring(lrs)
        assert sorted(scoring.start("verbondenheid-toets", learner()).json()["questions"]) == ["koppel-1", "volgorde-1"]
        quiz = course / "quizzes" / "verbondenheid-toets.md"
        extra = (
            "\n/// question | Eenzaamheid is een sociaal probleem.\n"
            "    id: nieuw-1\n    type: true-false\n- [x] Juist\n- [ ] Onjuist\n///\n"
        )
        quiz.write_text(quiz.read_text(encoding="utf-8") + extra, encoding="utf-8")
        write_course_keys(course)
        deadline = time.monotonic() + 30
        while "nieuw-1" not in (questions := scoring.start("verbondenheid-toets", learner()).json()["questions"]):
            assert time.monotonic() < deadline, questions
            time.sleep(0.3)
        assert sorted(questions) == ["koppel-1", "nieuw-1", "volgorde-1"]


def _cmi5_starts(command: list[str], port: int, auth: Callable[[], tuple[str, str]],
                 endpoints: list[str]) -> list[requests.Response]:
    """Runs ``command`` (a scorer on ``port``) until it answers a "cmi5" start of toegang-toets with each
    LMS endpoint as the launch's proof, credential ``auth()``; then stops it."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    body = {"quiz": "toegang-toets", "actor": learner(), "registration": str(uuid.uuid4()), "identity_source": "cmi5"}
    try:
        deadline = time.monotonic() + 90
        while True:
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            try:
                return [
                    requests.post(f"http://127.0.0.1:{port}/leerpad/v1/attempts", auth=auth(), timeout=30,
                                  json={**body, "attempt": str(uuid.uuid4()),
                                        "lms": {"endpoint": endpoint, "auth": "Basic eDp5",
                                                "activityId": "https://lms.example/au"}})
                    for endpoint in endpoints
                ]
            except (requests.ConnectionError, FileNotFoundError):
                assert time.monotonic() < deadline, f"{command[3]} did not answer"
                time.sleep(0.2)
    finally:
        process.terminate()
        process.wait(20)


def test_leerpad_scorer_trusts_the_lms_endpoints_it_is_given(tmp_path: Path) -> None:
    """``--cmi5-endpoint`` adds an LMS the scorer may ask; a bad one stops it, naming the flag."""
    course = copy_demo(tmp_path / "course")
    write_course_keys(course)
    base = [sys.executable, "-m", "leerpad.cli", "scorer", str(course), "--lrs", "http://127.0.0.1:9/xAPI/",
            "--username", "s", "--password", "p", "--learner-username", "b", "--learner-password", "w"]
    bad = subprocess.run([*base, "--cmi5-endpoint", "lms.example.be/xapi"], capture_output=True, text=True,
                         timeout=120)
    assert (bad.returncode, bad.stderr.strip()) == (
        1, "De scorer start niet:\n--cmi5-endpoint: 'lms.example.be/xapi' is geen http(s)-URL van een xAPI-endpoint")
    gone = f"http://127.0.0.1:{free_port()}/xapi/"  # trusted, but no LMS answers there
    port = free_port()
    answers = _cmi5_starts([*base, "--port", str(port), "--cmi5-endpoint", gone], port, lambda: ("b", "w"),
                           [gone, "http://127.0.0.1:9/andere-xapi/"])
    assert [a.status_code for a in answers] == [503, 403]
    assert answers[0].json()["detail"].startswith(f"De leeromgeving {gone} antwoordt niet (geen verbinding), ")
    assert answers[1].json()["detail"].startswith("De leeromgeving http://127.0.0.1:9/andere-xapi/ staat niet in ")


def test_a_bad_cmi5_endpoint_in_mkdocs_yml_stops_the_lrs_naming_the_option(tmp_path: Path) -> None:
    course = copy_demo(tmp_path / "course")
    config = course / "mkdocs.yml"
    option = "      scorer:\n        cmi5_endpoints: [lms.example.be]\n"
    config.write_text(config.read_text("utf-8").replace("  - leerpad:\n", "  - leerpad:\n" + option, 1), "utf-8")
    write_course_keys(course)
    with pytest.raises(LRSStartError) as refused:
        _start_without_writing_keys(course)
    expected = "De scorer start niet:\nscorer: cmi5_endpoints: 'lms.example.be' is geen http(s)-URL van een xAPI-"
    expected += "endpoint"
    assert expected in str(refused.value)


@pytest.mark.parametrize("command", ["serve", "lrs"])
def test_a_bad_cmi5_endpoint_flag_stops_serve_and_lrs_naming_the_flag(tmp_path: Path, command: str) -> None:
    course = copy_demo(tmp_path / "course")
    port = free_port()
    bad = subprocess.run([sys.executable, "-m", "leerpad.cli", command, str(course), "--port", str(port),
                          "--cmi5-endpoint", "https://lms.example.be/xapi/", "--cmi5-endpoint", "lms.example.be/xapi"],
                         capture_output=True, text=True, timeout=120)
    assert (bad.returncode, bad.stdout, bad.stderr) == (
        2, "--cmi5-endpoint: 'lms.example.be/xapi' is geen http(s)-URL van een xAPI-endpoint\n", "")
    assert not (course / ".leerpad").exists(), "nothing started"


def test_leerpad_lrs_trusts_the_lms_endpoints_it_is_given_beside_mkdocs_yml(tmp_path: Path) -> None:
    """``leerpad lrs --cmi5-endpoint``: the embedded scorer asks that LMS (here: none answers, 503), and
    still the one of ``scorer: cmi5_endpoints``; an endpoint in neither list is refused (403)."""
    course = copy_demo(tmp_path / "course")
    listed, given = (f"http://127.0.0.1:{free_port()}/xapi/" for _ in range(2))  # trusted, but no LMS answers
    config = course / "mkdocs.yml"
    option = f"      scorer:\n        cmi5_endpoints: ['{listed}']\n"
    config.write_text(config.read_text("utf-8").replace("  - leerpad:\n", "  - leerpad:\n" + option, 1), "utf-8")
    port = free_port()
    command = [sys.executable, "-m", "leerpad.cli", "lrs", str(course), "--port", str(port), "--cmi5-endpoint", given]

    def write() -> tuple[str, str]:  # the browser's credential, written when the LRS starts
        credentials = json.loads((course / ".leerpad" / "credentials.json").read_text("utf-8"))
        return credentials["write"]["username"], credentials["write"]["password"]

    answers = _cmi5_starts(command, port, write, [given, listed, "http://127.0.0.1:9/andere-xapi/"])
    assert [a.status_code for a in answers] == [503, 503, 403]
    assert answers[0].json()["detail"].startswith(f"De leeromgeving {given} antwoordt niet (geen verbinding), ")
    assert answers[1].json()["detail"].startswith(f"De leeromgeving {listed} antwoordt niet (geen verbinding), ")
    assert answers[2].json()["detail"].startswith("De leeromgeving http://127.0.0.1:9/andere-xapi/ staat niet in ")
