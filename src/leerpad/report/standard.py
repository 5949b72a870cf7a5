"""Standard setting with an Angoff panel: ``leerpad angoff``.

In a (modified) Angoff panel every judge estimates, per question, the chance that a
given kind of candidate answers it right: classically the borderline candidate, whose
expected score is the cut score; here, as docs/trainers.md explains, also a colleague
who did not study the course, who must fail the final test.

A quiz that draws ``k`` of ``n`` questions (``draw:``) gives every candidate another
test, so the panel's figure is not one expected score but a chance to pass:

- per attempt, exactly: a uniform draw of ``k`` questions, each answered right with its
  estimated chance, independently. ``f[j][s]`` sums over every ``j``-subset of the
  questions seen so far the chance of ``s`` right; dividing ``f[k][s]`` by ``C(n, k)``
  gives the chance of ``s`` right in one attempt.
- within the quiz's attempts: simulated with the scorer's own rule (a retry draws the
  questions the previous attempt did not have first), without learning between
  attempts; the result says so. Seeded, so the same ratings print the same figures.

A ratings sheet is a CSV (``;`` or ``,``) with the columns ``vraag`` and ``kans``;
other columns (the question's text, a reason) are kept for the judge and ignored here.
A chance may be written ``0,6``, ``0.6`` or ``60 %``.
"""

from __future__ import annotations

import csv
import io
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from leerpad.report.dashboard import number, percent

RUNS = 5_000  # simulated candidates for the chance within several attempts (standard error < 0.5 point)
SEED = 1458
GUESSABLE = 0.75  # a question the panel thinks this candidate answers right this often
SPREAD = 0.40  # judges this far apart on a question should discuss it and rate again


class RatingsError(Exception):
    """A ratings sheet a trainer must fix: ``file:line: message``."""


@dataclass(frozen=True)
class Judged:
    """What one judge, or the panel's mean, gives a quiz's candidate."""

    name: str
    mean: float  # mean estimated chance over the pool
    expected: float  # expected number right in one attempt
    per_attempt: float  # chance to pass one attempt
    within: float  # chance to pass within the quiz's attempts (no learning between them)


def needed(pass_mark: float, draw: int) -> int:
    """The fewest right answers that pass, as the scorer decides (``raw >= mark * max``)."""
    return max(0, math.ceil(pass_mark * draw - 1e-9))


def right_counts(chances: Sequence[float], draw: int) -> list[float]:
    """The chance of ``s`` right answers (``s = 0..draw``) in one uniform draw of ``draw``."""
    n = len(chances)
    if not 0 < draw <= n:
        raise ValueError(f"draw {draw} outside 1..{n}")
    f = [[0.0] * (draw + 1) for _ in range(draw + 1)]
    f[0][0] = 1.0
    for seen, p in enumerate(chances, start=1):
        for j in range(min(seen, draw), 0, -1):
            row, before = f[j], f[j - 1]
            row[0] += before[0] * (1 - p)
            for s in range(1, j + 1):
                row[s] += before[s] * (1 - p) + before[s - 1] * p
    subsets = math.comb(n, draw)
    return [value / subsets for value in f[draw]]


def _fail_chance(chances: Sequence[float], need: int) -> float:
    """The chance of fewer than ``need`` right among these exact questions."""
    counts = [1.0]
    for p in chances:
        counts = [
            (counts[s] if s < len(counts) else 0.0) * (1 - p) + (counts[s - 1] * p if s else 0.0)
            for s in range(len(counts) + 1)
        ]
    return sum(counts[:need])


def pass_within(chances: Sequence[float], draw: int, need: int, attempts: int, runs: int = RUNS) -> float:
    """The chance to pass within ``attempts`` draws made as the scorer makes them."""
    rng = random.Random(SEED)
    pool = list(range(len(chances)))
    total = 0.0
    for _ in range(runs):
        previous: set[int] = set()
        fail_all = 1.0
        for _attempt in range(attempts):
            fresh = [q for q in pool if q not in previous]
            again = [q for q in pool if q in previous]
            rng.shuffle(fresh)
            rng.shuffle(again)
            chosen = (fresh + again)[:draw]
            fail_all *= _fail_chance([chances[q] for q in chosen], need)
            previous = set(chosen)
        total += 1 - fail_all
    return total / runs


