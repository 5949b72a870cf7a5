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
    hashes: list[str] = []
    for attrs, body in _SCRIPT.findall(html):
        if _SRC.search(attrs):
            continue
        found = _TYPE.search(attrs)
        kind = next((g for g in found.groups() if g is not None), "") if found else ""
        if kind.strip().lower() in _EXECUTABLE and (h := _hash(body)) not in hashes:
            hashes.append(h)
    return hashes


def policy(html: str, *origins: str | None) -> str:
    """The policy for one page: the site ('self'), the LRS (and scorer) origins, hashed inline code."""
    scripts = " ".join(["'self'", *inline_script_hashes(html)])
    styles = " ".join(["'self'", *dict.fromkeys(_hash(s) for s in _STYLE.findall(html))])
    connect = " ".join(dict.fromkeys(filter(None, ["'self'", *(_origin(o) for o in origins)])))
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {scripts}",
            f"style-src {styles}",
            "img-src 'self' data:",  # Material's icons are data: URLs in its CSS
            "font-src 'self'",
            f"connect-src {connect}",
            "worker-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
        ]
    )


def add_csp(html: str, *origins: str | None) -> str:
    """`html` with a Content-Security-Policy meta element early in its head.

    Placed right after `<meta charset>` (or the `<head>` tag), before any script;
    an existing policy element is replaced. A page without `<head>` is returned
    unchanged. `origins` may be origins or URLs (the LRS endpoint, the scorer);
    none allows connections to the site only.
    """
    html = _EXISTING.sub("", html)
    meta = f'<meta http-equiv="Content-Security-Policy" content="{policy(html, *origins)}">'
    anchor = _CHARSET.search(html) or _HEAD.search(html)
    if anchor is None:
        return html
    return html[: anchor.end()] + meta + html[anchor.end() :]
