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


class LeerpadConfig(base.Config):
    """`plugins: - leerpad: {course_iri: …, language: …, lrs: {…}}`."""

    course_iri = c.Optional(c.Type(str))
    """The course's IRI; every activity id is built under it. Never change it once published.

    Optional here so that its absence is reported in Dutch with the other content errors."""
    language = c.Choice(("nl-BE", "nl-NL"), default="nl-BE")
    """`context.language` of every statement."""
    lrs = c.SubConfig(LrsConfig)
    """The Learning Record Store the course names."""
