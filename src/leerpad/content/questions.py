"""The `/// question` block: find it in Markdown, parse its header and options.

One parser serves the validator (which needs file lines) and the Markdown
extension (which renders what the parser returns), so a question renders
exactly as it validates.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from leerpad.content.models import QUESTION_TYPES, ContentError, Option, Question
from leerpad.content.yamltext import YamlDoc, parse_yaml

ErrorSink = Callable[[int, str], None]

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

_START = re.compile(r"^(?P<indent>[ ]{0,3})/{3,}[ ]*question(?:[ ]*\|[ ]*(?P<stem>.*?))?[ ]*$")
_END = re.compile(r"^[ ]{0,3}/{3,}[ ]*$")
_HEADER = re.compile(r"^[ ]{4,}\S")
_FENCE = re.compile(r"^[ ]{0,3}(`{3,}|~{3,})")
_CHOICE = re.compile(r"^[-*+][ ]+\[(?P<mark>[ xX])\](?:[ ]+(?P<text>.*?))?[ ]*$")
_STEP = re.compile(r"^\d+[.)](?:[ ]+(?P<text>.*?))?[ ]*$")
_PAIR = re.compile(r"^[-*+][ ]+(?P<left>.*?)[ ]*::[ ]*(?P<right>.*?)[ ]*$")
_FEEDBACK = re.compile(r"^[ ]{2,}>[ ]?(?P<text>.*)$")
_CONTINUATION = re.compile(r"^[ ]{2,}(?P<text>\S.*)$")
_EXPLANATION = re.compile(r"^>[ ]?(?P<text>.*)$")

HEADER_KEYS = ("id", "type")
# A header line YAML reads as {key: "word"}; the words YAML 1.1 reads otherwise are excluded.
_SIMPLE_HEADER = re.compile(r"^([ ]*)([a-z_]+):[ ]+([a-z][a-z0-9-]*)[ ]*$")
_YAML_WORDS = {"true", "false", "yes", "no", "on", "off", "null", "y", "n"}
TRUE_FALSE = {"juist": "true", "onjuist": "false"}
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text: str, limit: int = 40) -> str:
    """A stable `[a-z0-9-]` id from option text (accents dropped)."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = _NOT_SLUG.sub("-", plain.lower()).strip("-")
    if len(slug) > limit:
        cut = slug[:limit]
        slug = cut.rsplit("-", 1)[0] if "-" in cut else cut
    return slug or "optie"


@dataclass
class QuestionBlock:
    """Where a question block stands in a file, before parsing its content."""

    start: int  # file line of the `/// question` line
    stem: str
    header: YamlDoc
    body: list[tuple[int, str]]  # (file line, text) of each content line
    closed: bool


class Fences:
    """Fenced code (```` ``` ```` or `~~~`, up to three spaces in), followed line by line.

    What looks like a question block or a citation inside fenced code is an
    example, not content: both the block finder and the citation check ask this.
    """

    def __init__(self) -> None:
        self.open: str | None = None  # the opening fence while inside code

    def is_code(self, line: str) -> bool:
        """Whether `line` is a fence or lies inside fenced code (call once per line, in order)."""
        match = _FENCE.match(line)
        if self.open is not None:
            fence = match.group(1) if match else ""
            if fence[:1] == self.open[0] and len(fence) >= len(self.open):
                self.open = None
            return True
        if match:
            self.open = match.group(1)
            return True
        return False


_BLOCK_MARKERS = re.compile(r"```|~~~|///")


def marked_lines(text: str, markers: re.Pattern[str]) -> list[int]:
    """The index of every line of `text` in which `markers` occurs, in order, once each.

    One scan of the whole text in C instead of a test of every line in Python: the lines
    without a marker (most of them, prose) are the ones a caller skips anyway.
    """
    found: list[int] = []
    line = last = 0
    for match in markers.finditer(text):
        line += text.count("\n", last, match.start())
        last = match.start()
        if not found or found[-1] != line:
            found.append(line)
    return found