def judge(name: str, chances: Sequence[float], draw: int, pass_mark: float, attempts: int) -> Judged:
    """One judge's (or the panel's) figures for a quiz."""
    need = needed(pass_mark, draw)
    counts = right_counts(chances, draw)
    per_attempt = sum(counts[need:])
    within = pass_within(chances, draw, need, attempts) if attempts > 1 else per_attempt
    mean = sum(chances) / len(chances)
    return Judged(name, mean, mean * draw, per_attempt, within)


def _chance(text: str) -> float | None:
    cleaned = text.strip().replace(",", ".")
    percent = cleaned.endswith("%")
    try:
        value = float(cleaned.rstrip("%").strip())
    except ValueError:
        return None
    return value / 100 if percent else value


def read_ratings(path: Path, questions: Sequence[str]) -> dict[str, float]:
    """A judge's sheet: a chance for every question of the quiz, or a RatingsError."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise RatingsError(f"{path}: niet te lezen ({error.__class__.__name__})") from None
    first = text.splitlines()[0] if text.strip() else ""
    reader = csv.reader(io.StringIO(text), delimiter=";" if ";" in first else ",")
    header = [cell.strip().lower() for cell in next(reader, [])]
    for column in ("vraag", "kans"):
        if column not in header:
            raise RatingsError(f"{path}:1: kolom '{column}' ontbreekt (kolommen: vraag, kans)")
    at_id, at_chance = header.index("vraag"), header.index("kans")
    known = set(questions)
    ratings: dict[str, float] = {}
    lines: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        qid = row[at_id].strip() if at_id < len(row) else ""
        raw = row[at_chance].strip() if at_chance < len(row) else ""
        if qid not in known:
            raise RatingsError(f"{path}:{line}: onbekende vraag '{qid}' (niet in deze toets)")
        if qid in ratings:
            raise RatingsError(f"{path}:{line}: vraag '{qid}' staat er twee keer in (ook op regel {lines[qid]})")
        value = _chance(raw)
        if value is None or not 0 <= value <= 1:
            shown = f"'{raw}'" if raw else "leeg"
            raise RatingsError(f"{path}:{line}: kans {shown} voor '{qid}': geef een getal van 0 tot 1, bv. 0,6")
        ratings[qid] = value
        lines[qid] = line
    missing = [q for q in questions if q not in ratings]
    if missing:
        more = f" en nog {len(missing) - 3}" if len(missing) > 3 else ""
        raise RatingsError(f"{path}: geen kans voor {', '.join(missing[:3])}{more}")
    return ratings


def template(questions: Sequence[tuple[str, str]]) -> str:
    """An empty ratings sheet (``;``-separated, as Dutch spreadsheets write CSV)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(["vraag", "kans", "vraagtekst"])
    for qid, stem in questions:
        writer.writerow([qid, "", stem])
    return out.getvalue()


def _share(value: float) -> str:
    """A chance (0–1) as a percentage, the way the dashboard writes one."""
    return percent(100 * value)


