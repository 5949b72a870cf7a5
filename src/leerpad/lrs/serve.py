"""``leerpad serve`` and ``leerpad lrs``: the course and its embedded LRS on this machine.

``serve(DIR)`` builds ``DIR/mkdocs.yml`` with the browser's write credential in the
environment (``LEERPAD_LRS_ENDPOINT``/``_USERNAME``/``_PASSWORD``, read by the
Leerpad plugin), starts the LRS on http://127.0.0.1:8100 (SQLite database in
``DIR/.leerpad/``) and serves the site on http://127.0.0.1:8000; with ``watch`` the
site is rebuilt and reloaded on every change (MkDocs' live-reload server). Ctrl-C
stops both.

External LRS: when ``LEERPAD_LRS_ENDPOINT`` is already set, no LRS is started and
the site is built for that endpoint (with ``LEERPAD_LRS_USERNAME``/``_PASSWORD``).

Ports: ``--port``/``--lrs-port`` (``leerpad serve``), ``--port`` (``leerpad lrs``), or
``LEERPAD_SITE_PORT`` (8000) and ``LEERPAD_LRS_PORT`` (8100).

CORS allows the site's own origins; ``--origin ORIGIN`` (both commands, repeatable)
allows one more, e.g. the LMS that launches the course (cmi5), for the LRS and the
scorer mounted beside it. ``--cmi5-endpoint URL`` (both, repeatable) adds an LMS's
xAPI endpoint the scorer trusts to confirm a cmi5 launch, beside ``scorer:
cmi5_endpoints`` in mkdocs.yml.

``leerpad lrs`` also manages the LRS of a course folder (:func:`lrs_main`)::

    leerpad lrs [DIR] [--port N] [--origin O] [--cmi5-endpoint URL]  # run the LRS
    leerpad lrs credential add NAME --scope S …  # S: statements/write, statements/read, state, profile, all
    leerpad lrs credential list | revoke NAME    # (--dir DIR, default .)
    leerpad lrs backup FILE                      # consistent copy of the SQLite store, also while it runs
"""

from __future__ import annotations

import argparse
import functools
import os
import signal
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlsplit

from leerpad.lrs.credentials import (
    CREDENTIALS_FILE,
    SCOPES,
    CredentialError,
    add_credential,
    list_credentials,
    revoke_credential,
)
from leerpad.lrs.server import DEFAULT_HOST, LRSServer, LRSStartError

STATE_DIR = ".leerpad"
DATABASE_FILE = "lrs.sqlite3"


def _port(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.isdigit() else default


def site_origins(port: int) -> list[str]:
    """The origins a browser uses for the site on ``port`` (CORS allows only these)."""
    return [f"http://127.0.0.1:{port}", f"http://localhost:{port}"]


class OriginError(ValueError):
    """A value given to ``--origin`` is not an origin; the message is Dutch and names it."""


def parse_origin(value: str) -> str:
    """``scheme://host[:port]`` as a browser sends it in ``Origin`` (lower case, no default port).

    Raises :class:`OriginError` for anything else: a path, query, user name, another
    scheme than http(s), a bad port, or ``*`` (CORS allows named origins only).
    """
    text = value.strip()
    parts = urlsplit(text)
    try:
        port = parts.port
        well_formed = (
            parts.scheme.lower() in ("http", "https")
            and bool(parts.hostname)
            and parts.username is None
            and parts.path in ("", "/")
            and not (parts.query or parts.fragment or text.endswith(("?", "#")))
        )
    except ValueError:  # a port that is not a number from 0 to 65535
        well_formed = False
    if not well_formed or not parts.hostname:
        raise OriginError(
            f"--origin '{value}' is geen oorsprong: schrijf schema://host[:poort] zonder pad, "
            "bv. https://lms.example.be"
        )
    scheme, host = parts.scheme.lower(), parts.hostname
    host = f"[{host}]" if ":" in host else host
    default = 443 if scheme == "https" else 80
    return f"{scheme}://{host}" + (f":{port}" if port not in (None, default) else "")


def database_url(course_dir: Path) -> str:
    """The embedded LRS's SQLite database for a course folder."""
    return f"sqlite://{(course_dir / STATE_DIR / DATABASE_FILE).resolve()}"


def start_embedded_lrs(
    course_dir: Path,
    site_port: int,
    lrs_port: int,
    database: str | None = None,
    workers: int = 1,
    origins: Sequence[str] = (),
    cmi5_endpoints: Sequence[str] = (),
) -> LRSServer:
    """Start the embedded LRS for ``course_dir`` with its scorer (credentials created on first start).

    CORS allows the site's origins and ``origins`` (checked by :func:`parse_origin`); the scorer
    trusts ``cmi5_endpoints`` (checked by :func:`check_cmi5_endpoints`) beside the course's list.
    """
    from leerpad.scoring.course import CourseError
    from leerpad.scoring.embedded import prepare

    try:
        scorer_env = prepare(course_dir, cmi5_endpoints)
    except CourseError as error:
        raise LRSStartError(str(error)) from error
    return LRSServer.start(
        database=database or database_url(course_dir),
        state_dir=course_dir / STATE_DIR,
        host=DEFAULT_HOST,
        port=lrs_port,
        cors_origins=[*site_origins(site_port), *origins],
        workers=workers,
        extra_env=scorer_env,
    )


@contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """Treat SIGTERM like Ctrl-C, so that both servers stop cleanly either way.

    Ctrl-C is made to interrupt even when the process started with SIGINT ignored, as a
    command started in the background of a non-interactive shell does (Python then keeps
    it ignored): the command says "stoppen met Ctrl-C", and a test's Ctrl-C must stop it.
    """

    def handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    previous_int = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_int)