def find_blocks(text: str, first_line: int = 1) -> list[QuestionBlock]:
    """Find every `/// question` block of a Markdown text (fenced code skipped)."""
    lines = text.split("\n")
    blocks: list[QuestionBlock] = []
    fences = Fences()
    # Only a line with a fence or `///` can open or close code, or start a block: the others
    # (prose) are passed over without a look.
    marked = marked_lines(text, _BLOCK_MARKERS)
    next_marked = 0
    while next_marked < len(marked):
        i = marked[next_marked]
        next_marked += 1
        line = lines[i]
        if "```" not in line and "~~~" not in line and fences.open is not None:
            continue  # `///` inside code
        if fences.is_code(line):
            continue
        start = _START.match(line)
        if not start:
            continue
        start_line = first_line + i
        indent = len(start.group("indent"))
        i += 1
        header_lines: list[str] = []
        while i < len(lines) and _HEADER.match(lines[i]):
            header_lines.append(lines[i])
            i += 1
        header = _parse_header(header_lines, start=first_line + i - len(header_lines))
        body: list[tuple[int, str]] = []
        closed = False
        while i < len(lines):
            if "///" in lines[i] and _END.match(lines[i]):
                closed = True
                i += 1
                break
            body.append((first_line + i, lines[i][indent:] if lines[i][:indent].isspace() else lines[i]))
            i += 1
        blocks.append(QuestionBlock(start_line, (start.group("stem") or "").strip(), header, body, closed))
        while next_marked < len(marked) and marked[next_marked] < i:
            next_marked += 1  # the block's own lines are read
    return blocks


def plain_header(lines: list[str]) -> dict[str, str] | None:
    """A header of `key: word` lines as YAML would read it, or None when YAML must read it.

    Every question has such a header (`id: …`, `type: …`), and pure-Python YAML
    is slow; a word here is one that YAML reads as that same string.
    """
    data: dict[str, str] = {}
    indents: set[str] = set()
    for line in lines:
        simple = _SIMPLE_HEADER.match(line)
        if not simple or simple.group(3) in _YAML_WORDS or simple.group(2) in data:
            return None
        indents.add(simple.group(1))
        data[simple.group(2)] = simple.group(3)
    return data if data and len(indents) == 1 else None


def _parse_header(lines: list[str], start: int) -> YamlDoc:
    """The block's header with the line of each key, as `parse_yaml` gives it."""
    data = plain_header(lines)
    if data is None:
        return parse_yaml(_dedent("\n".join(lines)), start=start)
    return YamlDoc(data=data, lines={key: start + n for n, key in enumerate(data)}, start=start)


def _dedent(text: str) -> str:
    widths = [len(x) - len(x.lstrip(" ")) for x in text.split("\n") if x.strip()]
    cut = min(widths, default=0)
    return "\n".join(x[cut:] for x in text.split("\n"))


def parse_block(block: QuestionBlock, path: str) -> tuple[Question, list[ContentError]]:
    """Parse one block into a Question, with every error found in it."""
    errors: list[ContentError] = []

    def error(line: int, message: str) -> None:
        errors.append(ContentError(path, line, message))

    header = block.header
    data: dict[str, object] = {}
    if header.error:
        error(*header.error)
    elif header.data is None:
        data = {}
    elif not isinstance(header.data, dict):
        error(header.start, "de kop van een vraag moet sleutels bevatten (id: …, type: …)")
    else:
        data = header.data
    for key in data:
        if key not in HEADER_KEYS:
            error(header.line(str(key)), f"onbekende sleutel '{key}' in de vraag (toegestaan: id, type)")

    qid = data.get("id")
    if qid is None or qid == "":
        if not header.error:
            error(block.start, "vraag zonder id (voeg 'id: …' toe onder de /// question-regel)")
        qid = ""
    elif not isinstance(qid, str) or not ID_PATTERN.match(qid):
        error(header.line("id"), f"ongeldige id '{qid}': alleen kleine letters, cijfers en '-'")
        qid = str(qid)
    qtype = data.get("type", "single")
    known_type = qtype in QUESTION_TYPES
    if not known_type:
        error(
            header.line("type"),
            f"onbekend vraagtype '{qtype}' (kies uit: {', '.join(QUESTION_TYPES)})",
        )
        qtype = "single"
    qtype = str(qtype)
    if not block.stem:
        error(block.start, f"vraag '{qid}' heeft geen vraagtekst (schrijf: /// question | Uw vraag?)")
    if not block.closed:
        error(block.start, f"vraag '{qid}' wordt niet afgesloten met een regel '///'")

    question = Question(id=qid, type=qtype, stem=block.stem, line=block.start)
    _parse_body(question, block.body, error)
    if known_type:  # answers of an unknown type cannot be judged
        _check_answers(question, block.start, error)
    return question, errors


