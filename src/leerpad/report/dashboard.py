"""One self-contained HTML dashboard for trainers and the organiser.

Plots are drawn with matplotlib (Agg, written as SVG) and embedded as ``data:``
images with a text alternative; the page loads nothing from anywhere (its
Content-Security-Policy forbids it). Item analysis per quiz follows
:mod:`leerpad.report.items` (Moodle's quiz statistics); the final test's pilot
(before/after the course) follows :mod:`leerpad.report.pilot`.
"""

from __future__ import annotations

import base64
import html
import io
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from leerpad.report.bodies import ZONE
from leerpad.report.cohort import Cohort, Completion
from leerpad.report.items import (
    LOW_EFFICIENCY,
    TOO_EASY,
    TOO_HARD,
    WEAK_DISCRIMINATION,
    QuizStats,
    quiz_stats,
)
from leerpad.report.pilot import GROUP_NAMES, GROUPS, MIN_PER_GROUP, SEPARATES, SEPARATING, PilotResult, pilot

SET_NAMES = {"first": "eerste poging", "best": "beste poging", "last": "laatste poging", "all": "alle pogingen"}
CSS = """
body { font-family: system-ui, "DejaVu Sans", sans-serif; margin: 2rem auto; max-width: 72rem;
       padding: 0 1rem; color: #1a1a1a; line-height: 1.45; }
h1, h2, h3 { color: #123a5e; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; font-size: 0.92rem; }
caption { text-align: left; font-weight: bold; padding: 0.3rem 0; }
th, td { border: 1px solid #8a8a8a; padding: 0.3rem 0.5rem; vertical-align: top; text-align: left; }
th { background: #e8eef4; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.flag { color: #8a1c1c; font-weight: bold; }
figure { margin: 1rem 0 2rem; }
figure img { max-width: 100%; height: auto; border: 1px solid #d0d0d0; }
.note { color: #3d3d3d; }
"""


def _svg_data_uri(figure: Any) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams.update({"svg.fonttype": "none", "svg.hashsalt": "leerpad", "font.size": 10})
    import matplotlib.pyplot as plt

    return plt


def _figure(title: str, alt: str, draw: Any, width: float = 8.0, height: float = 3.6) -> str:
    plt = _plt()
    figure, axes = plt.subplots(figsize=(width, height))
    try:
        draw(axes)
        axes.set_title(title)
        uri = _svg_data_uri(figure)
    finally:
        plt.close(figure)
    e = html.escape
    return f'<figure><img src="{uri}" alt="{e(alt)}"><figcaption>{e(title)}</figcaption></figure>'


def percent(value: float | None, digits: int = 1) -> str:
    """A percentage (0–100) as the organiser reads it: ``12,5 %``; ``—`` for none."""
    return "—" if value is None else f"{value:.{digits}f}".replace(".", ",") + " %"


def number(value: float | None, digits: int = 2) -> str:
    """A number with a decimal comma: ``0,25``; ``—`` for none."""
    return "—" if value is None else f"{value:.{digits}f}".replace(".", ",")


def _local(moment: Any) -> date:
    return moment.astimezone(ZONE).date()  # type: ignore[no-any-return]


def over_time(cohort: Cohort, completions: Sequence[Completion]) -> str:
    """Learners who completed each module, cumulated per day."""
    from matplotlib.ticker import MaxNLocator

    per_module: dict[str, list[date]] = {}
    for done in completions:
        per_module.setdefault(done.module, []).append(_local(done.when))
    titles = {m: str(v.get("title", m)) for m, v in cohort.modules.items()} | {"": "Volledige cursus"}
    summary = "; ".join(
        f"{titles.get(m, m)}: {len(d)}" for m, d in sorted(per_module.items(), key=lambda x: x[0] or "~")
    )

    def draw(axes: Any) -> None:
        for module, days in sorted(per_module.items(), key=lambda x: x[0] or "~"):
            counts = sorted(Counter(days).items())
            xs = [d for d, _ in counts]
            total, ys = 0, []
            for _, n in counts:
                total += n
                ys.append(total)
            axes.step(xs, ys, where="post", label=titles.get(module, module))
        axes.set_ylabel("deelnemers (cumulatief)")
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        if per_module:
            axes.legend(fontsize=7, loc="upper left")
        axes.tick_params(axis="x", labelrotation=30)

    alt = f"Lijngrafiek: afgeronde modules per dag, opgeteld. Totaal per module: {summary or 'nog niets afgerond'}."
    return _figure("Deelnemers die een module afrondden, in de tijd", alt, draw)


