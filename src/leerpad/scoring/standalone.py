"""``leerpad scorer``: the scoring service on its own, in front of any xAPI LRS.

The scorer keeps its attempts in a SQLite file of its own (``.leerpad/scorer.sqlite3``
by default, or ``--database``) and POSTs its statements to ``--lrs`` with its own
credential (``--username``/``--password``). For the statements to carry the scorer's
authority, give that credential the scorer's agent in the LRS (README). Learners'
browsers authenticate with the site's write credential (``--learner-username``/
``--learner-password``, by default ``LEERPAD_LRS_USERNAME``/``_PASSWORD`` as for the
build). It refuses to start when a key file is missing or out of date, naming the quiz.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from leerpad.xapi.keys import STATE_DIR

if TYPE_CHECKING:  # the server side is imported only when the scorer runs
    from starlette.types import ASGIApp

    from leerpad.scoring.service import Scorer

DEFAULT_PORT = 8200


def scorer_app(
    course_dir: Path,
    *,
    lrs: str,
    credential: tuple[str, str],
    learner_credential: tuple[str, str],
    database: str | None = None,
    origins: Sequence[str] = (),
    cmi5_endpoints: Sequence[str] = (),
) -> tuple[ASGIApp, Scorer]:
    """The standalone scorer app for ``course_dir`` (raises :class:`CourseError`); ``cmi5_endpoints``
    are trusted beside the course's ``scorer: cmi5_endpoints``."""
    from starlette.middleware.cors import CORSMiddleware

    from leerpad.scoring.book import AttemptBook
    from leerpad.scoring.course import load_scored_course
    from leerpad.scoring.delivery import HttpDelivery
    from leerpad.scoring.http import credential_check, scoring_app
    from leerpad.scoring.service import Scorer

    course = load_scored_course(course_dir, cmi5_endpoints)
    url = database or f"sqlite://{(course_dir / STATE_DIR / 'scorer.sqlite3').resolve()}"
    if url.startswith("sqlite://"):
        Path(url[len("sqlite://") :]).parent.mkdir(parents=True, exist_ok=True)
    scorer = Scorer(course, AttemptBook.open(url), HttpDelivery(lrs, *credential))
    app: ASGIApp = scoring_app(scorer, credential_check(learner_credential))
    if origins:
        app = CORSMiddleware(
            app,
            allow_origins=list(origins),
            allow_methods=["POST"],
            allow_headers=["Authorization", "Content-Type", "X-Experience-API-Version"],
            max_age=600,
        )
    return app, scorer


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``leerpad scorer``."""
    parser.add_argument("dir", nargs="?", default=".", help="map met mkdocs.yml (standaard: .)")
    parser.add_argument("--lrs", required=True, help="xAPI-endpoint van de LRS, bv. https://lrs.example/xAPI/")
    parser.add_argument("--username", required=True, help="sleutel van de scorer voor die LRS")
    parser.add_argument("--password", required=True, help="wachtwoord van die sleutel")
    parser.add_argument("--learner-username", default=os.environ.get("LEERPAD_LRS_USERNAME", ""))
    parser.add_argument("--learner-password", default=os.environ.get("LEERPAD_LRS_PASSWORD", ""))
    parser.add_argument("--database", help="sqlite:///… of postgresql://… (standaard .leerpad/scorer.sqlite3)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--origin", action="append", default=[], help="herkomst van de site (CORS), herhaalbaar")
    parser.add_argument(
        "--cmi5-endpoint", action="append", default=[], metavar="URL",
        help="xAPI-endpoint van een leeromgeving (LMS) die cmi5-lanceringen bevestigt, herhaalbaar "
        "(naast 'scorer: cmi5_endpoints' in mkdocs.yml)",
    )


def _keep_delivering(scorer: Scorer, every: float = 10.0) -> None:
    """Deliver what waits for the LRS now, then every ``every`` seconds (a daemon thread)."""
    import threading

    def loop() -> None:
        while True:
            try:
                scorer.deliver_pending()
            except Exception:  # noqa: BLE001 - keep trying; the statements stay pending
                logging.getLogger(__name__).exception("delivering the scorer's statements failed")
            time.sleep(every)

    threading.Thread(target=loop, name="leerpad-scorer-delivery", daemon=True).start()


def run_scorer(args: argparse.Namespace) -> int:
    """Serve the scorer until Ctrl-C; return the exit code."""
    import uvicorn

    from leerpad.scoring.course import CourseError

    if not args.learner_username or not args.learner_password:
        print(
            "De scorer start niet: geef de schrijfsleutel van de site "
            "(--learner-username/--learner-password of LEERPAD_LRS_USERNAME/_PASSWORD).",
            file=sys.stderr,
        )
        return 2
    try:
        app, scorer = scorer_app(
            Path(args.dir).resolve(),
            lrs=args.lrs,
            credential=(args.username, args.password),
            learner_credential=(args.learner_username, args.learner_password),
            database=args.database,
            origins=args.origin,
            cmi5_endpoints=args.cmi5_endpoint,
        )
    except CourseError as error:
        print(str(error), file=sys.stderr)
        return 1
    _keep_delivering(scorer)
    print(f"Scorer: http://{args.host}:{args.port}/leerpad/v1/ voor LRS {args.lrs} — stoppen met Ctrl-C", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)
    return 0
