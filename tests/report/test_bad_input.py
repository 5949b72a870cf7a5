"""Bad input: an LRS that cannot be read, an empty one, malformed statements, bad options."""

from __future__ import annotations

import io
import json
import shutil
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from leerpad.cli import main
from leerpad.report.cohort import Cohort
from leerpad.report.command import load_course
from leerpad.report.source import Progress

HERE = Path(__file__).resolve().parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def course(tmp_path: Path) -> Path:
    target = tmp_path / "course"
    shutil.copytree(HERE / "course", target)
    return target


def write_credentials(course: Path, endpoint: str, read: tuple[str, str]) -> None:
    (course / ".leerpad").mkdir(exist_ok=True)
    data = {"endpoint": endpoint, "write": {"username": "w", "password": "w"},
            "read": {"username": read[0], "password": read[1]}}
    (course / ".leerpad" / "credentials.json").write_text(json.dumps(data), encoding="utf-8")


def run(course: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["report", str(course), "--no-progress", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_unreachable_lrs_is_one_line_and_exit_2(course: Path, capsys: pytest.CaptureFixture[str]) -> None:
    endpoint = f"http://127.0.0.1:{free_port()}/xAPI/"
    code, out, err = run(course, capsys, "--endpoint", endpoint, "--username", "u", "--password", "p")
    assert (code, out) == (2, "")
    assert err == f"leerpad report: LRS niet bereikbaar op {endpoint} (ConnectionError)\n"


def test_wrong_or_write_only_credentials_are_one_line_and_exit_2(
    course: Path, capsys: pytest.CaptureFixture[str], lrs: Any
) -> None:
    write_credentials(course, lrs.endpoint, (lrs.read[0], "wrong password"))
    code, _out, err = run(course, capsys)
    assert code == 2
    assert err == (
        "leerpad report: LRS weigert de leesgegevens (HTTP 401): "
        f"controleer gebruiker en wachtwoord voor {lrs.endpoint}\n"
    )
    write_credentials(course, lrs.endpoint, lrs.write)  # the browser's credential may not read
    code, _out, err = run(course, capsys)
    assert code == 2
    assert err.startswith("leerpad report: LRS weigert de leesgegevens (HTTP 403)")


def test_missing_credentials_file_says_what_to_give(course: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(course, capsys)
    assert code == 2
    assert err == (
        f"leerpad report: geen LRS opgegeven: {course / '.leerpad' / 'credentials.json'} ontbreekt; "
        "geef --endpoint, --username en --password\n"
    )


def test_empty_lrs_gives_files_with_headers_only(
    course: Path, capsys: pytest.CaptureFixture[str], lrs_factory: Callable[..., Any]
) -> None:
    empty = lrs_factory(cors_origins=["http://127.0.0.1:8"])  # a fresh LRS no other test posts into
    write_credentials(course, empty.endpoint, empty.read)
    code, out, _err = run(course, capsys, "--format", "csv", "--format", "html")
    assert code == 0
    folder = course / "rapport"
    for name in ("riziv.csv", "apotheek.csv", "gaia.csv", "voortgang.csv", "meldingen.csv"):
        assert len((folder / name).read_text(encoding="utf-8-sig").splitlines()) == 1, name
    # the pilot of the final test: every group and question, with nothing counted
    assert (folder / "pilot-groepen.csv").read_text(encoding="utf-8-sig").splitlines()[1:] == [
        "slot-toets;zonder cursus;0;0;;0;", "slot-toets;tijdens de cursus;0;0;;0;", "slot-toets;na de cursus;0;0;;0;"]
    assert (folder / "pilot-vragen.csv").read_text(encoding="utf-8-sig").splitlines()[1:] == [
        "slot-toets;s1;0;;0;;0;;;te weinig pogingen", "slot-toets;s2;0;;0;;0;;;te weinig pogingen"]
    # 3 quizzes, the pilot's two tables, left out
    assert (folder / "dashboard.html").read_text(encoding="utf-8").count("<table") == 6
    assert out.splitlines()[0] == "0 statements gelezen; 0 deelnemers; 0 modules en 0 cursussen afgerond."


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--month", "2026-13"], "leerpad report: --month 2026-13: verwacht JJJJ-MM, bv. 2026-11\n"),
        (["--trust", "iemand"],
         "leerpad report: --trust iemand: geef mailto:… , homePage|naam of een JSON-agent\n"),
    ],
)
def test_bad_options_exit_1(
    course: Path, capsys: pytest.CaptureFixture[str], lrs: Any, args: list[str], message: str
) -> None:
    write_credentials(course, lrs.endpoint, lrs.read)
    code, _out, err = run(course, capsys, *args)
    assert (code, err) == (1, message)


def test_bad_accreditation_options_name_the_option(course: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = course / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("domain: B", "domain: D"), encoding="utf-8")
    code, _out, err = run(course, capsys)
    assert code == 1
    assert err == (
        f"leerpad report: {config}: ongeldige configuratie: Config value 'plugins': Plugin 'leerpad' option "
        "'accreditation': Sub-option 'apotheek': Sub-option 'domain': Expected one of: ('A', 'B', 'C') "
        "but received: 'D'\n"
    )


def test_malformed_statements_are_listed_never_a_crash() -> None:
    manifest, _settings, _warnings = load_course(HERE / "course")
    cohort = Cohort(manifest)
    course = manifest["iri"]
    quiz = f"{course}/quiz/alfa-toets"
    scorer = {"objectType": "Agent", "account": {"homePage": "https://w3id.org/leerpad", "name": "scorer"}}
    actor = {"name": "An", "account": {"homePage": "https://www.riziv.fgov.be", "name": "1-23456-78-901"}}
    good = {"actor": actor, "verb": {"id": "http://adlnet.gov/expapi/verbs/passed"}, "object": {"id": quiz},
            "timestamp": "2026-11-03T10:00:00Z", "authority": scorer}
    bad: list[Any] = [
        {**good, "id": "s1", "actor": {"name": "zonder nummer"}},
        {**good, "id": "s2", "timestamp": "gisteren"},
        {**good, "id": "s3", "verb": "passed"},
        {**good, "id": "s4", "result": {"score": {"scaled": "veel"}},
         "context": {"extensions": {"https://w3id.org/leerpad/extension/attempt": "a"}}},
        {**good, "id": "s5", "context": ["geen", "object"]},
        {**good, "id": "s6", "actor": "An", "object": {"id": "https://elders.example/x"}},  # other course
        {**good, "id": "s7", "context": {"extensions": {"https://w3id.org/leerpad/extension/attempt": 5}},
         "result": {"score": {"scaled": 1.0}}},
        {**good, "id": "s8", "timestamp": "2026-11-03T10:00:00.123456789+01:00",
         "result": {"score": {"scaled": 0.5}, "duration": "P1DT"},
         "context": {"extensions": {"https://w3id.org/leerpad/extension/attempt": "b",
                                    "http://id.tincanapi.com/extension/attempt-id": "één"}}},
        {**good, "object": {"id": quiz}},  # no id
        "geen statement",
    ]
    for statement in bad:
        cohort.add(statement)
    assert [(i.kind, i.statement, i.reason) for i in cohort.issues] == [
        ("onvolledig", "s1", "actor zonder account of mbox"),
        ("onvolledig", "s2", "timestamp ontbreekt of is onleesbaar"),
        ("onvolledig", "s3", "verb zonder id"),
        ("onvolledig", "s4", "passed van toets alfa-toets zonder poging of score"),
        ("onvolledig", "s5", "passed van toets alfa-toets zonder poging of score"),
        ("onvolledig", "s7", "passed van toets alfa-toets zonder poging of score"),
        ("onvolledig", "(zonder id)", "statement zonder id"),
        ("onvolledig", "(zonder id)", "geen statement (geen JSON-object)"),
    ]
    assert cohort.other_course == 1
    assert cohort.attempts["b"].number is None and cohort.attempts["b"].scaled == 0.5
    assert cohort.finish() == []  # s8 passed without an attempt number: beyond the limit, listed
    assert cohort.issues[-1].kind == "buiten pogingen"


def test_progress_line_counts_statements_and_pages() -> None:
    stream = io.StringIO()
    progress = Progress(stream, force=True, every=0)
    progress.advance(100)
    progress.advance(50)
    progress.done()
    last = stream.getvalue().split("\r")[-1]
    assert last.startswith("Statements lezen [##..................] 150 (")
    assert last.endswith("/s, 2 pagina's)\n")
    quiet = io.StringIO()  # not a terminal: nothing written
    Progress(quiet).advance(10)
    assert quiet.getvalue() == ""
