"""Upload files for the accreditation bodies, and the progress overview, as CSV.

No body publishes a file format for this (docs/accreditatie.md says what each
one does publish), so the columns below are a choice: what the organiser must
type or paste into the body's application, one row per learner and module.
Change a body's columns here, in :data:`COLUMNS` only.

Files are UTF-8 with a byte order mark and ``;`` between fields, with decimal
commas, as Excel in Belgium and the Netherlands opens them without an import
dialog; dates are ISO 8601 (``2026-11-14``) in Belgian time.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from leerpad.report.cohort import Attempt, Cohort, Completion, Learner

ZONE = ZoneInfo("Europe/Brussels")
BODIES = ("riziv", "apotheek", "gaia")
# Which register number and which professions (`beroep`) each body counts, by default.
REGISTER = {"riziv": "riziv", "apotheek": "riziv", "gaia": "big"}
PROFESSIONS = {"riziv": ["huisarts"], "apotheek": ["apotheker"], "gaia": ["huisarts"]}
POINTS_PER_HOUR = {"A": 2.0, "B": 2.0, "C": 1.0}  # pharmacists, per domain (KB permanente vorming)


@dataclass(frozen=True)
class UploadRow:
    """One learner's completed module (or course, for GAIA) as a body registers it."""

    body: str
    number: str
    name: str
    profession: str
    module: str
    title: str
    date: str
    hours: float
    points: float
    domain: str
    organiser_number: str
    activity: str
    rubric: str
    identity: str


