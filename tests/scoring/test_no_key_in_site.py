"""Nothing in a site built for an LRS lets one derive a toets's answer key.

The strongest form: two courses that differ only in their keys — other options
marked right, sequences in another order, other pairs, other accepted answers, other
feedback — build to the same site, byte for byte (HTML, JavaScript, course.json, the
search index). Without an LRS the key stays in the page, and the same comparison
finds the difference (so the comparison can fail). The key files differ, and lie
beside the course, never in the site.
"""

from __future__ import annotations

import gzip
import html
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.scoring.conftest import copy_demo

TYPE = re.compile(r"^\s+type:\s*(\S+)")
CHOICE = re.compile(r"^(- \[)([ xX])(\] .*)$")
STEP = re.compile(r"^(\d+\. )(.*)$")
PAIR = re.compile(r"^(- .*?:: )(.*)$")
FEEDBACK = re.compile(r"^(\s*> .*)$")
LRS_ENV = {
    "LEERPAD_LRS_ENDPOINT": "http://127.0.0.1:8100/xAPI/",
    "LEERPAD_LRS_USERNAME": "leerpad-write-test",
    "LEERPAD_LRS_PASSWORD": "geheim",
}


def _other_key(lines: list[str], kind: str) -> list[str]:
    """The lines of one question with another key: marks rotated, steps reversed, pairs rotated."""
    if kind == "fill-in":
        return [CHOICE.sub(lambda m: m.group(1) + m.group(2) + m.group(3) + " anders", line) for line in lines]
    if kind in ("single", "multiple", "true-false"):
        at = [n for n, line in enumerate(lines) if CHOICE.match(line)]
        marks = [CHOICE.match(lines[n]).group(2) for n in at]  # type: ignore[union-attr]
        rotated = marks[-1:] + marks[:-1]
        out = list(lines)
        for n, mark in zip(at, rotated, strict=True):
            out[n] = CHOICE.sub(lambda m, mark=mark: m.group(1) + mark + m.group(3), lines[n])
        return out
    if kind == "sequencing":
        at = [n for n, line in enumerate(lines) if STEP.match(line)]
        texts = [STEP.match(lines[n]).group(2) for n in reversed(at)]  # type: ignore[union-attr]
        out = list(lines)
        for n, text in zip(at, texts, strict=True):
            out[n] = STEP.sub(lambda m, text=text: m.group(1) + text, lines[n])
        return out
    if kind == "matching":
        at = [n for n, line in enumerate(lines) if PAIR.match(line)]
        rights = [PAIR.match(lines[n]).group(2) for n in at]  # type: ignore[union-attr]
        rotated = rights[1:] + rights[:1]
        out = list(lines)
        for n, right in zip(at, rotated, strict=True):
            out[n] = PAIR.sub(lambda m, right=right: m.group(1) + right, lines[n])
        return out
    return lines


def change_keys(quiz: Path) -> None:
    """Rewrite a quiz file with other right answers and other feedback, the same questions."""
    out: list[str] = []
    block: list[str] | None = None
    kind = ""
    for line in quiz.read_text(encoding="utf-8").split("\n"):
        if line.startswith("/// question"):
            block, kind = [line], ""
            continue
        if block is None:
            out.append(line)
            continue
        if line.strip() == "///":
            out += _other_key(block, kind) + [line]
            block = None
            continue
        if found := TYPE.match(line):
            kind = found.group(1)
        block.append(FEEDBACK.sub(r"\1 Anders bekeken.", line))
    quiz.write_text("\n".join(out), encoding="utf-8")


def build(course: Path, site: Path, lrs: bool) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEERPAD_LRS_")}
    env.update(LRS_ENV if lrs else {})
    env["NO_MKDOCS_2_WARNING"] = "1"
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-f", str(course / "mkdocs.yml"), "-d", str(site)],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


