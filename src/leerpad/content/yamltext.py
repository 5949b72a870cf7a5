"""YAML front matter and YAML files, with the line of every key.

Errors must point at the line of the offending key, so the loader keeps, next
to the data, a map from top-level key to its 1-based line in the file.

PyYAML's pure-Python loader is the reference (Pyodide has no libyaml). Where
libyaml is present, a document is read with it first — the same resolver and
constructors, so the same data and lines, several times faster — and any
document it cannot read is read again by the pure loader, so that a trainer
gets the same error message everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import yaml

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?\r?\n)?---[ \t]*(?:\r?\n|\Z)", re.DOTALL)


class _Loader(yaml.SafeLoader):
    """Safe loader that tolerates MkDocs' custom tags (`!ENV`, `!!python/name:`)."""


def _unknown_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)  # type: ignore[arg-type]


_LOADERS: list[type[Any]] = [_Loader]
if getattr(yaml, "__with_libyaml__", False):

    class _LibyamlLoader(yaml.CSafeLoader):
        """The same safe loader on libyaml's parser."""

    _LOADERS.insert(0, _LibyamlLoader)

for _loader in _LOADERS:
    _loader.add_multi_constructor("!", _unknown_tag)
    _loader.add_multi_constructor("tag:yaml.org,2002:python/", _unknown_tag)


@dataclass
class YamlDoc:
    """Parsed YAML: the data, the line of each top-level key, and parse errors."""

    data: Any = None
    lines: dict[str, int] = field(default_factory=dict)
    start: int = 1  # line of the document's first line in its file
    error: tuple[int, str] | None = None
    # Nested maps: key -> (line of each sub-key)
    sublines: dict[str, dict[str, int]] = field(default_factory=dict)

    def line(self, key: str | None = None) -> int:
        """The file line of a top-level key, or of the document start."""
        if key is None:
            return self.start
        return self.lines.get(key, self.start)


# Pure-Python YAML is slow (most of a course load); the editor page re-checks a file on every
# change against a course whose other files do not change: their parses are kept here.
_PARSED: dict[tuple[str, int], YamlDoc] = {}
_PARSED_MAX = 4096
_RECORDING: list[set[tuple[str, int]]] = []


def parse_yaml(text: str, start: int = 1) -> YamlDoc:
    """Parse YAML text whose first line is line `start` of its file.

    The same text gives the same (shared) YamlDoc: callers read it and never change it.
    """
    key = (text, start)
    for keys in _RECORDING:
        keys.add(key)
    if (doc := _PARSED.get(key)) is None:
        doc = _parse_yaml(text, start)
        if len(_PARSED) >= _PARSED_MAX:
            _PARSED.clear()
        _PARSED[key] = doc
    return doc


@contextmanager
def recording() -> Iterator[set[tuple[str, int]]]:
    """The (text, start) of every parse while the block runs (for `export`)."""
    keys: set[tuple[str, int]] = set()
    _RECORDING.append(keys)
    try:
        yield keys
    finally:
        _RECORDING.remove(keys)


def export(keys: Iterable[tuple[str, int]]) -> list[list[Any]]:
    """These parses as JSON data, to `preload` elsewhere (the editor page, in Pyodide).

    Parses whose data JSON cannot carry unchanged (dates, non-string keys) are left out:
    they are parsed again where they are needed.
    """
    out: list[list[Any]] = []
    for text, start in sorted(keys):
        doc = _PARSED.get((text, start)) or _parse_yaml(text, start)
        entry = [text, start, doc.data, doc.lines, doc.sublines, list(doc.error) if doc.error else None]
        try:
            if _survives_json(entry):
                out.append(entry)
        except RecursionError:  # a YAML alias that contains itself: json.dumps refuses it too
            continue
    return out


def _survives_json(value: Any) -> bool:
    """Whether ``json.loads(json.dumps(value)) == value`` (a walk: no encoding just to compare).

    Tuples come back as lists, non-string keys as strings, NaN unequal to itself: all fail.
    """
    if value is None or isinstance(value, str | bool | int):
        return True
    if isinstance(value, float):
        return value == value  # NaN
    if isinstance(value, list):
        return all(_survives_json(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _survives_json(v) for k, v in value.items())
    return False


def preload(entries: Iterable[list[Any]]) -> None:
    """Parses made elsewhere (`export`), so that they need not be made again here."""
    for text, start, data, lines, sublines, error in entries:
        doc = YamlDoc(data=data, lines=lines, start=start, error=(error[0], error[1]) if error else None,
                      sublines=sublines)
        _PARSED[(text, start)] = doc


def _parse_yaml(text: str, start: int) -> YamlDoc:
    doc = YamlDoc(start=start)
    if len(_LOADERS) > 1:
        try:
            node, doc.data = _compose_and_construct(_LOADERS[0], text)
        except yaml.YAMLError:
            pass  # the pure loader below says what is wrong, in its own words
        else:
            return _with_lines(doc, node, start)
    try:
        node, doc.data = _compose_and_construct(_Loader, text)
    except yaml.MarkedYAMLError as exc:
        # The context mark is where the broken construct began (the key's line).
        mark = exc.context_mark or exc.problem_mark
        line = start + (mark.line if mark else 0)
        problem = exc.problem or exc.context or "onleesbaar"
        doc.error = (line, f"ongeldige YAML (controleer haakjes, aanhalingstekens en inspringing): {problem}")
        return doc
    except yaml.YAMLError as exc:  # pragma: no cover - non-marked errors are rare
        doc.error = (start, f"ongeldige YAML: {exc}")
        return doc
    return _with_lines(doc, node, start)


def _compose_and_construct(loader_class: type[Any], text: str) -> tuple[Any, Any]:
    """One pass: the node tree gives the lines, the same tree gives the data."""
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        return node, loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()


def _with_lines(doc: YamlDoc, node: Any, start: int) -> YamlDoc:
    """Fill in the line of each top-level key (and of the keys one level down)."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = str(key_node.value)
            doc.lines[key] = start + key_node.start_mark.line
            if isinstance(value_node, yaml.MappingNode):
                doc.sublines[key] = {
                    str(k.value): start + k.start_mark.line for k, _ in value_node.value
                }
    return doc


@dataclass
class MarkdownDoc:
    """A Markdown file split into front matter and body."""

    meta: YamlDoc
    body: str
    body_start: int  # file line of the body's first line
    has_front_matter: bool


def split_front_matter(text: str) -> MarkdownDoc:
    """Split `---` front matter from a Markdown text, keeping line numbers."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return MarkdownDoc(YamlDoc(data={}), text, 1, False)
    inner = match.group(1) or ""
    meta = parse_yaml(inner, start=2)
    if meta.data is None and meta.error is None:  # empty front matter: a fresh, empty mapping
        meta = YamlDoc(data={}, lines=meta.lines, start=meta.start, sublines=meta.sublines)
    body = text[match.end() :]
    body_start = 1 + text[: match.end()].count("\n")
    return MarkdownDoc(meta, body, body_start, True)
