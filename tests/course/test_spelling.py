"""Dutch spelling of everything a learner reads, checked with Debian's hunspell-nl.

A word passes when hunspell's Dutch dictionary knows it, or when it is in
`tests/course/wordlist.txt`: reviewed domain words, names and the English terms
the course quotes on purpose (the Levesque model's dimensions). A new
misspelling anywhere in docs/, cases/, quizzes/ or the nav fails the test with
the file it occurs in.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

DICTIONARY = Path("/usr/share/hunspell/nl.dic")
WORDLIST = Path(__file__).with_name("wordlist.txt")
pytestmark = pytest.mark.skipif(
    shutil.which("hunspell") is None or not DICTIONARY.exists(),
    reason="needs Debian's hunspell and hunspell-nl (apt-get install hunspell hunspell-nl)",
)

# An apostrophe between letters belongs to the word (dia’s, ’s nachts needs none);
# any other curly or straight quote is punctuation.
_INNER_APOSTROPHE = re.compile(r"(?<=[^\W\d_])[’'](?=[^\W\d_])")
_QUOTES = re.compile(r"[‘’“”„\"']")
_TOKEN = re.compile(r"[^\W_](?:[^\W_]|[-'])*")


def words_of(text: str) -> set[str]:
    """The words to check: hyphenated compounds are checked part by part."""
    text = _INNER_APOSTROPHE.sub("\x00", text)
    text = _QUOTES.sub(" ", text).replace("\x00", "'")
    found: set[str] = set()
    for token in _TOKEN.findall(text):
        if any(ch.isdigit() for ch in token):
            continue  # numbers, 0,5de, covid-19: not words
        for part in token.strip("-'").split("-"):
            part = part.strip("'")
            if part:
                found.add(part)
    return found


def unknown_to_hunspell(words: set[str]) -> set[str]:
    """The subset of `words` that the Dutch dictionary rejects."""
    result = subprocess.run(
        ["hunspell", "-d", "nl", "-l"],
        input="\n".join(sorted(words)),
        capture_output=True,
        text=True,
        check=True,
    )
    return set(result.stdout.split())


def read_wordlist() -> list[str]:
    return [line for line in WORDLIST.read_text(encoding="utf-8").split("\n") if line]


def accepted(word: str, wordlist: set[str]) -> bool:
    return word in wordlist or word.lower() in wordlist


def test_every_learner_visible_word_is_spelled_correctly(texts: list[tuple[str, str]]) -> None:
    wordlist = set(read_wordlist())
    problems: dict[str, set[str]] = {}
    for path, text in texts:
        for word in unknown_to_hunspell(words_of(text)):
            if not accepted(word, wordlist):
                problems.setdefault(word, set()).add(path)
    report = "\n".join(f"  {w}  ({', '.join(sorted(p))})" for w, p in sorted(problems.items()))
    assert not problems, (
        "Woorden die hunspell-nl niet kent en die niet in tests/course/wordlist.txt staan "
        "(verbeter de spelling, of voeg een nagekeken vakwoord toe):\n" + report
    )


def test_wordlist_is_sorted_unique_and_one_word_per_line() -> None:
    words = read_wordlist()
    assert WORDLIST.read_text(encoding="utf-8").endswith("\n")
    assert all(re.fullmatch(r"[^\W\d_][\w'’.]*", w) for w in words), "één woord per regel"
    assert len(words) == len(set(words)), "dubbele woorden"
    assert words == sorted(words, key=lambda w: (w.casefold(), w)), "niet alfabetisch gesorteerd"


def test_wordlist_holds_only_words_the_dictionary_lacks_and_the_course_uses(
    texts: list[tuple[str, str]],
) -> None:
    words = set(read_wordlist())
    needed = unknown_to_hunspell(words)
    superfluous = sorted(words - needed)
    assert not superfluous, f"hunspell-nl kent deze woorden al; schrap ze: {superfluous}"
    used: set[str] = set()
    for _, text in texts:
        found = words_of(text)
        used |= found | {w.lower() for w in found}
    stale = sorted(w for w in words if w not in used)
    assert not stale, f"niet (meer) gebruikt in de cursus; schrap ze: {stale}"


def test_the_tokenizer_keeps_apostrophes_and_splits_compounds() -> None:
    assert words_of("De dia’s van ‘Levesque’-model, covid-19 en 0,5de lijn.") == {
        "De", "dia's", "van", "Levesque", "model", "en", "lijn",
    }


def test_hunspell_rejects_a_misspelling_and_accepts_the_correct_word() -> None:
    assert unknown_to_hunspell({"huisartz", "huisarts", "eerstelijnszone"}) == {"huisartz"}
