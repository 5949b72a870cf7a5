"""`mkdocs build` of the course: Leerpad against plain Material on the same Markdown.

Leerpad: the course as it is (mkdocs.yml, docs/, cases/, quizzes/), built with
the plugin. Baseline: the same Markdown built by Material alone — the same
mkdocs.yml without the `leerpad` plugin, the cases and quizzes copied into docs/
as plain pages where Leerpad publishes them (`casussen/`, `toetsen/`), and the
sources, glossary and case overview pages as the Markdown Leerpad generates.

Each size (the course's own cases, then 200 and 1,000 cases made by copying
the course's cases under new ids) is built 5 times per variant, alternating;
the table shows the median CPU time (user + system) and wall time of
`mkdocs build` (a fresh process, as a trainer runs it), their ratios from the
same run, the CPU time per extra case, and the peak memory (max RSS) of the
build process. CPU time is the figure to compare on a shared machine: wall time
also counts the time other processes held the CPU.

`LEERPAD_BENCH_RUNS=3` and `LEERPAD_BENCH_CASES=0,200` make a quicker run.
`LEERPAD_BENCH_BEFORE=/path/to/other/checkout/src` adds a third variant, alternating
with the two others: the same course built with that Leerpad (e.g. main's), so that
an optimisation's before and after come from the same run.

Leerpad's modules are compiled to bytecode before the first build (`compileall`), as
`pip install` does for Material and every other installed package: an editable
checkout run with `PYTHONDONTWRITEBYTECODE=1` would otherwise compile Leerpad's
sources again in every build (about 0.18 G instructions), a cost no installed course
pays and Material's side never pays.

`LEERPAD_BENCH_MEASURE=instructions` counts instead of timing: each build runs once
under `valgrind --tool=callgrind` (`PYTHONHASHSEED=0`), and the table shows the
instructions the build process executed, their ratio and the instructions per
extra case. The count does not depend on what else the machine runs, so one run
per variant is enough and a before/after difference of a few per cent is real;
it is slow (about 50x a build's CPU time). `LEERPAD_BENCH_RUNS` still applies.
"""

from __future__ import annotations

import compileall
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

import yaml

ROOT = Path(__file__).resolve().parents[1]
RUNS = int(os.environ.get("LEERPAD_BENCH_RUNS", "5"))
# 0: the course as it is (17 cases when issue 9 was filed); then copies up to 200 and 1,000
SIZES = [int(n) for n in os.environ.get("LEERPAD_BENCH_CASES", "0,200,1000").split(",")]
TARGET = 1.25  # issue 9: Leerpad's build at most 1.25x plain Material's
BEFORE = os.environ.get("LEERPAD_BENCH_BEFORE")  # another Leerpad's src/, built as "before"
MEASURE = os.environ.get("LEERPAD_BENCH_MEASURE", "time")
if MEASURE not in ("time", "instructions"):
    raise SystemExit(f"LEERPAD_BENCH_MEASURE={MEASURE}: kies 'time' of 'instructions'")
INSTRUCTIONS = MEASURE == "instructions"
if INSTRUCTIONS and "LEERPAD_BENCH_RUNS" not in os.environ:
    RUNS = 1  # a count, not a time: the same in every run
_COLLECTED = re.compile(r"^==\d+== Collected : (\d+)$", re.MULTILINE)

# The build as `mkdocs build -q` runs it, then the process's CPU seconds and peak memory (KiB).
CHILD = """
import resource, sys
from mkdocs.__main__ import cli
cli(["build", "-q", "-f", sys.argv[1], "-d", sys.argv[2]], standalone_mode=False)
usage = resource.getrusage(resource.RUSAGE_SELF)
print(usage.ru_utime + usage.ru_stime, usage.ru_maxrss)
"""

_FRONT_ID = re.compile(r"^id: (\S+)$", re.MULTILINE)
_BLOCK_ID = re.compile(r"^(\s+id: )(\S+)$", re.MULTILINE)


def course_copy(into: Path, cases: int) -> Path:
    """The course with `cases` cases (at least its own): its own, then copies of them under new ids."""
    into.mkdir(parents=True)
    shutil.copy(ROOT / "mkdocs.yml", into / "mkdocs.yml")
    for folder in ("docs", "cases", "quizzes"):
        shutil.copytree(ROOT / folder, into / folder)
    originals = sorted((into / "cases").glob("*.md"))
    for n in range(cases - len(originals)):
        source = originals[n % len(originals)]
        suffix = f"-kopie-{n + 1}"
        text = _FRONT_ID.sub(rf"id: \g<1>{suffix}", source.read_text("utf-8"), count=1)
        text = _BLOCK_ID.sub(rf"\g<1>\g<2>{suffix}", text)
        (into / "cases" / f"{source.stem}{suffix}.md").write_text(text, "utf-8")
    return into


