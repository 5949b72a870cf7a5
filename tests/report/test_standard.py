"""``leerpad angoff``: an Angoff panel's estimates turned into a candidate's chance to pass.

The exact per-attempt chance is checked against enumerating every draw; the command is
run as a trainer runs it, on a copy of the report course with a pooled quiz, and its
output and error lines are asserted as the trainer reads them.
"""

from __future__ import annotations

import itertools
import math
import shutil
from pathlib import Path

import pytest

from leerpad.cli import main
from leerpad.report.standard import needed, pass_within, right_counts

HERE = Path(__file__).resolve().parent

POOL_QUIZ = """---
id: pool-toets
title: Pooltoets
module: slot
pass_mark: 0.6
attempts: 2
final: true
draw: 3
---

Beantwoord de vragen.
"""


def _question(qid: str) -> str:
    return f"""
/// question | Vraag {qid}?
    id: {qid}
    type: single
- [x] Antwoord a
- [ ] Antwoord b
///
"""


@pytest.fixture
def course(tmp_path: Path) -> Path:
    root = tmp_path / "cursus"
    shutil.copytree(HERE / "course", root)
    text = POOL_QUIZ + "".join(_question(q) for q in ("p1", "p2", "p3", "p4", "p5"))
    (root / "quizzes" / "pool-toets.md").write_text(text, encoding="utf-8")
    return root


def _brute(chances: list[float], draw: int) -> list[float]:
    """The chance of s right, by listing every draw and every answer pattern."""
    counts = [0.0] * (draw + 1)
    draws = list(itertools.combinations(range(len(chances)), draw))
    for chosen in draws:
        for pattern in itertools.product((0, 1), repeat=draw):
            weight = math.prod(chances[q] if hit else 1 - chances[q] for q, hit in zip(chosen, pattern, strict=True))
            counts[sum(pattern)] += weight / len(draws)
    return counts


@pytest.mark.parametrize("draw", [1, 2, 4, 7])
def test_right_counts_equal_every_draw_listed(draw: int) -> None:
    chances = [0.9, 0.15, 0.5, 0.33, 1.0, 0.0, 0.72]
    assert right_counts(chances, draw) == pytest.approx(_brute(chances, draw), abs=1e-12)


def test_needed_is_the_scorers_rule() -> None:
    assert needed(0.75, 20) == 15
    assert needed(0.6, 3) == 2  # 1.8 rounds up
    assert needed(0.5, 2) == 1
    assert needed(0.8, 5) == 4  # 0.8 * 5 is 4.000000000000001 in floats


def test_pass_within_the_whole_pool_is_exact() -> None:
    """With every question in every attempt, failing all attempts is failing one, cubed."""
    chances = [0.5, 0.5, 0.8]
    fail = sum(right_counts(chances, 3)[:2])
    assert pass_within(chances, 3, 2, 3, runs=50) == pytest.approx(1 - fail**3, abs=1e-12)


def _sheet(path: Path, rows: str) -> Path:
    path.write_text(rows, encoding="utf-8")
    return path


