"""Markdown for the pages the plugin generates: sources, glossary, case overview."""

from __future__ import annotations

from html import escape

from leerpad.content.models import SETTINGS, Course, Source
from leerpad.layout import CASE_PAGES, case_page, source_anchor
from leerpad.markdown.glossary import term_anchor


def reference(source: Source) -> str:
    """A full reference as HTML (APA-like), with a DOI or URL link."""
    authors = source.authors
    who = ", ".join(authors[:-1]) + (f" & {authors[-1]}" if len(authors) > 1 else authors[-1] if authors else "")
    parts = [f"{escape(who)} ({escape(str(source.year))}). {escape(source.title)}."]
    if source.journal:
        where = f"<em>{escape(source.journal)}</em>"
        if source.volume:
            where += f", {escape(source.volume)}"
        if source.pages:
            where += f", {escape(source.pages)}"
        parts.append(where + ".")
    if source.publisher:
        parts.append(f"{escape(source.publisher)}.")
    if source.note:
        parts.append(f"({escape(source.note)})")
    link = f"https://doi.org/{source.doi}" if source.doi else source.url
    if link:
        parts.append(f'<a href="{escape(link)}">{escape(link)}</a>')
    return " ".join(parts)


def sources_page(course: Course) -> str:
    """The sources page: every source in sources.yml, sorted by author and year."""
    items = sorted(course.sources.values(), key=lambda s: (s.authors[:1], str(s.year)))
    lines = ["# Bronnen", "", "Alle bronnen waarnaar de cursus verwijst.", "", '<ul class="leerpad-sources">']
    lines += [f'<li id="{source_anchor(s.key)}">{reference(s)}</li>' for s in items]
    lines += ["</ul>", ""]
    return "\n".join(lines)


def glossary_page(course: Course) -> str:
    """The glossary page: each term in care language and in social-work language."""
    lines = [
        "# Woordenlijst zorgtaal en sociale taal",
        "",
        "Dezelfde woorden betekenen in de zorg en in het sociaal werk vaak iets anders. "
        "Per term: wat een zorgverlener ermee bedoelt, en wat een sociaal werker ermee bedoelt.",
        "",
        '<dl class="leerpad-glossary">',
    ]
    for term in sorted(course.glossary, key=lambda t: t.term.lower()):
        lines.append(f'<dt id="{term_anchor(term.term)}">{escape(term.term)}</dt>')
        lines.append(f"<dd><strong>Zorgtaal:</strong> {escape(term.zorgtaal)}<br>")
        lines.append(f"<strong>Sociale taal:</strong> {escape(term.sociale_taal)}</dd>")
    lines += ["</dl>", ""]
    return "\n".join(lines)


def case_overview_page(course: Course) -> str:
    """The case overview: every case with its setting, duration and modules."""
    lines = ["# Casussen", "", "Oefen met situaties uit de praktijk van de eerste lijn.", ""]
    lines += ["| Casus | Werkplek | Duur | Modules |", "|---|---|---|---|"]
    for case in course.cases:
        modules = ", ".join(m.title for m in (course.module(x) for x in case.modules) if m)
        setting = SETTINGS.get(case.setting, case.setting)
        title = case.title.replace("|", "\\|")
        link = case_page(case.id).removeprefix(CASE_PAGES)  # the overview lives beside the cases
        lines.append(f"| [{title}]({link}) | {setting} | {case.minutes} min | {modules} |")
    lines.append("")
    return "\n".join(lines)


def progress_page(course: Course) -> str:
    """"Mijn voortgang": the browser fills it in (overview.js) from what it stored of the learner."""
    return "\n".join(
        [
            "# Mijn voortgang",
            "",
            "Wat u in deze browser al gedaan hebt en wat er nog nodig is voor uw accreditatie: "
            "per module de leerstof, de casussen en de toets, met uw score en de tijd die u eraan besteedde.",
            "",
            f'<div class="leerpad-overview" data-modules="{len(course.modules)}">',
            "<p>Uw voortgang verschijnt hier zodra de pagina geladen is (JavaScript is nodig).</p>",
            "</div>",
            "",
        ]
    )
