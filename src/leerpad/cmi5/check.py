"""The cmi5 package checker: what the XSD says, and what an LMS rejects on import.

Works on any cmi5 package (ours or another tool's): a ZIP with `cmi5.xml` at its
root, or a course structure XML on its own. Every problem is one line a course
organiser can act on, `cmi5.xml:LINE: message` or `zip: message`, in Dutch.

Safety first: the archive's paths are checked without extracting anything, the
XML is refused before parsing when it declares entities, and the parser never
resolves entities, loads a DTD or touches the network.
"""

from __future__ import annotations

import posixpath
import re
import stat
import sys
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from lxml import etree

from leerpad.cmi5.structure import NAMESPACE, SCHEMA_FILE

STRUCTURE = "cmi5.xml"
MAX_STRUCTURE_BYTES = 16 * 1024 * 1024
# Names the LMS appends to the AU's URL at launch (cmi5 8.1); an AU URL may not use them.
LAUNCH_PARAMETERS = ("endpoint", "fetch", "actor", "registration", "activityId")
ID_KINDS = {"course": "cursus", "block": "blok", "au": "AU", "objective": "doelstelling"}
_NS = f"{{{NAMESPACE}}}"
_ENTITY = re.compile(rb"<!ENTITY", re.IGNORECASE)
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
# Characters RFC 3986/3987 never allow unencoded in a URI or IRI.
_FORBIDDEN = set(' <>"{}|\\^`') | {chr(c) for c in range(0x20)} | {chr(0x7F)}


@dataclass(frozen=True, order=True)
class Problem:
    """One problem of a package: in its archive (line None) or at a line of its XML."""

    where: str  # "zip", or the structure file's name ("cmi5.xml")
    line: int | None
    message: str

    def __str__(self) -> str:
        if self.line is None:
            return f"{self.where}: {self.message}"
        return f"{self.where}:{self.line}: {self.message}"


def print_problems(problems: list[Problem], summary: Callable[[str], str]) -> bool:
    """Each problem on its own line (stdout), then `summary` of "N probleem/problemen" on stderr; any found?"""
    for problem in problems:
        print(problem)
    if problems:
        noun = "probleem" if len(problems) == 1 else "problemen"
        print(summary(f"{len(problems)} {noun}"), file=sys.stderr)
    return bool(problems)


def check_package(path: Path) -> list[Problem]:
    """Every problem of a cmi5 package: a ZIP, or a standalone course structure (``*.xml``)."""
    if not path.is_file():
        return [Problem("zip", None, f"bestand '{path}' bestaat niet")]
    if path.suffix.lower() == ".xml":
        return check_structure(path.read_bytes(), None, where=path.name)
    if not zipfile.is_zipfile(path):
        return [Problem("zip", None, f"'{path.name}' is geen zip-bestand")]
    try:
        with zipfile.ZipFile(path) as archive:
            return _check_archive(archive)
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        return [Problem("zip", None, f"'{path.name}' is een beschadigd zip-bestand ({error})")]


def _check_archive(archive: zipfile.ZipFile) -> list[Problem]:
    problems = [Problem("zip", None, m) for m in archive_problems(archive.infolist())]
    files = {i.filename for i in archive.infolist() if not i.is_dir()}
    info = next((i for i in archive.infolist() if i.filename == STRUCTURE), None)
    if info is None:
        elsewhere = sorted(n for n in files if n.rsplit("/", 1)[-1].lower() == STRUCTURE)
        hint = f" (wel: {', '.join(elsewhere)})" if elsewhere else ""
        return [*problems, Problem("zip", None, f"geen {STRUCTURE} in de hoofdmap van het zip-bestand{hint}")]
    if info.flag_bits & 0x1:
        return problems  # already reported as encrypted: unreadable
    if info.file_size > MAX_STRUCTURE_BYTES:
        return [*problems, Problem("zip", None, f"{STRUCTURE} is groter dan 16 MB")]
    with archive.open(info) as stream:
        data = stream.read(MAX_STRUCTURE_BYTES + 1)
    return problems + check_structure(data, files)


