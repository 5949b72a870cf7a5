"""`leerpad package --check` on a corpus of broken packages, each with its exact lines.

Each tests/cmi5/corpus/*.xml becomes the cmi5.xml of a small ZIP holding
BASE_FILES; tests/cmi5/expected.txt holds every line the check must print for it.
Archive-level cases (not a zip, zip-slip, links, …) are built below and listed
there as zip/<case>. ok-*.xml files are valid and must give no line at all.
"""

from __future__ import annotations

import subprocess
import sys
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from leerpad.cmi5.check import check_package

HERE = Path(__file__).resolve().parent
CORPUS = sorted((HERE / "corpus").glob("*.xml"))
BASE_FILES = ("index.html", "modules/een.html", "modules/twee/index.html")
VALID = (HERE / "corpus" / "ok-ander-gereedschap.xml").read_bytes()


def expected_lines() -> dict[str, list[str]]:
    table: dict[str, list[str]] = {}
    for line in (HERE / "expected.txt").read_text("utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, problem = line.partition(" => ")
            table.setdefault(name, []).append(problem)
    return table


def make_zip(path: Path, entries: dict[str, bytes], mode: int = 0o100644) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = mode << 16
            archive.writestr(info, data)
    return path


def base_entries(structure: bytes = VALID) -> dict[str, bytes]:
    return {"cmi5.xml": structure, **{name: b"<!doctype html><title>AU</title>" for name in BASE_FILES}}


def _symlink(path: Path) -> Path:
    make_zip(path, base_entries())
    with zipfile.ZipFile(path, "a") as archive:
        info = zipfile.ZipInfo("modules/link.html")
        info.create_system = 3
        info.external_attr = 0o120777 << 16
        archive.writestr(info, b"../../../etc/passwd")
    return path


def _duplicate(path: Path) -> Path:
    make_zip(path, base_entries())
    with warnings.catch_warnings(), zipfile.ZipFile(path, "a") as archive:
        warnings.simplefilter("ignore")  # zipfile warns, and writes it anyway: what we test
        archive.writestr("modules/een.html", b"tweede versie")
    return path


def _encrypted(path: Path) -> Path:
    """An entry marked encrypted (zipfile cannot write one: set bit 0 of its flags in both headers)."""
    make_zip(path, {**base_entries(), "modules/geheim.html": b"versleuteld"})
    data = bytearray(path.read_bytes())
    name = b"modules/geheim.html"
    local = data.rindex(b"PK\x03\x04", 0, data.index(name))
    central = data.rindex(b"PK\x01\x02", 0, data.rindex(name))
    data[local + 6] |= 0x1
    data[central + 8] |= 0x1
    path.write_bytes(bytes(data))
    return path


ZIP_CASES: dict[str, Callable[[Path], Path]] = {
    "zip/geen-zip": lambda p: (p.write_text("dit is een tekstbestand", "utf-8"), p)[1],
    "zip/geen-cmi5": lambda p: make_zip(p, {n: b"x" for n in BASE_FILES}),
    "zip/cmi5-in-map": lambda p: make_zip(p, {"cursus/cmi5.xml": VALID, "cursus/index.html": b"x"}),
    "zip/zip-slip": lambda p: make_zip(p, {**base_entries(), "../../etc/cron.d/leerpad": b"* * * * * root sh"}),
    "zip/absoluut-pad": lambda p: make_zip(p, {**base_entries(), "/etc/profile.d/leerpad.sh": b"echo"}),
    "zip/backslash": lambda p: make_zip(p, {**base_entries(), "modules\\drie.html": b"x"}),
    "zip/symbolische-link": _symlink,
    "zip/dubbel": _duplicate,
    "zip/versleuteld": _encrypted,
}


def test_every_case_has_expectations() -> None:
    names = {p.name for p in CORPUS if not p.name.startswith("ok-")} | set(ZIP_CASES) | {"zip/bestaat-niet"}
    names |= {"zip/los-xml"}
    assert names == set(expected_lines())


@pytest.mark.parametrize("corpus_file", CORPUS, ids=[p.stem for p in CORPUS])
def test_corpus_file_gives_its_exact_lines(corpus_file: Path, tmp_path: Path) -> None:
    package = make_zip(tmp_path / "course.zip", base_entries(corpus_file.read_bytes()))
    expected = [] if corpus_file.name.startswith("ok-") else expected_lines()[corpus_file.name]
    assert [str(p) for p in check_package(package)] == expected


@pytest.mark.parametrize("case", sorted(ZIP_CASES))
def test_archive_case_gives_its_exact_lines(case: str, tmp_path: Path) -> None:
    package = ZIP_CASES[case](tmp_path / "course.zip")
    assert [str(p) for p in check_package(package)] == expected_lines()[case]


def test_missing_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert [str(p) for p in check_package(Path("ontbreekt.zip"))] == expected_lines()["zip/bestaat-niet"]


def test_standalone_structure_needs_full_urls(tmp_path: Path) -> None:
    """cmi5 14.2: a course structure without a ZIP has fully qualified URLs only."""
    structure = tmp_path / "cmi5.xml"
    structure.write_bytes(VALID)
    assert [str(p) for p in check_package(structure)] == expected_lines()["zip/los-xml"]


def _leerpad(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "leerpad.cli", *args], capture_output=True, text=True, check=False)


def test_check_command_prints_each_problem_and_fails(tmp_path: Path) -> None:
    corpus_file = HERE / "corpus" / "url-startparameters.xml"
    package = make_zip(tmp_path / "course.zip", base_entries(corpus_file.read_bytes()))
    result = _leerpad("package", "--check", str(package))
    assert result.returncode == 1
    assert result.stdout.splitlines() == expected_lines()["url-startparameters.xml"]
    assert result.stderr.strip() == f"3 problemen in {package}"


def test_check_command_passes_a_valid_package_of_another_tool(tmp_path: Path) -> None:
    package = make_zip(tmp_path / "course.zip", base_entries())
    result = _leerpad("package", "--check", str(package))
    assert (result.returncode, result.stdout.strip(), result.stderr) == (0, f"{package}: geen problemen gevonden", "")


def test_one_problem_is_counted_in_the_singular(capsys: pytest.CaptureFixture[str]) -> None:
    """`package` and `package --check` print problems the same way (cmi5.check.print_problems)."""
    from leerpad.cmi5.check import Problem, print_problems

    assert print_problems([Problem("zip", None, "kapot")], lambda found: f"pakket.zip: {found}") is True
    assert capsys.readouterr() == ("zip: kapot\n", "pakket.zip: 1 probleem\n")
    assert print_problems([], lambda found: found) is False
    assert capsys.readouterr() == ("", "")
