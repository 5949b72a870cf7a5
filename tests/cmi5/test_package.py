"""`leerpad package`: the ZIP an LMS imports, as the organiser runs the command.

The demo course's cmi5.xml is compared with a golden file
(tests/cmi5/golden/demo-cmi5.xml; to update it after an intended change, copy
the new one from the failing test's message and review the diff), validated
against the XSD the package itself carries, and checked with `--check`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from leerpad.cmi5.check import check_package
from leerpad.plugin.settings import read_course

HERE = Path(__file__).resolve().parent
TESTS = HERE.parent
ROOT = TESTS.parent
NS = {"c": "https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd"}
SHARED_XSD = Path("/work/shared/schemas/cmi5/CourseStructure.xsd")


def leerpad(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "leerpad.cli", *args], capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def demo_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("package") / "course.zip"
    result = leerpad("package", "-o", str(output), str(TESTS / "demo"))
    assert result.returncode == 0, result.stdout + result.stderr
    with zipfile.ZipFile(output) as archive:
        count = len(archive.infolist())
    size = output.stat().st_size // 1024
    assert result.stdout.strip() == f"{output}: cmi5-pakket met 3 AU's en {count} bestanden ({size} kB)"
    return output


def structure_of(package: Path) -> bytes:
    with zipfile.ZipFile(package) as archive:
        return archive.read("cmi5.xml")


def test_cmi5_xml_matches_golden(demo_zip: Path) -> None:
    golden = (HERE / "golden" / "demo-cmi5.xml").read_bytes()
    actual = structure_of(demo_zip)
    assert actual == golden, "cmi5.xml changed:\n" + actual.decode("utf-8")


def test_valid_against_the_xsd_the_package_carries(demo_zip: Path) -> None:
    with zipfile.ZipFile(demo_zip) as archive:
        xsd = archive.read("cmi5-schema/CourseStructure.xsd")
        licence = archive.read("cmi5-schema/LICENSE").decode("utf-8")
        source = archive.read("cmi5-schema/SOURCE.txt").decode("utf-8")
    if SHARED_XSD.exists():  # the official copy the project was given
        assert xsd == SHARED_XSD.read_bytes()
    assert "Apache License" in licence and "Version 2.0" in licence
    assert "AICC/CMI-5_Spec_Current" in source and "a384b69434bcba1454a5801ec5ddb92963f7ee89" in source
    schema = etree.XMLSchema(etree.fromstring(xsd))
    document = etree.fromstring(structure_of(demo_zip))
    assert schema.validate(document), schema.error_log


def test_package_passes_its_own_check(demo_zip: Path) -> None:
    assert check_package(demo_zip) == []
    result = leerpad("package", "--check", str(demo_zip))
    assert (result.returncode, result.stdout.strip()) == (0, f"{demo_zip}: geen problemen gevonden")


def test_one_au_per_module_launching_its_module_page(demo_zip: Path) -> None:
    document = etree.fromstring(structure_of(demo_zip))
    course = document.find("c:course", NS)
    assert course is not None and course.get("id") == "https://leerpad.example/demo"
    units = document.findall("c:au", NS)
    got = [(u.get("id"), u.get("moveOn"), u.get("masteryScore"), u.findtext("c:url", namespaces=NS)) for u in units]
    assert got == [
        ("https://leerpad.example/demo/module/toegang", "CompletedAndPassed", "0.75", "toegang/index.html"),
        ("https://leerpad.example/demo/module/verbondenheid", "CompletedAndPassed", "0.5", "verbondenheid/index.html"),
        ("https://leerpad.example/demo/module/eindtoets", "CompletedAndPassed", "0.7", "eindtoets/index.html"),
    ]
    with zipfile.ZipFile(demo_zip) as archive:
        for unit in units:
            page = archive.read(unit.findtext("c:url", namespaces=NS) or "").decode("utf-8")
            title = unit.findtext("c:title/c:langstring", namespaces=NS) or ""
            assert f">{title}</h1>" in page or f">{title}<a" in page, title  # the module's own page


def test_zip_is_deterministic(demo_zip: Path, tmp_path: Path) -> None:
    again = tmp_path / "again.zip"
    assert leerpad("package", "-o", str(again), str(TESTS / "demo")).returncode == 0
    assert again.read_bytes() == demo_zip.read_bytes()
    with zipfile.ZipFile(demo_zip) as archive:
        infos = archive.infolist()
    names = [i.filename for i in infos]
    assert names == sorted(names)
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert {i.external_attr >> 16 for i in infos} == {0o100644}
    with zipfile.ZipFile(demo_zip) as archive:
        assert b"<lastmod>1980-01-01</lastmod>" in archive.read("sitemap.xml")  # not the day of the build
    assert {"cmi5.xml", "course.json", "index.html", "assets/leerpad/leerpad.js"} <= set(names)


def test_the_course_itself_packages_and_passes(tmp_path: Path) -> None:
    output = tmp_path / "sterk-sociaal-werk.zip"
    result = leerpad("package", "-o", str(output), str(ROOT))
    assert result.returncode == 0, result.stdout + result.stderr
    assert check_package(output) == []
    course, errors = read_course(ROOT)
    assert not errors
    document = etree.fromstring(structure_of(output))
    units = document.findall("c:au", NS)
    assert [u.get("id") for u in units] == [f"{course.iri}/module/{m.id}" for m in course.modules]
    assert units[-1].get("id") == "https://leerpad.be/sterk-sociaal-werk/module/eindtoets"
    for unit, module in zip(units, course.modules, strict=True):
        description = unit.findtext("c:description/c:langstring", namespaces=NS) or ""
        assert description.startswith(f"Ongeveer {module.minutes} minuten. Leerdoelen: ")


def test_a_course_with_errors_is_not_packaged(tmp_path: Path) -> None:
    output = tmp_path / "course.zip"
    result = leerpad("package", "-o", str(output), str(TESTS / "bad" / "twelve"))
    assert result.returncode == 1
    assert result.stdout.splitlines() and all(":" in line for line in result.stdout.splitlines())
    assert "los ze op (leerpad validate) en maak het pakket opnieuw" in result.stderr
    assert not output.exists()


def connect_sources(package: Path) -> set[str]:
    """The connect-src of every page's Content-Security-Policy in a package."""
    found = set()
    with zipfile.ZipFile(package) as archive:
        for name in archive.namelist():
            policy = re.search(r"connect-src ([^;\"]*)", archive.read(name).decode("utf-8", "replace"))
            if name.endswith(".html") and policy:  # (MkDocs' 404.html carries no policy)
                found.add(policy[1])
    return found