def plain_copy(course: Path, into: Path) -> Path:
    """The same Markdown for Material alone: no plugin, cases and quizzes as plain pages."""
    from mkdocs.utils.yaml import yaml_load

    from leerpad.layout import CASE_OVERVIEW_PAGE, DATA_FILES, GLOSSARY_PAGE, SOURCES_PAGE, case_page, quiz_page
    from leerpad.markdown.pages import case_overview_page, glossary_page, sources_page
    from leerpad.plugin.settings import read_course

    loaded, errors = read_course(course)
    assert not errors, errors[:3]
    with open(course / "mkdocs.yml", encoding="utf-8") as source:
        config = yaml_load(source)  # MkDocs' own loader: resolves `!ENV` the way the build does
    config["plugins"] = [p for p in config["plugins"] if not (isinstance(p, dict) and "leerpad" in p)]
    docs = into / "docs"
    shutil.copytree(course / "docs", docs)
    for data in DATA_FILES:
        (docs / data).unlink(missing_ok=True)
    pages = {quiz_page(q.id): course / q.path for q in loaded.quizzes}
    pages.update({case_page(c.id): course / c.path for c in loaded.cases})
    for uri, source in pages.items():
        (docs / uri).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source, docs / uri)
    generated = {CASE_OVERVIEW_PAGE: case_overview_page, SOURCES_PAGE: sources_page, GLOSSARY_PAGE: glossary_page}
    for uri, render in generated.items():
        (docs / uri).write_text(render(loaded), "utf-8")
    (into / "mkdocs.yml").write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), "utf-8")
    return into


class Timing(NamedTuple):
    """One variant at one size: medians over the runs, and the highest peak."""

    cpu: float
    wall: float
    peak_mb: float
    instructions: int = 0  # under callgrind only (LEERPAD_BENCH_MEASURE=instructions)


class Run(NamedTuple):
    """One build: CPU seconds, wall seconds, peak MB, instructions executed (0 when not counted)."""

    cpu: float
    wall: float
    peak_mb: float
    instructions: int


def compile_leerpad(src: str | None) -> None:
    """Bytecode for the Leerpad that builds import (`src`, or this checkout's), as an install has it."""
    import leerpad

    folder = Path(src) / "leerpad" if src else Path(leerpad.__file__).parent
    if not compileall.compile_dir(str(folder), quiet=1):
        raise RuntimeError(f"compileall of {folder} failed")


