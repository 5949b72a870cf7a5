"""The glossary's trie regex finds exactly what the flat longest-first alternation finds."""

from __future__ import annotations

import re
from pathlib import Path

from leerpad.markdown.glossary import _trie

ROOT = Path(__file__).resolve().parents[2]


def flat(words: list[str]) -> re.Pattern[str]:
    ordered = sorted(words, key=len, reverse=True)
    return re.compile(r"(?<!\w)(" + "|".join(re.escape(w) for w in ordered) + r")(?!\w)", re.IGNORECASE)


def trie(words: list[str]) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)(" + _trie(words) + r")(?!\w)", re.IGNORECASE)


def test_same_matches_on_tricky_words() -> None:
    words = ["kaart", "sociale kaart", "sociale", "soc", "a.b", "eerste lijn", "eerstelijn", "e-health"]
    text = ("De sociale kaart, een kaartje, de sociale dienst, soc. Een a.b-test en a.bc; "
            "de Eerste Lijn en eerstelijnszone, e-health en E-Health. Sociale kaarten.")
    assert [m.group(1) for m in trie(words).finditer(text)] == [m.group(1) for m in flat(words).finditer(text)]
    assert [m.group(1) for m in trie(words).finditer(text)][:3] == ["sociale kaart", "sociale", "soc"]


def test_same_matches_on_the_course() -> None:
    from leerpad.plugin.settings import read_course

    course, _errors = read_course(ROOT)
    words = sorted({w.lower() for t in course.glossary for w in [t.term, *t.synoniemen]})
    text = "\n".join(p.read_text("utf-8") for folder in ("docs", "cases", "quizzes")
                     for p in sorted((ROOT / folder).rglob("*.md")))
    found = [(m.start(), m.group(1)) for m in trie(words).finditer(text)]
    assert len(found) > 100
    assert found == [(m.start(), m.group(1)) for m in flat(words).finditer(text)]
