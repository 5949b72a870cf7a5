"""Content-Security-Policy for a built page: only the site itself and the LRS.

The policy goes into the page as `<meta http-equiv="Content-Security-Policy">`
(a static site cannot count on response headers). Material ships a few inline
scripts (colour palette, tabs, its base URL); they are allowed by their SHA-256
hash, so that no `'unsafe-inline'` is needed and an injected script does not run.
JSON data elements (`type="application/json"`) are not executed and need no hash.
"""

from __future__ import annotations

import base64
import hashlib
import re
from urllib.parse import urlsplit

_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
_STYLE = re.compile(r"<style\b[^>]*>(.*?)</style\s*>", re.IGNORECASE | re.DOTALL)
_TYPE = re.compile(r"""\btype\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE)
_SRC = re.compile(r"\bsrc\s*=", re.IGNORECASE)
_EXISTING = re.compile(r"""<meta\s+http-equiv=["']?Content-Security-Policy["']?[^>]*>\s*""", re.IGNORECASE)
_CHARSET = re.compile(r"<meta\s+charset=[^>]*>", re.IGNORECASE)
_HEAD = re.compile(r"<head\b[^>]*>", re.IGNORECASE)
_EXECUTABLE = {"", "text/javascript", "application/javascript", "module"}
# Where a script, style or (policy) meta element can start: every match of the three above does.
# The first class holds every character the engine takes for s or m ignoring case (ſ is an s);
# one test of it passes over most tags at once.
_ELEMENT_START = re.compile(r"<(?=[sSſmM])(?=(?i:script|style|meta)\b)")


def _hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def _origin(lrs: str | None) -> str | None:
    """`scheme://host[:port]` of an origin or of a full endpoint URL."""
    if not lrs:
        return None
    parts = urlsplit(lrs)
    if not parts.scheme or not parts.netloc:
        raise ValueError(f"not an origin or URL: {lrs!r}")
    return f"{parts.scheme}://{parts.netloc}"


def inline_script_hashes(html: str) -> list[str]:
    """Hashes of the inline scripts a browser would run, in document order, once each."""
    return _script_hashes(_SCRIPT.findall(html))


def _script_hashes(scripts: list[tuple[str, str]]) -> list[str]:
    hashes: list[str] = []
    for attrs, body in scripts:
        if _SRC.search(attrs):
            continue
        found = _TYPE.search(attrs)
        kind = next((g for g in found.groups() if g is not None), "") if found else ""
        if kind.strip().lower() in _EXECUTABLE and (h := _hash(body)) not in hashes:
            hashes.append(h)
    return hashes


def policy(html: str, *origins: str | None) -> str:
    """The policy for one page: the site ('self'), the LRS (and scorer) origins, hashed inline code."""
    return _policy(_SCRIPT.findall(html), _STYLE.findall(html), origins)


def _policy(scripts: list[tuple[str, str]], styles: list[str], origins: tuple[str | None, ...]) -> str:
    script_src = " ".join(["'self'", *_script_hashes(scripts)])
    style_src = " ".join(["'self'", *dict.fromkeys(_hash(s) for s in styles)])
    connect = " ".join(dict.fromkeys(filter(None, ["'self'", *(_origin(o) for o in origins)])))
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {script_src}",
            f"style-src {style_src}",
            "img-src 'self' data:",  # Material's icons are data: URLs in its CSS
            "font-src 'self'",
            f"connect-src {connect}",
            "worker-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
        ]
    )


def _elements(html: str) -> tuple[list[tuple[str, str]], list[str]] | None:
    """`_SCRIPT.findall(html)` and `_STYLE.findall(html)` from one scan of the page, not two.

    Each pattern is tried only where such an element can start, and (as its own scan) not
    inside what it matched before. None when the page holds a policy element already: its
    removal moves what follows, so the page is then scanned as before.
    """
    scripts: list[tuple[str, str]] = []
    styles: list[str] = []
    script_end = style_end = 0
    for start in _ELEMENT_START.finditer(html):
        at = start.start()
        if _EXISTING.match(html, at):
            return None
        if at >= script_end and (script := _SCRIPT.match(html, at)):
            scripts.append((script.group(1), script.group(2)))
            script_end = script.end()
        elif at >= style_end and (style := _STYLE.match(html, at)):
            styles.append(style.group(1))
            style_end = style.end()
    return scripts, styles


def add_csp(html: str, *origins: str | None) -> str:
    """`html` with a Content-Security-Policy meta element early in its head.

    Placed right after `<meta charset>` (or the `<head>` tag), before any script;
    an existing policy element is replaced. A page without `<head>` is returned
    unchanged. `origins` may be origins or URLs (the LRS endpoint, the scorer);
    none allows connections to the site only.
    """
    found = _elements(html)
    if found is None:
        html = _EXISTING.sub("", html)
        found = _SCRIPT.findall(html), _STYLE.findall(html)
    meta = f'<meta http-equiv="Content-Security-Policy" content="{_policy(*found, origins)}">'
    anchor = _CHARSET.search(html) or _HEAD.search(html)
    if anchor is None:
        return html
    return html[: anchor.end()] + meta + html[anchor.end() :]