def site_files(site: Path) -> dict[str, bytes]:
    """Every file of a built site (the sitemap's gzip wrapper left out: it holds a time)."""
    files = {}
    for path in sorted(p for p in site.rglob("*") if p.is_file()):
        data = path.read_bytes()
        files[path.relative_to(site).as_posix()] = gzip.decompress(data) if path.suffix == ".gz" else data
    return files


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The demo course and a copy with other keys, each built with and without an LRS."""
    root = tmp_path_factory.mktemp("no-key")
    paths: dict[str, Path] = {}
    for name in ("original", "other"):
        course = copy_demo(root / name / "course", draw=None)
        if name == "other":
            for quiz in sorted((course / "quizzes").glob("*.md")):
                change_keys(quiz)
        paths[name] = course
        for lrs in (True, False):
            site = root / name / ("site-lrs" if lrs else "site-plain")
            build(course, site, lrs)
            paths[f"{name}-{'lrs' if lrs else 'plain'}"] = site
    return paths


def test_other_keys_build_the_same_site_when_an_lrs_is_named(built: dict[str, Path]) -> None:
    keys = {name: {p.name: p.read_text("utf-8") for p in (built[name] / ".leerpad" / "keys").glob("*.json")}
            for name in ("original", "other")}  # fmt: skip
    assert sorted(keys["original"]) == ["eindtoets.json", "toegang-toets.json", "verbondenheid-toets.json"]
    for name in keys["original"]:
        assert keys["original"][name] != keys["other"][name], f"the test changed no key of {name}"
    original, other = site_files(built["original-lrs"]), site_files(built["other-lrs"])
    assert sorted(original) == sorted(other)
    differ = [name for name in original if original[name] != other[name]]
    assert differ == []


def test_without_an_lrs_the_key_stays_in_the_page(built: dict[str, Path]) -> None:
    original, other = site_files(built["original-plain"]), site_files(built["other-plain"])
    differ = sorted(name for name in original if original[name] != other[name])
    assert {"toetsen/toegang-toets/index.html", "toetsen/verbondenheid-toets/index.html",
            "toetsen/eindtoets/index.html"} <= set(differ)  # fmt: skip


def _texts(site: Path) -> dict[str, str]:
    """The site's text files as a reader of the source would see them (entities and JSON undone)."""
    texts = {}
    for name, data in site_files(site).items():
        if name.endswith((".html", ".js", ".json", ".xml", ".css")):
            text = data.decode("utf-8")
            if name.endswith(".json"):
                text = json.dumps(json.loads(text), ensure_ascii=False)
            text = html.unescape(text)
            # JSON inside attributes and files: undo its escapes too
            texts[name] = text + "\n" + text.replace('\\"', '"').replace("\\n", "\n").replace("\\/", "/")
    return texts


def test_no_pattern_and_no_feedback_of_any_toets_is_in_the_site(built: dict[str, Path]) -> None:
    texts = _texts(built["original-lrs"])
    keys = [json.loads(p.read_text("utf-8")) for p in (built["original"] / ".leerpad" / "keys").glob("*.json")]
    secrets: set[str] = {"correctResponsesPattern"}
    for key in keys:
        for question in key["questions"].values():
            secrets.update(p for p in question["correct"] if "[" in p or "{" in p)  # a lone option id is no secret
            secrets.update(text for text in question["feedback"].values())
    assert len(secrets) > 10
    quiz_pages = {
        n: t for n, t in texts.items() if n.startswith("toetsen/") or n in ("course.json", "search/search_index.json")
    }
    assert [(n, s) for n in quiz_pages for s in sorted(secrets) if s in quiz_pages[n]] == []
    # anywhere in the site: no pattern of a toets and none of its feedback (a bare "Juist." is no secret)
    specific = {s for s in secrets - {"correctResponsesPattern"} if len(s.split()) >= 4 or "[" in s or "{" in s}
    assert len(specific) > 10
    assert [(n, s) for n in texts for s in sorted(specific) if s in texts[n]] == []


def test_practice_questions_keep_their_key_in_the_page(built: dict[str, Path]) -> None:
    case = _texts(built["original-lrs"])["casussen/slaapproblemen/index.html"]
    assert "correctResponsesPattern" in case
    assert "Juist: zo komt de sociale kant van de hulpvraag in beeld." in case
