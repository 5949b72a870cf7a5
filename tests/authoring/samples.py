"""Texts the authoring tests and the benchmark share (a module, not a conftest: both import it)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_QUESTION_ID = re.compile(r"^(\s{4}id:\s*)(\S+)", re.MULTILINE)


def large_case(copies: int = 15) -> str:
    """A valid case of over a thousand lines: a real case's body `copies` times, its question ids made unique."""
    text = (ROOT / "cases" / "eenzame-weduwnaar.md").read_text("utf-8")
    end = text.index("\n---\n", 4) + 5
    head, body = text[:end], text[end:]
    return head + "\n".join(_QUESTION_ID.sub(rf"\g<1>\g<2>-{n}", body) for n in range(copies))


# A case as a trainer might paste it, with two mistakes: a setting that does not exist (line 4)
# and a module that does not exist (line 6).
TWO_MISTAKES = """---
id: buurtwerker-bij-de-apotheker
title: Een buurtwerker komt langs bij de apotheker
setting: bakkerij
roles: [apotheker, sociaal-werker]
modules: [toegang, buurtwerk]
krachtlijnen: [nabijheid]
access: [approachability]
minutes: 8
sources: []
---

Mevrouw Janssens haalt al maanden haar medicatie niet op. De apotheker vraagt
zich af wat er aan de hand is.

## Wat doet u?

/// question | Wat is een goede eerste stap?
    id: buurtwerker-stap
    type: single
- [x] Haar bellen en vragen hoe het gaat
    > Contact zoeken opent de deur.
- [ ] Wachten tot ze zelf komt
    > Wachten laat het probleem groeien.
///

## Afsluiting

/// question | Wat neemt u mee?
    id: buurtwerker-reflectie
    type: reflection
///
"""