def funnel(cohort: Cohort, completions: Sequence[Completion]) -> tuple[str, list[tuple[str, int]]]:
    """Started, each module done, course done: the completion funnel."""
    done = Counter(c.module for c in completions)
    steps = [("Gestart", len(cohort.learners))]
    steps += [(str(m.get("title", mid)), done.get(mid, 0)) for mid, m in cohort.modules.items()]
    steps.append(("Volledige cursus", done.get("", 0)))
    from matplotlib.ticker import MaxNLocator

    def draw(axes: Any) -> None:
        labels = [s for s, _ in steps][::-1]
        values = [n for _, n in steps][::-1]
        axes.barh(range(len(values)), values, color="#2f6f9f")
        axes.set_yticks(range(len(values)), labels, fontsize=7)
        axes.set_xlabel("deelnemers")
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))

    alt = "Staafdiagram, voltooiingstrechter: " + "; ".join(f"{s}: {n}" for s, n in steps) + "."
    return _figure("Voltooiingstrechter", alt, draw, height=max(2.5, 0.35 * len(steps) + 1)), steps


def _boxes(title: str, ylabel: str, groups: dict[str, list[float]], alt_intro: str) -> str:
    labels = [k for k, v in groups.items() if v]

    def draw(axes: Any) -> None:
        if labels:
            axes.boxplot([groups[k] for k in labels], tick_labels=labels)
            axes.tick_params(axis="x", labelrotation=30, labelsize=7)
        axes.set_ylabel(ylabel)

    def median(values: list[float]) -> float:
        ordered = sorted(values)
        mid = len(ordered) // 2
        return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2

    parts = [f"{k}: {len(groups[k])} waarden, mediaan {number(median(groups[k]), 1)}" for k in labels]
    alt = f"{alt_intro} " + ("; ".join(parts) if parts else "nog geen gegevens") + "."
    return _figure(title, alt, draw)


def score_distribution(cohort: Cohort, attempt_set: str) -> str:
    """Scores (%) per quiz over the chosen attempt set."""
    from leerpad.report.items import choose

    groups: dict[str, list[float]] = {}
    for quiz in cohort.quizzes:
        chosen = choose(cohort.scored_attempts(quiz), attempt_set)
        groups[quiz] = [100 * a.scaled for a in chosen if a.scaled is not None]  # type: ignore[attr-defined]
    return _boxes(
        f"Scoreverdeling per toets ({SET_NAMES[attempt_set]})", "score (%)", groups,
        "Boxplot van de scores per toets in procent.",
    )


def time_spent(cohort: Cohort) -> str:
    """Minutes per learner per module."""
    groups: dict[str, list[float]] = {m: [] for m in cohort.modules}
    for learner in cohort.learners.values():
        for module, state in learner.modules.items():
            if state.seconds and module in groups:
                groups[module].append(state.seconds / 60)
    return _boxes("Bestede tijd per module", "minuten", groups, "Boxplot van de bestede tijd per module in minuten.")


