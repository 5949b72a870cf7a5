"""``leerpad report`` and ``leerpad verify``: read the LRS once, write what was asked.

Exit codes: 0 done; 1 bad options, course or code; 2 the LRS cannot be read
(one line on stderr says why).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from leerpad.report.bodies import (
    BODIES,
    PROGRESS_HEADER,
    Accreditation,
    local_date,
    progress_rows,
    write_csv,
    write_upload,
)
from leerpad.report.cohort import Cohort, Completion, trusted_key
from leerpad.report.source import Progress, Source, SourceError

FORMATS = ("csv", "pdf", "html")
ISSUES_HEADER = ["soort", "statement", "reden"]
SHOWN_ISSUES = 20


@dataclass
class ReportOptions:
    """What ``leerpad report`` was asked (the command-line options)."""

    root: Path = Path(".")
    formats: Sequence[str] = ("csv",)
    authorities: Sequence[str] = BODIES
    month: str | None = None
    out: Path | None = None
    trust: Sequence[str] = ()
    attempt_set: str = "first"
    since: str | None = None
    until: str | None = None
    endpoint: str | None = None
    username: str | None = None
    password: str | None = None
    progress: bool | None = None


class ReportError(Exception):
    """Bad options or course: one line, exit code 1."""


def load_course(root: Path) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """course.json's content, the validated ``accreditation`` options, and content warnings.

    The course is read as ``mkdocs build`` reads it (MkDocs validates the plugin's
    options, ``accreditation`` included); errors in mkdocs.yml stop the report.
    """
    from leerpad.content import load_course as load
    from leerpad.plugin.settings import CONFIG_FILE, course_settings, load_course_config, plugin_options
    from leerpad.xapi.manifest import course_manifest

    path = root / CONFIG_FILE
    if not path.is_file():
        raise ReportError(f"{path}: niet gevonden (geef de map van de cursus)")
    config, errors = load_course_config(root)  # once: the settings and the plugin's options both come from it
    if config is not None:
        options = plugin_options(config)
        settings, errors = course_settings(config, options)
    if errors:
        raise ReportError(f"{path}: {errors[0].message}")
    if config is None or options is None:
        raise ReportError(f"{path}: plugin 'leerpad' ontbreekt")
    course, content_errors = load(root, settings)
    return course_manifest(course), _plain(options.accreditation), [str(e) for e in content_errors]


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def read_cohort(options: ReportOptions, manifest: Mapping[str, Any], err: TextIO) -> Cohort:
    """Read every statement of the course from the LRS into a :class:`Cohort`."""
    try:
        trusted = [trusted_key(t) for t in options.trust]
    except ValueError as error:
        raise ReportError(str(error)) from None
    cohort = Cohort(manifest, trusted)
    source = Source.from_course(options.root, options.endpoint, options.username, options.password)
    progress = Progress(err, force=bool(options.progress)) if options.progress is not False else None
    for statement in source.statements(cohort.iri, options.since, options.until, progress):
        cohort.add(statement)
    return cohort


def certificate_facts(
    accreditation: Accreditation, manifest: Mapping[str, Any], completion: Completion
) -> dict[str, Any]:
    """The facts a certificate states (and its code covers)."""
    learner, module = completion.learner, completion.module
    # Points only where the upload files report them: tested modules, and the course for GAIA.
    candidates = ("gaia",) if not module else ("riziv", "apotheek") if module in accreditation.tested else ()
    body = next((b for b in candidates if accreditation.counts(b, learner)), "")
    options = accreditation.body(body) if body else {}
    if body:
        hours = accreditation.hours(body, module)
    else:
        minutes = sum(
            float(m.get("minutes") or 0) for m in manifest.get("modules", []) if not module or m["id"] == module
        )
        hours = round(minutes / 60, 2)
    return {
        "course": manifest["iri"],
        "course_title": str(manifest.get("title", "")),
        "module": module,
        "module_title": accreditation.title(module) if module else "",
        "name": learner.name,
        "number": learner.number,
        "register": learner.register,
        "date": local_date(completion.when),
        "hours": hours,
        "body": body,
        "points": accreditation.points(body, module) if body else 0,
        "domain": accreditation.domain(body) if body else "",
        "activity": str((options.get("activities") or {}).get(module or "cursus", "")),
        "organiser": accreditation.organiser,
        "organiser_number": str(options.get("organiser_number") or ""),
        "statement": completion.statement,
    }


def run_report(options: ReportOptions, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Read the LRS once and write every asked format; print a summary."""
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        return _report(options, out, err)
    except SourceError as error:
        print(f"leerpad report: {error}", file=err)
        return 2
    except ReportError as error:
        print(f"leerpad report: {error}", file=err)
        return 1