def _decimal(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


Column = tuple[str, Callable[[UploadRow], str]]
COLUMNS: dict[str, list[Column]] = {
    "riziv": [
        ("riziv_nummer", lambda r: r.number),
        ("naam", lambda r: r.name),
        ("erkenningsnummer_organisator", lambda r: r.organiser_number),
        ("activiteitsnummer", lambda r: r.activity),
        ("module_id", lambda r: r.module),
        ("module", lambda r: r.title),
        ("datum", lambda r: r.date),
        ("uren", lambda r: _decimal(r.hours)),
        ("accreditatiepunten", lambda r: _decimal(r.points)),
        ("rubriek", lambda r: r.rubric),
        ("identiteit", lambda r: r.identity),
    ],
    "apotheek": [
        ("riziv_nummer", lambda r: r.number),
        ("naam", lambda r: r.name),
        ("erkenningsnummer_organisator", lambda r: r.organiser_number),
        ("activiteitsnummer", lambda r: r.activity),
        ("module_id", lambda r: r.module),
        ("module", lambda r: r.title),
        ("datum", lambda r: r.date),
        ("uren", lambda r: _decimal(r.hours)),
        ("domein", lambda r: r.domain),
        ("punten", lambda r: _decimal(r.points)),
        ("identiteit", lambda r: r.identity),
    ],
    "gaia": [
        ("big_nummer", lambda r: r.number),
        ("naam", lambda r: r.name),
        ("aanbiedersnummer", lambda r: r.organiser_number),
        ("gaia_id", lambda r: r.activity),
        ("cursus", lambda r: r.title),
        ("datum", lambda r: r.date),
        ("uren", lambda r: _decimal(r.hours)),
        ("punten", lambda r: _decimal(r.points)),
        ("identiteit", lambda r: r.identity),
    ],
}


def local_date(moment: datetime) -> str:
    """The date in Belgian time (a pass at 23:30 UTC on the last day belongs to the next month)."""
    return moment.astimezone(ZONE).date().isoformat()


class Accreditation:
    """Hours and points per body and module, from the plugin's ``accreditation`` options."""

    def __init__(self, settings: Mapping[str, Any], manifest: Mapping[str, Any]) -> None:
        """``settings``: the validated ``accreditation`` options (a mapping); ``manifest``: course.json."""
        self.settings = settings
        self.organiser = str(settings.get("organiser") or "")
        self.modules = {m["id"]: m for m in manifest.get("modules", [])}
        # Only modules that end with a toets are accreditable e-learning modules.
        self.tested = {m["id"] for m in manifest.get("modules", []) if m.get("quizzes")}
        self.course_title = str(manifest.get("title", ""))

    def body(self, name: str) -> Mapping[str, Any]:
        """One body's options (empty when not configured)."""
        value = self.settings.get(name)
        return value if isinstance(value, Mapping) else {}

    def domain(self, body: str) -> str:
        """The pharmacists' domain (default C, 'gezondheid en samenleving')."""
        return str(self.body(body).get("domain") or "C") if body == "apotheek" else ""

    def hours(self, body: str, module: str) -> float:
        """Hours a body grants for a module ("" = the whole course, key ``cursus`` in the options)."""
        configured = self.body(body).get("hours") or {}
        key = module or "cursus"
        if key in configured:
            return float(configured[key])
        if module:
            minutes = float(self.modules.get(module, {}).get("minutes") or 0)
        else:
            minutes = sum(float(m.get("minutes") or 0) for m in self.modules.values())
        if body == "gaia":  # GAIA accredits e-learning in half hours, rounded down
            return math.floor(minutes / 30) / 2
        return round(minutes / 60, 2)

    def points(self, body: str, module: str) -> float:
        """Points a body grants for a module: configured, or hours × points per hour."""
        configured = self.body(body).get("points") or {}
        if (module or "cursus") in configured:
            return float(configured[module or "cursus"])
        rate = POINTS_PER_HOUR[self.domain(body)] if body == "apotheek" else 1.0
        return round(self.hours(body, module) * rate, 2)

    def counts(self, body: str, learner: Learner) -> bool:
        """Whether a learner's results go to this body (register number and profession)."""
        professions = self.body(body).get("professions") or PROFESSIONS[body]
        return learner.register == REGISTER[body] and learner.profession in professions

    def title(self, module: str) -> str:
        """A module's title, or the course's."""
        return str(self.modules[module]["title"]) if module in self.modules else self.course_title

    def rows(self, body: str, completions: Iterable[Completion], month: str | None = None) -> list[UploadRow]:
        """The body's upload rows, optionally of one month (``YYYY-MM``, Belgian time)."""
        options = self.body(body)
        activities = options.get("activities") or {}
        rows: list[UploadRow] = []
        for done in completions:
            per_course = body == "gaia"
            if bool(done.module) == per_course or not self.counts(body, done.learner):
                continue
            if done.module and done.module not in self.tested:
                continue
            date = local_date(done.when)
            if month and not date.startswith(month + "-"):
                continue
            key = done.module or "cursus"
            rows.append(
                UploadRow(
                    body=body,
                    number=done.learner.number,
                    name=done.learner.name,
                    profession=done.learner.profession,
                    module=done.module,
                    title=self.title(done.module),
                    date=date,
                    hours=self.hours(body, done.module),
                    points=self.points(body, done.module),
                    domain=self.domain(body),
                    organiser_number=str(options.get("organiser_number") or ""),
                    activity=str(activities.get(key, "")),
                    rubric=str(options.get("rubric") or ""),
                    identity="/".join(sorted(done.learner.identity_sources)),
                )
            )
        return sorted(rows, key=lambda r: (r.date, r.number, r.module))


def write_csv(path: Path, header: list[str], rows: Iterable[list[str]]) -> int:
    """Write one CSV file (header first, even without rows); return the number of rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


def write_upload(path: Path, body: str, rows: list[UploadRow]) -> int:
    """The upload file of one body."""
    columns = COLUMNS[body]
    return write_csv(path, [h for h, _ in columns], ([get(r) for _, get in columns] for r in rows))


PROGRESS_HEADER = [
    "nummer", "naam", "beroep", "identiteit", "module_id", "module", "eerste_toegang",
    "afgerond", "pogingen", "beste_score", "laatste_score", "geslaagd", "tijd_minuten",
]


def progress_rows(cohort: Cohort, completions: Iterable[Completion]) -> list[list[str]]:
    """One row per learner and module the learner touched: the overview for the organiser."""
    done = {(c.learner.key, c.module): c for c in completions}
    tried_in: dict[tuple[str, str], list[Attempt]] = {}
    for attempt in cohort.scored_attempts():  # in time order per learner
        module_id = cohort.quizzes[attempt.quiz].module
        tried_in.setdefault((attempt.learner, module_id), []).append(attempt)
    rows: list[list[str]] = []

    def percent(value: float | None) -> str:
        return "" if value is None else _decimal(100 * value)

    for learner in sorted(cohort.learners.values(), key=lambda x: x.key):
        for module_id, module in cohort.modules.items():
            state = learner.modules.get(module_id)
            tried = tried_in.get((learner.key, module_id), [])
            if state is None and not tried:
                continue
            completion = done.get((learner.key, module_id))
            scores = [a.scaled for a in tried if a.scaled is not None]
            rows.append([
                learner.number,
                " / ".join(learner.names.values()),
                learner.profession,
                "/".join(sorted(learner.identity_sources)),
                module_id,
                str(module.get("title", "")),
                local_date(state.first_access) if state and state.first_access else "",
                local_date(completion.when) if completion else "",
                str(len(tried)),
                percent(max(scores) if scores else None),
                percent(scores[-1] if scores else None),
                "ja" if completion else "nee",
                _decimal((state.seconds if state else 0) / 60),
            ])
    return rows
