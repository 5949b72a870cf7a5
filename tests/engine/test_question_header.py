"""The question header's fast path reads exactly what YAML reads (data, lines, errors)."""

from __future__ import annotations

import pytest

from leerpad.content.questions import find_blocks
from leerpad.content.yamltext import parse_yaml

HEADERS = [
    ["    id: toegang-1", "    type: single"],
    ["    type: true-false", "    id: q1"],
    ["    id: yes"],  # YAML 1.1 reads a boolean
    ["    id: a", "    id: b"],  # a repeated key: YAML keeps the last
    ["    id: 'x'"],
    ["    id: a # uitleg"],
    ["    id: a", "        type: x"],  # uneven indentation: a YAML error
    ["      id: abc", "      type: likert"],
    ["    id: x y", "    type: single"],
    ["    ID: x"],
    ["    id: [a, b]"],
]


@pytest.mark.parametrize("header", HEADERS, ids=[" / ".join(h).strip() for h in HEADERS])
def test_header_reads_as_yaml_reads_it(header: list[str]) -> None:
    text = "\n".join(["/// question | Vraag?", *header, "- [x] Ja", "- [ ] Nee", "///"])
    [block] = find_blocks(text, first_line=10)
    dedented = "\n".join(line[min(len(x) - len(x.lstrip()) for x in header):] for line in header)
    expected = parse_yaml(dedented, start=11)
    assert (block.header.data, block.header.lines, block.header.error) == (
        expected.data, expected.lines, expected.error)


BLOCKS = [
    "    id: q-1\n    type: single\n- [x] Ja\n- [ ] Nee\n///\n",
    "    id: q-1\n- [x] Ja\n",
    "    id: 'q-1'\n    type: single\n- [x] Ja\n",  # quoted: read by YAML
    "    type: warning\n    attrs: {class: x}\nTekst\n",
    "- [x] Geen kop\n///\n",
    "    id: q-1\n    type: single\n",
]


@pytest.mark.parametrize("block", BLOCKS)
def test_page_headers_split_as_pymdown_splits_them(block: str) -> None:
    """The extension's plain-header reading gives PyMdown's own result, without YAML."""
    import markdown

    from leerpad.markdown import LeerpadExtension
    from leerpad.markdown.extension import read_plain_headers

    md = markdown.Markdown(extensions=[LeerpadExtension()])
    manager = md.parser.blockprocessors["blocks"]
    fast = manager.split_header
    assert getattr(fast, "leerpad", False), "PyMdown's block manager changed shape: headers go through YAML again"
    assert read_plain_headers(manager) is False  # installed once
    original = type(manager).split_header.__get__(manager)
    assert fast(block, 3) == original(block, 3)
