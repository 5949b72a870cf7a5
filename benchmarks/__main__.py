"""Run the benchmarks: ``python -m benchmarks [name ...]`` (``./scripts/bench``).

Every ``benchmarks/bench_<name>.py`` module that defines ``run() -> None`` is a
benchmark; ``run`` prints its results as a Markdown table. Without names, all run
in alphabetical order; a name is ``<name>`` or ``bench_<name>``.
"""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def available() -> list[str]:
    """Names of the benchmark modules, without the ``bench_`` prefix."""
    return sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))


def main(argv: list[str]) -> int:
    """Run the named benchmarks (all when none); return the exit code."""
    names = [a.removeprefix("bench_").removesuffix(".py") for a in argv] or available()
    unknown = [n for n in names if n not in available()]
    if unknown:
        print(f"Onbekende benchmark: {', '.join(unknown)}. Beschikbaar: {', '.join(available())}")
        return 2
    root = str(HERE.parent)
    if root not in sys.path:
        sys.path.insert(0, root)
    for name in names:
        module = importlib.import_module(f"benchmarks.bench_{name}")
        print(f"\n## {name}\n", flush=True)
        started = time.perf_counter()
        module.run()
        print(f"\n({name}: {time.perf_counter() - started:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
