"""Same code, same result: every case and quiz of the course, the bad-input corpus and the
hard inputs a trainer can type, checked and rendered by `leerpad.authoring.preview` in
CPython and in Pyodide (the page's own Web Worker in headless chromium), compared whole;
in Pyodide started from the wheels and started from the memory snapshot of a first visit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from leerpad.authoring.preview import Preview
from leerpad.content.loader import read_course_files
from leerpad.plugin.settings import load_settings
from tests.authoring.samples import large_case

ROOT = Path(__file__).resolve().parents[2]
BAD = ROOT / "tests" / "bad"

pytestmark = pytest.mark.browser

# What a trainer may paste or type by mistake (the page must answer, not hang).
HARD = {
    "empty": "",
    "only-front-matter-start": "---\nid: half\n",
    "yaml-error": "---\nid: x\ntitle: [open\n---\nTekst\n",
    "tabs": "---\nid: met-tabs\ntitle: Tabs\n\tsetting: caw\n---\n"
            "/// question | Vraag?\n\tid: t-1\n\ttype: single\n- [x] a\n///\n",
    "unclosed-block": "---\nid: open-blok\ntitle: Open\nsetting: caw\n---\n/// question | Vraag?\n    id: ob-1\n"
                      "    type: single\n- [x] Ja\n- [ ] Nee\n",
    "nested-unclosed": "/// question | A\n/// question | B\n    id: b\n",
    "binary-as-text": "\x00\x01\x02PK\x03\x04" + "".join(chr(c) for c in range(0x80, 0x100)) + "\ufffd" * 20,
    "html-and-script": "---\nid: html\ntitle: H\n---\n<script>alert(1)</script><img src=x onerror=alert(1)>\n",
}


def normalise(result: dict[str, Any]) -> dict[str, Any]:
    """The part of a worker message that Python computed (no timing, no sequence number)."""
    return {k: v for k, v in result.items() if k not in ("type", "seq", "ms")}


def compare(worker: Any, preview: Preview, texts: dict[str, str]) -> None:
    """The worker's results (its preview re-renders only what changed from one text to the
    next) are CPython's, each text rendered whole as the build renders it."""
    preview.sections.enabled = False
    results = worker.check(list(texts.values()))
    differ = []
    for (name, text), got in zip(texts.items(), results, strict=True):
        assert got["type"] == "result", f"{name}: {got}"
        if normalise(got) != preview.check(text):
            differ.append(name)
    assert differ == []


def unseeded(data: str) -> str:
    """Course data without the build's YAML parses: Pyodide then parses every YAML itself."""
    found = json.loads(data)
    found.pop("parsed")
    return json.dumps(found, ensure_ascii=False)


def test_every_case_and_quiz_of_the_course_renders_alike(pyodide_worker: Any, editor_site: Any) -> None:
    data = unseeded(editor_site.data)
    preview = Preview(json.loads(data))
    files = read_course_files(ROOT, load_settings(ROOT)[0])
    texts = {p: t for p, t in files.items() if p.startswith(("cases/", "quizzes/"))}
    assert len(texts) >= 20
    try:
        pyodide_worker.start(data)
        compare(pyodide_worker, preview, texts)
    finally:
        pyodide_worker.start(editor_site.data)
    # And the course as it is has nothing to report: no false alarms on real content.
    for path, text in texts.items():
        result = preview.check(text)
        assert (result["path"], result["errors"]) == (path, []), path
        assert 'class="leerpad-question"' in result["html"]


def test_bad_input_corpus_gives_the_same_errors(pyodide_worker: Any, editor_site: Any) -> None:
    data = unseeded(editor_site.data_for(BAD / "base"))
    preview = Preview(json.loads(data))
    texts = {f"{p.parent.name}/{p.name}": p.read_text("utf-8") for p in sorted((BAD / "corpus").glob("[cq]*/*.md"))}
    assert len(texts) >= 25
    try:
        pyodide_worker.start(data)
        compare(pyodide_worker, preview, texts)
        compare(pyodide_worker, preview, HARD)
    finally:
        pyodide_worker.start(editor_site.data)


def test_large_case_renders_alike(pyodide_worker: Any, editor_site: Any) -> None:
    preview = Preview(json.loads(editor_site.data))
    big = large_case()
    assert big.count("\n") > 1000
    assert preview.check(big)["errors"] == []
    compare(pyodide_worker, preview, {"large": big, "large-broken": big.replace("type: single", "type: essay")})


PROBE = """
import sys, json, importlib.metadata
before = set(sys.modules)
import leerpad.content, leerpad.markdown, leerpad.xapi.profile, leerpad.authoring.preview
import yaml
json.dumps({
    "version": list(sys.version_info[:2]),
    "loaded": sorted(set(sys.modules) - before),
    "stdlib": sorted(sys.stdlib_module_names),
    "libyaml": yaml.__with_libyaml__,
    "installed": sorted(d.metadata["Name"] for d in importlib.metadata.distributions()),
})
"""


def test_content_and_markdown_import_in_pyodide_with_only_pure_python_wheels(
    pyodide_page: Any, editor_site: Any
) -> None:
    """Pyodide (Python 3.14) with nothing installed but the page's four pure-Python wheels."""
    base = editor_site.url + "assets/leerpad/authoring/pyodide/"
    answer = pyodide_page.evaluate(
        """([base, code]) => new Promise((ok, bad) => {
             const src = `import { loadPyodide } from '${base}pyodide.mjs';
               const py = loadPyodide({indexURL: '${base}',
                 packages: ['leerpad', 'markdown', 'pymdown-extensions', 'pyyaml']});
               onmessage = async e => {
                 try { postMessage((await py).runPython(e.data)); } catch (err) { postMessage('!' + err); }
               };`;
             const w = new Worker(URL.createObjectURL(new Blob([src], {type: 'text/javascript'})), {type: 'module'});
             w.onmessage = e => { ok(e.data); w.terminate(); };
             w.onerror = e => bad(new Error(e.message));
             w.postMessage(code);
           })""",
        [base, PROBE],
    )
    assert not answer.startswith("!"), answer
    found = json.loads(answer)
    assert found["version"] == [3, 14]
    assert found["libyaml"] is False
    assert found["installed"] == ["Markdown", "PyYAML", "leerpad", "pymdown-extensions"]
    outside = {m.split(".")[0] for m in found["loaded"]} - set(found["stdlib"]) - {"leerpad"}
    assert outside <= {"yaml", "markdown", "pymdownx", "htmlparser"}, outside