def test_pages_may_connect_to_the_lms_the_organiser_names(demo_zip: Path, tmp_path: Path) -> None:
    """The LMS chooses the LRS at launch: any HTTPS origin by default, or the ones named."""
    assert connect_sources(demo_zip) == {"'self' https:"}
    named = tmp_path / "named.zip"
    result = leerpad("package", "-o", str(named), "--lms-origin", "https://lms.example.be/",
                     "--lms-origin", "https://lrs.example.be", str(TESTS / "demo"))
    assert result.returncode == 0, result.stderr
    assert connect_sources(named) == {"'self' https://lms.example.be https://lrs.example.be"}
    wrong = leerpad("package", "-o", str(tmp_path / "x.zip"), "--lms-origin", "lms.example.be", str(TESTS / "demo"))
    assert (wrong.returncode, wrong.stderr.strip()) == (
        2, "--lms-origin 'lms.example.be' is geen oorsprong (bv. https://lms.example.be)")
    assert not (tmp_path / "x.zip").exists()


KEYS_IN_PAGES = ("waarschuwing: de antwoordsleutels van 3 toetsen staan in de pagina's van het pakket, want de "
                 "cursus noemt geen LRS; die resultaten tellen niet voor accreditatie (noem een LRS: 'lrs:' in "
                 "mkdocs.yml of LEERPAD_LRS_ENDPOINT)\n")


def _package(course: Path, output: Path, **lrs: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEERPAD_LRS_")} | lrs
    return subprocess.run([sys.executable, "-m", "leerpad.cli", "package", "-o", str(output), str(course)],
                          capture_output=True, text=True, check=False, env=env)


@pytest.fixture
def exposed_course(tmp_path: Path) -> Path:
    """The demo course whose docs/ holds a .leerpad/ folder that MkDocs is told to publish."""
    course = tmp_path / "course"
    shutil.copytree(TESTS / "demo", course, ignore=shutil.ignore_patterns("site", ".leerpad"))
    keys = course / "docs" / ".leerpad" / "keys"
    keys.mkdir(parents=True)
    (keys / "toegang-toets.json").write_text('{"geheim": true}\n', "utf-8")
    with (course / "mkdocs.yml").open("a", encoding="utf-8") as config:
        config.write("exclude_docs: |\n  !.leerpad/\n")  # MkDocs leaves dot folders out unless told so
    return course


def test_a_package_whose_pages_carry_the_answer_keys_warns_and_never_holds_leerpad_state(
    exposed_course: Path, tmp_path: Path
) -> None:
    output = tmp_path / "course.zip"
    result = _package(exposed_course, output)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == KEYS_IN_PAGES
    with zipfile.ZipFile(output) as archive:
        names = archive.namelist()
        page = archive.read("toetsen/toegang-toets/index.html").decode("utf-8")
    assert "correctResponsesPattern" in page  # what the warning is about
    assert [n for n in names if ".leerpad" in n.split("/")] == []


def test_a_package_that_names_an_lrs_keeps_the_keys_out_and_says_nothing(exposed_course: Path, tmp_path: Path) -> None:
    output = tmp_path / "course.zip"
    result = _package(exposed_course, output, LEERPAD_LRS_ENDPOINT="https://lrs.example.be/xAPI/",
                      LEERPAD_LRS_USERNAME="browser", LEERPAD_LRS_PASSWORD="schrijven")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == ""
    with zipfile.ZipFile(output) as archive:
        names = archive.namelist()
        page = archive.read("toetsen/toegang-toets/index.html").decode("utf-8")
    assert "correctResponsesPattern" not in page
    assert [n for n in names if ".leerpad" in n.split("/")] == []