def archive_problems(entries: list[zipfile.ZipInfo]) -> Iterator[str]:
    """Entries an LMS must not unpack: paths out of the package, links, duplicates, encryption."""
    seen: set[str] = set()
    for info in entries:
        name = info.filename
        parts = name.split("/")
        if "\\" in name:
            yield f"pad '{name}' gebruikt '\\' als scheidingsteken (een zip-bestand gebruikt '/')"
        if name.startswith("/") or re.match(r"^[A-Za-z]:", name) or ".." in name.replace("\\", "/").split("/"):
            yield f"onveilig pad '{name}': het wijst buiten de map waarin het pakket wordt uitgepakt"
        elif "" in parts[:-1] or "." in parts:
            yield f"pad '{name}' heeft een lege of '.'-component"
        if stat.S_ISLNK(info.external_attr >> 16):
            yield f"'{name}' is een symbolische link: een LMS pakt die niet veilig uit"
        if info.flag_bits & 0x1:
            yield f"'{name}' is versleuteld: een LMS kan het niet lezen"
        if name in seen:
            yield f"'{name}' staat meer dan eens in het zip-bestand"
        seen.add(name)


def check_structure(data: bytes, files: set[str] | None, where: str = STRUCTURE) -> list[Problem]:
    """Problems of a course structure; ``files`` are the ZIP's files (None: no ZIP around it)."""
    entities = sorted({_line_of(data, m.start()) for m in _entity_matches(data)})
    if entities:
        message = ("<!ENTITY-declaratie geweigerd: een cursusstructuur heeft geen entiteiten nodig, "
                   "en ze kunnen bestanden lezen of het geheugen vullen")
        return [Problem(where, line, message) for line in entities]
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        last = max(1, data.count(b"\n") + (0 if data.endswith(b"\n") else 1))  # libxml2 may name the line after the end
        line = min(error.lineno or 1, last)
        return [Problem(where, line, f"geen geldige XML: {translate_syntax_error(error.msg)}")]
    rules = _Rules(files)
    ours = rules.problems(root)
    # A URL our rules explain needs no second, vaguer line from the XSD's anyURI check.
    found = [(line, m) for line, m in schema_problems(root)
             if not (line in rules.url_lines and m.startswith("<url> '"))]
    unique = sorted(dict.fromkeys(found + ours), key=lambda p: p[0])
    return [Problem(where, line, message) for line, message in unique]


def _entity_matches(data: bytes) -> Iterator[re.Match[bytes]]:
    """`<!ENTITY` in the bytes as they are, or in UTF-16 (which hides it from a byte search)."""
    yield from _ENTITY.finditer(data)
    for codec in ("utf-16-le", "utf-16-be"):
        needle = re.compile(re.escape("<!ENTITY".encode(codec)))
        yield from needle.finditer(data)


def _line_of(data: bytes, offset: int) -> int:
    # One 0x0A byte per line feed, in UTF-8 and in UTF-16 alike.
    return data[:offset].count(b"\n") + 1


_SYNTAX = [
    (r"Opening and ending tag mismatch: (\S+) line (\d+) and (\S+)",
     "sluit-tag </{2}> past niet bij <{0}> van regel {1}"),
    (r"Premature end of data in tag (\S+) line (\d+)", "het bestand houdt op binnen <{0}> (geopend op regel {1})"),
    (r"Document is empty", "het bestand is leeg"),
    (r"Start tag expected, '<' not found", "er staat geen element aan het begin"),
    (r"(?:xmlParseEntityRef: no name|EntityRef: expecting ';')",
     "losse '&': schrijf &amp; (ook tussen de parameters van een url)"),
    (r"Entity '(\S+)' not defined", "onbekende entiteit &{0};"),
    (r"Attribute (\S+) redefined", "attribuut '{0}' staat twee keer in hetzelfde element"),
    (r"(?:Invalid bytes in character encoding|Input is not proper UTF-8).*",
     "tekens die niet passen bij de codering van het bestand (sla het op als UTF-8)"),
    (r"AttValue: \" or ' expected", "attribuutwaarde zonder aanhalingstekens"),
    (r"Extra content at the end of the document", "inhoud na het einde van het hoofdelement"),
]


