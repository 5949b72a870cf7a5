"""The ``leerpad`` command: validate, new, build, serve, lrs, scorer, report, verify.

Each subcommand is a thin wrapper around the module that owns the concern, so
that this file stays an index of what the tool can do.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path


def _cmd_validate(args: argparse.Namespace) -> int:
    from leerpad.content.validate import report_errors
    from leerpad.plugin.settings import CONFIG_FILE, read_course

    root = Path(args.dir)
    if not (root / CONFIG_FILE).is_file():
        print(f"{root / CONFIG_FILE}: niet gevonden (is dit de map van een cursus?)", file=sys.stderr)
        return 2
    course, errors = read_course(root)
    return report_errors(course, errors)


def _cmd_new(args: argparse.Namespace) -> int:
    from leerpad.content.questions import ID_PATTERN
    from leerpad.content.templates import new_file
    from leerpad.layout import CASES_DIR, QUIZZES_DIR
    from leerpad.plugin.settings import read_course

    root = Path(args.dir)
    if not ID_PATTERN.match(args.id):
        print(f"ongeldige id '{args.id}': alleen kleine letters, cijfers en '-'", file=sys.stderr)
        return 2
    folder = CASES_DIR if args.kind == "case" else QUIZZES_DIR
    target = root / folder / f"{args.id}.md"
    if target.exists():
        print(f"{target}: bestaat al; kies een andere id", file=sys.stderr)
        return 1
    course, _errors = read_course(root)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(new_file(args.kind, args.id, course), encoding="utf-8")
    print(f"{target} aangemaakt: pas de tekst aan en controleer met 'leerpad validate'.")
    return 0


def _cmd_build(args: argparse.Namespace) -> int:
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    try:
        config = load_config(str(Path(args.dir) / "mkdocs.yml"), strict=args.strict)
        build(config)
    except MkDocsException:  # MkDocs logged every error above; its own last line is English
        print("De cursus is niet gebouwd: los de fouten hierboven op.", file=sys.stderr)
        return 1
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    from leerpad.lrs.serve import serve

    return serve(Path(args.dir), watch=args.watch, port=args.port, lrs_port=args.lrs_port, origins=args.origin,
                 cmi5_endpoints=args.cmi5_endpoint)


def _cmd_lrs(args: argparse.Namespace) -> int:
    from leerpad.lrs.serve import lrs_main

    return lrs_main(args.rest)


def _cmd_scorer(args: argparse.Namespace) -> int:
    from leerpad.scoring.standalone import run_scorer

    return run_scorer(args)


def _cmd_package(args: argparse.Namespace) -> int:
    try:
        from leerpad.cmi5.check import check_package, print_problems
        from leerpad.cmi5.package import run_package
    except ImportError as error:  # lxml comes with the extra
        print(f"{error}: installeer leerpad[cmi5] (pip install 'leerpad[cmi5]')", file=sys.stderr)
        return 2
    if args.check:
        if print_problems(check_package(Path(args.check)), lambda found: f"{found} in {args.check}"):
            return 1
        print(f"{args.check}: geen problemen gevonden")
        return 0
    return run_package(Path(args.dir), Path(args.output), [o.rstrip("/") for o in args.lms_origin])


def _cmd_report(args: argparse.Namespace) -> int:
    from leerpad.report.command import ReportOptions, run_report

    options = ReportOptions(
        root=Path(args.dir),
        formats=args.format or ["csv"],
        authorities=args.authority or ["riziv", "apotheek", "gaia"],
        month=args.month,
        out=Path(args.out) if args.out else None,
        trust=args.trust or [],
        attempt_set=args.attempts,
        since=args.since,
        until=args.until,
        endpoint=args.endpoint,
        username=args.username,
        password=args.password,
        progress=args.progress,
    )
    return run_report(options)


def _cmd_angoff(args: argparse.Namespace) -> int:
    from leerpad.report.standard import run_angoff

    template = Path(args.template) if args.template else None
    return run_angoff(Path(args.dir), args.quiz, [Path(s) for s in args.sheets], template, sys.stdout, sys.stderr)


def _cmd_verify(args: argparse.Namespace) -> int:
    from leerpad.report.command import run_verify

    return run_verify(Path(args.dir), args.code)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="leerpad", description="Leerpad: e-learning uit Markdown, met xAPI."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate", help="controleer de hele cursus (fouten als pad:regel: melding)")
    p.add_argument("dir", nargs="?", default=".", help="map met mkdocs.yml (standaard: .)")
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("new", help="maak een nieuwe casus of toets aan")
    p.add_argument("kind", choices=("case", "quiz"), help="case (casus) of quiz (toets)")
    p.add_argument("id", help="vaste id, bv. eenzame-weduwnaar (wijzigt nooit meer)")
    p.add_argument("--dir", default=".", help="map met mkdocs.yml (standaard: .)")
    p.set_defaults(func=_cmd_new)

    p = sub.add_parser("build", help="bouw de site (mkdocs build)")
    p.add_argument("dir", nargs="?", default=".")
    p.add_argument("--strict", action="store_true", help="stop bij elke waarschuwing")
    p.set_defaults(func=_cmd_build)

    p = sub.add_parser("serve", help="bouw en serveer de cursus met de ingebouwde LRS")
    p.add_argument("dir", nargs="?", default=".")
    p.add_argument("--watch", action="store_true", help="herbouw bij elke wijziging (voor trainers)")
    p.add_argument("--port", type=int, help="poort van de site (standaard 8000)")
    p.add_argument("--lrs-port", type=int, help="poort van de LRS (standaard 8100)")
    # As `leerpad lrs --origin` (leerpad.lrs.serve needs the lrs extra, the parser must not).
    p.add_argument("--origin", action="append", default=[], metavar="ORIGIN",
                   help="sta ook deze oorsprong toe (CORS), bv. het LMS: https://lms.example.be (herhaalbaar)")
    p.add_argument("--cmi5-endpoint", action="append", default=[], metavar="URL",
                   help="xAPI-endpoint van een leeromgeving (LMS) die cmi5-lanceringen bevestigt, herhaalbaar "
                   "(naast 'scorer: cmi5_endpoints' in mkdocs.yml)")
    p.set_defaults(func=_cmd_serve)

    p = sub.add_parser("package", help="maak een cmi5-pakket voor een LMS, of controleer er een (--check)")
    p.add_argument("dir", nargs="?", default=".", help="map met mkdocs.yml (standaard: .)")
    p.add_argument("-o", "--output", default="course.zip", help="het zip-bestand (standaard: course.zip)")
    p.add_argument("--lms-origin", action="append", default=[], metavar="ORIGIN",
                   help="oorsprong van de LRS en fetch-URL van het LMS (herhaalbaar; standaard: elke https-oorsprong)")
    p.add_argument("--check", metavar="ZIP",
                   help="controleer een cmi5-pakket (zip of losse cmi5.xml) in plaats van er een te maken")
    p.set_defaults(func=_cmd_package)

    p = sub.add_parser(
        "lrs",
        help="de ingebouwde LRS: starten ([DIR] [--port N]), sleutels (credential add|list|revoke), backup FILE",
        add_help=False,
    )
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=_cmd_lrs)

    from leerpad.scoring.standalone import add_arguments

    p = sub.add_parser("scorer", help="de scorer van de toetsen alleen, voor een externe LRS")
    add_arguments(p)
    p.set_defaults(func=_cmd_scorer)

    p = sub.add_parser("report", help="uploadbestanden, certificaten en dashboard uit de LRS")
    p.add_argument("dir", nargs="?", default=".", help="map met mkdocs.yml (standaard: .)")
    p.add_argument("--format", action="append", choices=("csv", "pdf", "html"),
                   help="csv (standaard), pdf (certificaten) of html (dashboard); herhaalbaar")
    p.add_argument("--authority", action="append", choices=("riziv", "apotheek", "gaia"),
                   help="uploadbestand voor deze instantie (standaard: alle drie); herhaalbaar")
    p.add_argument("--month", help="alleen afgerond in deze maand, JJJJ-MM (Belgische tijd)")
    p.add_argument("--out", help="uitvoermap (standaard: DIR/rapport)")
    p.add_argument("--trust", action="append",
                   help="vertrouw ook resultaten van deze authority: mailto:…, homePage|naam of JSON")
    p.add_argument("--attempts", choices=("first", "best", "last", "all"), default="first",
                   help="pogingen voor de itemanalyse, zoals Moodle (standaard: first)")
    p.add_argument("--since", help="alleen statements opgeslagen na dit tijdstip (ISO 8601)")
    p.add_argument("--until", help="alleen statements opgeslagen tot dit tijdstip (ISO 8601)")
    p.add_argument("--endpoint", help="xAPI-endpoint (standaard: .leerpad/credentials.json)")
    p.add_argument("--username", help="leesgebruiker van de LRS")
    p.add_argument("--password", help="wachtwoord van de leesgebruiker")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="voortgangsbalk (standaard: alleen op een terminal)")
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser("angoff", help="slaagkans van een kandidaat volgens een Angoff-panel (schattingen per vraag)")
    p.add_argument("quiz", help="de id van de toets, bv. eindtoets")
    p.add_argument("sheets", nargs="*", metavar="SCHATTING",
                   help="ingevulde CSV per beoordelaar (kolommen vraag;kans), de bestandsnaam is de naam")
    p.add_argument("--template", metavar="BESTAND", help="schrijf een leeg blad voor een beoordelaar")
    p.add_argument("--dir", default=".", help="map met mkdocs.yml (standaard: .)")
    p.set_defaults(func=_cmd_angoff)

    p = sub.add_parser("verify", help="controleer de verificatiecode van een certificaat")
    p.add_argument("code", help="de code op het certificaat, bv. LP-ABCD-EFGH-IJKL-MNOP")
    p.add_argument("--dir", default=".", help="map met mkdocs.yml en .leerpad/ (standaard: .)")
    p.set_defaults(func=_cmd_verify)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``leerpad`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["lrs"]:  # its own arguments, options first included (argparse's REMAINDER drops them)
        from leerpad.lrs.serve import lrs_main

        return lrs_main(argv[1:])
    args = _parser().parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
