"""The plugin's side of "Casus schrijven": its files, its editor markup, its own CSP.

A page whose front matter says `leerpad: casus-schrijven` becomes the editor. Only then does
the build add, under `assets/leerpad/authoring/`: the editor's scripts and CSS, Pyodide's
core and the wheels from the cache (`leerpad.authoring.bundle`, built once from the
registries), a wheel of Leerpad's pure-Python part made here from the installed sources
(kept in that cache until a source changes), a Pyodide lock file naming those wheels with
their sha256, and the course data the page checks against. Everything is a
`File.generated`: MkDocs copies it, nothing is written into site_dir by hand. Learner pages
are untouched; only the editor page gets a policy that also allows WebAssembly
('wasm-unsafe-eval') and the Web Worker.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import logging
import os
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

import leerpad
from leerpad.authoring import bundle
from leerpad.authoring.preview import course_data
from leerpad.content.models import QUESTION_TYPES, Course, CourseSettings
from leerpad.content.templates import QUESTIONS, new_file
from leerpad.layout import AUTHORING_DIR

log = logging.getLogger("mkdocs.plugins.leerpad")

MARKER = "casus-schrijven"  # front matter `leerpad: casus-schrijven`
OUT = AUTHORING_DIR
PACKAGE = Path(leerpad.__file__).parent
SOURCES = PACKAGE / "authoring" / "assets"
WHEEL_CACHE = "leerpad-wheel"  # in the bundle's cache folder: the Leerpad wheel made last
# The subpackages the page runs in Pyodide (pure Python); the rest of Leerpad stays out.
WHEEL_PACKAGES = ("content", "markdown", "xapi", "authoring")
WHEEL_MODULES = ("__init__.py", "layout.py")
_FRONT = re.compile(r"\A---\s*\n(.*?\n)---", re.DOTALL)
_MARKER_LINE = re.compile(rf"^leerpad:\s*['\"]?{MARKER}['\"]?\s*$", re.MULTILINE)
_POLICY = re.compile(r'(<meta http-equiv="Content-Security-Policy" content=")([^"]*)(")')
QUESTION_NAMES = {
    "single": "één antwoord",
    "multiple": "meerdere antwoorden",
    "true-false": "juist of onjuist",
    "fill-in": "invulvraag",
    "sequencing": "volgorde",
    "matching": "koppelen",
    "likert": "schaal (niet gescoord)",
    "reflection": "reflectie (niet gescoord)",
}


def cache_dir(root: Path) -> Path:
    """Where the Pyodide bundle is cached: LEERPAD_AUTHORING_CACHE or `.cache/authoring` beside mkdocs.yml."""
    return Path(os.environ.get("LEERPAD_AUTHORING_CACHE") or root / bundle.DEFAULT_CACHE)


def is_editor(meta: Mapping[str, Any]) -> bool:
    """Whether a page's front matter makes it the editor page."""
    return meta.get("leerpad") == MARKER


def editor_file(files: Files) -> File | None:
    """The documentation page that is the editor, if the course has one."""
    for file in files.documentation_pages():
        front = _FRONT.match(file.content_string)
        if front and _MARKER_LINE.search(front.group(1)):
            return file
    return None