class _QuietHandler(SimpleHTTPRequestHandler):
    """Static files without a log line per request."""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Silence access logs."""


def _build(config_file: Path) -> Path:
    """Build the site; return its directory."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    config = load_config(str(config_file))
    build(config)
    return Path(config.site_dir)


def _serve_static(site_dir: Path, port: int) -> None:
    handler = functools.partial(_QuietHandler, directory=str(site_dir))
    httpd = ThreadingHTTPServer((DEFAULT_HOST, port), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        threading.Event().wait()  # until Ctrl-C / SIGTERM
    finally:
        httpd.shutdown()
        httpd.server_close()


def _serve_watch(config_file: Path, port: int) -> None:
    from mkdocs.commands.serve import serve as mkdocs_serve

    mkdocs_serve(config_file=str(config_file), livereload=True, dev_addr=f"{DEFAULT_HOST}:{port}")


def serve(
    course_dir: Path,
    watch: bool = False,
    port: int | None = None,
    lrs_port: int | None = None,
    origins: Sequence[str] = (),
    cmi5_endpoints: Sequence[str] = (),
) -> int:
    """Build and serve the course with its LRS until Ctrl-C; return the exit code.

    ``origins``: more origins CORS allows (``--origin``), ``cmi5_endpoints``: more LMS endpoints
    the scorer trusts (``--cmi5-endpoint``), as given on the command line.
    """
    allowed = _origins(origins)
    if allowed is None or not check_cmi5_endpoints(cmi5_endpoints):
        return 2
    course_dir = course_dir.resolve()
    config_file = course_dir / "mkdocs.yml"
    if not config_file.exists():
        print(f"Geen mkdocs.yml gevonden in {course_dir}.")
        return 1
    site_port = port or _port("LEERPAD_SITE_PORT", 8000)
    lrs_port = lrs_port or _port("LEERPAD_LRS_PORT", 8100)
    lrs: LRSServer | None = None
    with _terminate_as_interrupt():
        try:
            if os.environ.get("LEERPAD_LRS_ENDPOINT"):
                print(f"Externe LRS: {os.environ['LEERPAD_LRS_ENDPOINT']}")
            else:
                lrs = start_embedded_lrs(course_dir, site_port, lrs_port, origins=allowed,
                                         cmi5_endpoints=cmi5_endpoints)
                os.environ["LEERPAD_LRS_ENDPOINT"] = lrs.endpoint
                os.environ["LEERPAD_LRS_USERNAME"], os.environ["LEERPAD_LRS_PASSWORD"] = lrs.write
                print(f"LRS: {lrs.endpoint} (sleutels in {course_dir / STATE_DIR / CREDENTIALS_FILE})")
            print(f"Cursus: http://{DEFAULT_HOST}:{site_port}/ — stoppen met Ctrl-C", flush=True)
            if watch:
                _serve_watch(config_file, site_port)
            else:
                site_dir = _build(config_file)
                print("Site gebouwd.", flush=True)
                _serve_static(site_dir, site_port)
        except KeyboardInterrupt:
            pass
        except LRSStartError as error:
            print(f"De LRS start niet: {error}")
            return 1
        except OSError as error:
            print(f"Serveren lukt niet: {error}")
            return 1
        except Exception as error:  # noqa: BLE001 - a build error, shown to the trainer
            print(f"De cursus bouwen lukt niet: {error}")
            return 1
        finally:
            if lrs is not None:
                lrs.stop()
            print("Gestopt.", flush=True)
    return 0


def _origins(values: Sequence[str]) -> list[str] | None:
    """The ``--origin`` values as origins, or None after printing the first bad one."""
    try:
        return [parse_origin(value) for value in values]
    except OriginError as error:
        print(error)
        return None


def check_cmi5_endpoints(values: Sequence[str]) -> bool:
    """Whether every ``--cmi5-endpoint`` value is an http(s) URL; prints each bad one, naming the flag."""
    from leerpad.scoring.launches import FLAG, check_endpoints

    problems = check_endpoints(values, FLAG)
    for problem in problems:
        print(problem)
    return not problems


def run_lrs(
    course_dir: Path,
    port: int | None = None,
    database: str | None = None,
    workers: int = 1,
    origins: Sequence[str] = (),
    cmi5_endpoints: Sequence[str] = (),
) -> int:
    """Run the embedded LRS alone until Ctrl-C; return the exit code (``origins``, ``cmi5_endpoints``:
    as :func:`serve`)."""
    allowed = _origins(origins)
    if allowed is None or not check_cmi5_endpoints(cmi5_endpoints):
        return 2
    course_dir = course_dir.resolve()
    site_port = _port("LEERPAD_SITE_PORT", 8000)
    lrs_port = port or _port("LEERPAD_LRS_PORT", 8100)
    if workers > 1 and not (database or "").startswith(("postgresql://", "postgres://")):
        print("Meer dan één worker kan alleen met PostgreSQL (--database postgresql://…).")
        return 1
    with _terminate_as_interrupt():
        try:
            lrs = start_embedded_lrs(course_dir, site_port, lrs_port, database, workers, allowed, cmi5_endpoints)
        except LRSStartError as error:
            print(f"De LRS start niet: {error}")
            return 1
        try:
            print(f"LRS: {lrs.endpoint} (sleutels in {course_dir / STATE_DIR / CREDENTIALS_FILE})")
            print("Stoppen met Ctrl-C.", flush=True)
            if lrs.process is not None:
                lrs.process.wait()
                if lrs.process is not None and lrs.process.returncode not in (0, None):
                    print(f"De LRS stopte onverwacht (code {lrs.process.returncode}).")
                    return 1
        except KeyboardInterrupt:
            pass
        finally:
            lrs.stop()
            print("Gestopt.", flush=True)
    return 0


# ------------------------------------------------------- managing a course's LRS


def backup(course_dir: Path, target: Path) -> int:
    """Copy the course's SQLite store to ``target`` with SQLite's online backup (LRS may run)."""
    source = course_dir.resolve() / STATE_DIR / DATABASE_FILE
    if not source.exists():
        print(f"Geen LRS-database in {source.parent}.")
        return 1
    if target.exists():
        print(f"{target} bestaat al: kies een nieuwe bestandsnaam.")
        return 1
    with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as reader, sqlite3.connect(target) as copy:
        reader.backup(copy)
    copy.close()
    print(f"Kopie gemaakt: {target}")
    return 0


def _credential(args: argparse.Namespace) -> int:
    state_dir = Path(args.dir).resolve() / STATE_DIR
    try:
        if args.action == "add":
            credential = add_credential(state_dir, args.name, args.scope or [])
            print(f"Sleutel '{credential.username}' toegevoegd (scope: {', '.join(args.scope)}).")
            print(f"Wachtwoord (wordt niet bewaard, noteer het nu): {credential.password}")
        elif args.action == "revoke":
            revoke_credential(state_dir, args.name)
            print(f"Sleutel '{args.name}' ingetrokken.")
        else:
            for name, scopes in list_credentials(state_dir):
                print(f"{name}\t{' '.join(scopes)}")
    except CredentialError as error:
        print(error)
        return 1
    return 0


def lrs_main(argv: Sequence[str]) -> int:
    """``leerpad lrs …``: run the LRS, manage its credentials, or back it up."""
    parser = argparse.ArgumentParser(prog="leerpad lrs")
    if argv[:1] == ["credential"]:
        parser.add_argument("word")
        parser.add_argument("action", choices=("add", "list", "revoke"))
        parser.add_argument("name", nargs="?", help="naam van de sleutel (add, revoke)")
        parser.add_argument("--scope", action="append", choices=list(SCOPES), help="herhaal voor meer scopes")
        parser.add_argument("--dir", default=".", help="map met mkdocs.yml (standaard: .)")
        args = parser.parse_args(argv)
        if args.action != "list" and not args.name:
            parser.error(f"{args.action} heeft een NAAM nodig")
        return _credential(args)
    if argv[:1] == ["backup"]:
        parser.add_argument("word")
        parser.add_argument("file", help="het nieuwe bestand voor de kopie")
        parser.add_argument("--dir", default=".", help="map met mkdocs.yml (standaard: .)")
        args = parser.parse_args(argv)
        return backup(Path(args.dir), Path(args.file))
    parser.epilog = (
        "Ook: 'leerpad lrs credential add NAAM --scope …' (list, revoke NAAM) en "
        "'leerpad lrs backup BESTAND' (elk met --dir MAP)."
    )
    parser.add_argument("dir", nargs="?", default=".")
    parser.add_argument("--port", type=int, help="poort van de LRS (standaard 8100)")
    parser.add_argument("--database", help="postgresql://… in plaats van .leerpad/lrs.sqlite3")
    parser.add_argument("--workers", type=int, default=1, help="processen (alleen met PostgreSQL)")
    parser.add_argument(
        "--origin", action="append", default=[], metavar="ORIGIN",
        help="sta ook deze oorsprong toe (CORS), bv. het LMS: https://lms.example.be (herhaalbaar)",
    )
    parser.add_argument(
        "--cmi5-endpoint", action="append", default=[], metavar="URL",
        help="xAPI-endpoint van een leeromgeving (LMS) die cmi5-lanceringen bevestigt, herhaalbaar "
        "(naast 'scorer: cmi5_endpoints' in mkdocs.yml)",
    )
    args = parser.parse_args(argv)
    return run_lrs(Path(args.dir), port=args.port, database=args.database, workers=args.workers, origins=args.origin,
                   cmi5_endpoints=args.cmi5_endpoint)

