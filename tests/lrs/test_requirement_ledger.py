"""Every xAPI requirement the ADL conformance suite checks is guarded by a named test here.

The ledger (``xapi_requirements.txt``) lists the 336 requirement ids of the suite
(adlnet/lrs-conformance-test-suite, xAPI 1.0.3). A test guards ids with
``@pytest.mark.xapi("XAPI-00126", ...)``, on the function or on one
``pytest.param(..., marks=pytest.mark.xapi(...))``. The suite itself is not on a
package registry and cannot run in CI; this ledger is how CI keeps each requirement
under a test of our own.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).parent
LEDGER = HERE / "xapi_requirements.txt"
ID = re.compile(r"XAPI-\d{5}\Z")


def ledger() -> dict[str, str]:
    """The requirement ids of the ledger with their sections."""
    ids: dict[str, str] = {}
    for line in LEDGER.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            requirement, section = line.split(" ", 1)
            ids[requirement] = section
    return ids


def _is_xapi_mark(node: ast.AST) -> bool:
    """True for ``pytest.mark.xapi(...)`` (the call's function)."""
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "xapi"
        and isinstance(node.value, ast.Attribute)
        and node.value.attr == "mark"
    )


def marked_ids() -> dict[str, set[str]]:
    """Requirement id -> the test files whose ``xapi`` marks name it."""
    found: dict[str, set[str]] = defaultdict(set)
    for path in sorted(HERE.glob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.Call) and _is_xapi_mark(node.func):
                for argument in node.args:
                    assert isinstance(argument, ast.Constant) and isinstance(argument.value, str), (
                        f"{path.name}:{node.lineno}: pytest.mark.xapi takes literal requirement ids"
                    )
                    found[argument.value].add(path.name)
    return found


def test_the_ledger_lists_336_distinct_requirement_ids() -> None:
    lines = [line.split(" ", 1)[0] for line in LEDGER.read_text().splitlines() if line and not line.startswith("#")]
    assert len(lines) == len(set(lines)) == 336
    assert all(ID.match(requirement) for requirement in lines)


def test_every_requirement_of_the_ledger_has_a_marked_test() -> None:
    marked = marked_ids()
    missing = [f"{requirement} ({section})" for requirement, section in ledger().items() if requirement not in marked]
    assert missing == [], f"{len(missing)} requirements without a test: {', '.join(missing)}"


def test_marks_name_only_requirements_of_the_ledger() -> None:
    known = ledger()
    unknown = {requirement: sorted(files) for requirement, files in marked_ids().items() if requirement not in known}
    assert unknown == {}
