"""The preview's checks in CPython: what `leerpad validate` says, line for line, and what
the page ships about the course (no answer keys of a toets)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from leerpad.authoring import bundle
from leerpad.authoring.preview import Preview, course_data, reduce_file
from leerpad.authoring.preview import _ident as ident_of
from leerpad.content import load_course, yamltext
from leerpad.content.loader import load_course_files, read_course_files
from leerpad.content.models import QUESTION_TYPES, ContentError
from leerpad.content.templates import new_question
from leerpad.plugin.authoring import leerpad_wheel, templates
from leerpad.plugin.settings import load_settings
from tests.authoring.samples import TWO_MISTAKES
from tests.engine.test_bad_input import expected_errors

ROOT = Path(__file__).resolve().parents[2]
BAD = ROOT / "tests" / "bad"
EXTENSIONS = ["toc", "tables", "admonition", "pymdownx.details", "pymdownx.superfences", "attr_list", "md_in_html"]


def data_of(root: Path) -> dict[str, Any]:
    settings, _errors = load_settings(root)
    course, _errors = load_course(root, settings)
    return course_data(settings, read_course_files(root, settings), EXTENSIONS, {"toc": {"permalink": True}},
                       templates(course), "../../")


@pytest.mark.parametrize("root", [ROOT, BAD / "base", ROOT / "tests" / "demo"], ids=["course", "bad-base", "demo"])
def test_the_builds_yaml_parses_are_the_ones_the_editor_needs(root: Path) -> None:
    """The build ships the YAML parses of its own load of the course: the same as a load of the
    reduced files would record (which the build no longer makes), so the page's first check
    parses no YAML of the course."""
    settings, _errors = load_settings(root)
    files = read_course_files(root, settings)
    with yamltext.recording() as parsed:
        course, _errors = load_course_files(files, settings)
    args = (settings, files, EXTENSIONS, {"toc": {"permalink": True}}, templates(course), "../../")
    own = course_data(*args)
    assert own["parsed"], "the reduced load parses the front matter and the data files"
    assert course_data(*args, parsed) == own


@pytest.fixture(scope="module")
def course_preview() -> Preview:
    return Preview(data_of(ROOT))


@pytest.fixture(scope="module")
def bad_preview() -> Preview:
    return Preview(data_of(BAD / "base"))


CORPUS = sorted((BAD / "corpus").glob("[cq]*/*.md"))


@pytest.mark.parametrize("corpus_file", CORPUS, ids=[p.stem for p in CORPUS])
def test_each_corpus_error_at_its_line_as_validate_prints_it(bad_preview: Preview, corpus_file: Path) -> None:
    """The page puts the file where validate finds it and shows validate's line and message."""
    name = f"{corpus_file.parent.name}/{corpus_file.name}"
    expected = [e.split(":", 1)[1] for e in expected_errors()[name]]  # `line: message`, path dropped
    result = bad_preview.check(corpus_file.read_text("utf-8"), path=name)
    assert [f"{e['line']}: {e['message']}" for e in result["errors"]] == expected


def test_a_file_with_the_id_of_an_existing_one_says_it_replaces_it(bad_preview: Preview) -> None:
    text = (BAD / "corpus" / "quizzes" / "duplicate-quiz-id.md").read_text("utf-8")
    result = bad_preview.check(text)
    assert (result["path"], result["replaces"], result["errors"]) == ("quizzes/basis.md", True, [])
    assert bad_preview.check(text.replace("id: basis", "id: basis-twee"))["replaces"] is False


def test_two_mistakes_are_found_at_their_lines(course_preview: Preview) -> None:
    result = course_preview.check(TWO_MISTAKES)
    assert result["path"] == "cases/buurtwerker-bij-de-apotheker.md"
    assert [(e["line"], e["message"].split(" (")[0]) for e in result["errors"]] == [
        (4, "onbekende setting 'bakkerij'"),
        (6, "onbekende module 'buurtwerk' in 'modules'"),
    ]