def _parse_body(question: Question, body: list[tuple[int, str]], error: ErrorSink) -> None:
    prompt: list[str] = []
    explanation: list[str] = []
    option_lines: dict[int, int] = {}  # index in options -> file line
    last_feedback = False
    for line_no, raw in body:
        line = raw.rstrip()
        if not line.strip():
            if not question.options:
                prompt.append("")
            continue
        option = _option(question.type, line)
        if option is not None and not explanation:
            if not option.text:
                error(line_no, f"vraag '{question.id}': lege antwoordoptie")
            option_lines[len(question.options)] = line_no
            question.options.append(option)
            last_feedback = False
            continue
        if question.options and not explanation:
            feedback = _FEEDBACK.match(line)
            if feedback:
                _add_feedback(question.options[-1], feedback.group("text"))
                last_feedback = True
                continue
            cont = _CONTINUATION.match(line)
            if cont and last_feedback:
                _add_feedback(question.options[-1], cont.group("text"))
                continue
        expl = _EXPLANATION.match(line)
        if question.options and expl:
            explanation.append(expl.group("text"))
            continue
        if question.options:
            error(
                line_no,
                f"vraag '{question.id}': deze regel hoort niet bij een antwoordoptie "
                "(feedback springt in en begint met '>')",
            )
            continue
        prompt.append(line)
    question.prompt = "\n".join(prompt).strip("\n")
    question.explanation = " ".join(x.strip() for x in explanation).strip()
    _assign_ids(question)
    if question.type == "reflection" and question.options:
        error(option_lines[0], f"vraag '{question.id}': een reflectievraag heeft geen antwoordopties")


def _option(qtype: str, line: str) -> Option | None:
    if qtype == "sequencing":
        step = _STEP.match(line)
        return Option(id="", text=(step.group("text") or "").strip(), correct=True) if step else None
    if qtype == "matching":
        pair = _PAIR.match(line)
        if pair:
            return Option(id="", text=pair.group("left"), correct=True, match=pair.group("right"))
        return None
    choice = _CHOICE.match(line)
    if choice:
        return Option(id="", text=(choice.group("text") or "").strip(), correct=choice.group("mark") != " ")
    return None


def _add_feedback(option: Option, text: str) -> None:
    option.feedback = f"{option.feedback} {text.strip()}".strip()


def _assign_ids(question: Question) -> None:
    seen: set[str] = set()
    targets: set[str] = set()
    for option in question.options:
        if question.type == "true-false":
            option.id = TRUE_FALSE.get(option.text.strip().lower(), slugify(option.text))
        else:
            option.id = _unique(slugify(option.text), seen)
        seen.add(option.id)
        if question.type == "matching":
            option.match_id = _unique(slugify(option.match), targets)
            targets.add(option.match_id)


def _unique(slug: str, seen: set[str]) -> str:
    if slug not in seen:
        return slug
    n = 2
    while f"{slug}-{n}" in seen:
        n += 1
    return f"{slug}-{n}"


def _check_answers(question: Question, line: int, error: ErrorSink) -> None:
    q = f"vraag '{question.id}'"
    options = question.options
    correct = [o for o in options if o.correct]
    kind = question.type
    if kind in ("single", "multiple", "likert") and len(options) < 2:
        error(line, f"{q}: minstens twee antwoordopties nodig (regels '- [ ] …')")
    elif kind in ("single", "multiple") and not correct:
        error(line, f"{q}: geen juist antwoord aangeduid (markeer het met '- [x]')")
    elif kind == "single" and len(correct) > 1:
        error(line, f"{q}: type single heeft precies één juist antwoord; gebruik type multiple")
    elif kind == "true-false":
        texts = sorted(o.text.strip().lower() for o in options)
        if texts != ["juist", "onjuist"]:
            error(line, f"{q}: een juist/onjuist-vraag heeft precies de opties 'Juist' en 'Onjuist'")
        elif len(correct) != 1:
            error(line, f"{q}: duid precies één van 'Juist' en 'Onjuist' aan als juist ('- [x]')")
    elif kind == "fill-in":
        if not options:
            error(line, f"{q}: geen aanvaard antwoord (elk aanvaard antwoord is een regel '- [x] …')")
        elif len(correct) != len(options):
            error(line, f"{q}: bij fill-in is elke regel een aanvaard antwoord: schrijf '- [x] …'")
    elif kind == "sequencing" and len(options) < 2:
        error(line, f"{q}: een volgordevraag heeft minstens twee genummerde stappen ('1. …')")
    elif kind == "matching":
        if len(options) < 2:
            error(line, f"{q}: een koppelvraag heeft minstens twee paren ('- links :: rechts')")
        for option in options:
            if not option.match:
                error(line, f"{q}: paar '{option.text}' heeft geen rechterkant na '::'")
    elif kind == "likert" and correct:
        error(line, f"{q}: een likertschaal wordt niet gescoord: gebruik '- [ ]' voor elk label")


def parse_questions(text: str, path: str, first_line: int = 1) -> tuple[list[Question], list[ContentError]]:
    """All questions of a Markdown text, and every error in them."""
    questions: list[Question] = []
    errors: list[ContentError] = []
    for block in find_blocks(text, first_line):
        question, found = parse_block(block, path)
        questions.append(question)
        errors.extend(found)
    return questions, errors
