"""`leerpad new`: a trainer's new case or quiz is valid before the first edit."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from leerpad.cli import main
from leerpad.plugin.settings import read_course


@pytest.mark.parametrize(("kind", "folder"), [("case", "cases"), ("quiz", "quizzes")])
def test_new_file_validates(kind: str, folder: str, tmp_path: Path, demo_dir: Path,
                            capsys: pytest.CaptureFixture[str]) -> None:
    course = tmp_path / "cursus"
    shutil.copytree(demo_dir, course)
    assert main(["new", kind, "nieuwe-oefening", "--dir", str(course)]) == 0
    created = course / folder / "nieuwe-oefening.md"
    assert f"{created} aangemaakt" in capsys.readouterr().out
    loaded, errors = read_course(course)
    assert errors == []
    found = loaded.case("nieuwe-oefening") if kind == "case" else loaded.quiz("nieuwe-oefening")
    assert found is not None and found.questions


def test_new_refuses_existing_id(tmp_path: Path, demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    course = tmp_path / "cursus"
    shutil.copytree(demo_dir, course)
    assert main(["new", "case", "slaapproblemen", "--dir", str(course)]) == 1
    assert "bestaat al" in capsys.readouterr().err
    assert main(["new", "case", "Foute_Id", "--dir", str(course)]) == 2