def test_a_clash_reported_in_the_other_file_is_shown_in_the_trainers_file(course_preview: Preview) -> None:
    """The existing file sorts after the new one, so validate reports it there; the page shows it here."""
    existing = (ROOT / "cases" / "welzijn-op-recept.md").read_text("utf-8")
    qid = next(line.split(":", 1)[1].strip() for line in existing.splitlines() if line.startswith("    id:"))
    text = TWO_MISTAKES.replace("setting: bakkerij", "setting: apotheek").replace(", buurtwerk", "")
    text = text.replace("id: buurtwerker-stap", f"id: {qid}")
    line = text.splitlines().index(f"    id: {qid}") + 1
    errors = course_preview.check(text)["errors"]
    assert len(errors) == 1
    assert errors[0]["line"] == line
    assert errors[0]["message"].startswith(f"vraag-id '{qid}' bestaat al (ook in cases/welzijn-op-recept.md:")


def test_editing_an_existing_case_replaces_it_instead_of_clashing(course_preview: Preview) -> None:
    text = (ROOT / "cases" / "eenzame-weduwnaar.md").read_text("utf-8")
    assert course_preview.check(text)["errors"] == []
    line = next(n for n, x in enumerate(text.splitlines(), start=1) if x.startswith("minutes:"))
    changed = "\n".join("minutes: -1" if n == line else x for n, x in enumerate(text.split("\n"), start=1))
    assert [e["line"] for e in course_preview.check(changed)["errors"]] == [line]


def test_templates_are_valid_and_every_question_type_has_one(course_preview: Preview) -> None:
    course, _ = load_course(ROOT, load_settings(ROOT)[0])
    shipped = templates(course)
    assert course_preview.check(shipped["case"])["errors"] == []
    assert course_preview.check(shipped["quiz"])["errors"] == []
    assert sorted(k.split(":")[1] for k in shipped if k.startswith("question:")) == sorted(QUESTION_TYPES)
    quiz = shipped["quiz"]
    for n, qtype in enumerate(QUESTION_TYPES):
        quiz += "\n" + new_question(qtype, f"nieuwe-toets-{n + 2}")
    result = course_preview.check(quiz)
    assert result["errors"] == []
    assert [q for q in QUESTION_TYPES if f'data-type="{q}"' not in result["html"]] == []


def test_shipped_course_data_keeps_lines_but_no_answers() -> None:
    files = read_course_files(ROOT, load_settings(ROOT)[0])
    data = data_of(ROOT)
    for path, text in files.items():  # every kept line at its own line number
        kept = data["files"][path].split("\n")
        assert all(k in ("", line) for k, line in zip(kept, text.split("\n"), strict=False)), path
        assert len(kept) <= len(text.split("\n")) + 1, path
    shipped = json.dumps(data["files"], ensure_ascii=False)
    assert "- [x]" not in shipped and "- [ ]" not in shipped and "    > " not in shipped
    quiz = (ROOT / "quizzes" / "toegang-toets.md").read_text("utf-8")
    reduced = reduce_file("quizzes/toegang-toets.md", quiz)
    assert reduced.splitlines()[:3] == quiz.splitlines()[:3]


def test_the_builds_yaml_parses_change_nothing_but_speed() -> None:
    """The page starts from the YAML parses the build made; without them it finds the same."""
    from leerpad.content import yamltext

    data = data_of(ROOT)
    assert len(data["parsed"]) > 30  # every front matter and the data files
    texts = [p.read_text("utf-8") for p in sorted((ROOT / "cases").glob("*.md"))[:5]]
    yamltext._PARSED.clear()
    seeded = [Preview(data).check(t) for t in texts]
    yamltext._PARSED.clear()
    plain = [Preview({k: v for k, v in data.items() if k != "parsed"}).check(t) for t in texts]
    assert seeded == plain


def test_links_in_the_preview_lead_to_the_built_pages(course_preview: Preview) -> None:
    html = course_preview.check((ROOT / "cases" / "eenzame-weduwnaar.md").read_text("utf-8"))["html"]
    assert 'href="../../sociale-benadering/"' in html
    assert 'href="../../bronnen/#bron-holt-lunstad-2010"' in html
    assert ".md" not in "".join(part.split('"')[0] for part in html.split('href="')[1:])


