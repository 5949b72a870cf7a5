"""The Pyodide bundle of the authoring page, built once into a cache from the registries.

`python -m leerpad.authoring.bundle [--cache DIR]` fills the cache (default
`.cache/authoring/` under the current directory) with:

- `pyodide/`: Pyodide's core (runtime, WebAssembly, standard library) copied from the
  `pyodide` npm package in `node_modules/` (`npm ci` installs it at the version pinned in
  package.json). The npm package carries no package wheels.
- `wheels/`: Markdown and pymdown-extensions as published on PyPI, and PyYAML built from its
  sdist without libyaml (PyPI has no pure-Python PyYAML wheel), each checked against the
  sha256 pinned below.
- `manifest.json`: the pins it was built from and, per wheel, file name, sha256 and imports.

Nothing is rebuilt while the manifest's pins equal the current ones, so a course build only
copies files. The versions are the ones CPython uses here (requirements.lock): the page must
render exactly as the build does.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

PYODIDE_VERSION = "314.0.7"
# The files of the npm package the browser needs (no lock file: the page gets its own).
PYODIDE_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip")
# name: (version, wheel file, sha256 of the wheel, top-level imports)
WHEELS = {
    "Markdown": (
        "3.11.3",
        "markdown-3.11.3-py3-none-any.whl",
        "e1a31a112232504d753e5c01bb8c2de90d3f0ba986b063e10770cf7695b09e73",
        ["markdown"],
    ),
    "pymdown-extensions": (
        "13.1",
        "pymdown_extensions-13.1-py3-none-any.whl",
        "093d1fab98168526d98fbb17aa5c9da68eef3664324f6b25ebbf78b2709babeb",
        ["pymdownx"],
    ),
}
# Built from the sdist (sha256 of the sdist), with PYYAML_FORCE_LIBYAML=0: a py3-none-any wheel.
SDISTS = {
    "PyYAML": (
        "6.0.3",
        "pyyaml-6.0.3-py3-none-any.whl",
        "d76623373421df22fb4cf8817020cbb7ef15c725b9d5e45f17e189bfc384190f",
        ["yaml"],
    ),
}
# PyYAML's build requirements, pinned so that the wheel is the same on every machine.
BUILD_CONSTRAINTS = ("setuptools==84.2.1", "Cython==3.2.4")
DEFAULT_CACHE = Path(".cache") / "authoring"


def pins() -> dict[str, Any]:
    """Everything the cache's content depends on; a change means a rebuild."""
    return {
        "pyodide": PYODIDE_VERSION,
        "wheels": {name: list(spec[:3]) for name, spec in WHEELS.items()},
        "sdists": {name: list(spec[:3]) for name, spec in SDISTS.items()},
        "build": list(BUILD_CONSTRAINTS),
    }


def sha256(path: Path) -> str:
    """Hex sha256 of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_manifest(cache: Path) -> dict[str, Any] | None:
    """The cache's manifest if it is complete and built from the current pins, else None."""
    try:
        manifest: dict[str, Any] = json.loads((cache / "manifest.json").read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if manifest.get("pins") != pins():
        return None
    wanted = [cache / "pyodide" / f for f in PYODIDE_FILES] + [cache / "wheels" / w["file"] for w in manifest["wheels"]]
    return manifest if all(p.is_file() for p in wanted) else None


def _pip(*args: str, env: dict[str, str] | None = None) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q", *args],
        check=True,
        env={**os.environ, **(env or {})},
    )


def _copy_pyodide(node_modules: Path, target: Path) -> dict[str, Any]:
    package = node_modules / "pyodide"
    try:
        meta = json.loads((package / "package.json").read_text("utf-8"))
    except OSError:
        raise SystemExit(f"{package}: niet gevonden; installeer eerst met 'npm ci'") from None
    if meta.get("version") != PYODIDE_VERSION:
        raise SystemExit(f"{package}: versie {meta.get('version')}, verwacht {PYODIDE_VERSION} (npm ci)")
    target.mkdir(parents=True, exist_ok=True)
    for name in PYODIDE_FILES:
        shutil.copyfile(package / name, target / name)
    info: dict[str, Any] = json.loads((package / "pyodide-lock.json").read_text("utf-8"))["info"]
    return info


def _fetch_wheels(target: Path, work: Path) -> None:
    requirements = work / "wheels.txt"
    requirements.write_text(
        "".join(f"{name}=={v} --hash=sha256:{h}\n" for name, (v, _f, h, _i) in WHEELS.items()), "utf-8"
    )
    _pip("download", "--no-deps", "--only-binary", ":all:", "--require-hashes", "-r", str(requirements),
         "-d", str(target))


def _build_sdists(target: Path, work: Path) -> None:
    requirements = work / "sdists.txt"
    requirements.write_text(
        "".join(f"{name}=={v} --hash=sha256:{h}\n" for name, (v, _f, h, _i) in SDISTS.items()), "utf-8"
    )
    constraints = work / "build-constraints.txt"
    constraints.write_text("\n".join(BUILD_CONSTRAINTS) + "\n", "utf-8")
    env = {"PYYAML_FORCE_LIBYAML": "0", "SOURCE_DATE_EPOCH": "315532800"}  # no C extension; fixed zip times
    _pip(
        "wheel", "--no-deps", "--no-binary", ",".join(SDISTS), "--require-hashes", "-r", str(requirements),
        "--build-constraint", str(constraints), "--no-cache-dir", "-w", str(target),
        env=env,
    )


def build(cache: Path = DEFAULT_CACHE, node_modules: Path = Path("node_modules")) -> dict[str, Any]:
    """Fill `cache` unless it is already built from the current pins; return its manifest."""
    if (manifest := read_manifest(cache)) is not None:
        return manifest
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        work = Path(tmp)
        fresh = work / "out"
        info = _copy_pyodide(node_modules, fresh / "pyodide")
        _fetch_wheels(fresh / "wheels", work)
        _build_sdists(fresh / "wheels", work)
        wheels = []
        for name, (version, file, _hash, imports) in {**WHEELS, **SDISTS}.items():
            path = fresh / "wheels" / file
            if not path.is_file():
                raise SystemExit(f"{path.name}: niet gebouwd (pip gaf een andere bestandsnaam?)")
            wheels.append({"name": name, "version": version, "file": file, "sha256": sha256(path), "imports": imports})
        manifest = {"pins": pins(), "info": info, "wheels": wheels}
        (fresh / "manifest.json").write_text(json.dumps(manifest, indent=1), "utf-8")
        for part in ("pyodide", "wheels", "manifest.json"):
            old = cache / part
            if old.is_dir():
                shutil.rmtree(old)
            elif old.exists():
                old.unlink()
            (fresh / part).rename(old)
    return manifest


def main(argv: list[str] | None = None) -> int:
    """Command line: build the cache if needed and say where it is."""
    import argparse  # only the command line needs it; the build imports this module for its paths

    parser = argparse.ArgumentParser(description="Pyodide en wheels voor de pagina 'Casus schrijven'")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--node-modules", type=Path, default=Path("node_modules"))
    args = parser.parse_args(argv)
    manifest = build(args.cache, args.node_modules)
    names = ", ".join(f"{w['name']} {w['version']}" for w in manifest["wheels"])
    print(f"{args.cache}: Pyodide {manifest['pins']['pyodide']} (Python {manifest['info']['python']}), {names}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
