"""``leerpad serve`` and ``leerpad lrs``: one command gives the course with a working LRS."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests

from leerpad.lrs.server import free_port
from leerpad.lrs.testing import XAPI_HEADERS

DEMO = Path(__file__).resolve().parents[1] / "demo"
Make = Callable[..., dict[str, Any]]


def _wait_for(url: str, process: subprocess.Popen[str], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read() if process.stdout else ""
            pytest.fail(f"leerpad stopped early ({process.returncode}):\n{output}")
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    pytest.fail(f"{url} did not answer")


def _port_is_closed(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


LMS = "https://lms.example.be"
PREFLIGHT = {
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization,content-type,x-experience-api-version",
}


def _cors_allows(url: str, origin: str, write: tuple[str, str], body: Any) -> bool:
    """Whether a browser on ``origin`` may POST ``body`` to ``url``: preflight and answer both allow it."""
    preflight = requests.options(url, headers={"Origin": origin, **PREFLIGHT}, timeout=10)
    post = requests.post(url, json=body, auth=write, headers={**XAPI_HEADERS, "Origin": origin}, timeout=10)
    assert post.status_code == 200, post.text  # CORS binds the browser, not the server
    # The browser sends the credential itself (Authorization): never cookies, so no allow-credentials.
    assert not any("access-control-allow-credentials" in r.headers for r in (preflight, post))
    allowed = [r.headers.get("access-control-allow-origin") == origin for r in (preflight, post)]
    assert preflight.status_code == (200 if allowed[0] else 400)
    assert allowed[0] == allowed[1]
    return allowed[0]


@contextmanager
def _leerpad(
    *args: str, site_port: int, lrs_port: int, sigint_ignored: bool = False
) -> Iterator[subprocess.Popen[str]]:
    """`leerpad ARGS` in its own process group; `sigint_ignored`: started as a non-interactive
    shell starts a background command (SIGINT ignored, which Python keeps)."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("LEERPAD_LRS_")},
        "LEERPAD_SITE_PORT": str(site_port),
        "LEERPAD_LRS_PORT": str(lrs_port),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "leerpad.cli", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # Ctrl-C goes to the whole group, as in a terminal
        preexec_fn=(lambda: signal.signal(signal.SIGINT, signal.SIG_IGN)) if sigint_ignored else None,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _ctrl_c(process: subprocess.Popen[str]) -> str:
    os.killpg(process.pid, signal.SIGINT)
    output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    return output


@pytest.fixture
def course(tmp_path: Path) -> Path:
    """A copy of the demo course."""
    target = tmp_path / "cursus"
    shutil.copytree(DEMO, target, ignore=shutil.ignore_patterns("site", ".leerpad"))
    return target