def build(config: Path, site: Path, src: str | None = None) -> Run:
    """One `mkdocs build` in a fresh process (under callgrind when counting); `src`: another Leerpad."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    if src:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [src, env.get("PYTHONPATH")]))
    command = [sys.executable, "-c", CHILD, str(config), str(site)]
    if INSTRUCTIONS:
        env["PYTHONHASHSEED"] = "0"  # the same string hashes, so the same dict and set work, in every run
        # The profile itself is not needed: the total is in valgrind's own report on stderr.
        command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={site}.callgrind", *command]
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    wall = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"build of {config} failed:\n{result.stderr[-2000:]}")
    cpu, peak = result.stdout.split()[-2:]
    counted = _COLLECTED.search(result.stderr) if INSTRUCTIONS else None
    if INSTRUCTIONS and counted is None:
        raise RuntimeError(f"callgrind reported no instruction count for {config}:\n{result.stderr[-2000:]}")
    return Run(float(cpu), wall, int(peak) / 1024, int(counted.group(1)) if counted else 0)


def measure(cases: int, tmp: Path) -> tuple[int, dict[str, Timing]]:
    """The number of cases built, median times and peak MB per variant, runs alternating which goes first."""
    course = course_copy(tmp / f"leerpad-{cases}", cases)
    cases = len(list((course / "cases").glob("*.md")))
    plain = plain_copy(course, tmp / f"material-{cases}")
    variants = {"leerpad": course / "mkdocs.yml", "material": plain / "mkdocs.yml"}
    if BEFORE:
        variants["before"] = course / "mkdocs.yml"
    runs: dict[str, list[Run]] = {name: [] for name in variants}
    for run in range(RUNS):
        order = list(variants) if run % 2 == 0 else list(reversed(variants))
        for name in order:
            source = BEFORE if name == "before" else None
            runs[name].append(build(variants[name], tmp / f"site-{name}-{cases}", source))
    return cases, {
        name: Timing(
            statistics.median(r.cpu for r in found),
            statistics.median(r.wall for r in found),
            max(r.peak_mb for r in found),
            round(statistics.median(r.instructions for r in found)),
        )
        for name, found in runs.items()
    }


def run() -> None:
    """Prints the table."""
    rows: dict[int, dict[str, Timing]] = {}
    compile_leerpad(None)
    if BEFORE:
        compile_leerpad(BEFORE)
    with tempfile.TemporaryDirectory() as tmp:
        for size in SIZES:
            cases, row = measure(size, Path(tmp))
            rows[cases] = row
            if INSTRUCTIONS:
                print(f"  {cases} cases: Leerpad {giga(row['leerpad'])} G instructions, "
                      f"Material {giga(row['material'])} G instructions", flush=True)
            else:
                print(f"  {cases} cases: Leerpad {row['leerpad'].cpu:.2f} s CPU, "
                      f"Material {row['material'].cpu:.2f} s CPU", flush=True)
    if INSTRUCTIONS:
        print_instructions(rows)
        return
    print(f"\n`mkdocs build`, median of {RUNS} alternating runs; peak = max RSS of the build process\n")
    print("| cases | Leerpad CPU (s) | Material CPU (s) | ratio CPU | Leerpad wall (s) | Material wall (s) "
          "| ratio wall | Leerpad CPU ms per extra case | Leerpad peak (MB) | Material peak (MB) |")
    print("|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    first = min(rows)
    for cases, row in rows.items():
        ours, theirs = row["leerpad"], row["material"]
        per_case = f"{(ours.cpu - rows[first]['leerpad'].cpu) / (cases - first) * 1000:.1f}" if cases > first else "—"
        print(f"| {cases:,} | {ours.cpu:.2f} | {theirs.cpu:.2f} | {ours.cpu / theirs.cpu:.2f} "
              f"| {ours.wall:.2f} | {theirs.wall:.2f} | {ours.wall / theirs.wall:.2f} "
              f"| {per_case} | {ours.peak_mb:.0f} | {theirs.peak_mb:.0f} |")
    if BEFORE:
        print(f"\nBefore = the same course built with the Leerpad in {BEFORE}, in the same runs:\n")
        print("| cases | before CPU (s) | Leerpad CPU (s) | before ratio CPU | Leerpad ratio CPU |")
        print("|--:|--:|--:|--:|--:|")
        for cases, row in rows.items():
            before, ours, theirs = row["before"], row["leerpad"], row["material"]
            print(f"| {cases:,} | {before.cpu:.2f} | {ours.cpu:.2f} | {before.cpu / theirs.cpu:.2f} "
                  f"| {ours.cpu / theirs.cpu:.2f} |")
    course = rows[first]
    print(f"\nThe course ({first} cases): {course['leerpad'].cpu / course['material'].cpu:.2f}x plain Material "
          f"in CPU time, {course['leerpad'].wall / course['material'].wall:.2f}x in wall time "
          f"(target: at most {TARGET:.2f}x).")


def giga(timing: Timing) -> str:
    """Instructions in billions, as the table shows them."""
    return f"{timing.instructions / 1e9:.3f}"


def print_instructions(rows: dict[int, dict[str, Timing]]) -> None:
    """The table of instruction counts (LEERPAD_BENCH_MEASURE=instructions)."""
    print(f"\n`mkdocs build` under `valgrind --tool=callgrind`: instructions executed by the build process "
          f"(G = 10^9), median of {RUNS} run(s)\n")
    before = " | before (G) | before ratio" if BEFORE else ""
    print(f"| cases | Leerpad (G) | Material (G) | ratio{before} | Leerpad M instructions per extra case "
          f"| Material M instructions per extra case |")
    print("|--:|--:|--:|--:|--:|--:|" + ("--:|--:|" if BEFORE else ""))
    first = min(rows)
    for cases, row in rows.items():
        ours, theirs = row["leerpad"], row["material"]
        per_case = ["—", "—"]
        if cases > first:
            per_case = [f"{(row[v].instructions - rows[first][v].instructions) / (cases - first) / 1e6:.1f}"
                        for v in ("leerpad", "material")]
        was = f" | {giga(row['before'])} | {row['before'].instructions / theirs.instructions:.3f}" if BEFORE else ""
        print(f"| {cases:,} | {giga(ours)} | {giga(theirs)} | {ours.instructions / theirs.instructions:.3f}{was} "
              f"| {per_case[0]} | {per_case[1]} |")
    if BEFORE:
        print(f"\nBefore = the same course built with the Leerpad in {BEFORE}.")
    course = rows[first]
    print(f"\nThe course ({first} cases): {course['leerpad'].instructions / course['material'].instructions:.2f}x "
          f"plain Material in instructions (target: at most {TARGET:.2f}x).")


if __name__ == "__main__":
    run()
