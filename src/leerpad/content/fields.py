"""Checks for front-matter fields, each error at the line of its key."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from leerpad.content.models import ContentError
from leerpad.content.questions import ID_PATTERN
from leerpad.content.yamltext import YamlDoc


class Fields:
    """Reads typed values from a parsed YAML mapping and collects errors."""

    def __init__(self, doc: YamlDoc, path: str, errors: list[ContentError], what: str) -> None:
        self.doc = doc
        self.path = path
        self.errors = errors
        self.what = what
        self.data: dict[str, Any] = doc.data if isinstance(doc.data, dict) else {}

    def error(self, key: str | None, message: str) -> None:
        """Record an error at the line of `key` (or of the document)."""
        self.errors.append(ContentError(self.path, self.doc.line(key), message))

    def allow_only(self, keys: Iterable[str]) -> None:
        """Report every key that is not one of `keys`."""
        allowed = list(keys)
        for key in self.data:
            if key not in allowed:
                self.error(str(key), f"onbekende sleutel '{key}' (toegestaan: {', '.join(allowed)})")

    def ident(self, key: str = "id") -> str:
        """A required `[a-z0-9-]+` id."""
        value = self.data.get(key)
        if value is None or value == "":
            self.error(None if key not in self.data else key, f"{self.what} zonder '{key}'")
            return ""
        if not isinstance(value, str) or not ID_PATTERN.match(value):
            self.error(key, f"ongeldige {key} '{value}': alleen kleine letters, cijfers en '-'")
            return str(value)
        return value

    def text(self, key: str, required: bool = True) -> str:
        """A string field."""
        value = self.data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.error(None if key not in self.data else key, f"{self.what} zonder '{key}'")
            return ""
        if not isinstance(value, str | int | float):
            self.error(key, f"'{key}' moet tekst zijn")
            return ""
        return str(value)

    def number(
        self,
        key: str,
        default: Any,
        low: float,
        high: float | None,
        integer: bool = False,
        required: bool = False,
    ) -> Any:
        """A number within [low, high]; `default` when absent or wrong."""
        if key not in self.data:
            if required:
                self.error(None, f"{self.what} zonder '{key}'")
            return default
        value = self.data[key]
        kind = "een geheel getal" if integer else "een getal"
        if isinstance(value, bool) or not isinstance(value, int | float) or (
            integer and not isinstance(value, int)
        ):
            self.error(key, f"'{key}' moet {kind} zijn, niet '{value}'")
            return default
        if value < low or (high is not None and value > high):
            bounds = f"tussen {low:g} en {high:g} liggen" if high is not None else f"minstens {low:g} zijn"
            self.error(key, f"'{key}' moet {bounds}, niet {value:g}")
            return default
        return value

    def flag(self, key: str) -> bool:
        """A boolean field (default false)."""
        value = self.data.get(key, False)
        if not isinstance(value, bool):
            self.error(key, f"'{key}' moet true of false zijn")
            return False
        return value

    def one_of(self, key: str, allowed: Collection[str], required: bool = True) -> str:
        """A single value from a closed list."""
        value = self.data.get(key)
        if value is None:
            if required:
                self.error(None, f"{self.what} zonder '{key}'")
            return ""
        if value not in allowed:
            self.error(key, f"onbekende {key} '{value}' (kies uit: {', '.join(allowed)})")
            return ""
        return str(value)

    def list_of(self, key: str, allowed: Collection[str], noun: str) -> list[str]:
        """A list whose items must be in `allowed` (a closed list or known ids)."""
        value = self.data.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            self.error(key, f"'{key}' moet een lijst zijn, bv. [a, b]")
            return []
        good: list[str] = []
        for item in value:
            if item in allowed:
                good.append(str(item))
            else:
                hint = f" (kies uit: {', '.join(allowed)})" if 0 < len(allowed) <= 12 else ""
                self.error(key, f"onbekende {noun} '{item}' in '{key}'{hint}")
        return good