def test_serve_builds_the_course_with_the_write_credential_and_stores_answers(
    course: Path, make_statement: Make
) -> None:
    site_port, lrs_port = free_port(), free_port()
    # --port/--lrs-port win over LEERPAD_SITE_PORT/LEERPAD_LRS_PORT (set to other free ports here).
    flags = ("--port", str(site_port), "--lrs-port", str(lrs_port), "--origin", LMS)
    with _leerpad("serve", str(course), *flags, site_port=free_port(), lrs_port=free_port()) as process:
        _wait_for(f"http://127.0.0.1:{site_port}/", process)
        credentials_file = course / ".leerpad" / "credentials.json"
        assert stat.S_IMODE(credentials_file.stat().st_mode) == 0o600
        credentials = json.loads(credentials_file.read_text())
        assert credentials["endpoint"] == f"http://127.0.0.1:{lrs_port}/xAPI/"
        assert set(credentials) == {"endpoint", "write", "read"}
        assert set(credentials["write"]) == set(credentials["read"]) == {"username", "password"}
        write = (credentials["write"]["username"], credentials["write"]["password"])
        read = (credentials["read"]["username"], credentials["read"]["password"])

        page = requests.get(f"http://127.0.0.1:{site_port}/", timeout=10).text
        assert credentials["endpoint"] in page
        assert credentials["read"]["password"] not in page

        statement = make_statement()
        url = credentials["endpoint"] + "statements"
        origin = f"http://127.0.0.1:{site_port}"
        response = requests.post(
            url, json=[statement], auth=write, headers={**XAPI_HEADERS, "Origin": origin}, timeout=10
        )
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == origin
        assert _cors_allows(url, LMS, write, make_statement())  # --origin: the LMS that launches the course
        assert not _cors_allows(url, "https://andere.example.be", write, make_statement())
        found = requests.get(url, params={"statementId": statement["id"]}, auth=read, headers=XAPI_HEADERS, timeout=10)
        assert found.json()["object"]["definition"]["choices"] == statement["object"]["definition"]["choices"]
        assert requests.get(url, auth=write, headers=XAPI_HEADERS, timeout=10).status_code == 403

        output = _ctrl_c(process)
    assert "Cursus: http://127.0.0.1:" in output and "Gestopt." in output
    assert _port_is_closed(site_port) and _port_is_closed(lrs_port)
    assert (course / ".leerpad" / "lrs.sqlite3").exists()

    # A second start keeps the credentials (sites already built carry them) and the data.
    with _leerpad("lrs", str(course), site_port=site_port, lrs_port=lrs_port) as process:
        _wait_for(credentials["endpoint"] + "about", process)
        assert json.loads(credentials_file.read_text()) == credentials
        found = requests.get(url, params={"statementId": statement["id"]}, auth=read, headers=XAPI_HEADERS, timeout=10)
        assert found.status_code == 200
        _ctrl_c(process)
    assert _port_is_closed(lrs_port)


def test_ctrl_c_stops_serve_started_with_sigint_ignored(course: Path) -> None:
    # `./scripts/serve &` from a script, or CI running the tests in the background: the
    # process starts with SIGINT ignored. Ctrl-C (here: SIGINT to the group) still stops both servers.
    site_port, lrs_port = free_port(), free_port()
    with _leerpad("serve", str(course), site_port=site_port, lrs_port=lrs_port, sigint_ignored=True) as process:
        _wait_for(f"http://127.0.0.1:{site_port}/", process)
        output = _ctrl_c(process)
    assert "Gestopt." in output
    assert _port_is_closed(site_port) and _port_is_closed(lrs_port)


def test_serve_watch_rebuilds_on_change(course: Path) -> None:
    site_port, lrs_port = free_port(), free_port()
    with _leerpad("serve", "--watch", str(course), site_port=site_port, lrs_port=lrs_port) as process:
        _wait_for(f"http://127.0.0.1:{site_port}/", process)
        index = course / "docs" / "index.md"
        marker = f"Nieuwe zin {uuid.uuid4().hex}"
        index.write_text(index.read_text() + f"\n\n{marker}\n")
        deadline = time.monotonic() + 60
        while marker not in requests.get(f"http://127.0.0.1:{site_port}/", timeout=10).text:
            assert time.monotonic() < deadline, "the site was not rebuilt"
            time.sleep(0.5)
        _ctrl_c(process)
    assert _port_is_closed(site_port) and _port_is_closed(lrs_port)


