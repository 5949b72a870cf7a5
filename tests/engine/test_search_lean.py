"""Material's search reads a lean copy of each page (leerpad.plugin.search): the same index, less to parse."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from material.plugins.search.plugin import Parser
from mkdocs.config import load_config

from leerpad.plugin.search import index_lean, lean_html

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
DEMO = Path(__file__).resolve().parents[1] / "demo"


def sections(html: str) -> list[tuple[str | None, str, str, bool]]:
    """What Material's search makes of a page: each section's id, title, text and exclusion."""
    parser = Parser()
    parser.feed(html)
    parser.close()
    return [(s.id, "".join(s.title), "".join(s.text), s.is_excluded()) for s in parser.data]


def article(page: Path) -> str:
    """A built page's content, about what MkDocs hands the search plugin as `page.content`."""
    html = page.read_text("utf-8")
    found = re.search(r'<article class="md-content__inner md-typeset">(.*)</article>', html, re.DOTALL)
    assert found is not None, page
    return found.group(1)


@pytest.mark.parametrize("golden", sorted(GOLDEN.rglob("*.html")), ids=lambda p: p.relative_to(GOLDEN).as_posix())
def test_golden_pages_index_the_same(golden: Path) -> None:
    html = golden.read_text("utf-8")
    lean = lean_html(html)
    assert sections(lean) == sections(html)
    if "data-question" in html:  # questions: their JSON and feedback go
        assert "data-question" not in lean and "leerpad-feedback" not in lean
        assert len(lean) < len(html) * 0.6


def test_built_pages_index_the_same(demo_site: Path) -> None:
    pages = sorted(demo_site.rglob("index.html"))
    assert len(pages) > 10
    for page in pages:
        html = article(page)
        assert sections(lean_html(html)) == sections(html), page


def test_lean_keeps_what_material_reads() -> None:
    html = (
        '<h2 id="stap-1">Stap <a class="headerlink" href="#stap-1">¶</a></h2>\n'
        '<div class="x" data-search-exclude=""><div>nested</div> skipped</div>\n'
        '<table class="linenotable"><tr><td class="linenos"><div class="linenodiv"><pre>1</pre></div></td>'
        '<td><pre><code>print(1)</code></pre></td></tr></table>\n'
        '<p class="tekst" data-x="y">Zichtbaar<br />tekst <input type="radio" name="a" /></p>'
    )
    lean = lean_html(html)
    assert '<h2 id="stap-1">' in lean and 'class="headerlink"' in lean
    assert '<div class="x" data-search-exclude="">' in lean  # nested: left for Material to skip
    assert 'class="linenodiv"' in lean
    assert '<p class="tekst" data-x="y">Zichtbaar<br />tekst <input type="radio" name="a" /></p>' in lean
    assert sections(lean) == sections(html)


def test_raw_html_with_angle_brackets_in_a_value_is_read_whole() -> None:
    html = '<p><span title="a > b" class="x">zichtbaar</span></p><div data-search-exclude="" title="<">weg</div>'
    assert lean_html(html) == html  # nothing cut: Material skips the excluded div itself
    assert sections(lean_html(html)) == sections(html)


def test_material_search_index_reads_lean_pages() -> None:
    """The wrap finds Material's search index: if Material's shape changes, this fails (the build would not)."""
    config = load_config(str(DEMO / "mkdocs.yml"))
    config.plugins.on_startup(command="build", dirty=False)
    config = config.plugins.on_config(config)
    assert index_lean(config) is True
    assert index_lean(config) is False  # once per build


def test_leerpad_structures_are_read_in_fewer_tags() -> None:
    """An option, a glossary term and a case's metadata list: fewer tags, the same sections."""
    html = (
        '<h1 id="casus">Casus</h1>\n<div class="leerpad-case"><dl class="leerpad-case__meta"><dt>Werkplek</dt>'
        '<dd><span>Apotheek</span></dd><dt>Modules</dt><dd><a href="../../toegang/">Toegang</a>, '
        '<span>x &amp; y</span></dd></dl>\n'
        '<p>Een <span class="leerpad-term"><a aria-describedby="tip-casus" href="#t">casus</a>'
        '<span class="leerpad-term__tip" role="tooltip" id="tip-casus" data-search-exclude="">Uitleg</span>'
        '</span>.</p>\n'
        '<ul class="leerpad-options">\n<li class="leerpad-option" data-option="a"><label>'
        '<input name="vraag-q" type="radio" value="a" /><span class="leerpad-option__text">Een <em>keuze</em>'
        '</span></label><div class="leerpad-feedback" data-feedback-for="a" data-search-exclude="" hidden="hidden">'
        'Juist.</div>\n</li>\n</ul>\n<ol class="leerpad-sequence">\n<li data-option="b">'
        '<span class="leerpad-option__text">Eerst</span></li>\n</ol></div>'
    )
    lean = lean_html(html)
    assert "<label>" not in lean and "<input" not in lean and 'class="leerpad-option__text"' not in lean
    assert "<li>Een <em>keuze</em></span>\n</li>" in lean and "<li>Eerst</span></li>" in lean
    assert '<a>casus</a>.' in lean and "leerpad-term" not in lean
    assert '<dl class="leerpad-case__meta">WerkplekApotheekModulesToegang, x &amp; y</dl>' in lean
    assert sections(lean) == sections(html)


def test_case_metadata_with_a_whitespace_only_text_is_left_whole() -> None:
    """Material collapses a whitespace-only text against the one before it: such a list keeps its tags."""
    html = '<dl class="leerpad-case__meta"><dt>Duur</dt>\n<dd><span>7 minuten</span></dd></dl>'
    assert lean_html(html) == html
    assert sections(lean_html(html)) == sections(html)


def test_option_with_a_nested_span_is_left_whole() -> None:
    html = ('<ul class="leerpad-options"><li class="leerpad-option" data-option="a"><label><input type="radio" />'
            '<span class="leerpad-option__text">Een <span class="x">b</span></span></label></li></ul>')
    assert lean_html(html) == html
