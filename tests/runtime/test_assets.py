"""The shipped runtime: within its size budget, and built from the sources."""

from __future__ import annotations

import gzip
import re
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ASSETS = ROOT / "src" / "leerpad" / "assets"
ESBUILD = ROOT / "node_modules" / ".bin" / "esbuild"
BUDGET = 12 * 1024  # issue 12: at most 12 KB gzip, beside mkdocs-quiz in ./scripts/bench js_size


def shipped() -> list[Path]:
    return sorted(ASSETS.glob("*.js"))


def test_every_source_module_is_shipped_and_nothing_else() -> None:
    assert [p.name for p in shipped()] == sorted(p.name for p in (ASSETS / "src").glob("*.js"))


# What a page loads: leerpad.js and its static imports. A dynamic import() loads a module only
# when it is needed: overview.js on "Mijn voortgang" and after the final test, form.js while
# the identity form is shown (once per learner), cmi5.js only when an LMS launched the page.
_STATIC_IMPORT = re.compile(r"""(?:import|export)[^"';()]*?from\s*["'](\./[^"']+)["']|import\s*["'](\./[^"']+)["']""")
ON_DEMAND = {"overview.js", "form.js", "cmi5.js"}
# cmi5.js has a budget of its own: on an LMS-launched page it replaces the identity form.
LMS_ONLY = {"cmi5.js": 4 * 1024}


def loaded_by_every_page() -> set[str]:
    todo, found = ["leerpad.js"], set()
    while todo:
        name = todo.pop()
        if name not in found:
            found.add(name)
            text = (ASSETS / name).read_text("utf-8")
            todo += [next(g for g in m.groups() if g)[2:] for m in _STATIC_IMPORT.finditer(text)]
    return found


def test_all_leerpad_javascript_of_a_learner_page_fits_in_12_kb_gzip() -> None:
    every_page = loaded_by_every_page()
    assert every_page == {p.name for p in shipped()} - ON_DEMAND
    total = sum(len(gzip.compress((ASSETS / name).read_bytes(), compresslevel=9)) for name in every_page)
    assert total <= BUDGET, f"{total} bytes gzip"


def test_the_overview_and_the_form_load_only_on_demand() -> None:
    for name in ON_DEMAND:
        assert f'import("./{name}")' in "".join(p.read_text("utf-8") for p in shipped()), name


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


def test_shipped_files_are_the_current_build_of_the_sources(tmp_path: Path) -> None:
    assert ESBUILD.exists(), "node_modules/.bin/esbuild is missing: run npm ci (./scripts/test does)"
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
