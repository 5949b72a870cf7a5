"""The shipped runtime: within its size budget, and built from the sources."""

from __future__ import annotations

import gzip
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ASSETS = ROOT / "src" / "leerpad" / "assets"
ESBUILD = ROOT / "node_modules" / ".bin" / "esbuild"
BUDGET = 10 * 1024


def shipped() -> list[Path]:
    return sorted(ASSETS.glob("*.js"))


def test_every_source_module_is_shipped_and_nothing_else() -> None:
    assert [p.name for p in shipped()] == sorted(p.name for p in (ASSETS / "src").glob("*.js"))


# Imported only when an LMS launched the page (cmi5 mode): not on a standalone learner's page.
LMS_ONLY = {"cmi5.js": 4 * 1024}


def test_all_leerpad_javascript_fits_in_10_kb_gzip() -> None:
    total = sum(len(gzip.compress(p.read_bytes(), compresslevel=9)) for p in shipped() if p.name not in LMS_ONLY)
    assert total <= BUDGET, f"{total} bytes gzip"


def test_lms_only_modules_fit_their_own_budget() -> None:
    for name, budget in LMS_ONLY.items():
        size = len(gzip.compress((ASSETS / name).read_bytes(), compresslevel=9))
        assert size <= budget, f"{name}: {size} bytes gzip"


def test_no_html_is_built_from_runtime_strings() -> None:
    # Option and feedback text reach the page as text nodes only.
    for path in (ASSETS / "src").glob("*.js"):
        text = path.read_text("utf-8")
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
            assert sink not in text, f"{path.name}: {sink}"


@pytest.mark.skipif(not ESBUILD.exists(), reason="npm ci not run")
def test_shipped_files_are_the_current_build_of_the_sources(tmp_path: Path) -> None:
    out = tmp_path / "out"
    script = (ROOT / "package.json").read_text("utf-8")
    assert '"build": "esbuild src/leerpad/assets/src/*.js' in script
    subprocess.run(
        [
            str(ESBUILD),
            *sorted(str(p) for p in (ASSETS / "src").glob("*.js")),
            "--minify",
            "--format=esm",
            "--target=es2022",
            f"--outdir={out}",
            "--banner:js=// Built from src/ by npm run build.",
            "--log-level=error",
        ],
        check=True,
        cwd=ROOT,
    )
    for built in sorted(out.glob("*.js")):
        assert built.read_text("utf-8") == (ASSETS / built.name).read_text("utf-8"), (
            f"{built.name} is stale: run `npm run build`"
        )
    shutil.rmtree(out)
