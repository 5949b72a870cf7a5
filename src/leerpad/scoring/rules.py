"""Whether a response fits a question, and whether it is right (xAPI 1.0.3 patterns).

Responses and patterns are the strings the xAPI specification defines per
interaction type (Data 2.4.4.1.2 and Appendix C of the specification):

- choice (single, multiple): option ids joined by ``[,]``; order does not matter;
- true-false: ``true`` or ``false``;
- fill-in: the answer; a pattern ``{case_matters=false}text`` accepts it trimmed and
  case-insensitively (one pattern per accepted answer);
- sequencing: every option id once, joined by ``[,]``, in the learner's order;
- matching: ``source[.]target`` pairs joined by ``[,]``, each source at most once.

Pure Python.
"""

from __future__ import annotations

import re

from leerpad.xapi.keys import QuestionKey

LIST = "[,]"
PAIR = "[.]"
_CASE_FLAG = re.compile(r"^\{case_matters=(true|false)\}")


class ResponseError(ValueError):
    """A response that does not fit its question's type (the message says why)."""


def _ids(response: str) -> list[str]:
    return [] if response == "" else response.split(LIST)


def _check_choice(key: QuestionKey, response: str) -> frozenset[str]:
    chosen = _ids(response)
    unknown = [c for c in chosen if c not in key.options]
    if unknown:
        raise ResponseError(f"onbekende optie '{unknown[0]}' (kies uit {', '.join(key.options)})")
    if len(set(chosen)) != len(chosen):
        raise ResponseError("een optie komt meer dan eens voor")
    if key.type == "single" and len(chosen) != 1:
        raise ResponseError("kies precies één optie")
    return frozenset(chosen)


def _pairs(text: str) -> list[tuple[str, str]]:
    pairs = []
    for item in _ids(text):
        source, sep, target = item.partition(PAIR)
        if not sep:
            raise ResponseError(f"'{item}' is geen paar bron[.]doel")
        pairs.append((source, target))
    return pairs


def _fill_in_match(pattern: str, response: str) -> bool:
    flag = _CASE_FLAG.match(pattern)
    expected = pattern[flag.end() :] if flag else pattern
    if flag is None or flag.group(1) == "false":
        return expected.strip().casefold() == response.strip().casefold()
    return expected.strip() == response.strip()


def score_response(key: QuestionKey, response: str) -> bool:
    """True when ``response`` is right; raises :class:`ResponseError` when it does not fit."""
    if not isinstance(response, str):
        raise ResponseError("een antwoord is een tekst (xAPI-response)")
    kind = key.type
    if kind in ("single", "multiple"):
        chosen = _check_choice(key, response)
        return any(chosen == frozenset(_ids(p)) for p in key.correct)
    if kind == "true-false":
        if response not in ("true", "false"):
            raise ResponseError("antwoord 'true' of 'false'")
        return response in key.correct
    if kind == "fill-in":
        return any(_fill_in_match(p, response) for p in key.correct)
    if kind == "sequencing":
        order = _ids(response)
        if sorted(order) != sorted(key.options):
            raise ResponseError(f"zet elke stap precies eenmaal in een volgorde ({', '.join(key.options)})")
        return response in key.correct
    if kind == "matching":
        pairs = _pairs(response)
        targets = {t for p in key.correct for _, t in _pairs(p)}
        sources = [s for s, _ in pairs]
        if len(set(sources)) != len(sources):
            raise ResponseError("een bron komt meer dan eens voor")
        for source, target in pairs:
            if source not in key.options:
                raise ResponseError(f"onbekende bron '{source}'")
            if target not in targets:
                raise ResponseError(f"onbekend doel '{target}'")
        return any(set(pairs) == set(_pairs(p)) for p in key.correct)
    raise ResponseError(f"vraagtype '{kind}' telt niet mee in een toets")