def test_serve_without_mkdocs_yml_says_so(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "leerpad.cli", "serve", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stdout.strip() == f"Geen mkdocs.yml gevonden in {tmp_path.resolve()}."


@pytest.mark.browser
def test_a_learner_answer_on_served_course_reaches_the_lrs(course: Path, browser: Any) -> None:
    """The issue's end-to-end check: `leerpad serve`, a learner in chromium, the LRS."""
    site_port, lrs_port = free_port(), free_port()
    with _leerpad("serve", str(course), site_port=site_port, lrs_port=lrs_port) as process:
        site = f"http://127.0.0.1:{site_port}/"
        _wait_for(site, process)
        credentials = json.loads((course / ".leerpad" / "credentials.json").read_text())
        read = (credentials["read"]["username"], credentials["read"]["password"])
        context = browser.new_context(base_url=site, locale="nl-BE")  # under the site's own CSP
        try:
            page = context.new_page()
            # A practice question: toetsen go through the scorer (tests/scoring).
            page.goto("casussen/slaapproblemen/")
            page.get_by_label("Naam", exact=True).fill("Els Janssens")
            page.get_by_label("E-mail").fill("els@example.be")
            page.get_by_label("Beroep").select_option("apotheker")
            page.get_by_label("Soort nummer").select_option("big")
            page.get_by_label("RIZIV- of BIG-nummer").fill("12345678901")
            page.get_by_label("Ik ga akkoord", exact=False).check()  # nothing is sent without consent
            page.get_by_role("button", name="Opslaan").click()
            page.get_by_role("button", name="Verder").click()  # the case opens step by step
            page.get_by_label("Vragen hoe zijn dagen eruitzien en wie hij ziet", exact=True).check()
            page.locator("#vraag-peeters-stap .leerpad-check").click()
            question = "https://leerpad.example/demo/case/slaapproblemen/question/peeters-stap"
            url = credentials["endpoint"] + "statements"
            answered: list[dict[str, Any]] = []
            deadline = time.monotonic() + 30
            while not answered and time.monotonic() < deadline:
                params = {"activity": question, "verb": "http://adlnet.gov/expapi/verbs/answered"}
                answered = requests.get(url, params=params, auth=read, headers=XAPI_HEADERS, timeout=10).json()[
                    "statements"
                ]
                time.sleep(0.3)
        finally:
            context.close()
        _ctrl_c(process)
    assert len(answered) == 1
    statement = answered[0]
    assert statement["result"]["response"] == "vragen-hoe-zijn-dagen-eruitzien-en-wie"
    assert statement["result"]["success"] is True
    assert statement["object"]["definition"]["correctResponsesPattern"] == [
        "vragen-hoe-zijn-dagen-eruitzien-en-wie"
    ]
    assert [c["id"] for c in statement["object"]["definition"]["choices"]] == [
        "een-hogere-dosis-voorschrijven", "vragen-hoe-zijn-dagen-eruitzien-en-wie"
    ]
    assert statement["actor"]["name"] == "Els Janssens"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "leerpad.cli", *args], capture_output=True, text=True, timeout=120)


def test_credentials_added_revoked_and_a_backup_while_the_lrs_runs(
    course: Path, make_statement: Make, tmp_path: Path
) -> None:
    lrs_port = free_port()
    endpoint = f"http://127.0.0.1:{lrs_port}/xAPI/"
    with _leerpad("lrs", str(course), "--port", str(lrs_port), site_port=free_port(), lrs_port=free_port()) as process:
        _wait_for(endpoint + "about", process)
        credentials = json.loads((course / ".leerpad" / "credentials.json").read_text())
        assert credentials["endpoint"] == endpoint  # --port wins over LEERPAD_LRS_PORT
        write = (credentials["write"]["username"], credentials["write"]["password"])
        statement = make_statement()
        assert requests.post(endpoint + "statements", json=statement, auth=write, headers=XAPI_HEADERS,
                             timeout=10).status_code == 200  # fmt: skip

        added = _cli("lrs", "credential", "add", "rapport", "--scope", "statements/read", "--dir", str(course))
        assert added.returncode == 0, added.stdout + added.stderr
        lines = added.stdout.splitlines()
        assert lines[0] == "Sleutel 'rapport' toegevoegd (scope: statements/read)."
        password = lines[1].removeprefix("Wachtwoord (wordt niet bewaard, noteer het nu): ")
        assert password not in (course / ".leerpad" / "lrs-credentials.json").read_text()
        # Effective at once, without a restart.
        url = endpoint + "statements"
        found = requests.get(url, params={"statementId": statement["id"]}, auth=("rapport", password),
                             headers=XAPI_HEADERS, timeout=10)  # fmt: skip
        assert found.status_code == 200
        assert _cli("lrs", "credential", "list", "--dir", str(course)).stdout == "rapport\tstatements/read\n"
        again = _cli("lrs", "credential", "add", "rapport", "--scope", "all", "--dir", str(course))
        assert (again.returncode, again.stdout) == (1, "Er bestaat al een sleutel 'rapport'.\n")

        copy = tmp_path / "kopie.sqlite3"
        backup = _cli("lrs", "backup", str(copy), "--dir", str(course))
        assert (backup.returncode, backup.stdout) == (0, f"Kopie gemaakt: {copy}\n")
        _ctrl_c(process)
    assert json.loads((course / ".leerpad" / "credentials.json").read_text()) == credentials  # shape kept

    from leerpad.lrs.store import StatementStore

    restored = StatementStore.open(f"sqlite://{copy}")
    assert [s["id"] for s in restored.iter_all()] == [statement["id"]]
    restored.close()

    # A new start keeps the added credential; revoking it refuses it at once.
    with _leerpad("lrs", str(course), "--port", str(lrs_port), site_port=free_port(), lrs_port=free_port()) as process:
        _wait_for(endpoint + "about", process)
        auth = ("rapport", password)
        assert requests.get(url, auth=auth, headers=XAPI_HEADERS, timeout=10).status_code == 200
        revoked = _cli("lrs", "credential", "revoke", "rapport", "--dir", str(course))
        assert (revoked.returncode, revoked.stdout) == (0, "Sleutel 'rapport' ingetrokken.\n")
        assert requests.get(url, auth=auth, headers=XAPI_HEADERS, timeout=10).status_code == 401
        _ctrl_c(process)