def panel_report(
    title: str,
    pool: Sequence[str],
    draw: int,
    pass_mark: float,
    attempts: int,
    sheets: Mapping[str, Mapping[str, float]],
) -> str:
    """The panel's figures as the trainer reads them (Markdown tables, Dutch)."""
    need = needed(pass_mark, draw)
    tries = attempts if attempts > 1 else 1  # 0: no limit; the table then shows one attempt
    rows = [judge(name, [r[q] for q in pool], draw, pass_mark, tries) for name, r in sheets.items()]
    mean_of = {q: sum(r[q] for r in sheets.values()) / len(sheets) for q in pool}
    panel = judge("panel (gemiddelde)", [mean_of[q] for q in pool], draw, pass_mark, tries)
    judges = f"{len(sheets)} beoordelaar{'s' if len(sheets) != 1 else ''}"
    header = "| beoordelaar | gemiddelde kans | verwacht juist | slaagkans per poging |"
    if tries > 1:
        header += f" slaagkans binnen {tries} pogingen |"
    lines = [
        f"# Angoff-schatting: {title}",
        "",
        f"{len(pool)} vragen, {draw} per poging; geslaagd vanaf {need} van {draw} ({_share(pass_mark)}); {judges}.",
        "",
        header,
        "|---|--:|--:|--:|" + ("--:|" if tries > 1 else ""),
    ]
    for row in [*rows, panel]:
        expected = f"{number(row.expected, 1)} van {draw}"
        cells = f"| {row.name} | {_share(row.mean)} | {expected} | {_share(row.per_attempt)} |"
        lines.append(cells + (f" {_share(row.within)} |" if tries > 1 else ""))
    lines += [
        "",
        f"Angoff-grens van het panel: {_share(panel.mean)} van de punten (de slaagdrempel is {_share(pass_mark)}).",
    ]
    if tries > 1:
        lines.append(
            f"De slaagkans binnen {tries} pogingen gaat uit van nieuwe vragen eerst, zoals de scorer trekt, "
            "en van geen leereffect tussen de pogingen."
        )
    easy = sorted((q for q in pool if mean_of[q] >= GUESSABLE), key=lambda q: (-mean_of[q], q))
    if easy:
        lines += ["", f"Vragen die deze kandidaat volgens het panel meestal juist heeft (kans ≥ {_share(GUESSABLE)}):"]
        lines += [f"- {q}: {_share(mean_of[q])}" for q in easy]
    if len(sheets) > 1:
        apart = sorted(
            (
                q
                for q in pool
                if max(r[q] for r in sheets.values()) - min(r[q] for r in sheets.values()) >= SPREAD - 1e-9
            ),
            key=lambda q: q,
        )
        if apart:
            lines += [
                "",
                f"Vragen waarover de beoordelaars {number(SPREAD)} of meer verschillen (bespreek ze en schat opnieuw):",
            ]
            for q in apart:
                values = ", ".join(f"{name} {number(r[q])}" for name, r in sheets.items())
                lines.append(f"- {q}: {values}")
    return "\n".join(lines) + "\n"


def run_angoff(
    root: Path, quiz_id: str, sheets: Sequence[Path], template_to: Path | None, out: TextIO, err: TextIO
) -> int:
    """``leerpad angoff``: write an empty sheet, or print the panel's figures; the exit code."""
    from leerpad.plugin.settings import CONFIG_FILE, read_course

    if not (root / CONFIG_FILE).is_file():
        print(f"{root / CONFIG_FILE}: niet gevonden (geef de map van de cursus)", file=err)
        return 2
    course, _errors = read_course(root)
    quiz = course.quiz(quiz_id)
    if quiz is None:
        known = ", ".join(q.id for q in course.quizzes)
        print(f"onbekende toets '{quiz_id}' (toetsen: {known})", file=err)
        return 2
    scored = [q for q in quiz.questions if q.scored]
    if not scored:
        print(f"{quiz.path}: de toets '{quiz.id}' heeft geen vragen die meetellen", file=err)
        return 1
    pool = [q.id for q in scored]
    if template_to is not None:
        template_to.write_text(template([(q.id, " ".join(q.stem.split())) for q in scored]), encoding="utf-8")
        print(
            f"{template_to}: {len(pool)} vragen; vul per vraag de kans in (0 tot 1) "
            "en geef elk lid van het panel een kopie",
            file=out,
        )
        return 0
    if not sheets:
        print("geef een of meer ingevulde schattingen (CSV), of --template BESTAND voor een leeg blad", file=err)
        return 2
    try:
        ratings = {path.stem: read_ratings(path, pool) for path in sheets}
    except RatingsError as error:
        print(error, file=err)
        return 1
    if len(ratings) != len(sheets):
        print("twee schattingen hebben dezelfde bestandsnaam: geef elk lid van het panel een eigen naam", file=err)
        return 2
    draw = quiz.draw if quiz.draw is not None and quiz.draw < len(pool) else len(pool)
    out.write(panel_report(quiz.title, pool, draw, quiz.pass_mark, quiz.attempts, ratings))
    return 0
