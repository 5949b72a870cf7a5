"""Golden files: each tests/golden/<name>.md renders exactly as <name>.html.

Run `pytest tests/engine/test_golden.py --update` to rewrite the .html files
after an intended change, then review the diff.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from leerpad.content.yamltext import split_front_matter

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
CASES = sorted(GOLDEN.glob("*.md"))


def test_every_question_type_has_a_golden_file() -> None:
    from leerpad.content.models import QUESTION_TYPES

    assert {p.stem for p in CASES} >= set(QUESTION_TYPES)


@pytest.mark.parametrize("source", CASES, ids=[p.stem for p in CASES])
def test_golden(source: Path, render: Callable[..., str], request: pytest.FixtureRequest) -> None:
    doc = split_front_matter(source.read_text("utf-8"))
    meta = doc.meta.data or {}
    html = render(
        doc.body,
        kind=meta.get("kind", "page"),
        ident=meta.get("id"),
        iri=meta.get("iri", "https://leerpad.example/demo/quiz/golden"),
    )
    expected_path = source.with_suffix(".html")
    if request.config.getoption("--update") or not expected_path.exists():
        expected_path.write_text(html + "\n", "utf-8")
        if not request.config.getoption("--update"):
            pytest.fail(f"{expected_path.name} did not exist; written now, review it")
    assert html + "\n" == expected_path.read_text("utf-8")
