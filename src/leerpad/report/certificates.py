"""Certificates (PDF, WeasyPrint) and the verification codes printed on them.

A code is an HMAC-SHA256, keyed with a secret kept in ``.leerpad/`` (created on
first use, mode 0600), over the certified facts: course, module, learner, number,
date, hours and points, organiser, and the id of the statement that completed
the module. The same facts always give the same code, so running the report
again issues the same certificates. Each issued code and its facts are kept in
``.leerpad/certificates.jsonl``; ``leerpad verify CODE`` looks the code up and
recomputes the HMAC: a code never issued, or facts changed afterwards, fail.

Fonts are the machine's own (DejaVu Sans, Debian's fonts-dejavu-core): the PDF
never fetches anything.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import os
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

SECRET_FILE = Path(".leerpad") / "certificate-secret"
REGISTRY_FILE = Path(".leerpad") / "certificates.jsonl"
CODE_PREFIX = "LP"
MONTHS = (
    "januari", "februari", "maart", "april", "mei", "juni",
    "juli", "augustus", "september", "oktober", "november", "december",
)
BODY_NAMES = {"riziv": "RIZIV", "apotheek": "APB–Ophaco", "gaia": "GAIA"}
NUMBER_NAMES = {"riziv": "RIZIV-nummer", "big": "BIG-nummer", "mbox": "e-mail"}


def secret(root: Path) -> bytes:
    """The organiser's certificate secret, created (0600) on first use."""
    path = root / SECRET_FILE
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_bytes(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(value.hex() + "\n")
    return value


def _canonical(facts: Mapping[str, Any]) -> bytes:
    return json.dumps(facts, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def code_for(key: bytes, facts: Mapping[str, Any]) -> str:
    """``LP-XXXX-XXXX-XXXX-XXXX``: 80 bits of the HMAC of the facts, in base32."""
    digest = hmac.new(key, _canonical(facts), hashlib.sha256).digest()[:10]
    text = base64.b32encode(digest).decode("ascii")
    return "-".join([CODE_PREFIX, *(text[i : i + 4] for i in range(0, 16, 4))])


def normalise_code(text: str) -> str | None:
    """A code as typed (any case, spaces or dashes) in its printed form, or None."""
    letters = re.sub(r"[\s-]", "", text).upper()
    if letters.startswith(CODE_PREFIX):
        letters = letters[len(CODE_PREFIX) :]
    if not re.fullmatch(r"[A-Z2-7]{16}", letters):
        return None
    return "-".join([CODE_PREFIX, *(letters[i : i + 4] for i in range(0, 16, 4))])


def dutch_date(iso: str) -> str:
    """``2026-11-14`` → ``14 november 2026``."""
    day = date.fromisoformat(iso)
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def _number(value: float) -> str:
    return (f"{value:.2f}".rstrip("0").rstrip(".")).replace(".", ",")


def describe(facts: Mapping[str, Any]) -> str:
    """What a certificate certifies, in one Dutch sentence."""
    what = f"module ‘{facts['module_title']}’ van" if facts.get("module") else "de volledige e-learning"
    number = f" ({NUMBER_NAMES.get(facts.get('register', ''), 'nummer')} {facts['number']})"
    credit = ""
    if facts.get("body"):
        credit = f"; {_number(facts['points'])} punten {BODY_NAMES.get(facts['body'], facts['body'])}"
    return (
        f"{facts['name']}{number} rondde {what} ‘{facts['course_title']}’ af op "
        f"{dutch_date(facts['date'])}; studietijd {_number(facts['hours'])} uur{credit}; "
        f"organisator: {facts.get('organiser') or 'niet opgegeven'}."
    )


@dataclass(frozen=True)
class Certificate:
    """The facts of one certificate and its code."""

    facts: dict[str, Any]
    code: str

    @property
    def file_name(self) -> str:
        """``<register>-<number>-<module or cursus>.pdf``, safe on every file system."""
        who = re.sub(r"[^A-Za-z0-9.-]+", "_", f"{self.facts.get('register', '')}-{self.facts['number']}")
        return f"{who}-{self.facts.get('module') or 'cursus'}.pdf"


class Registry:
    """The issued codes (``.leerpad/certificates.jsonl``) and the secret that made them."""

    def __init__(self, root: Path) -> None:
        """Use the course root's ``.leerpad/``."""
        self.path = root / REGISTRY_FILE
        self.key = secret(root)

    def issued(self) -> dict[str, dict[str, Any]]:
        """Code → facts of every certificate issued so far."""
        found: dict[str, dict[str, Any]] = {}
        if not self.path.exists():
            return found
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
                found[str(entry["code"])] = dict(entry["facts"])
            except (ValueError, KeyError, TypeError):
                continue  # a damaged line certifies nothing
        return found

    def issue(self, all_facts: Iterable[dict[str, Any]]) -> list[Certificate]:
        """Certificates for these facts; new codes are appended to the registry."""
        known = self.issued()
        certificates = [Certificate(f, code_for(self.key, f)) for f in all_facts]
        new = [c for c in certificates if c.code not in known]
        if new:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            with os.fdopen(fd, "a", encoding="utf-8") as handle:
                for certificate in new:
                    entry = {"code": certificate.code, "facts": certificate.facts}
                    handle.write(json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n")
        return certificates

    def verify(self, text: str) -> tuple[bool, str]:
        """Whether a code is genuine, and the line that says so (Dutch)."""
        code = normalise_code(text)
        if code is None:
            return False, f"Ongeldige code '{text.strip()}': verwacht LP-XXXX-XXXX-XXXX-XXXX."
        facts = self.issued().get(code)
        if facts is None:
            return False, f"NIET ECHT: {code} is nooit uitgereikt door deze organisator."
        if not hmac.compare_digest(code_for(self.key, facts), code):
            return False, f"NIET ECHT: de gegevens bij {code} zijn na uitreiking gewijzigd."
        return True, f"ECHT: {code} — {describe(facts)}"


STYLE = """
@page { size: A4 landscape; margin: 18mm; }
body { font-family: "DejaVu Sans", sans-serif; color: #1a1a1a; }
.frame { border: 3px double #1f4e79; padding: 14mm 16mm; height: 150mm; }
h1 { font-size: 30pt; color: #1f4e79; margin: 0 0 6mm; letter-spacing: 1pt; }
.lead { font-size: 13pt; margin: 0 0 3mm; }
.name { font-size: 22pt; font-weight: bold; margin: 2mm 0 1mm; }
.number { font-size: 11pt; color: #444; margin: 0 0 6mm; }
.what { font-size: 14pt; line-height: 1.45; margin: 0 0 6mm; }
table { border-collapse: collapse; font-size: 11pt; margin-bottom: 6mm; }
th { text-align: left; padding: 1mm 6mm 1mm 0; font-weight: normal; color: #444; }
td { padding: 1mm 0; font-weight: bold; }
.code { font-family: "DejaVu Sans Mono", monospace; font-size: 12pt; }
.foot { font-size: 9pt; color: #444; }
"""


def certificate_html(facts: Mapping[str, Any], code: str) -> str:
    """The certificate as one HTML page (Dutch)."""
    e = html.escape
    number_name = NUMBER_NAMES.get(str(facts.get("register", "")), "Nummer")
    if facts.get("module"):
        what = (
            f"de module <b>{e(facts['module_title'])}</b> van de e-learning "
            f"<b>{e(facts['course_title'])}</b>"
        )
    else:
        what = f"de volledige e-learning <b>{e(facts['course_title'])}</b>, met de eindtoets"
    rows = [("Datum", dutch_date(facts["date"])), ("Studietijd", f"{_number(facts['hours'])} uur")]
    if facts.get("body"):
        body = BODY_NAMES.get(facts["body"], facts["body"])
        label = f"Punten ({body}" + (f", domein {facts['domain']})" if facts.get("domain") else ")")
        rows.append((label, _number(facts["points"])))
        if facts.get("activity"):
            rows.append(("Activiteitsnummer", str(facts["activity"])))
    organiser = facts.get("organiser") or "niet opgegeven"
    if facts.get("organiser_number"):
        organiser += f" (erkenningsnummer {facts['organiser_number']})"
    rows.append(("Organisator", organiser))
    table = "".join(f"<tr><th scope='row'>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in rows)
    return f"""<!DOCTYPE html>
<html lang="nl"><head><meta charset="utf-8"><title>Certificaat — {e(facts['name'])}</title>
<style>{STYLE}</style></head><body><div class="frame">
<h1>Certificaat</h1>
<p class="lead">Hierbij verklaren wij dat</p>
<p class="name">{e(facts['name'])}</p>
<p class="number">{e(number_name)} {e(str(facts['number']))}</p>
<p class="what">{what} met succes heeft afgerond.</p>
<table>{table}</table>
<p>Verificatiecode: <span class="code">{e(code)}</span></p>
<p class="foot">De organisator bevestigt de echtheid met <i>leerpad verify {e(code)}</i>.
Dit certificaat steunt op de resultaten die de scoringsdienst van de cursus registreerde.</p>
</div></body></html>"""


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError(f"certificaten laden niets van buiten: {url}")


def write_pdf(path: Path, certificate: Certificate) -> None:
    """Render one certificate to ``path`` with WeasyPrint (local fonts only, no fetching)."""
    from weasyprint import HTML  # type: ignore[import-untyped]

    path.parent.mkdir(parents=True, exist_ok=True)
    document = HTML(string=certificate_html(certificate.facts, certificate.code), url_fetcher=_no_fetch)
    document.write_pdf(str(path))