def _report(options: ReportOptions, out: TextIO, err: TextIO) -> int:
    unknown = [f for f in options.formats if f not in FORMATS]
    if unknown:
        raise ReportError(f"onbekend formaat {unknown[0]!r}: kies {', '.join(FORMATS)}")
    bad = [a for a in options.authorities if a not in BODIES]
    if bad:
        raise ReportError(f"onbekende instantie {bad[0]!r}: kies {', '.join(BODIES)}")
    if options.month and not _is_month(options.month):
        raise ReportError(f"--month {options.month}: verwacht JJJJ-MM, bv. 2026-11")
    manifest, settings, warnings = load_course(options.root)
    for warning in warnings[:5]:
        print(f"waarschuwing: {warning}", file=err)
    cohort = read_cohort(options, manifest, err)
    completions = cohort.finish()
    accreditation = Accreditation(settings, manifest)
    target = options.out or options.root / "rapport"
    written: list[str] = []
    if "csv" in options.formats:
        rows = progress_rows(cohort, completions)
        write_csv(target / "voortgang.csv", PROGRESS_HEADER, rows)
        written.append(f"{target / 'voortgang.csv'}: {len(rows)} rijen")
        for body in options.authorities:
            name = f"{body}-{options.month}.csv" if options.month else f"{body}.csv"
            count = write_upload(target / name, body, accreditation.rows(body, completions, options.month))
            written.append(f"{target / name}: {count} rijen")
        from leerpad.report.pilot import GROUPS_HEADER, QUESTIONS_HEADER, group_rows, pilot, question_rows

        results = pilot(cohort, completions)
        if results:  # a course with a final test: the pilot's two files
            count = write_csv(target / "pilot-groepen.csv", GROUPS_HEADER, group_rows(results))
            written.append(f"{target / 'pilot-groepen.csv'}: {count} rijen")
            count = write_csv(target / "pilot-vragen.csv", QUESTIONS_HEADER, question_rows(results))
            written.append(f"{target / 'pilot-vragen.csv'}: {count} rijen")
    if "pdf" in options.formats:
        from leerpad.report.certificates import Registry, write_pdf

        registry = Registry(options.root)
        certificates = registry.issue(certificate_facts(accreditation, manifest, c) for c in completions)
        folder = target / "certificaten"
        folder.mkdir(parents=True, exist_ok=True)
        for certificate in certificates:
            write_pdf(folder / certificate.file_name, certificate)
        written.append(f"{folder}: {len(certificates)} certificaten")
    if "html" in options.formats:
        from leerpad.report.dashboard import write_dashboard

        path = target / "dashboard.html"
        write_dashboard(path, cohort, completions, options.attempt_set)
        written.append(f"{path}: dashboard (pogingen: {options.attempt_set})")
    issues_path = target / "meldingen.csv"
    write_csv(issues_path, ISSUES_HEADER, ([i.kind, i.statement, i.reason] for i in cohort.issues))
    _summary(out, cohort, completions, written, issues_path)
    return 0


def _is_month(text: str) -> bool:
    import re

    return bool(re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text))


def _summary(out: TextIO, cohort: Cohort, completions: list[Completion], written: list[str], issues: Path) -> None:
    modules = sum(1 for c in completions if c.module)
    courses = sum(1 for c in completions if not c.module)
    print(
        f"{cohort.read} statements gelezen; {len(cohort.learners)} deelnemers; "
        f"{modules} modules en {courses} cursussen afgerond.",
        file=out,
    )
    if cohort.other_course:
        print(f"{cohort.other_course} statements van een andere cursus genegeerd.", file=out)
    if cohort.untrusted_answers:
        print(f"{cohort.untrusted_answers} antwoorden op toetsvragen niet vertrouwd (niet geteld).", file=out)
    for line in written:
        print(line, file=out)
    if cohort.issues:
        print(f"{len(cohort.issues)} meldingen (niet geteld), alle in {issues}:", file=out)
        for issue in cohort.issues[:SHOWN_ISSUES]:
            print(f"  {issue.kind}: {issue.statement}: {issue.reason}", file=out)
        if len(cohort.issues) > SHOWN_ISSUES:
            print(f"  … en {len(cohort.issues) - SHOWN_ISSUES} meer", file=out)


def run_verify(root: Path, code: str, out: TextIO | None = None) -> int:
    """``leerpad verify CODE``: 0 when genuine, 1 when not."""
    from leerpad.report.certificates import Registry

    genuine, line = Registry(root).verify(code)
    print(line, file=out or sys.stdout)
    return 0 if genuine else 1
