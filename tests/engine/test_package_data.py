"""Every file Leerpad reads at run time ships in its wheel, not only in an editable install.

setuptools packs only the ``.py`` files and the ``package-data`` patterns of
pyproject.toml; a data file outside them works from a checkout and goes missing for
an organiser who installs the wheel (the editor's scripts once did).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "leerpad"


def test_every_data_file_of_the_package_is_named_by_package_data() -> None:
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["leerpad"]
    shipped = {path for pattern in patterns for path in PACKAGE.glob(pattern) if path.is_file()}
    data = {
        path for path in PACKAGE.rglob("*")
        if path.is_file() and path.suffix not in {".py", ".pyc"} and path.name != "README.md"
        and "__pycache__" not in path.parts
    }
    assert sorted(str(p.relative_to(PACKAGE)) for p in data - shipped) == []
