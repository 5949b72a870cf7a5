"""Statements from an LRS through the standard Statements API, one page at a time.

Only what xAPI 1.0.3 gives every conformant LRS is used: ``GET statements`` with
``activity`` + ``related_activities=true``, ``since``/``until``, ``ascending`` and
the ``more`` link, with a read credential over HTTP Basic. Nothing is kept: the
caller folds each statement into its aggregates as it arrives.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urljoin

XAPI_HEADERS = {"X-Experience-API-Version": "1.0.3"}
CREDENTIALS_FILE = Path(".leerpad") / "credentials.json"


class SourceError(Exception):
    """The LRS cannot be read: one line for the organiser, exit code 2."""


@dataclass(frozen=True)
class Source:
    """An LRS endpoint (ending in ``/xAPI/``) and a credential that may read statements."""

    endpoint: str
    username: str
    password: str

    @classmethod
    def from_course(
        cls,
        root: Path,
        endpoint: str | None = None,
        username: str | None = None,
        password: str | None = None,
    ) -> Source:
        """Options first, then ``.leerpad/credentials.json`` beside mkdocs.yml (its read credential)."""
        stored: dict[str, Any] = {}
        path = root / CREDENTIALS_FILE
        if not (endpoint and username and password):
            try:
                stored = json.loads(path.read_text(encoding="utf-8"))
            except FileNotFoundError:
                raise SourceError(
                    f"geen LRS opgegeven: {path} ontbreekt; geef --endpoint, --username en --password"
                ) from None
            except (OSError, ValueError) as error:
                raise SourceError(f"{path}: onleesbaar ({error})") from None
        read_value = stored.get("read")
        read: dict[str, Any] = read_value if isinstance(read_value, dict) else {}
        chosen = cls(
            endpoint=str(endpoint or stored.get("endpoint") or ""),
            username=str(username or read.get("username") or ""),
            password=str(password or read.get("password") or ""),
        )
        if not (chosen.endpoint and chosen.username and chosen.password):
            raise SourceError(f"{path}: endpoint of leesgegevens (read) ontbreken")
        if not chosen.endpoint.endswith("/"):
            chosen = cls(chosen.endpoint + "/", chosen.username, chosen.password)
        return chosen

    def statements(
        self,
        activity: str,
        since: str | None = None,
        until: str | None = None,
        progress: Progress | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Yield every statement about ``activity`` or below it, oldest stored first.

        Raises :class:`SourceError` with a readable line when the LRS cannot be
        reached, refuses the credential or answers something that is not a page.
        """
        import requests

        session = requests.Session()
        session.auth = (self.username, self.password)
        session.headers.update(XAPI_HEADERS)
        # limit=0: as many per page as the LRS allows (xAPI 1.0.3, 2.1.3).
        query = {"activity": activity, "related_activities": "true", "ascending": "true", "limit": "0"}
        if since:
            query["since"] = since
        if until:
            query["until"] = until
        params: dict[str, str] | None = query
        url: str | None = urljoin(self.endpoint, "statements")
        try:
            while url:
                page = self._page(session, url, params)
                statements = page.get("statements")
                if not isinstance(statements, list):
                    raise SourceError(f"{self.endpoint}: antwoord zonder 'statements'-lijst")
                if progress is not None:
                    progress.advance(len(statements))
                yield from (s for s in statements if isinstance(s, dict))
                more = page.get("more")
                url = urljoin(self.endpoint, more) if isinstance(more, str) and more else None
                params = None
        finally:
            session.close()
            if progress is not None:
                progress.done()

    def _page(self, session: Any, url: str, params: dict[str, str] | None) -> dict[str, Any]:
        import requests

        try:
            response = session.get(url, params=params, timeout=120)
        except requests.RequestException as error:
            reason = type(error).__name__
            raise SourceError(f"LRS niet bereikbaar op {self.endpoint} ({reason})") from None
        if response.status_code in (401, 403):
            raise SourceError(
                f"LRS weigert de leesgegevens (HTTP {response.status_code}): "
                f"controleer gebruiker en wachtwoord voor {self.endpoint}"
            )
        if response.status_code != 200:
            raise SourceError(f"LRS antwoordt HTTP {response.status_code} op {response.url}")
        try:
            page = response.json()
        except ValueError:
            raise SourceError(f"LRS antwoordt geen JSON op {response.url}") from None
        if not isinstance(page, dict):
            raise SourceError(f"LRS antwoordt geen StatementResult op {response.url}")
        return page


class Progress:
    """A progress line on the terminal (stderr): statements read and the rate.

    The Statements API does not say how many statements a query will return, so
    the line counts what has arrived. Nothing is written when stderr is not a
    terminal (pipes, tests, cron), unless ``force``.
    """

    def __init__(self, stream: TextIO | None = None, force: bool = False, every: float = 0.2) -> None:
        """Write to ``stream`` (stderr) at most every ``every`` seconds."""
        self.stream = stream or sys.stderr
        self.enabled = force or self.stream.isatty()
        self.count = 0
        self.pages = 0
        self.started = time.monotonic()
        self.every = every
        self._shown = 0.0

    def advance(self, count: int) -> None:
        """One more page of ``count`` statements has arrived."""
        self.count += count
        self.pages += 1
        now = time.monotonic()
        if self.enabled and now - self._shown >= self.every:
            self._shown = now
            self.stream.write("\r" + self.line(now))
            self.stream.flush()

    def line(self, now: float | None = None) -> str:
        """The text of the progress line."""
        elapsed = max((now or time.monotonic()) - self.started, 1e-9)
        rate = self.count / elapsed
        bar = "#" * min(20, self.pages % 21) + "." * (20 - min(20, self.pages % 21))
        count = f"{self.count:,}".replace(",", ".")
        speed = f"{rate:,.0f}".replace(",", ".")
        return f"Statements lezen [{bar}] {count} ({speed}/s, {self.pages} pagina's)"

    def done(self) -> None:
        """End the line."""
        if self.enabled:
            self.stream.write("\r" + self.line() + "\n")
            self.stream.flush()
