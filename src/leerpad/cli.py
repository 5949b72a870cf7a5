"""The ``leerpad`` command: validate, build, serve, lrs, report, package, new.

Each subcommand is a thin wrapper around the module that owns the concern, so
that this file stays an index of what the tool can do.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path


def _cmd_validate(args: argparse.Namespace) -> int:
    from leerpad.content.validate import run_validate

    return run_validate(Path(args.dir))


def _cmd_build(args: argparse.Namespace) -> int:
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    config = load_config(str(Path(args.dir) / "mkdocs.yml"), strict=args.strict)
    build(config)
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    from leerpad.lrs.serve import serve

    return serve(Path(args.dir), watch=args.watch)


def _cmd_lrs(args: argparse.Namespace) -> int:
    from leerpad.lrs.serve import run_lrs

    return run_lrs(Path(args.dir))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="leerpad", description="Leerpad: e-learning uit Markdown, met xAPI."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate", help="controleer de hele cursus (fouten als pad:regel: melding)")
    p.add_argument("dir", nargs="?", default=".", help="map met mkdocs.yml (standaard: .)")
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("build", help="bouw de site (mkdocs build)")
    p.add_argument("dir", nargs="?", default=".")
    p.add_argument("--strict", action="store_true", help="stop bij elke waarschuwing")
    p.set_defaults(func=_cmd_build)

    p = sub.add_parser("serve", help="bouw en serveer de cursus met de ingebouwde LRS")
    p.add_argument("dir", nargs="?", default=".")
    p.add_argument("--watch", action="store_true", help="herbouw bij elke wijziging (voor trainers)")
    p.set_defaults(func=_cmd_serve)

    p = sub.add_parser("lrs", help="start alleen de ingebouwde LRS")
    p.add_argument("dir", nargs="?", default=".")
    p.set_defaults(func=_cmd_lrs)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``leerpad`` console script."""
    args = _parser().parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
