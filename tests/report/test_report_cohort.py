"""`leerpad report --format csv` over the generated cohort in a real LRS: every row exact."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from leerpad.cli import main

RIZIV_HEADER = (
    "riziv_nummer;naam;erkenningsnummer_organisator;activiteitsnummer;module_id;module;datum;uren;"
    "accreditatiepunten;rubriek;identiteit"
)
EE = "ethiek en economie;declared"
RIZIV_NOVEMBER = [
    f"1-23456-78-901;An Peeters;EL-0042;RZ-1001;alfa;Alfa — toegang tot zorg;2026-11-03;0,75;0,75;{EE}",
    f"1-23456-78-901;An Peeters;EL-0042;RZ-1002;beta;Beta — samenwerken;2026-11-04;1,5;1,5;{EE}",
    f"1-23456-78-901;An Peeters;EL-0042;RZ-1003;slot;Eindtoets;2026-11-05;0,5;0,5;{EE}",
    f"1-11222-33-444;Bart Claes;EL-0042;RZ-1001;alfa;Alfa — toegang tot zorg;2026-11-10;0,75;0,75;{EE}",
]
# Passed at 23:30 UTC on 30 November: 1 December in Belgium.
RIZIV_DECEMBER = [
    f"1-11222-33-444;Bart Claes;EL-0042;RZ-1002;beta;Beta — samenwerken;2026-12-01;1,5;1,5;{EE}",
]
APOTHEEK = [
    "riziv_nummer;naam;erkenningsnummer_organisator;activiteitsnummer;module_id;module;datum;uren;domein;punten;identiteit",
    "5-44555-66-777;Fien Maes;APB-77;PV-501;alfa;Alfa — toegang tot zorg;2026-11-20;0,75;B;1,5;declared",
]
GAIA_HEADER = "big_nummer;naam;aanbiedersnummer;gaia_id;cursus;datum;uren;punten;identiteit"
GAIA = [GAIA_HEADER, "12345678901;Hanna de Vries;GA-9;GAIA-123456;Rapportcursus;2026-10-28;2,5;2,5;cmi5"]


def lines(path: Path) -> list[str]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "Excel needs the BOM to read UTF-8"
    return raw.decode("utf-8-sig").splitlines()


def report(cohort: Any, out: Path, *args: str) -> int:
    return main(["report", str(cohort.course_dir), "--out", str(out), "--no-progress", *args])


@pytest.fixture(scope="module")
def full(cohort: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("csv")
    assert report(cohort, out, "--format", "csv") == 0
    return out


def test_riziv_upload_file_rows_are_exact(full: Path) -> None:
    assert lines(full / "riziv.csv") == [RIZIV_HEADER, *RIZIV_NOVEMBER, *RIZIV_DECEMBER]


def test_apotheek_and_gaia_files_are_exact(full: Path) -> None:
    assert lines(full / "apotheek.csv") == APOTHEEK
    assert lines(full / "gaia.csv") == GAIA


@pytest.mark.parametrize(
    ("month", "riziv", "gaia"),
    [("2026-11", RIZIV_NOVEMBER, []), ("2026-12", RIZIV_DECEMBER, []), ("2026-10", [], GAIA[1:])],
)
def test_month_filter_follows_belgian_dates(
    cohort: Any, tmp_path: Path, month: str, riziv: list[str], gaia: list[str]
) -> None:
    assert report(cohort, tmp_path, "--format", "csv", "--authority", "riziv", "--authority", "gaia",
                  "--month", month) == 0
    assert lines(tmp_path / f"riziv-{month}.csv") == [RIZIV_HEADER, *riziv]
    assert lines(tmp_path / f"gaia-{month}.csv") == [GAIA_HEADER, *gaia]
    assert not (tmp_path / f"apotheek-{month}.csv").exists()


def test_untrusted_partial_beyond_limit_and_conflicts_are_listed_not_counted(cohort: Any, full: Path) -> None:
    with (full / "meldingen.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = [tuple(r) for r in csv.reader(handle, delimiter=";")]
    assert rows[0] == ("soort", "statement", "reden")
    expected = {
        ("onvolledig", cohort.partial[0], "answered zonder poging (attempt) of zonder success"),
        ("onvolledig", cohort.partial[1], "passed van toets beta-toets zonder poging of score"),
        ("buiten pogingen", cohort.beyond_limit, "geslaagd in poging 3 van toets alfa-toets (max. 2)"),
        ("identiteit", "account:https://www.riziv.fgov.be|1-66777-88-999",
         "1-66777-88-999 onder meer dan één naam: Ivo Maes / Jan Smet"),
    }
    if cohort.forged_status == 200:  # stored with the browser's authority: listed, never counted
        expected |= {
            ("niet vertrouwd", cohort.untrusted[0],
             "passed van toets alfa-toets door 1-88999-00-111: andere authority"),
            ("niet vertrouwd", cohort.untrusted[1],
             "passed van de cursus door 1-88999-00-111: andere authority"),
        }
    else:  # refused by the LRS (the scorer's rules): nothing stored
        assert cohort.forged_status == 403
    assert set(rows[1:]) == expected
    assert len(rows) == len(expected) + 1


def test_progress_overview_per_learner_and_module(full: Path) -> None:
    rows = {(r[0], r[4]): r for r in (line.split(";") for line in lines(full / "voortgang.csv")[1:])}
    header = lines(full / "voortgang.csv")[0].split(";")
    assert header == ["nummer", "naam", "beroep", "identiteit", "module_id", "module", "eerste_toegang",
                      "afgerond", "pogingen", "beste_score", "laatste_score", "geslaagd", "tijd_minuten"]
    # fails then passes: two attempts, best and last 66.67 %, 2 × 3 minutes
    assert rows[("1-11222-33-444", "alfa")][6:] == ["2026-11-09", "2026-11-10", "2", "66,67", "66,67", "ja", "6"]
    # exhausts attempts (the third, beyond the limit, is listed in meldingen.csv)
    assert rows[("1-22333-44-555", "alfa")][7] == ""
    assert rows[("1-22333-44-555", "alfa")][11] == "nee"
    # never finishes: first access only
    assert rows[("1-33444-55-666", "alfa")][6:] == ["2026-11-14", "", "0", "", "", "nee", "5"]
    # the organiser voided the only pass: nothing scored remains
    assert rows[("1-55666-77-888", "beta")][7:12] == ["", "0", "", "", "nee"]
    # a module without toets, completed in the browser; identity from a cmi5 launch
    assert rows[("12345678901", "intro")][3:] == ["cmi5", "intro", "Introductie", "2026-10-20", "2026-10-20",
                                                   "0", "", "", "ja", "9"]
    # the same learner's statements of another course never appear
    assert {k for k in rows if k[0] == "1-23456-78-901"} == {
        ("1-23456-78-901", m) for m in ("intro", "alfa", "beta", "slot")
    }


def test_trusting_another_authority_counts_its_results(cohort: Any, tmp_path: Path) -> None:
    if cohort.forged_status != 200:
        pytest.skip("the LRS refused the browser's results: nothing to trust")
    browser = f"https://leerpad.invalid/lrs|{cohort.lrs.server.write[0]}"
    assert report(cohort, tmp_path, "--format", "csv", "--authority", "riziv", "--trust", browser) == 0
    assert any(line.startswith("1-88999-00-111;Els Peeters;") for line in lines(tmp_path / "riziv.csv"))


def test_summary_names_what_was_written(cohort: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert report(cohort, tmp_path, "--format", "csv", "--authority", "apotheek") == 0
    out = capsys.readouterr().out.splitlines()
    learners = 10 if cohort.forged_status == 200 else 9  # Els has only forged statements
    assert out[0].endswith(f"; {learners} deelnemers; 11 modules en 2 cursussen afgerond."), out[0]
    assert f"{tmp_path / 'apotheek.csv'}: 1 rijen" in out


def test_since_and_until_pass_to_the_lrs(cohort: Any, tmp_path: Path) -> None:
    # `since`/`until` filter on `stored`: everything was stored during this test session.
    assert report(cohort, tmp_path, "--authority", "riziv", "--until", "2000-01-01T00:00:00Z") == 0
    assert lines(tmp_path / "riziv.csv") == [RIZIV_HEADER]
    assert report(cohort, tmp_path, "--authority", "riziv", "--since", "2000-01-01T00:00:00Z") == 0
    assert lines(tmp_path / "riziv.csv") == [RIZIV_HEADER, *RIZIV_NOVEMBER, *RIZIV_DECEMBER]


def test_accreditation_options_are_the_plugins_typed_options() -> None:
    from mkdocs.config import load_config

    config = load_config(str(Path(__file__).with_name("course") / "mkdocs.yml"))
    accreditation = config.plugins["leerpad"].config.accreditation
    assert accreditation.organiser == "Eerstelijnsnetwerk Voorbeeld vzw"
    assert accreditation.apotheek.domain == "B"
    assert accreditation.riziv.activities == {"alfa": "RZ-1001", "beta": "RZ-1002", "slot": "RZ-1003"}
    assert accreditation.gaia.hours == {}
