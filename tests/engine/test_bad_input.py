"""The bad-input corpus: one file per error kind, with the exact line a trainer reads.

Each file under tests/bad/corpus/<folder>/ is added to the small valid course in
tests/bad/base/ (docs pages are also put in its nav); tests/bad/expected.txt
holds, per corpus file, every error line `leerpad validate` must print.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from leerpad.content import CourseSettings, load_course_files
from leerpad.plugin.settings import read_course

BAD = Path(__file__).resolve().parent.parent / "bad"
CORPUS = sorted((BAD / "corpus").rglob("*.md"))
# The settings tests/bad/base/mkdocs.yml gives, for tests that pass files directly.
BASE = CourseSettings(iri="https://leerpad.example/fouten", title="Foutencorpus", nav=["m/index.md"])


def expected_errors() -> dict[str, list[str]]:
    table: dict[str, list[str]] = {}
    for line in (BAD / "expected.txt").read_text("utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, error = line.partition(" => ")
            table.setdefault(name, []).append(error)
    return table


def course_with(tmp_path: Path, corpus_file: Path) -> Path:
    course = tmp_path / "cursus"
    shutil.copytree(BAD / "base", course)
    folder = corpus_file.parent.name
    (course / folder).mkdir(exist_ok=True)
    shutil.copy(corpus_file, course / folder / corpus_file.name)
    if folder == "docs":
        config = course / "mkdocs.yml"
        config.write_text(config.read_text("utf-8") + f"  - {corpus_file.name}\n", "utf-8")
    return course


def test_base_course_is_valid() -> None:
    _course, errors = read_course(BAD / "base")
    assert errors == []


def test_every_corpus_file_has_expectations() -> None:
    names = {f"{p.parent.name}/{p.name}" for p in CORPUS}
    assert names == set(expected_errors())


@pytest.mark.parametrize("corpus_file", CORPUS, ids=[p.stem for p in CORPUS])
def test_error_message_and_line(corpus_file: Path, tmp_path: Path) -> None:
    course = course_with(tmp_path, corpus_file)
    _course, errors = read_course(course)
    assert [str(e) for e in errors] == expected_errors()[f"{corpus_file.parent.name}/{corpus_file.name}"]


def test_validate_command_prints_each_error_and_fails(tmp_path: Path) -> None:
    corpus_file = BAD / "corpus" / "quizzes" / "pass-mark.md"
    course = course_with(tmp_path, corpus_file)
    result = subprocess.run(
        [sys.executable, "-m", "leerpad.cli", "validate", str(course)],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 1
    assert result.stdout.splitlines() == expected_errors()["quizzes/pass-mark.md"]
    assert result.stderr.strip() == "1 fout in 1 bestand"


def test_twelve_errors_in_five_files_all_reported() -> None:
    """The issue's acceptance check: every error of every file, each at its line."""
    course = BAD / "twelve"
    result = subprocess.run(
        [sys.executable, "-m", "leerpad.cli", "validate", str(course)],
        capture_output=True, text=True, check=False,
    )
    lines = result.stdout.splitlines()
    assert result.returncode == 1
    assert lines == (course / "expected-output.txt").read_text("utf-8").splitlines()
    assert len(lines) == 12
    assert len({line.split(":", 1)[0] for line in lines}) == 5
    assert result.stderr.strip() == "12 fouten in 5 bestanden"


def test_citation_in_inline_code_is_an_example_not_a_reference() -> None:
    files = {
        "docs/m/index.md": (BAD / "base" / "docs" / "m" / "index.md").read_text("utf-8"),
        "docs/gids.md": "Schrijf `[@sleutel]` om te verwijzen.\n\nEcht: [@nergens].\n",
    }
    _course, errors = load_course_files(files, BASE)
    assert [str(e) for e in errors] == ["docs/gids.md:3: onbekende bron '[@nergens]' (niet in sources.yml)"]


def test_data_file_errors_point_at_the_entry() -> None:
    files = {
        "docs/m/index.md": (BAD / "base" / "docs" / "m" / "index.md").read_text("utf-8"),
        "docs/sources.yml": (
            'goed-2020:\n  authors: ["A, B."]\n  year: 2020\n  title: T\nSlechte Sleutel:\n  title: X\n'
        ),
        "docs/glossary.yml": "casus: alleen tekst\nnetwerk:\n  zorgtaal: de zorgverleners rond een patiënt\n",
    }
    _course, errors = load_course_files(files, BASE)
    assert [str(e) for e in errors] == [
        "docs/glossary.yml:1: term 'casus' heeft zorgtaal en sociale_taal nodig",
        "docs/glossary.yml:2: term 'netwerk' zonder 'sociale_taal'",
        "docs/sources.yml:5: ongeldige bronsleutel 'Slechte Sleutel'",
    ]


def test_missing_course_iri_is_reported_at_the_plugins_line(tmp_path: Path) -> None:
    course = tmp_path / "cursus"
    shutil.copytree(BAD / "base", course)
    config = course / "mkdocs.yml"
    config.write_text(config.read_text("utf-8").replace("      course_iri: https://leerpad.example/fouten\n", ""),
                      "utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "leerpad.cli", "validate", str(course)],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 1
    assert result.stdout.splitlines() == ["mkdocs.yml:6: plugin 'leerpad' zonder 'course_iri' (de IRI van de cursus)"]
    assert result.stderr.strip() == "1 fout in 1 bestand"