def translate_syntax_error(message: str) -> str:
    """libxml2's syntax error in Dutch; its own words for the rare ones."""
    message = re.sub(r", line \d+, column \d+$", "", message.strip())
    for pattern, template in _SYNTAX:
        found = re.match(pattern, message)
        if found:
            return template.format(*found.groups())
    return _strip_ns(message)


# -- the XSD ------------------------------------------------------------------------

_schema: etree.XMLSchema | None = None


def _xsd() -> etree.XMLSchema:
    global _schema
    if _schema is None:
        parser = etree.XMLParser(resolve_entities=False, no_network=True)
        _schema = etree.XMLSchema(etree.parse(str(SCHEMA_FILE), parser))
    return _schema


def schema_problems(root: etree._Element) -> Iterator[tuple[int, str]]:
    """Each XSD violation at its line, in Dutch (libxml2's English as a last resort)."""
    schema = _xsd()
    if schema.validate(root):
        return
    for error in schema.error_log:
        yield error.line or 1, translate_schema_error(error.message)


_ELEMENT = re.compile(r"^Element '(?P<el>[^']+)'(?:, attribute '(?P<attr>[^']+)')?: (?P<rest>.*)$", re.DOTALL)
_TYPE_HINTS = {
    "xs:decimal": "een decimaal getal",
    "xs:language": "een taalcode zoals nl-BE",
    "xs:anyURI": "een URI",
    "masteryScore": "een decimaal getal tussen 0 en 1",
}


def translate_schema_error(message: str) -> str:
    """libxml2's XSD message as a Dutch sentence about the element and attribute."""
    match = _ELEMENT.match(message.strip())
    if not match:
        return f"voldoet niet aan CourseStructure.xsd: {_strip_ns(message.strip())}"
    element = f"<{_local(match['el'])}>"
    attr = match["attr"]
    subject = f"{element} {attr}" if attr else element
    rest = match["rest"]
    rules: list[tuple[str, str]] = [
        (r"Missing child element\(s\)\. Expected is (?:one of )?\( (?P<exp>.*) \)\.",
         f"{element}: er ontbreekt een element (verwacht: {{exp}})"),
        (r"This element is not expected\. Expected is (?:one of )?\( (?P<exp>.*) \)\.",
         f"element {element} hoort hier niet (verwacht: {{exp}})"),
        (r"This element is not expected\.", f"element {element} hoort hier niet"),
        (r"The attribute '(?P<a>[^']+)' is required but missing\.", f"{element} zonder verplicht attribuut '{{a}}'"),
        (r"The attribute '(?P<a>[^']+)' is not allowed\.", f"{element}: attribuut '{{a}}' is niet toegestaan"),
        (r"\[facet 'enumeration'\] The value '(?P<v>.*)' is not an element of the set \{(?P<set>.*)\}\.",
         f"{subject} '{{v}}' is niet toegestaan (kies uit: {{set}})"),
        (r"\[facet 'maxInclusive'\] The value '(?P<v>.*)' is greater than the maximum value allowed \('(?P<m>.*)'\)\.",
         f"{subject} '{{v}}' is groter dan {{m}}"),
        (r"\[facet 'minInclusive'\] The value '(?P<v>.*)' is less than the minimum value allowed \('(?P<m>.*)'\)\.",
         f"{subject} '{{v}}' is kleiner dan {{m}}"),
        (r"\[facet 'minLength'\] The value has a length of '0'.*", f"{subject} is leeg"),
        (r"'(?P<v>.*)' is not a valid value of the (?:local )?atomic type(?: '(?P<t>[^']+)')?\.",
         f"{subject} '{{v}}' is geen geldige waarde{{hint}}"),
        (r"Character content other than whitespace is not allowed.*",
         f"{element} mag geen losse tekst bevatten, alleen elementen (zoals <langstring>)"),
        (r"No matching global declaration available for the validation root\.",
         f"{element} is geen cmi5-cursusstructuur: verwacht <courseStructure xmlns=\"{NAMESPACE}\">"),
    ]
    for pattern, template in rules:
        found = re.fullmatch(pattern, rest, re.DOTALL)
        if not found:
            continue
        values = {k: v or "" for k, v in found.groupdict().items()}
        if "exp" in values:
            values["exp"] = _expected(values["exp"])
        if "set" in values:
            values["set"] = ", ".join(s.strip().strip("'") for s in values["set"].split(","))
        hint = _TYPE_HINTS.get(values.get("t", "")) or _TYPE_HINTS.get(attr or "")
        values["hint"] = f" (verwacht: {hint})" if hint else ""
        return template.format(**values)
    return f"{subject}: voldoet niet aan CourseStructure.xsd: {_strip_ns(rest)}"