def leerpad_wheel(cache: Path | None = None, package: Path = PACKAGE) -> tuple[str, bytes]:
    """A py3-none-any wheel of Leerpad's pure-Python part, the same bytes for the same sources.

    With `cache` (the Pyodide bundle's folder), the wheel made last is kept there, named by
    the digest of its RECORD (every member's sha256) and of this module (which says how the
    wheel is made): a build whose sources did not change reads it back instead of compressing
    them again, and a changed source file gives another name, so a new wheel.
    """
    name = f"leerpad-{leerpad.__version__}"
    members: list[tuple[str, bytes]] = [(f"leerpad/{m}", (package / m).read_bytes()) for m in WHEEL_MODULES]
    for sub in WHEEL_PACKAGES:
        for path in sorted((package / sub).glob("*.py")):
            members.append((f"leerpad/{sub}/{path.name}", path.read_bytes()))
    members.append((f"{name}.dist-info/METADATA",
                    f"Metadata-Version: 2.1\nName: leerpad\nVersion: {leerpad.__version__}\n".encode()))
    members.append((f"{name}.dist-info/WHEEL",
                    b"Wheel-Version: 1.0\nGenerator: leerpad\nRoot-Is-Purelib: true\nTag: py3-none-any\n"))
    members.append((f"{name}.dist-info/top_level.txt", b"leerpad\n"))
    record = "".join(
        f"{member},sha256={base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()},{len(data)}\n"
        for member, data in members
    ) + f"{name}.dist-info/RECORD,,\n"
    members.append((f"{name}.dist-info/RECORD", record.encode()))
    file_name = f"{name}-py3-none-any.whl"
    kept = None
    if cache is not None:
        digest = hashlib.sha256(record.encode() + Path(__file__).read_bytes()).hexdigest()
        kept = cache / WHEEL_CACHE / f"{digest}.whl"
        try:
            return file_name, kept.read_bytes()
        except OSError:
            pass  # not made yet for these sources
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as wheel:
        for member, data in members:
            info = zipfile.ZipInfo(member, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            wheel.writestr(info, data)
    if kept is not None:
        _keep(kept, out.getvalue())
    return file_name, out.getvalue()


def _keep(path: Path, data: bytes) -> None:
    """Store the wheel as the only one in its folder; a folder that cannot be written is no error."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        for old in path.parent.glob("*.whl"):
            old.unlink()
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(data)
        os.replace(partial, path)  # whole or not at all: a build stopped halfway leaves no broken wheel
    except OSError as exc:
        log.debug("Casus schrijven: wiel niet bewaard in %s: %s", path.parent, exc)


def lock_file(manifest: dict[str, Any], wheels: list[tuple[str, str, str, str, list[str]]]) -> str:
    """Pyodide's lock file for the page: only our wheels, each with its sha256 (checked on load),
    and (key `leerpad`, which Pyodide ignores) the wheels' bytecode the page's worker unpacks."""
    packages = {
        name.lower(): {
            "name": name, "version": version, "file_name": file, "install_dir": "site",
            "sha256": digest, "package_type": "package", "imports": imports, "depends": [],
            "unvendored_tests": False,
        }
        for name, version, file, digest, imports in wheels
    }
    lock: dict[str, Any] = {"info": manifest["info"], "packages": packages}
    if "bytecode" in manifest:
        lock["leerpad"] = {"bytecode": {"file_name": manifest["bytecode"]["file"],
                                        "sha256": manifest["bytecode"]["sha256"]}}
    return json.dumps(lock, indent=1)


def templates(course: Course) -> dict[str, str]:
    """The `leerpad new` templates and one question block per type (`{id}` to fill in)."""
    found = {"case": new_file("case", "nieuwe-casus", course), "quiz": new_file("quiz", "nieuwe-toets", course)}
    found.update({f"question:{qtype}": QUESTIONS[qtype] for qtype in QUESTION_TYPES})
    return found


def authoring_files(
    course: Course, settings: CourseSettings, root: Path, sources: Mapping[str, str], files: Files,
    config: MkDocsConfig, parsed: Iterable[tuple[str, int]] | None = None,
) -> Iterator[File]:
    """Every file the editor page needs, if the course has that page (else nothing).

    `sources`: the course's files as this build read them (`read_course_files`), not read again;
    `parsed`: the YAML parses of this build's load of them (`yamltext.recording`), not made again.
    """
    page = editor_file(files)
    if page is None:
        return
    for path in sorted(SOURCES.iterdir()):
        if path.suffix in (".js", ".css"):
            yield File.generated(config, f"{OUT}/{path.name}", abs_src_path=str(path))
    base = "../" * page.url.count("/")
    data = course_data(settings, sources, list(config.markdown_extensions),
                       dict(config.mdx_configs), templates(course), base, parsed)
    yield File.generated(config, f"{OUT}/course-data.json", content=json.dumps(data, ensure_ascii=False))
    cache = cache_dir(root)
    manifest = bundle.read_manifest(cache)
    if manifest is None:
        log.warning("Casus schrijven: geen Pyodide in %s; bouw die met 'python -m leerpad.authoring.bundle' "
                    "(./scripts/test en ./scripts/serve doen dat zelf). De pagina toont nu geen voorbeeld.", cache)
        return
    for name in bundle.PYODIDE_FILES:
        yield File.generated(config, f"{OUT}/pyodide/{name}", abs_src_path=str(cache / "pyodide" / name))
    wheels = []
    for wheel in manifest["wheels"]:
        source = cache / "wheels" / wheel["file"]
        yield File.generated(config, f"{OUT}/pyodide/{wheel['file']}", abs_src_path=str(source))
        wheels.append((wheel["name"], wheel["version"], wheel["file"], wheel["sha256"], wheel["imports"]))
    yield File.generated(config, f"{OUT}/pyodide/{bundle.BYTECODE}", abs_src_path=str(cache / bundle.BYTECODE))
    file_name, data_bytes = leerpad_wheel(cache)
    yield File.generated(config, f"{OUT}/pyodide/{file_name}", content=data_bytes)
    wheels.append(("leerpad", leerpad.__version__, file_name, hashlib.sha256(data_bytes).hexdigest(), ["leerpad"]))
    yield File.generated(config, f"{OUT}/pyodide/pyodide-lock.json", content=lock_file(manifest, wheels))


def sitemap_without_editor(xml: str, editor: File | None) -> str:
    """The sitemap without the editor page.

    Material's instant navigation takes over only links to pages in the sitemap; a link to the
    editor then loads the page fully, with its script and its own policy (a page swapped in by
    instant navigation keeps the previous page's scripts and Content-Security-Policy).
    """
    if editor is None:
        return xml
    entry = re.compile(rf"[ \t]*<url>\s*<loc>[^<]*/{re.escape(editor.url)}</loc>.*?</url>\n?", re.DOTALL)
    return entry.sub("", xml, count=1)


def _editor_markup() -> str:
    types = "".join(f'<option value="question:{t}">{t} — {QUESTION_NAMES.get(t, t)}</option>' for t in QUESTION_TYPES)
    return (SOURCES / "editor.html").read_text("utf-8").replace("{question_types}", types)


def _widen(policy: str, additions: dict[str, str]) -> str:
    """The policy with sources added to some of its directives."""
    directives = [d.split() for d in policy.split(";") if d.strip()]
    for name, source in additions.items():
        found = next((d for d in directives if d[0] == name), None)
        if found is None:
            directives.append([name, source])
        elif source not in found:
            found.append(source)
    return "; ".join(" ".join(d) for d in directives)


def authoring_page(output: str, page: Page) -> str:
    """The editor page with its markup, CSS, script and policy; any other page unchanged.

    Runs after the CSP is added: it adds no inline code, only 'wasm-unsafe-eval' (Pyodide
    compiles WebAssembly) and the worker, for this page alone. The worker starts from the
    page's head (`early.js`), the editor's script comes last (it needs the page's elements).
    """
    if not is_editor(page.meta):
        return output
    base = "../" * page.url.count("/") + OUT
    # early.js from the head, async: the worker (Pyodide) and the course data start loading
    # before the rest of the page is read; editor.js (end of body) then takes them over.
    output = output.replace("</head>", f'<script type="module" async src="{base}/early.js"></script>\n'
                            f'<link rel="stylesheet" href="{base}/editor.css">\n</head>', 1)
    article_end = output.find("</article>")
    if article_end >= 0:
        output = output[:article_end] + _editor_markup() + output[article_end:]
    output = output.replace("</body>", f'<script type="module" src="{base}/editor.js"></script>\n</body>', 1)
    return _POLICY.sub(
        lambda m: m.group(1) + _widen(m.group(2), {"script-src": "'wasm-unsafe-eval'", "worker-src": "'self'"})
        + m.group(3),
        output,
        count=1,
    )