def item_table(stats: QuizStats, title: str, choices: dict[str, dict[str, str]]) -> str:
    """The item analysis of one quiz as an accessible table."""
    e = html.escape
    rows = []
    for q in stats.questions:
        texts = choices.get(q.id, {})
        shares = ", ".join(f"{e(texts.get(o, o))}: {percent(100 * share, 0)}" for o, share in q.shares()[:6])
        flags = "; ".join(q.flags)
        rows.append(
            f"<tr><th scope='row'>{e(q.id)}</th><td class='num'>{q.s}</td><td class='num'>{percent(q.facility)}</td>"
            f"<td class='num'>{number(q.sd)}</td><td class='num'>{percent(q.discrimination)}</td>"
            f"<td class='num'>{percent(q.efficiency)}</td><td>{shares or '—'}</td>"
            f"<td>{'<span class=flag>' + e(flags) + '</span>' if flags else 'in orde'}</td></tr>"
        )
    alpha = percent(stats.alpha) if stats.alpha is not None else "— (te weinig pogingen)"
    return (
        f"<h3 id='toets-{e(stats.quiz)}'>{e(title)}</h3>"
        f"<p>{stats.attempts} pogingen ({SET_NAMES[stats.attempt_set]}); gemiddelde "
        f"{number(stats.mean)} juist; standaardafwijking {number(stats.sd)}; "
        f"alfa van Cronbach (interne consistentie) {alpha}.</p>"
        f"<table><caption>Itemanalyse: {e(title)}</caption><thead><tr>"
        "<th scope='col'>Vraag</th><th scope='col'>n</th><th scope='col'>Facility-index</th>"
        "<th scope='col'>SD</th><th scope='col'>Discriminatie-index</th>"
        "<th scope='col'>Discriminatie-efficiëntie</th><th scope='col'>Gekozen antwoorden</th>"
        f"<th scope='col'>Signaal</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _signed(value: float | None) -> str:
    return "—" if value is None else f"{value:+.2f}".replace(".", ",").replace("-", "−")


def pilot_tables(result: PilotResult) -> str:
    """One final test's pilot: results per group and, per question, whether it separates them."""
    e = html.escape
    title = result.quiz.title or result.quiz.id
    groups = "".join(
        f"<tr><th scope='row'>{e(g.name)}</th><td class='num'>{g.attempts}</td><td class='num'>{g.learners}</td>"
        f"<td class='num'>{percent(None if g.mean is None else 100 * g.mean)}</td><td class='num'>{g.passed}</td>"
        f"<td class='num'>{percent(None if g.pass_rate is None else 100 * g.pass_rate)}</td></tr>"
        for g in result.groups
    )
    rows = []
    for q in result.questions:
        shares = {g: q.share(g) for g in GROUPS}
        cells = "".join(
            f"<td class='num'>{q.drawn[g]}</td><td class='num'>{percent(None if s is None else 100 * s, 0)}</td>"
            for g, s in shares.items()
        )
        flag = e(q.flag) if q.flag == SEPARATING else f"<span class='flag'>{e(q.flag)}</span>"
        rows.append(
            f"<tr><th scope='row'>{e(q.id)}</th>{cells}<td class='num'>{_signed(q.difference)}</td><td>{flag}</td></tr>"
        )
    names = [e(GROUP_NAMES[g].capitalize()) for g in GROUPS]
    heads = "".join(f"<th scope='col'>{n}: n</th><th scope='col'>{n}: juist</th>" for n in names)
    return (
        f"<h3 id='pilot-{e(result.quiz.id)}'>{e(title)}</h3>"
        f"<table><caption>Pilot {e(title)}: resultaat per groep "
        f"(slaagdrempel {percent(100 * result.pass_mark, 0)})</caption>"
        "<thead><tr><th scope='col'>Groep</th><th scope='col'>Pogingen</th><th scope='col'>Deelnemers (geteld)</th>"
        "<th scope='col'>Gemiddelde score</th><th scope='col'>Geslaagd</th><th scope='col'>Slaagpercentage</th>"
        f"</tr></thead><tbody>{groups}</tbody></table>"
        f"<table><caption>Pilot {e(title)}: onderscheidt elke vraag wie de cursus volgde?</caption><thead><tr>"
        f"<th scope='col'>Vraag</th>{heads}<th scope='col'>Verschil (na − zonder)</th>"
        f"<th scope='col'>Signaal</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def pilot_section(cohort: Cohort, completions: Sequence[Completion]) -> str:
    """The pilot of the final test(s), or nothing when the course has no final test."""
    results = pilot(cohort, completions)
    if not results:
        return ""
    return f"""<h2>Pilot van de eindtoets</h2>
<p class="note">Elke gescoorde poging van de eindtoets hoort bij een groep volgens wat de deelnemer vóór
die poging deed in de andere modules: <strong>zonder cursus</strong> (nog geen andere module geopend),
<strong>na de cursus</strong> (elke andere module afgerond) of <strong>tijdens de cursus</strong> (de rest).
Per deelnemer telt in elke groep alleen de eerste poging; wie vóór en na de cursus meedeed, telt in
beide groepen. Een vraag uit een pool telt over de pogingen die ze trokken (n). Het verschil is het
aandeel juist na de cursus min het aandeel juist zonder cursus. Signalen: onder
{number(SEPARATES)} onderscheidt de vraag niet; minder dan {MIN_PER_GROUP} pogingen met de vraag in de groep
zonder of na de cursus: te weinig pogingen. De eindtoets werkt wanneer de groep zonder cursus
meestal zakt en de groep na de cursus meestal slaagt. Dezelfde cijfers staan in pilot-groepen.csv
en pilot-vragen.csv (--format csv).</p>
{''.join(pilot_tables(r) for r in results)}"""


def issue_table(cohort: Cohort) -> str:
    """How many statements were left out, and why."""
    e = html.escape
    kinds = Counter(i.kind for i in cohort.issues)
    rows = "".join(f"<tr><th scope='row'>{e(k)}</th><td class='num'>{n}</td></tr>" for k, n in sorted(kinds.items()))
    rows += f"<tr><th scope='row'>andere cursus</th><td class='num'>{cohort.other_course}</td></tr>"
    rows += f"<tr><th scope='row'>niet-vertrouwde antwoorden</th><td class='num'>{cohort.untrusted_answers}</td></tr>"
    return (
        "<table><caption>Niet geteld (details in meldingen.csv)</caption><thead><tr>"
        f"<th scope='col'>Soort</th><th scope='col'>Statements</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def render(cohort: Cohort, completions: Sequence[Completion], attempt_set: str = "first") -> str:
    """The whole dashboard as one HTML document."""
    e = html.escape
    title = str(cohort.manifest.get("title", "")) or cohort.iri
    funnel_figure, _steps = funnel(cohort, completions)
    quizzes: list[str] = []
    for quiz in cohort.quizzes.values():
        stats = quiz_stats(quiz.id, quiz.questions, cohort.scored_attempts(quiz.id), attempt_set, quiz.choice)
        choices = {q: t for (z, q), t in cohort.choices.items() if z == quiz.id}
        quizzes.append(item_table(stats, quiz.title or quiz.id, choices))
    policy = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
    return f"""<!DOCTYPE html>
<html lang="nl"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{policy}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Dashboard — {e(title)}</title><style>{CSS}</style></head>
<body><main>
<h1>Dashboard: {e(title)}</h1>
<p>{cohort.read} statements gelezen; {len(cohort.learners)} deelnemers;
{sum(1 for c in completions if c.module)} modules en {sum(1 for c in completions if not c.module)}
keer de volledige cursus afgerond. Alleen resultaten van de scoringsdienst (of een vertrouwde
authority) tellen mee.</p>
<h2>Voortgang</h2>
{over_time(cohort, completions)}
{funnel_figure}
<h2>Scores en tijd</h2>
{score_distribution(cohort, attempt_set)}
{time_spent(cohort)}
<h2>Itemanalyse</h2>
<p class="note">Berekend zoals Moodle's toetsstatistieken, over de {SET_NAMES[attempt_set]} per deelnemer.
Signalen: facility-index vanaf {TOO_EASY:.0f} % (te makkelijk) of tot {TOO_HARD:.0f} % (te moeilijk),
discriminatie-index onder 0 (negatief) of onder {WEAK_DISCRIMINATION:.0f} % (zwak), discriminatie-efficiëntie
onder {LOW_EFFICIENCY:.0f} %. De handleiding voor opleiders legt uit hoe u ze leest.</p>
{''.join(quizzes)}
{pilot_section(cohort, completions)}
<h2>Niet meegeteld</h2>
{issue_table(cohort)}
</main></body></html>
"""


def write_dashboard(path: Path, cohort: Cohort, completions: Iterable[Completion], attempt_set: str = "first") -> None:
    """Write the dashboard file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(cohort, list(completions), attempt_set), encoding="utf-8")