def _expected(listing: str) -> str:
    names = []
    for item in listing.split(","):
        item = item.strip()
        names.append("een uitbreiding in een eigen namespace" if item.startswith("##other") else f"<{_local(item)}>")
    return " of ".join(dict.fromkeys(names))


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def _strip_ns(text: str) -> str:
    return text.replace(_NS, "")


# -- what the XSD does not catch -------------------------------------------------


class _Rules:
    """Ids, objective references and AU URLs, checked the way an LMS imports them."""

    def __init__(self, files: set[str] | None) -> None:
        self.files = files
        self.found: list[tuple[int, str]] = []
        self.ids: dict[str, int] = {}
        self.url_lines: set[int] = set()

    def problems(self, root: etree._Element) -> list[tuple[int, str]]:
        if root.tag != f"{_NS}courseStructure":
            return []  # the XSD already said what the root should be
        declared: set[str] = set()
        for element in root.iter(etree.Element):
            tag = element.tag
            if not isinstance(tag, str) or not tag.startswith(_NS):
                continue  # vendor extensions (cmi5 13.1.5) are not ours to judge
            name = tag[len(_NS):]
            parent = element.getparent()
            in_list = parent is not None and parent.tag == f"{_NS}objectives"
            owner = parent.getparent() if in_list and parent is not None else None
            if name in ("course", "block", "au") or (name == "objective" and owner is root):
                self._identifier(element, ID_KINDS[name])
                if name == "objective" and element.get("id"):
                    declared.add(element.get("id", "").strip())
            if name == "au":
                self._activity_type(element)
                self._mastery_score(element)
            if name == "url" and parent is not None and parent.tag == f"{_NS}au":
                self._url(element)
        for element in root.iter(f"{_NS}objective"):
            parent = element.getparent()
            owner = parent.getparent() if parent is not None else None
            if owner is None or owner is root:
                continue
            ref = (element.get("idref") or "").strip()
            line = element.sourceline or 1
            if not ref:
                self.found.append((line, "<objective> zonder 'idref' (naar welke doelstelling verwijst het?)"))
            elif ref not in declared:
                self.found.append((line, f"verwijzing naar doelstelling '{ref}', die niet in <objectives> staat"))
        return self.found

    def _identifier(self, element: etree._Element, kind: str) -> None:
        value = element.get("id")
        if value is None:
            return  # the XSD reports the missing attribute
        value = value.strip()
        line = element.sourceline or 1
        if not is_iri(value):
            self.found.append((line, f"{kind}-id '{value}' is geen volledige IRI (met schema, bv. https://…)"))
        if value in self.ids:
            self.found.append((line, f"id '{value}' komt al voor op regel {self.ids[value]}"))
        else:
            self.ids[value] = line

    def _activity_type(self, element: etree._Element) -> None:
        value = element.get("activityType")
        if value is not None and not is_iri(value.strip()):
            self.found.append((element.sourceline or 1, f"activityType '{value}' is geen volledige IRI"))

    def _mastery_score(self, element: etree._Element) -> None:
        value = (element.get("masteryScore") or "").strip()
        decimals = value.partition(".")[2]
        if len(decimals.rstrip("0")) > 4 and decimals.isdigit():
            self.found.append((element.sourceline or 1,
                               f"masteryScore '{value}' heeft meer dan 4 decimalen (cmi5 staat er 4 toe)"))

    def _url(self, element: etree._Element) -> None:
        url = (element.text or "").strip()
        if not url:
            return  # the XSD reports an empty url
        line = element.sourceline or 1
        problem = url_problem(url)
        if problem:
            self.found.append((line, f"AU-url '{url}' {problem}"))
            self.url_lines.add(line)
            return
        parts = urlsplit(url)
        for name, _value in parse_qsl(parts.query, keep_blank_values=True):
            if name in LAUNCH_PARAMETERS:
                self.found.append((line, f"AU-url '{url}' bevat de startparameter '{name}' in de querystring: "
                                         "die voegt het LMS zelf toe bij het starten"))
        if parts.scheme:
            return
        if self.files is None:
            self.found.append((line, f"AU-url '{url}' is relatief, maar zonder zip-bestand moet elke url "
                                     "volledig zijn (https://…)"))
            return
        problem = self._packaged(parts.netloc, unquote(parts.path))
        if problem:
            self.found.append((line, f"AU-url '{url}' {problem}"))

    def _packaged(self, netloc: str, path: str) -> str | None:
        """Why a relative AU URL does not name a file of the ZIP (None: it does)."""
        files = self.files or set()
        if netloc or path.startswith("/"):
            return "begint met '/': een url in het pakket is relatief ten opzichte van cmi5.xml"
        if not path:
            return "wijst naar geen bestand"
        normal = posixpath.normpath(path)
        if normal == ".." or normal.startswith("../"):
            return "wijst buiten het pakket"
        if normal in files:
            return None
        folder = normal.rstrip("/") + "/"
        if any(f.startswith(folder) for f in files):
            index = folder + "index.html"
            hint = f" (wel een map: bedoelt u '{index}'?)" if index in files else " (wel een map)"
            return f"wijst naar geen bestand in het zip-bestand{hint}"
        return "wijst naar geen bestand in het zip-bestand"


