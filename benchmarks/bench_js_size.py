"""JavaScript a learner downloads on a quiz page: Leerpad against mkdocs-quiz.

Leerpad: the demo course (tests/demo) is built with the plugin; from the built
quiz page the benchmark follows the `<script type="module">` of the runtime and
every static `import` in it, and adds up the files (each compressed on its own,
as a server sends them). mkdocs-quiz (pinned below) is downloaded from PyPI into
`.bench/` with `pip download --no-deps`; its plugin inlines `js/quiz.js` and, by
default, the confetti library into every quiz page. Budget: 12 KB gzip (issue 12).
"""

from __future__ import annotations

import gzip
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "tests" / "demo" / "mkdocs.yml"
QUIZ_PAGE = "toetsen/toegang-toets/index.html"
MKDOCS_QUIZ = "mkdocs-quiz==1.7.1"
MKDOCS_QUIZ_JS = ("mkdocs_quiz/js/quiz.js", "mkdocs_quiz/js/vendor/js-confetti.browser.js")
BUDGET = 12 * 1024

_MODULE = re.compile(
    r'<script[^>]*src="([^"]*leerpad[^"]*\.js)"[^>]*type="module"|'
    r'<script[^>]*type="module"[^>]*src="([^"]*leerpad[^"]*\.js)"'
)
_IMPORT = re.compile(r"""(?:import|export)[^"';]*?from\s*["'](\.[^"']+)["']|import\s*["'](\.[^"']+)["']""")


def gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=9, mtime=0))


def leerpad_files(site: Path) -> dict[str, bytes]:
    """The runtime's files a quiz page loads: entry module plus its static imports."""
    page = site / QUIZ_PAGE
    html = page.read_text("utf-8")
    todo = [(page.parent / next(g for g in m.groups() if g)).resolve() for m in _MODULE.finditer(html)]
    found: dict[str, bytes] = {}
    while todo:
        path = todo.pop()
        if path.name in found:
            continue
        found[path.name] = path.read_bytes()
        for m in _IMPORT.finditer(found[path.name].decode("utf-8")):
            todo.append((path.parent / next(g for g in m.groups() if g)).resolve())
    return found


def build_demo(out: Path) -> None:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "LEERPAD_LRS_ENDPOINT": "http://127.0.0.1:8100/xAPI/"}
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(DEMO), "-d", str(out)],
        check=True,
        cwd=ROOT,
        env=env,
        capture_output=True,
    )


def mkdocs_quiz_files() -> dict[str, bytes]:
    """mkdocs-quiz's JavaScript, read from its wheel (downloaded once into .bench/)."""
    into = ROOT / ".bench" / "mkdocs-quiz"
    name = MKDOCS_QUIZ.replace("-", "_").replace("==", "-")
    wheels = sorted(into.glob(f"{name}-*.whl"))
    if not wheels:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "-q",
                "--no-deps",
                "--only-binary=:all:",
                "-d",
                str(into),
                MKDOCS_QUIZ,
            ],
            check=True,
            capture_output=True,
        )
        wheels = sorted(into.glob(f"{name}-*.whl"))
    with zipfile.ZipFile(wheels[0]) as whl:
        return {Path(n).name: whl.read(n) for n in MKDOCS_QUIZ_JS}


def row(name: str, files: dict[str, bytes], how: str, baseline: int) -> str:
    raw = sum(len(b) for b in files.values())
    packed = sum(gz(b) for b in files.values())
    return (
        f"| {name} | {len(files)} ({', '.join(sorted(files))}) | {raw:,} | {packed:,} | {packed / BUDGET:.0%} "
        f"| {packed / baseline:.2f} | {how} |"
    )


def run() -> None:
    """Prints the table."""
    with tempfile.TemporaryDirectory() as tmp:
        build_demo(Path(tmp))
        ours = leerpad_files(Path(tmp))
    theirs = mkdocs_quiz_files()
    baseline = sum(gz(b) for b in theirs.values())
    print(
        "| JavaScript on the demo quiz page | files | bytes | gzip -9 bytes | of 12 KB budget "
        "| gzip vs mkdocs-quiz | delivery |"
    )
    print("|---|---|--:|--:|--:|--:|---|")
    print(row("Leerpad (runtime + xAPI outbox)", ours, "ES modules, cacheable files", baseline))
    print(row(f"{MKDOCS_QUIZ} (quiz.js + confetti)", theirs, "inlined in every quiz page", baseline))
    total = sum(gz(b) for b in ours.values())
    print(f"\nLeerpad: {total:,} bytes gzip, budget {BUDGET:,}: {'within' if total <= BUDGET else 'OVER'} budget.")


if __name__ == "__main__":
    run()
