"""Rule tables of the requirement tests (issue 10): one case per xAPI requirement id.

A case is ``rule(values…, mark=pytest.mark.xapi("XAPI-00207"))``: the mark is written
out literally in the table, so that the ledger check (an ast walk of tests/lrs) sees
which ids a test guards; the case's pytest id starts with those ids.
"""

from __future__ import annotations

from typing import Any

import pytest


def rule(*values: object, mark: pytest.MarkDecorator, name: str | None = None) -> Any:
    """A ``pytest.param`` of ``values`` guarding ``mark``'s ids, named ``XAPI-<ids>-<name or values>``."""
    numbers = "-".join(str(i).removeprefix("XAPI-") for i in mark.args)
    label = name or "-".join(str(v) for v in values)
    return pytest.param(*values, marks=mark, id=f"XAPI-{numbers}-{label}")
