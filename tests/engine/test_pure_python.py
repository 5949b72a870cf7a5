"""content/ and markdown/ must run in Pyodide: pure-Python dependencies only."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ALLOWED_THIRD_PARTY = {"yaml", "markdown", "pymdownx"}
# Loaded as a side effect, present in Pyodide too: PyYAML's optional Cython
# accelerator (skipped when absent) and Markdown's private copy of html.parser.
INCIDENTAL = {"cython_runtime", "htmlparser"}
SRC = Path(__file__).resolve().parents[2] / "src" / "leerpad"


def test_content_core_imports_only_pure_python_packages() -> None:
    code = (
        "import sys, json\n"
        "before = set(sys.modules)\n"
        "import leerpad.content, leerpad.markdown, leerpad.xapi.profile\n"
        "print(json.dumps(sorted(set(sys.modules) - before)))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    import json

    loaded = json.loads(result.stdout)
    top = {name.split(".")[0] for name in loaded}
    outside = top - set(sys.stdlib_module_names) - {"leerpad"} - INCIDENTAL
    third_party = {name for name in outside if not name.startswith("_cython")}
    assert third_party <= ALLOWED_THIRD_PARTY, third_party
    # mkdocs, ralph, psycopg … stay out of the core; only PyYAML's pure loader is used.
    assert not any(name.startswith(("mkdocs", "ralph", "psycopg", "material")) for name in loaded)
    # libyaml only as an optional accelerator, in one place (see test_yaml_loaders.py).
    for folder in ("content", "markdown", "xapi"):
        for source in (SRC / folder).glob("*.py"):
            text = source.read_text("utf-8")
            assert "CLoader" not in text
            assert "CSafeLoader" not in text or source.name == "yamltext.py"
