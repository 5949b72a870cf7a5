"""The scorer mounted in the embedded LRS: same server, same credentials, same CORS.

The LRS app calls :func:`mount` when ``LEERPAD_LRS_MOUNT`` names it (``leerpad serve``
and ``leerpad lrs`` set it, with ``LEERPAD_SCORER_COURSE`` = the course folder). It
then answers ``/leerpad/v1/…`` itself, writes its statements straight into the LRS's
database (attempts in a table of the same database), and refuses the browser's
forbidden writes (:mod:`leerpad.scoring.guard`). The LRS does not start when a key file
is missing or out of date: the log names the quiz.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

from starlette.types import ASGIApp, Receive, Scope, Send

from leerpad.lrs.credentials import CREDENTIALS_FILE, Credentials
from leerpad.lrs.store import StatementStore, open_database
from leerpad.scoring.book import AttemptBook
from leerpad.scoring.course import CourseError, load_scored_course, write_course_keys
from leerpad.scoring.delivery import StoreDelivery
from leerpad.scoring.guard import BrowserWriteGuard, BrowserWriteRule
from leerpad.scoring.http import PREFIX, credential_check, scoring_app
from leerpad.scoring.service import Scorer
from leerpad.xapi.keys import keys_dir

#: The LRS app's mount hook (``module:function``) and the course folder it scores.
MOUNT = "leerpad.scoring.embedded:mount"
COURSE_ENV = "LEERPAD_SCORER_COURSE"
log = logging.getLogger(__name__)


def mount_environment(course_dir: Path) -> dict[str, str]:
    """The environment that makes an embedded LRS mount the scorer for ``course_dir``."""
    return {"LEERPAD_LRS_MOUNT": MOUNT, COURSE_ENV: str(course_dir.resolve())}


def prepare(course_dir: Path) -> dict[str, str]:
    """Write the course's key files (the LRS may start before the build) and return the mount environment."""
    write_course_keys(course_dir)
    return mount_environment(course_dir)


def basic_username(header: bytes) -> str | None:
    """The username of an ``Authorization: Basic …`` header."""
    scheme, _, token = header.decode("latin-1").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        return base64.b64decode(token.strip(), validate=True).decode().partition(":")[0]
    except (binascii.Error, UnicodeDecodeError):
        return None


class KeyWatch:
    """Reloads the course when its key files change (``leerpad serve --watch`` rebuilds them)."""

    def __init__(self, course_dir: Path, scorer: Scorer, guard: BrowserWriteGuard, every: float = 1.0) -> None:
        """Watch ``course_dir``'s keys for ``scorer`` and ``guard``, at most once per ``every`` seconds."""
        self.folder = keys_dir(course_dir)
        self.course_dir = course_dir
        self.scorer = scorer
        self.guard = guard
        self.every = every
        self.checked = time.monotonic()
        self.seen = self._signature()

    def _signature(self) -> tuple[tuple[str, int], ...]:
        try:
            return tuple(sorted((e.name, e.stat().st_mtime_ns) for e in os.scandir(self.folder)))
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
            course = load_scored_course(self.course_dir)
        except CourseError as error:  # a build is writing the keys: try again later
            log.warning("keeping the previous keys: %s", error)
            return
        self.seen = signature
        self.scorer.course = course
        self.guard.rule = BrowserWriteRule(course)
        log.info("answer keys reloaded")


class ScorerMount:
    """``/leerpad/v1/…`` to the scorer, everything else to the (guarded) LRS."""

    def __init__(self, lrs: ASGIApp, scorer: ASGIApp, watch: KeyWatch | None = None) -> None:
        """Route between ``lrs`` and ``scorer``; ``watch`` reloads changed keys first."""
        self.lrs = lrs
        self.scorer = scorer
        self.watch = watch

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Dispatch on the path."""
        if scope["type"] == "http" and self.watch is not None:
            self.watch.refresh()
        if scope["type"] == "http" and scope["path"].startswith(PREFIX + "/"):
            await self.scorer(scope, receive, send)
        else:
            await self.lrs(scope, receive, send)


def mount(lrs: ASGIApp) -> ASGIApp:
    """The LRS app with the scorer of ``$LEERPAD_SCORER_COURSE`` mounted in it."""
    course_dir = Path(os.environ[COURSE_ENV])
    course = load_scored_course(course_dir)
    database = open_database(os.environ["LEERPAD_LRS_DATABASE"])
    # credentials.json lies beside Ralph's auth file (leerpad.lrs.credentials).
    state_dir = Path(os.environ["RALPH_AUTH_FILE"]).parent
    credentials = Credentials.from_json(json.loads((state_dir / CREDENTIALS_FILE).read_text(encoding="utf-8")))
    scorer = Scorer(course, AttemptBook(database), StoreDelivery(StatementStore(database)))
    scorer.deliver_pending()  # statements of submits a crash interrupted
    browser = credentials.write.username
    is_browser: Callable[[bytes], bool] = lambda header: basic_username(header) == browser  # noqa: E731
    read = credentials.read
    authenticate = credential_check(credentials.write.as_tuple(), {read.username: read.password})
    guarded = BrowserWriteGuard(lrs, BrowserWriteRule(course), is_browser)
    watch = KeyWatch(course_dir, scorer, guarded)
    return ScorerMount(guarded, scoring_app(scorer, authenticate), watch)
