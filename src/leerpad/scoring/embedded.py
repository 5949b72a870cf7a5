"""The scorer in the embedded LRS: same server, same credentials, same CORS.

``leerpad serve`` and ``leerpad lrs`` start the LRS with ``LEERPAD_LRS_EXTENSION``
naming :func:`extension` and ``LEERPAD_SCORER_COURSE`` = the course folder
(:func:`prepare`). The LRS then serves ``/leerpad/v1/…`` (a root mount), checks every
statement the browser's write credential sends against the scorer's rule (a statement
policy), and the scorer writes its statements straight into the LRS's database, with
its attempts in a table of the same database. The LRS does not start when a key file
is missing or out of date: the log names the quiz. Rebuilt keys (``leerpad serve
--watch``) are taken without a restart. ``LEERPAD_SCORER_CMI5_ENDPOINTS`` (one URL a
line, ``--cmi5-endpoint`` of both commands) adds LMSs the scorer trusts beside the
course's ``scorer: cmi5_endpoints``.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from leerpad.lrs.access import Caller, Gate
from leerpad.lrs.credentials import CREDENTIALS_FILE, Credentials
from leerpad.lrs.dialects import open_database
from leerpad.lrs.store import StatementStore
from leerpad.scoring.book import AttemptBook
from leerpad.scoring.course import CourseError, ScoredCourse, load_scored_course, write_course_keys
from leerpad.scoring.delivery import StoreDelivery
from leerpad.scoring.guard import BrowserWriteRule
from leerpad.scoring.http import PREFIX, gate_check, scoring_app
from leerpad.scoring.service import Scorer
from leerpad.xapi.keys import keys_dir

#: The LRS's extension hook (``module:function``) and the course folder it scores.
EXTENSION = "leerpad.scoring.embedded:extension"
COURSE_ENV = "LEERPAD_SCORER_COURSE"
#: More LMS xAPI endpoints the scorer trusts (``--cmi5-endpoint``), one a line.
ENDPOINTS_ENV = "LEERPAD_SCORER_CMI5_ENDPOINTS"
log = logging.getLogger(__name__)


def mount_environment(course_dir: Path, cmi5_endpoints: Sequence[str] = ()) -> dict[str, str]:
    """The environment that makes an embedded LRS serve the scorer of ``course_dir``, trusting
    ``cmi5_endpoints`` (checked by the caller) beside the course's list."""
    env = {"LEERPAD_LRS_EXTENSION": EXTENSION, COURSE_ENV: str(course_dir.resolve())}
    return {**env, ENDPOINTS_ENV: "\n".join(cmi5_endpoints)} if cmi5_endpoints else env


def prepare(course_dir: Path, cmi5_endpoints: Sequence[str] = ()) -> dict[str, str]:
    """Write the course's key files (the LRS may start before the build) and return the environment."""
    write_course_keys(course_dir)
    return mount_environment(course_dir, cmi5_endpoints)


class EmbeddedScorer:
    """What the scorer adds to the LRS: its routes (``mounts``) and its rule (``policies``)."""

    def __init__(self, course_dir: Path, database: str, auth_file: Path, every: float = 1.0,
                 cmi5_endpoints: Sequence[str] = ()) -> None:
        """Load the course (raises :class:`CourseError`), open the attempts and the store;
        ``cmi5_endpoints`` are trusted beside the course's ``scorer: cmi5_endpoints``."""
        self.course_dir = course_dir
        self.cmi5_endpoints = tuple(cmi5_endpoints)
        course = self._load()
        db = open_database(database)
        self.scorer = Scorer(course, AttemptBook(db), StoreDelivery(StatementStore(db)))
        self.scorer.deliver_pending()  # statements of submits a crash interrupted
        self.rule = BrowserWriteRule(course)
        # credentials.json lies beside Ralph's auth file (leerpad.lrs.credentials).
        state = json.loads((auth_file.parent / CREDENTIALS_FILE).read_text(encoding="utf-8"))
        self.browser = Credentials.from_json(state).write.username
        self.app = scoring_app(self.scorer, gate_check(Gate(auth_file)))
        self.every = every
        self.checked = time.monotonic()
        self.seen = self._signature()

    @property
    def mounts(self) -> list[tuple[str, ASGIApp]]:
        """``/leerpad/v1`` → the scoring service."""
        return [(PREFIX, self._serve)]

    @property
    def policies(self) -> list[Any]:
        """The browser's write rule."""
        return [self.refuse_browser]

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.refresh()
        await self.app(scope, receive, send)

    def refuse_browser(self, statements: Sequence[Mapping[str, Any]], caller: Caller) -> str | None:
        """A statement policy: the browser's credential may not store results or void."""
        if caller.username != self.browser:
            return None
        self.refresh()
        return self.rule.refuse_batch(statements)

    def _load(self) -> ScoredCourse:
        return load_scored_course(self.course_dir, self.cmi5_endpoints)

    def _signature(self) -> tuple[tuple[str, int], ...]:
        try:
            return tuple(sorted((e.name, e.stat().st_mtime_ns) for e in os.scandir(keys_dir(self.course_dir))))
        except OSError:
            return ()

    def refresh(self) -> None:
        """Load the course again when a key file changed; keep the old one while it does not load."""
        if time.monotonic() - self.checked < self.every:
            return
        self.checked = time.monotonic()
        signature = self._signature()
        if signature == self.seen:
            return
        try:
            course = self._load()
        except CourseError as error:  # a build is writing the keys: try again later
            log.warning("keeping the previous keys: %s", error)
            return
        self.seen = signature
        self.scorer.course = course
        self.rule = BrowserWriteRule(course)
        log.info("answer keys reloaded")


def extension() -> EmbeddedScorer:
    """The scorer of ``$LEERPAD_SCORER_COURSE`` for the LRS of this process."""
    return EmbeddedScorer(
        Path(os.environ[COURSE_ENV]),
        os.environ["LEERPAD_LRS_DATABASE"],
        Path(os.environ["RALPH_AUTH_FILE"]),
        cmi5_endpoints=os.environ.get(ENDPOINTS_ENV, "").split(),
    )
