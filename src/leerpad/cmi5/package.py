"""`leerpad package`: the built site plus `cmi5.xml` as one deterministic ZIP.

The same course gives the same bytes: entries sorted, one fixed timestamp and
mode, and the build's own date fixed (SOURCE_DATE_EPOCH). The package carries the XSD with its licence and source
note, and is checked before it is handed over.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

from mkdocs.exceptions import MkDocsException

from leerpad.cmi5.check import check_package
from leerpad.cmi5.structure import SCHEMA_DIR, assignable_units, course_structure
from leerpad.content.validate import count
from leerpad.plugin.settings import read_course
from leerpad.xapi.keys import STATE_DIR

SCHEMA_FOLDER = "cmi5-schema"
FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a ZIP can hold
# MkDocs dates the sitemap (which Material's instant navigation reads) by the build,
# unless SOURCE_DATE_EPOCH says otherwise: the package's own date then is the fixed one.
FIXED_EPOCH = "315532800"
# Which LRS a launched page talks to is the LMS's choice, made at launch: unless the
# organiser names the LMS's origins, the pages may connect to any HTTPS origin.
ANY_LMS = ("https:",)
_CSP = re.compile(r'(<meta http-equiv="Content-Security-Policy" content="[^"]*?connect-src )([^;"]*)')


def run_package(root: Path, output: Path, lms_origins: Sequence[str] = ()) -> int:
    """Build the course in ``root`` and write the package to ``output``; 0 when it passes the check.

    ``lms_origins``: where the LMS's xAPI endpoint and fetch URL may be (the pages'
    Content-Security-Policy allows connections there); none given: any HTTPS origin.
    """
    bad = [o for o in lms_origins if not _is_origin(o)]
    if bad:
        print(f"--lms-origin '{bad[0]}' is geen oorsprong (bv. https://lms.example.be)", file=sys.stderr)
        return 2
    course, errors = read_course(root)  # exactly as the build will see it
    if errors:
        for error in errors:
            print(error)
        print(f"{count(errors)}: los ze op (leerpad validate) en maak het pakket opnieuw", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="leerpad-package-") as tmp:
        site = Path(tmp) / "site"
        try:
            page_urls, description, keyed = _build_site(root, site, [m.page for m in course.modules])
        except MkDocsException:  # MkDocs logged every error; its own last line is English
            print("Het pakket is niet gemaakt: de site kon niet gebouwd worden (zie de fouten hierboven).",
                  file=sys.stderr)
            return 1
        units = assignable_units(course, root, page_urls)
        if keyed:  # no LRS named: the pages score the toetsen themselves, with the key
            noun = "toets" if keyed == 1 else "toetsen"
            print(f"waarschuwing: de antwoordsleutels van {keyed} {noun} staan in de pagina's van het pakket, want de "
                  "cursus noemt geen LRS; die resultaten tellen niet voor accreditatie (noem een LRS: 'lrs:' in "
                  "mkdocs.yml of LEERPAD_LRS_ENDPOINT)", file=sys.stderr)
        # The course's state (.leerpad/: answer keys, credentials) never goes into a package.
        entries = {path.relative_to(site).as_posix(): path.read_bytes() for path in sorted(site.rglob("*"))
                   if path.is_file() and STATE_DIR not in path.relative_to(site).parts}
        for name in entries:
            if name.endswith(".html"):
                entries[name] = allow_lms(entries[name], lms_origins or ANY_LMS)
        extra = {"cmi5.xml": course_structure(course, description, units)}
        for path in sorted(SCHEMA_DIR.iterdir()):
            extra[f"{SCHEMA_FOLDER}/{path.name}"] = path.read_bytes()
        clash = sorted(set(entries) & set(extra))
        if clash:
            print(f"de site bevat al {', '.join(clash)}: dat pad is voor het cmi5-pakket", file=sys.stderr)
            return 1
        entries.update(extra)
        write_zip(output, entries)
    problems = check_package(output)
    for problem in problems:
        print(problem)
    if problems:
        noun = "probleem" if len(problems) == 1 else "problemen"
        print(f"{output}: het pakket is gemaakt maar niet in orde ({len(problems)} {noun})", file=sys.stderr)
        return 1
    size = output.stat().st_size
    print(f"{output}: cmi5-pakket met {len(units)} AU's en {len(entries)} bestanden ({size // 1024} kB)")
    return 0


def _build_site(root: Path, site: Path, pages: list[str]) -> tuple[dict[str, str], str, int]:
    """`mkdocs build` into ``site``: the built file of each module page, the site description, and
    how many toetsen carry their answer key in the pages (the build named no LRS)."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.structure.files import File

    config = load_config(str(root / "mkdocs.yml"), site_dir=str(site))
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = epoch or FIXED_EPOCH
    try:
        build(config)
    finally:
        if epoch is None:
            del os.environ["SOURCE_DATE_EPOCH"]
    urls = {}
    for page in pages:
        built = File(page, config.docs_dir, config.site_dir, config.use_directory_urls).dest_uri
        urls[page] = built
    plugin = config.plugins["leerpad"]
    keyed = len(plugin.course.quizzes) if plugin.context.keys_in_page else 0  # type: ignore[attr-defined]
    return urls, str(config.get("site_description") or ""), keyed


def allow_lms(page: bytes, origins: Sequence[str]) -> bytes:
    """A built page whose Content-Security-Policy also lets it connect to the LMS."""
    html = page.decode("utf-8")

    def extend(match: re.Match[str]) -> str:
        sources = match[2].split()
        return match[1] + " ".join([*sources, *(o for o in origins if o not in sources)])

    return _CSP.sub(extend, html, count=1).encode("utf-8")


def _is_origin(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and parts.path in ("", "/") \
        and not parts.query and not parts.fragment


def write_zip(output: Path, entries: dict[str, bytes]) -> None:
    """A ZIP whose bytes depend only on ``entries``: sorted names, fixed time and mode."""
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(f".{output.name}.partial")
    with zipfile.ZipFile(partial, "w") as archive:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, so that the mode below is read as one
            info.external_attr = 0o100644 << 16
            archive.writestr(info, entries[name], compresslevel=9)
    os.replace(partial, output)  # a failed run never leaves half a package under the real name