def is_iri(value: str) -> bool:
    """An absolute IRI (RFC 3987): a scheme, no forbidden characters, valid %-escapes."""
    if not _SCHEME.match(value) or _BAD_PERCENT.search(value):
        return False
    if any(c in _FORBIDDEN or 0x80 <= ord(c) <= 0x9F for c in value):
        return False
    scheme, _, rest = value.partition(":")
    if not rest:
        return False
    if scheme.lower() in ("http", "https"):
        return rest.startswith("//") and bool(urlsplit(value).hostname)
    return True


def url_problem(url: str) -> str | None:
    """Why a launch URL does not parse as an RFC 1738/3986 URL (None: it does)."""
    for char in url:
        if char.isspace():
            return "bevat een spatie of regeleinde (codeer het als %20)"
        if char in _FORBIDDEN:
            return f"bevat het teken '{char}', dat in een URL niet mag"
        if ord(char) > 0x7E:
            encoded = "".join(f"%{b:02X}" for b in char.encode("utf-8"))
            return f"bevat het teken '{char}': codeer het als {encoded}"
    if _BAD_PERCENT.search(url):
        return "bevat een '%' die niet door twee hexadecimale cijfers gevolgd wordt"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        return "is geen geldige URL (host of poort)"
    if parts.scheme.lower() in ("http", "https") and not parts.hostname:
        return f"heeft geen host na {parts.scheme}://"
    if not parts.scheme and url.startswith("//"):
        return "heeft geen schema (https://…)"
    return None