def test_leerpad_wheel_is_pure_and_reproducible() -> None:
    name, first = leerpad_wheel()
    assert name.endswith("-py3-none-any.whl")
    assert leerpad_wheel()[1] == first
    import io
    import zipfile

    members = zipfile.ZipFile(io.BytesIO(first)).namelist()
    assert all(m.endswith(".py") or ".dist-info/" in m for m in members)
    assert not any(m.startswith(("leerpad/plugin/", "leerpad/lrs/")) for m in members)


def test_leerpad_wheel_is_kept_and_made_again_when_a_source_changes(tmp_path: Path) -> None:
    """The build reads back the wheel it made last; a changed source file gives a new wheel."""
    import io
    import zipfile

    from leerpad.plugin.authoring import PACKAGE, WHEEL_CACHE

    package = tmp_path / "leerpad"
    shutil.copytree(PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    cache = tmp_path / "cache"
    name, made = leerpad_wheel(cache, package)
    assert (name, made) == leerpad_wheel(None, package)  # the same bytes as a wheel made afresh
    [kept] = (cache / WHEEL_CACHE).iterdir()
    assert kept.read_bytes() == made
    stamp = kept.stat().st_mtime_ns
    assert leerpad_wheel(cache, package) == (name, made)
    assert kept.stat().st_mtime_ns == stamp  # read back, not written again

    layout = package / "layout.py"
    layout.write_text(layout.read_text("utf-8") + "\n# gewijzigd\n", "utf-8")
    changed = leerpad_wheel(cache, package)[1]
    assert changed != made and changed == leerpad_wheel(None, package)[1]
    assert zipfile.ZipFile(io.BytesIO(changed)).read("leerpad/layout.py") == layout.read_bytes()
    assert [p.read_bytes() for p in (cache / WHEEL_CACHE).iterdir()] == [changed]  # only the latest is kept


def test_bundle_pins_the_versions_cpython_uses() -> None:
    """The page must render with the very versions the build renders with."""
    from importlib.metadata import version

    for name, (pinned, *_rest) in {**bundle.WHEELS, **bundle.SDISTS}.items():
        assert version(name) == pinned, name
    lock = json.loads((ROOT / "package-lock.json").read_text("utf-8"))
    assert lock["packages"]["node_modules/pyodide"]["version"] == bundle.PYODIDE_VERSION


def test_validate_accepts_a_file_the_preview_accepts(course_preview: Preview, tmp_path: Path) -> None:
    text = TWO_MISTAKES.replace("setting: bakkerij", "setting: apotheek").replace(", buurtwerk", "")
    result = course_preview.check(text)
    assert result["errors"] == []
    course = tmp_path / "cursus"
    shutil.copytree(ROOT, course, ignore=shutil.ignore_patterns(".*", "node_modules", "site", "src", "tests",
                                                                 "benchmarks", "__pycache__"))
    (course / result["path"]).write_text(text, "utf-8")
    done = subprocess.run([sys.executable, "-m", "leerpad.cli", "validate", str(course)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout


def whole_course_check(preview: Preview, text: str, path: str) -> tuple[list[ContentError], str]:
    """What a check gave when it loaded the whole course on every change (the reference)."""
    course, found = load_course_files({**preview.files, path: text}, preview.settings)
    baseline = set(load_course_files(preview.files, preview.settings)[1])
    own = [e for e in found if e.path == path]
    for error in found:
        if error.path == path or error in baseline:
            continue
        match = re.search(r"\(eerder: (?P<path>[^:()]+):(?P<line>\d+)\)", error.message)
        if match and match.group("path") == path:
            message = error.message.replace(match.group(0), f"(ook in {error.path}:{error.line})")
            own.append(ContentError(path, int(match.group("line")), message))
        else:
            own.append(ContentError(path, 1, f"{error.path}:{error.line}: {error.message}"))
    kind = "quiz" if path.startswith("quizzes/") else "case"
    return sorted(own), preview.render(course, kind, ident_of(text), text)


def one_file_check(preview: Preview, text: str, path: str) -> tuple[list[ContentError], str]:
    course, errors = preview.errors(path, text)
    kind = "quiz" if path.startswith("quizzes/") else "case"
    return errors, preview.render(course, kind, ident_of(text), text)


def clashing_texts(root: Path) -> dict[str, tuple[str, str]]:
    """Texts whose ids meet the course's: a question id of an earlier and of a later file, a
    case id of another case, a quiz put at an existing quiz's path, a question id twice."""
    cases = sorted((root / "cases").glob("*.md"))
    first, last = cases[0].read_text("utf-8"), cases[-1].read_text("utf-8")
    qid = next(x.split(":", 1)[1].strip() for x in last.splitlines() if x.startswith("    id:"))
    qid_first = next(x.split(":", 1)[1].strip() for x in first.splitlines() if x.startswith("    id:"))
    quiz = sorted((root / "quizzes").glob("*.md"))[0]
    found = {
        "later question id": (TWO_MISTAKES.replace("id: buurtwerker-stap", f"id: {qid}"),
                              "cases/buurtwerker-bij-de-apotheker.md"),
        "earlier question id": (TWO_MISTAKES.replace("id: buurtwerker-stap", f"id: {qid_first}"),
                                "cases/zzz-laatste.md"),
        "case id of another case": (first, "cases/aaa-eerste.md"),
        "question id twice": (TWO_MISTAKES.replace("id: buurtwerker-reflectie", "id: buurtwerker-stap"),
                              "cases/buurtwerker-bij-de-apotheker.md"),
        "existing quiz edited": (quiz.read_text("utf-8").replace("pass_mark:", "pass_mark: 2\nx:"),
                                 f"quizzes/{quiz.name}"),
        "quiz with a case's question id": (quiz.read_text("utf-8").replace("id: ", f"id: {qid}\n#", 1),
                                           "quizzes/zzz.md"),
    }
    return found


@pytest.mark.parametrize("root", [ROOT, BAD / "base"], ids=["course", "bad-base"])
def test_a_check_reads_one_file_and_finds_what_the_whole_course_load_finds(root: Path) -> None:
    """Every case and quiz, the bad-input corpus and id clashes: the errors and HTML of the
    one-file check equal those of a load of the whole course with the file in it."""
    preview = Preview(data_of(root))
    files = read_course_files(root, load_settings(root)[0])
    texts = {p: (t, p) for p, t in files.items() if p.startswith(("cases/", "quizzes/"))}
    texts.update({f"corpus {p.name}": (p.read_text("utf-8"), f"{p.parent.name}/{p.name}") for p in CORPUS})
    texts.update(clashing_texts(root) if root == ROOT else {})
    differ = [name for name, (text, path) in texts.items()
              if one_file_check(preview, text, path) != whole_course_check(preview, text, path)]
    assert differ == []
    if root == ROOT:  # the clashes are really found (the comparison above is not between two empty lists)
        found = {name: preview.errors(path, text)[1] for name, (text, path) in clashing_texts(ROOT).items()}
        assert [name for name, errors in found.items() if not errors] == []


def test_bundle_bytecode_covers_every_module_of_the_wheels(pyodide_bundle: Path) -> None:
    """Every module of the three wheels has its bytecode, for Pyodide's site-packages, used
    as it is (unchecked-hash .pyc): the page compiles none of them."""
    import zipfile

    manifest = bundle.read_manifest(pyodide_bundle)
    assert manifest is not None
    assert manifest["bytecode"]["sha256"] == bundle.sha256(pyodide_bundle / bundle.BYTECODE)
    compiled = zipfile.ZipFile(pyodide_bundle / bundle.BYTECODE)
    pycs = {name: compiled.read(name) for name in compiled.namelist()}
    site = "/lib/python3.14/site-packages/"
    modules = set()
    for wheel in manifest["wheels"]:
        for member in zipfile.ZipFile(pyodide_bundle / "wheels" / wheel["file"]).namelist():
            if member.endswith(".py"):
                folder, _, name = member.rpartition("/")
                modules.add(f"{site}{folder + '/' if folder else ''}__pycache__/{name[:-3]}.cpython-314.pyc")
    assert len(modules) > 80
    assert sorted(modules - set(pycs)) == []
    assert {data[4:8] for data in pycs.values()} == {(1).to_bytes(4, "little")}  # hash-based, unchecked
