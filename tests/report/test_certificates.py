"""Certificates: WeasyPrint PDFs rendered with Poppler, and `leerpad verify` on their codes."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from leerpad.cli import main


@pytest.fixture(scope="module")
def certificates(cohort: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pdf")
    assert main(["report", str(cohort.course_dir), "--out", str(out), "--format", "pdf", "--no-progress"]) == 0
    return out / "certificaten"


def pdf_text(path: Path) -> str:
    run = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True)
    return " ".join(run.stdout.split())


def test_one_certificate_per_completed_module_and_course(certificates: Path) -> None:
    an, bart = "riziv-1-23456-78-901", "riziv-1-11222-33-444"
    fien, hanna = "riziv-5-44555-66-777", "big-12345678901"
    assert sorted(p.name for p in certificates.glob("*.pdf")) == sorted([
        f"{an}-intro.pdf", f"{an}-alfa.pdf", f"{an}-beta.pdf", f"{an}-slot.pdf", f"{an}-cursus.pdf",
        f"{bart}-alfa.pdf", f"{bart}-beta.pdf",
        f"{fien}-alfa.pdf",
        f"{hanna}-intro.pdf", f"{hanna}-alfa.pdf", f"{hanna}-beta.pdf", f"{hanna}-slot.pdf", f"{hanna}-cursus.pdf",
    ])


def test_certificate_renders_and_states_the_facts(certificates: Path, tmp_path: Path) -> None:
    pdf = certificates / "riziv-1-11222-33-444-alfa.pdf"
    png = tmp_path / "page"
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-singlefile", str(pdf), str(png)], check=True)
    from PIL import Image

    with Image.open(f"{png}.png") as image:
        width, height = image.size
        assert width > height  # A4 landscape
        colours = image.convert("L").getextrema()
        assert colours[0] < 100 < colours[1]  # dark text on a light page, not a blank one
    text = pdf_text(pdf)
    for fact in (
        "Certificaat", "Bart Claes", "RIZIV-nummer 1-11222-33-444",
        "de module Alfa — toegang tot zorg van de e-learning Rapportcursus met succes heeft afgerond",
        "Datum 10 november 2026", "Studietijd 0,75 uur", "Punten (RIZIV) 0,75", "Activiteitsnummer RZ-1001",
        "Organisator Eerstelijnsnetwerk Voorbeeld vzw (erkenningsnummer EL-0042)",
    ):
        assert fact in text, (fact, text)
    assert re.search(r"Verificatiecode: LP(-[A-Z2-7]{4}){4}", text)
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "DejaVu-Sans" in fonts  # the machine's own font, embedded


def code_of(pdf: Path) -> str:
    found = re.search(r"LP(-[A-Z2-7]{4}){4}", pdf_text(pdf))
    assert found
    return found.group(0)


def test_verify_accepts_a_real_code_and_says_what_it_certifies(
    cohort: Any, certificates: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = code_of(certificates / "riziv-5-44555-66-777-alfa.pdf")
    assert main(["verify", code.lower().replace("-", " "), "--dir", str(cohort.course_dir)]) == 0
    line = capsys.readouterr().out.strip()
    assert line == (
        f"ECHT: {code} — Fien Maes (RIZIV-nummer 5-44555-66-777) rondde module ‘Alfa — toegang tot zorg’ van "
        "‘Rapportcursus’ af op 20 november 2026; studietijd 0,75 uur; 1,5 punten APB–Ophaco; "
        "organisator: Eerstelijnsnetwerk Voorbeeld vzw."
    )


def test_verify_rejects_forged_altered_and_tampered_codes(
    cohort: Any, certificates: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = cohort.course_dir
    code = code_of(certificates / "riziv-1-11222-33-444-beta.pdf")
    altered = code[:-1] + ("A" if code[-1] != "A" else "B")
    assert main(["verify", altered, "--dir", str(root)]) == 1
    assert capsys.readouterr().out.strip() == f"NIET ECHT: {altered} is nooit uitgereikt door deze organisator."
    assert main(["verify", "LP-AAAA-BBBB-CCCC-DDDD", "--dir", str(root)]) == 1
    assert "NIET ECHT" in capsys.readouterr().out
    assert main(["verify", "12345", "--dir", str(root)]) == 1
    assert capsys.readouterr().out.strip() == "Ongeldige code '12345': verwacht LP-XXXX-XXXX-XXXX-XXXX."
    # Someone edits the registry to raise the points: the HMAC no longer matches.
    registry = root / ".leerpad" / "certificates.jsonl"
    copy = root.parent / "registry-backup"
    shutil.copy(registry, copy)
    try:
        lines = registry.read_text(encoding="utf-8").splitlines()
        edited = []
        for line in lines:
            entry = json.loads(line)
            if entry["code"] == code:
                entry["facts"]["points"] = 20
            edited.append(json.dumps(entry, ensure_ascii=False))
        registry.write_text("\n".join(edited) + "\n", encoding="utf-8")
        assert main(["verify", code, "--dir", str(root)]) == 1
        assert capsys.readouterr().out.strip() == f"NIET ECHT: de gegevens bij {code} zijn na uitreiking gewijzigd."
    finally:
        shutil.copy(copy, registry)


def test_secret_is_private_and_codes_are_stable(cohort: Any, certificates: Path, tmp_path: Path) -> None:
    secret = cohort.course_dir / ".leerpad" / "certificate-secret"
    assert secret.stat().st_mode & 0o777 == 0o600
    first = code_of(certificates / "riziv-1-11222-33-444-alfa.pdf")
    assert main(["report", str(cohort.course_dir), "--out", str(tmp_path), "--format", "pdf", "--no-progress"]) == 0
    assert code_of(tmp_path / "certificaten" / "riziv-1-11222-33-444-alfa.pdf") == first
