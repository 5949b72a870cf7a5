"""Typed configuration of the `leerpad` MkDocs plugin (one option per line)."""

from __future__ import annotations

from mkdocs.config import base
from mkdocs.config import config_options as c


class LrsConfig(base.Config):
    """Where the browser sends statements; environment variables override each value."""

    endpoint = c.Optional(c.Type(str))
    """xAPI endpoint ending in `/xAPI/` (env `LEERPAD_LRS_ENDPOINT`); none = no sending."""
    username = c.Optional(c.Type(str))
    """Write-only credential for browsers (env `LEERPAD_LRS_USERNAME`)."""
    password = c.Optional(c.Type(str))
    """Its password (env `LEERPAD_LRS_PASSWORD`)."""


class ScorerConfig(base.Config):
    """The scoring service of the toetsen (README: "Toetsen are scored on the server")."""

    url = c.Optional(c.Type(str))
    """Root URL of the scoring service; default: the LRS server's root (the embedded LRS)."""
    final_lock = c.Type(bool, default=True)
    """The final test opens when every module is done."""
    final_feedback = c.Type(bool, default=False)
    """After the final test, feedback per question (default: only right or wrong)."""
    cmi5_endpoints = c.ListOfItems(c.Type(str), default=[])
    """LMS xAPI endpoints the scorer may ask to confirm a cmi5 launch (README: cmi5); none = no "cmi5" identity."""


class BodyConfig(base.Config):
    """What one accreditation body grants for this course, and the organiser's numbers there.

    Per module: `hours` and `points` override what the report derives from the module's
    `minutes` (see docs/accreditatie.md); `activities` holds the body's number for each
    module (e.g. RIZIV's activity number). `professions` says whose results go to this body.
    """

    organiser_number = c.Optional(c.Type(str))
    """The organiser's recognition number with this body (erkenningsnummer)."""
    activities = c.Type(dict, default={})
    """Module id → the body's number of that module (accreditation/activity number)."""
    hours = c.Type(dict, default={})
    """Module id → hours granted (default: the module's minutes, see the body's rounding)."""
    points = c.Type(dict, default={})
    """Module id → points granted (default: hours × the body's points per hour)."""
    professions = c.Optional(c.ListOfItems(c.Type(str)))
    """Professions (`beroep`) whose results go to this body (default: per body, see docs)."""
    domain = c.Optional(c.Choice(("A", "B", "C")))
    """Pharmacists only: APB–Ophaco domain (A and B: 2 points per hour, C: 1)."""
    rubric = c.Optional(c.Type(str))
    """RIZIV only: the rubric the activity is recognised in (e.g. "ethiek en economie")."""


class AccreditationConfig(base.Config):
    """`accreditation: {organiser: …, riziv: {…}, apotheek: {…}, gaia: {…}}`, read by `leerpad report`."""

    organiser = c.Type(str, default="")
    """The organiser's name, printed on certificates."""
    riziv = c.SubConfig(BodyConfig)
    """Belgian GPs (RIZIV/INAMI accreditation)."""
    apotheek = c.SubConfig(BodyConfig)
    """Belgian pharmacists (APB–Ophaco permanent education)."""
    gaia = c.SubConfig(BodyConfig)
    """Dutch GPs (GAIA)."""


class LeerpadConfig(base.Config):
    """`plugins: - leerpad: {course_iri: …, language: …, lrs: {…}}`."""

    course_iri = c.Optional(c.Type(str))
    """The course's IRI; every activity id is built under it. Never change it once published.

    Optional here so that its absence is reported in Dutch with the other content errors."""
    language = c.Choice(("nl-BE", "nl-NL"), default="nl-BE")
    """`context.language` of every statement."""
    lrs = c.SubConfig(LrsConfig)
    """The Learning Record Store the course names."""
    scorer = c.SubConfig(ScorerConfig)
    """The scoring service: its URL, the final-test lock, final-test feedback."""
    accreditation = c.SubConfig(AccreditationConfig)
    """Hours, points and numbers per accreditation body (`leerpad report`)."""