def test_lrs_allows_an_lms_origin_given_with_origin(course: Path, make_statement: Make) -> None:
    site_port, lrs_port = free_port(), free_port()
    flags = ("--port", str(lrs_port), "--origin", LMS + "/", "--origin", "HTTP://127.0.0.1:9444")
    with _leerpad("lrs", str(course), *flags, site_port=site_port, lrs_port=free_port()) as process:
        endpoint = f"http://127.0.0.1:{lrs_port}/xAPI/"
        _wait_for(endpoint + "about", process)
        credentials = json.loads((course / ".leerpad" / "credentials.json").read_text())
        write = (credentials["write"]["username"], credentials["write"]["password"])
        statements = endpoint + "statements"
        for origin in (LMS, "http://127.0.0.1:9444", f"http://127.0.0.1:{site_port}"):  # the site's stays
            assert _cors_allows(statements, origin, write, make_statement())
        for stranger in ("https://andere.example.be", "http://127.0.0.1:9445", "https://lms.example.be:8443"):
            assert not _cors_allows(statements, stranger, write, make_statement())
        # The scorer mounted beside /xAPI/ answers the same origins (the LMS's page starts a toets).
        attempts = f"http://127.0.0.1:{lrs_port}/leerpad/v1/attempts"
        for origin, allowed in ((LMS, True), ("https://andere.example.be", False)):
            preflight = requests.options(attempts, headers={"Origin": origin, **PREFLIGHT}, timeout=10)
            assert (preflight.headers.get("access-control-allow-origin") == origin) is allowed
        _ctrl_c(process)


@pytest.mark.parametrize("command", ["lrs", "serve"])
@pytest.mark.parametrize(
    "origin",
    ["lms.example.be", "https://lms.example.be/cursus", "ftp://lms.example.be", "https://lms.example.be:99999",
     "https://lms.example.be?x=1", "https://gebruiker@lms.example.be", "*", "https://"],
)  # fmt: skip
def test_a_bad_origin_is_named_and_nothing_starts(course: Path, command: str, origin: str) -> None:
    lrs_port = free_port()
    result = _cli(command, str(course), "--origin", LMS, "--origin", origin, "--port", str(lrs_port))
    assert (result.returncode, result.stdout, result.stderr) == (
        2,
        f"--origin '{origin}' is geen oorsprong: schrijf schema://host[:poort] zonder pad, bv. https://lms.example.be\n",
        "",
    )
    assert not (course / ".leerpad").exists() and _port_is_closed(lrs_port)
