"""The Pyodide bundle of the authoring page, built once into a cache from the registries.

`python -m leerpad.authoring.bundle [--cache DIR]` fills the cache (default
`.cache/authoring/` under the current directory) with:

- `pyodide/`: Pyodide's core (runtime, WebAssembly, standard library) copied from the
  `pyodide` npm package in `node_modules/` (`npm ci` installs it at the version pinned in
  package.json). The npm package carries no package wheels.
- `wheels/`: Markdown and pymdown-extensions as published on PyPI, and PyYAML built from its
  sdist without libyaml (PyPI has no pure-Python PyYAML wheel), each checked against the
  sha256 pinned below.
- `bytecode.zip`: the wheels' modules compiled for Pyodide's Python (unchecked-hash .pyc files
  at their place in Pyodide's site-packages), made by Pyodide itself running in Node, so that the
  page does not compile them in the browser.
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
BYTECODE = "bytecode.zip"
BYTECODE_FORMAT = 1  # in the pins: a cache without (or with an older) bytecode.zip is rebuilt
# Node runs Pyodide from the npm package: unpacks the wheels into its site-packages and writes
# every module's bytecode (unchecked-hash: the page uses it as it is) into one zip, with fixed
# member times and order so that the same wheels give the same file.
_COMPILE = r"""
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
const [dir, out, ...wheels] = process.argv.slice(2);
const { loadPyodide } = await import(pathToFileURL(dir + '/pyodide.mjs').href);
const py = await loadPyodide({ indexURL: dir + '/', stdout: () => {} });
const extractDir = py.runPython('import site\nsite.getsitepackages()[0]');
for (const wheel of wheels) py.unpackArchive(new Uint8Array(readFileSync(wheel)), 'wheel', { extractDir });
py.globals.set('root', extractDir);
py.runPython(`
import os, zipfile, py_compile, importlib.util
with zipfile.ZipFile('/tmp/bytecode.zip', 'w', zipfile.ZIP_DEFLATED) as z:
    for base, dirs, files in sorted(os.walk(root)):
        dirs.sort()
        for name in sorted(files):
            if name.endswith('.py'):
                target = importlib.util.cache_from_source(os.path.join(base, name))
                py_compile.compile(os.path.join(base, name), target, doraise=True,
                                   invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
                with open(target, 'rb') as f:
                    z.writestr(zipfile.ZipInfo(target, date_time=(1980, 1, 1, 0, 0, 0)), f.read(),
                               compress_type=zipfile.ZIP_DEFLATED)
`);
writeFileSync(out, py.FS.readFile('/tmp/bytecode.zip'));
"""


def pins() -> dict[str, Any]:
    """Everything the cache's content depends on; a change means a rebuild."""
    return {
        "pyodide": PYODIDE_VERSION,
        "wheels": {name: list(spec[:3]) for name, spec in WHEELS.items()},
        "sdists": {name: list(spec[:3]) for name, spec in SDISTS.items()},
        "build": list(BUILD_CONSTRAINTS),
        "bytecode": BYTECODE_FORMAT,
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
    wanted.append(cache / BYTECODE)
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


def _compile_bytecode(pyodide: Path, wheels: list[Path], target: Path, work: Path) -> None:
    script = work / "bytecode.mjs"
    script.write_text(_COMPILE, "utf-8")
    done = subprocess.run(["node", str(script), str(pyodide.resolve()), str(target.resolve()),
                           *(str(w.resolve()) for w in wheels)], capture_output=True, text=True, check=False)
    if done.returncode != 0 or not target.is_file():
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise SystemExit(f"{target.name}: niet gemaakt (node met Pyodide): {' '.join(tail)}")


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
        built = [fresh / "wheels" / str(w["file"]) for w in wheels]
        _compile_bytecode(node_modules / "pyodide", built, fresh / BYTECODE, work)
        manifest = {"pins": pins(), "info": info, "wheels": wheels,
                    "bytecode": {"file": BYTECODE, "sha256": sha256(fresh / BYTECODE)}}
        (fresh / "manifest.json").write_text(json.dumps(manifest, indent=1), "utf-8")
        for part in ("pyodide", "wheels", BYTECODE, "manifest.json"):
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
