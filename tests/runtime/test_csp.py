"""The Content-Security-Policy added to every built page."""

from __future__ import annotations

import base64
import hashlib

import pytest

from leerpad.plugin.csp import add_csp, inline_script_hashes, policy

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>t</title>
<script>__md_scope=new URL("..",location)</script>
<script src="assets/javascripts/bundle.js"></script>
</head><body>
<script type="application/json" id="leerpad-config">{"a": 1}</script>
<script id="__config" type="application/json">{"base": ".."}</script>
<script>var palette=1</script>
<script type="module" src="assets/leerpad/leerpad.js"></script>
<script>var palette=1</script>
</body></html>"""


def sha(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def directives(html: str) -> dict[str, list[str]]:
    content = html.split('http-equiv="Content-Security-Policy" content="', 1)[1].split('"', 1)[0]
    return {d.split()[0]: d.split()[1:] for d in content.split("; ")}


def test_only_self_and_the_lrs_origin_with_hashes_of_inline_scripts() -> None:
    got = directives(add_csp(PAGE, "http://127.0.0.1:8100"))
    assert got["default-src"] == ["'self'"]
    assert got["script-src"] == ["'self'", sha('__md_scope=new URL("..",location)'), sha("var palette=1")]
    assert got["connect-src"] == ["'self'", "http://127.0.0.1:8100"]
    assert got["style-src"] == ["'self'"]
    assert got["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in " ".join(v for vs in got.values() for v in vs)


def test_json_data_and_external_scripts_get_no_hash() -> None:
    assert inline_script_hashes(PAGE) == [sha('__md_scope=new URL("..",location)'), sha("var palette=1")]


def test_endpoint_url_is_reduced_to_its_origin_and_none_means_site_only() -> None:
    assert "connect-src 'self' https://lrs.example.org:8443;" in policy(PAGE, "https://lrs.example.org:8443/xAPI/")
    assert "connect-src 'self';" in policy(PAGE, None)
    with pytest.raises(ValueError, match="not an origin"):
        policy(PAGE, "lrs.example.org")


def test_meta_comes_right_after_charset_before_any_script_and_replaces_an_old_one() -> None:
    once = add_csp(PAGE, None)
    assert once.index('<meta charset="utf-8"><meta http-equiv="Content-Security-Policy"') > 0
    assert once.index("Content-Security-Policy") < once.index("<script")
    twice = add_csp(once, "http://127.0.0.1:9")
    assert twice.count("Content-Security-Policy") == 1
    assert "http://127.0.0.1:9" in twice


def test_inline_styles_are_hashed_and_a_page_without_head_is_unchanged() -> None:
    styled = PAGE.replace("<title>t</title>", "<title>t</title><style>body{color:red}</style>")
    assert directives(add_csp(styled, None))["style-src"] == ["'self'", sha("body{color:red}")]
    assert add_csp("<p>fragment</p>", None) == "<p>fragment</p>"


@pytest.mark.parametrize(
    "page",
    [
        PAGE,
        # A style in a script, a script in a style, odd spellings the engine folds (ſ is an s), unclosed tags.
        "<head><script>var s='<style>a{}</style>';</script><style>b{}</style><STYLE media=x>c{}</style\n>"
        "<ſcript>d()</SCRIPT ><script>e()</script><script>f()<style>g{}</style></head>",
        "<head><meta charset=utf-8><style>a{<script>h()</script>}</style><scripts>x</scripts><script>i()</head>",
    ],
    ids=["course-like", "nested", "unclosed"],
)
def test_the_one_scan_of_a_page_finds_what_a_scan_per_element_finds(page: str) -> None:
    """add_csp looks for scripts and styles in one scan; policy() scans for each on its own."""
    assert directives(add_csp(page, None)) == {d.split()[0]: d.split()[1:] for d in policy(page, None).split("; ")}


def test_the_one_scan_knows_every_character_the_engine_reads_as_s_or_m() -> None:
    """The scan's first test lets only these through: a `<ſcript>` must not be passed over."""
    import re
    import sys

    folded = {chr(c) for c in range(sys.maxunicode + 1) if re.fullmatch("(?i:s|m)", chr(c))}
    assert folded == {"s", "S", "ſ", "m", "M"}
    for letter in folded:
        page = f"<head><script>a()</script><{letter}cript>b()</script><{letter}tyle>c{{}}</style></head>"
        assert directives(add_csp(page, None)) == {d.split()[0]: d.split()[1:] for d in policy(page, None).split("; ")}