def test_a_trainer_gets_a_sheet_and_the_panels_figures(
    course: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blank = tmp_path / "leeg.csv"
    assert main(["angoff", "pool-toets", "--template", str(blank), "--dir", str(course)]) == 0
    assert capsys.readouterr().out == (
        f"{blank}: 5 vragen; vul per vraag de kans in (0 tot 1) en geef elk lid van het panel een kopie\n"
    )
    assert blank.read_text(encoding="utf-8") == (
        "vraag;kans;vraagtekst\np1;;Vraag p1?\np2;;Vraag p2?\np3;;Vraag p3?\np4;;Vraag p4?\np5;;Vraag p5?\n"
    )
    # One judge fills it in a spreadsheet (decimal commas, a percent), one writes dots and commas.
    ann = _sheet(tmp_path / "ann.csv", "vraag;kans;vraagtekst\np1;0,9;x\np2;50 %;x\np3;0,2;x\np4;0,2;x\np5;0,5;x\n")
    bert = _sheet(tmp_path / "bert.csv", "vraag,kans\np1,0.9\np2,0.5\np3,0.7\np4,0.2\np5,0.5\n")
    assert main(["angoff", "pool-toets", str(ann), str(bert), "--dir", str(course)]) == 0
    assert capsys.readouterr().out == (
        "# Angoff-schatting: Pooltoets\n"
        "\n"
        "5 vragen, 3 per poging; geslaagd vanaf 2 van 3 (60,0 %); 2 beoordelaars.\n"
        "\n"
        "| beoordelaar | gemiddelde kans | verwacht juist | slaagkans per poging | slaagkans binnen 2 pogingen |\n"
        "|---|--:|--:|--:|--:|\n"
        "| ann | 46,0 % | 1,4 van 3 | 43,3 % | 69,4 % |\n"
        "| bert | 56,0 % | 1,7 van 3 | 59,5 % | 84,9 % |\n"
        "| panel (gemiddelde) | 51,0 % | 1,5 van 3 | 51,4 % | 77,5 % |\n"
        "\n"
        "Angoff-grens van het panel: 51,0 % van de punten (de slaagdrempel is 60,0 %).\n"
        "De slaagkans binnen 2 pogingen gaat uit van nieuwe vragen eerst, zoals de scorer trekt, "
        "en van geen leereffect tussen de pogingen.\n"
        "\n"
        "Vragen die deze kandidaat volgens het panel meestal juist heeft (kans ≥ 75,0 %):\n"
        "- p1: 90,0 %\n"
        "\n"
        "Vragen waarover de beoordelaars 0,40 of meer verschillen (bespreek ze en schat opnieuw):\n"
        "- p3: ann 0,20, bert 0,70\n"
    )


def test_the_table_cells_are_the_listed_draws() -> None:
    """The per-attempt cells above, from listing every draw (not from the code under test)."""
    assert [round(100 * sum(_brute(c, 3)[2:]), 1) for c in ([0.9, 0.5, 0.2, 0.2, 0.5], [0.9, 0.5, 0.7, 0.2, 0.5])] == [
        43.3,
        59.5,
    ]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("vraag;score\np1;0,5\n", "{path}:1: kolom 'kans' ontbreekt (kolommen: vraag, kans)"),
        ("vraag;kans\np1;0,5\np9;0,5\n", "{path}:3: onbekende vraag 'p9' (niet in deze toets)"),
        ("vraag;kans\np1;0,5\np2;0,5\np1;0,6\n", "{path}:4: vraag 'p1' staat er twee keer in (ook op regel 2)"),
        ("vraag;kans\np1;1,5\n", "{path}:2: kans '1,5' voor 'p1': geef een getal van 0 tot 1, bv. 0,6"),
        ("vraag;kans\np1;\n", "{path}:2: kans leeg voor 'p1': geef een getal van 0 tot 1, bv. 0,6"),
        ("vraag;kans\np1;veel\n", "{path}:2: kans 'veel' voor 'p1': geef een getal van 0 tot 1, bv. 0,6"),
        ("vraag;kans\np1;0,5\np2;0,5\n", "{path}: geen kans voor p3, p4, p5"),
        ("vraag;kans\np1;0,5\n", "{path}: geen kans voor p2, p3, p4 en nog 1"),
        ("", "{path}:1: kolom 'vraag' ontbreekt (kolommen: vraag, kans)"),
    ],
)
def test_a_bad_sheet_names_its_file_and_line(
    course: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], rows: str, message: str
) -> None:
    sheet = _sheet(tmp_path / "fout.csv", rows)
    assert main(["angoff", "pool-toets", str(sheet), "--dir", str(course)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == message.format(path=sheet) + "\n"


def test_an_unknown_quiz_lists_the_quizzes(course: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["angoff", "eind", "--dir", str(course)]) == 2
    assert capsys.readouterr().err == (
        "onbekende toets 'eind' (toetsen: alfa-toets, beta-toets, pool-toets, slot-toets)\n"
    )


def test_the_course_final_test_gets_a_sheet_with_every_scored_question(tmp_path: Path) -> None:
    from leerpad.plugin.settings import read_course

    root = HERE.parents[1]
    blank = tmp_path / "eindtoets.csv"
    assert main(["angoff", "eindtoets", "--template", str(blank), "--dir", str(root)]) == 0
    course, _ = read_course(root)
    quiz = course.quiz("eindtoets")
    assert quiz is not None
    ids = [line.split(";", 1)[0] for line in blank.read_text(encoding="utf-8").splitlines()[1:]]
    assert ids == [q.id for q in quiz.questions if q.scored]
    assert len(ids) > (quiz.draw or 0)
