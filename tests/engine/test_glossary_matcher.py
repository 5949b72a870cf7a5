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


def test_the_lowered_search_finds_what_the_case_insensitive_one_finds() -> None:
    """A text of characters that lower as the regex engine folds case is searched lowered (faster);
    any other (ſ, ı, K, µ, İ, Σ: folded otherwise, or lowered to more characters) as before."""
    from leerpad.content.models import GlossaryTerm
    from leerpad.markdown.glossary import _UNSAFE, _matcher

    words = ["kaart", "sociale kaart", "sociale", "cliënt", "eerste lijn", "e-health", "ßtraat", "ÿ", "is",
             "µg", "-min"]
    glossary = [GlossaryTerm(term=w, zorgtaal="z", sociale_taal="s") for w in words]
    pattern, lowered, _words = _matcher(glossary)
    assert lowered is None  # µ matches Greek mu too: a word with it keeps every text case-insensitive
    pattern, lowered, _words = _matcher(glossary[:-2])
    assert lowered is not None
    texts = ["De SOCIALE KAART en de Cliënt, CLIËNT; Eerste Lijn — E-Health… ‘ÿ’ STRAAT ßTRAAT", "ẞtraat",
             "Het ıs een ſociale kaart", "De Kaart ıs İs", "ΣOCIALE kaart", "µg en μg", "x-min _kaart kaart_ kaart2"]
    for text in texts:
        expected = [(m.start(), m.group(1)) for m in pattern.finditer(text)]
        if _UNSAFE.search(text) is None:
            assert [(m.start(), text[m.start():m.end()]) for m in lowered.finditer(text.lower())] == expected, text
    assert [t for t in texts if _UNSAFE.search(t) is None] == [texts[0], texts[6]]
