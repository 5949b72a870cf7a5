"""The page "Casus schrijven" in headless chromium: what it costs a trainer to open it and to type.

The real course is built with the plugin (Pyodide and wheels from `.cache/authoring`) and
served by a static server on 127.0.0.1 (no compression; the gzip column says what a
compressing server would send). Measured in the same run, as baselines: a learner's case
page (bytes), and Pyodide's own bare start from the same files (time), so that the ratio
is what Leerpad adds on top of Pyodide.

- first load: bytes of every response of the editor page until its first preview;
- first preview: ms from navigation to the first rendered preview, cold (new browser
  context, empty HTTP cache and Cache Storage), warm (a second page in the same context,
  Python started from the memory snapshot the first visit kept), and warm without the
  snapshot (it removed: Python started from the wheels in Cache Storage, as when the
  snapshot is unusable). Each the median of LEERPAD_BENCH_REPEAT visits (default 3; the
  machine is shared, so the load average is printed beside each figure);
- the snapshot's size and what the page keeps in Cache Storage;
- re-render: ms the worker takes per change (median of 15 edits) on the largest case of
  the course and on a generated large case (4 and 15 copies of a case's body), for a
  character typed at four places: at the end (the last section of the page), at the start
  of the body (its first), in the middle of the body, and in the front matter's title. The
  preview re-renders only the sections that changed (`leerpad.authoring.sections`), so
  where the trainer types matters: each place is its own row.

Targets (issue 15): first preview <= 6 s cold, <= 2.5 s warm; re-render <= 50 ms.
"""

from __future__ import annotations

import gzip
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EDITOR = "trainers/casus-schrijven/"
LEARNER = "casussen/eenzame-weduwnaar/"
CHROMIUM = os.environ.get("LEERPAD_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
BARE = """([base]) => new Promise((ok, bad) => {
  const t0 = performance.now();
  const src = `import { loadPyodide } from '${base}pyodide.mjs';
    await loadPyodide({indexURL: '${base}'}); postMessage(0);`;
  const w = new Worker(URL.createObjectURL(new Blob([src], {type: 'text/javascript'})), {type: 'module'});
  w.onmessage = () => { ok(performance.now() - t0); w.terminate(); };
  w.onerror = e => bad(new Error(e.message));
})"""


def build(out: Path) -> None:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    for name in ("LEERPAD_LRS_ENDPOINT", "LEERPAD_SITE_URL"):
        env.pop(name, None)
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(ROOT / "mkdocs.yml"), "-d", str(out)],
                   check=True, env=env, cwd=ROOT)


PHASES: dict[str, list[tuple[str, str]]] = {}  # editor loads: (phase, ms since navigation), per label


def first_load(context: Any, url: str, site: Path, wait: str, label: str = "",
               then: str = "") -> tuple[float, int, int]:
    """(ms to `wait`, bytes received, bytes gzip would send) for one page load; `then`: a
    selector to wait for after that, before the page is closed."""
    sizes: dict[str, int] = {}

    def done(request: Any) -> None:
        sizes[request.url] = request.sizes()["responseBodySize"]

    page = context.new_page()
    page.on("requestfinished", done)
    page.goto(url)
    page.wait_for_selector(wait, state="attached", timeout=300_000)
    ms = float(page.evaluate("Number(document.querySelector('.leerpad-editor')?.dataset.first || performance.now())"))
    if label:  # the worker's own marks: Pyodide's runtime started, course read, first preview shown
        marks = page.evaluate("({...document.querySelector('.leerpad-editor').dataset})")
        wanted = (("started from", "from"), ("runtime started", "loaded"), ("ready", "ready"),
                  ("first preview", "first"))
        PHASES[label] = [(name, marks[key]) for name, key in wanted if key in marks]
    if then:
        page.wait_for_selector(then, state="attached", timeout=300_000)
    zipped = 0
    for address in sizes:
        local = site / address.split("/", 3)[3].split("?")[0]
        if local.is_dir():
            local = local / "index.html"
        zipped += len(gzip.compress(local.read_bytes(), 6)) if local.is_file() else 0
    page.close()
    return ms, sum(max(0, n) for n in sizes.values()), zipped  # -1: no body (taken from a cache)


def _typed_at(text: str, place: str, typed: str) -> str:
    """The text with `typed` put at a place: end, start (of the body), middle (of the body), title."""
    body = text.index("\n---\n", 4) + 5
    if place == "end":
        return text + typed
    if place == "start":
        return text[:body] + typed + text[body:]
    if place == "middle":
        middle = text.index("\n", body + (len(text) - body) // 2) + 1  # the start of a line halfway
        return text[:middle] + typed + text[middle:]
    return text.replace("title: ", f"title: {typed}", 1)


PLACES = ("end", "start", "middle", "title")
PLACE_NAMES = {"end": "end", "start": "start of the body", "middle": "middle of the body",
               "title": "front matter's title"}


def rerender(page: Any, text: str, place: str, edits: int = 15) -> tuple[float, str]:
    """Median worker ms per change, one character typed per change at `place`; the load average."""
    times = []
    for n in range(edits + 1):
        seq = int(page.evaluate("Number(document.querySelector('.leerpad-editor').dataset.checked || 0)"))
        page.locator("#lp-text").fill(_typed_at(text, place, "x" * n))
        # Polled with evaluate: wait_for_function needs eval, which the page's real CSP forbids.
        while int(page.evaluate("Number(document.querySelector('.leerpad-editor').dataset.checked)")) <= seq:
            time.sleep(0.005)
        if n:  # the first one also fills the YAML cache of the new text's headers
            times.append(float(page.evaluate("Number(document.querySelector('.leerpad-editor').dataset.ms)")))
    return statistics.median(times), load()


def _serve(directory: Path) -> tuple[Any, str]:
    import functools
    import http.server
    import threading

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(directory)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


SNAPSHOT = "assets/leerpad/authoring/pyodide/snapshot"
KEPT = """async () => {
  const cache = await caches.open('leerpad-authoring'), sizes = {};
  for (const request of await cache.keys()) {
    sizes[request.url.split('/').pop()] = (await (await cache.match(request)).arrayBuffer()).byteLength;
  }
  return sizes;
}"""


def load() -> str:
    return f"load {os.getloadavg()[0]:.1f}"


def kept(context: Any, url: str) -> dict[str, int]:
    """Bytes per entry of the page's Cache Storage."""
    page = context.new_page()
    page.goto(url)
    sizes: dict[str, int] = page.evaluate(KEPT)
    page.close()
    return sizes


def drop_snapshot(context: Any, url: str) -> None:
    page = context.new_page()
    page.goto(url)
    page.evaluate("url => caches.open('leerpad-authoring').then(c => c.delete(url))", url + SNAPSHOT)
    page.close()


def editor_visit(context: Any, url: str, site: Path, label: str, snapshot: bool = False) -> tuple[float, int, int]:
    """One visit of the editor until its first preview; `snapshot`: then also until it kept its snapshot."""
    return first_load(context, url + EDITOR, site, ".leerpad-editor[data-checked]", label,
                      ".leerpad-editor[data-kept]" if snapshot else "")


def run() -> None:
    """Print the table."""
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(ROOT))
    from tests.authoring.samples import large_case

    repeat = int(os.environ.get("LEERPAD_BENCH_REPEAT", "3"))
    largest = max((ROOT / "cases").glob("*.md"), key=lambda p: p.stat().st_size)
    runs: dict[str, list[tuple[float, str]]] = {"cold": [], "warm": [], "wheels": [], "bare cold": [], "bare warm": []}
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        build(site)
        server, url = _serve(site)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                base = url + "assets/leerpad/authoring/pyodide/"
                # Baseline for bytes: a learner page.
                ctx = browser.new_context(base_url=url)
                learner_ms, learner_bytes, learner_gz = first_load(ctx, url + LEARNER, site, ".leerpad-case")
                ctx.close()
                for n in range(repeat):
                    # Baseline for time: Pyodide's bare start from the same files.
                    ctx = browser.new_context(base_url=url, bypass_csp=True)  # the probe is a blob: worker
                    page = ctx.new_page()
                    page.goto(url)
                    runs["bare cold"].append((float(page.evaluate(BARE, [base])), load()))
                    runs["bare warm"].append((float(page.evaluate(BARE, [base])), load()))
                    ctx.close()
                    # The editor: cold (it keeps its snapshot), warm from the snapshot, warm without it.
                    ctx = browser.new_context(base_url=url)
                    cold_ms, cold_bytes, cold_gz = editor_visit(ctx, url, site, f"cold {n + 1}", snapshot=True)
                    runs["cold"].append((cold_ms, load()))
                    warm_ms, warm_bytes, _ = editor_visit(ctx, url, site, f"warm {n + 1}")
                    runs["warm"].append((warm_ms, load()))
                    stored = kept(ctx, url)
                    drop_snapshot(ctx, url)
                    wheels_ms, _, _ = editor_visit(ctx, url, site, f"warm without snapshot {n + 1}")
                    runs["wheels"].append((wheels_ms, load()))
                    if n < repeat - 1:
                        ctx.close()
                page = ctx.new_page()
                page.goto(url + EDITOR)
                page.wait_for_selector(".leerpad-editor[data-checked]", state="attached", timeout=300_000)
                texts = {
                    f"largest case of the course ({largest.name}, "
                    f"{largest.read_text('utf-8').count(chr(10))} lines)": largest.read_text("utf-8"),
                }
                for copies in (4, 15):
                    text = large_case(copies)
                    texts[f"generated case, {text.count(chr(10))} lines"] = text
                renders = {(name, place): rerender(page, text, place) for name, text in texts.items()
                           for place in PLACES}
                ctx.close()
                browser.close()
        finally:
            server.shutdown()
            server.server_close()

    def median(name: str) -> float:
        return statistics.median(ms for ms, _ in runs[name])

    def each(name: str) -> str:
        return ", ".join(f"{ms / 1000:.2f} s ({at})" for ms, at in runs[name])

    mb = 1024 * 1024
    cold, warm, wheels, bare_cold, bare_warm = (median(n) for n in ("cold", "warm", "wheels", "bare cold", "bare warm"))
    print(f"Medians of {repeat} visits each (machine load average at each visit below the table).\n")
    print("| measure | editor page | baseline | ratio | target |")
    print("|---|---:|---:|---:|---|")
    print(f"| bytes on first load | {cold_bytes / mb:.2f} MB ({cold_gz / mb:.2f} MB gzip) | "
          f"{learner_bytes / 1024:.0f} KB ({learner_gz / 1024:.0f} KB gzip): learner case page | "
          f"{cold_bytes / max(learner_bytes, 1):.0f}x | |")
    print(f"| first preview, cold | {cold / 1000:.2f} s | {bare_cold / 1000:.2f} s: bare Pyodide start | "
          f"{cold / bare_cold:.2f}x | <= 6 s |")
    print(f"| first preview, warm (from the snapshot) | {warm / 1000:.2f} s ({warm_bytes / 1024:.0f} KB received) | "
          f"{bare_warm / 1000:.2f} s: bare Pyodide start | {warm / bare_warm:.2f}x | <= 2.5 s |")
    print(f"| first preview, warm without the snapshot (from the wheels) | {wheels / 1000:.2f} s | "
          f"{bare_warm / 1000:.2f} s: bare Pyodide start | {wheels / bare_warm:.2f}x | |")
    snapshot = stored.get("snapshot", 0)
    print(f"| snapshot kept | {snapshot / mb:.1f} MB | | | |")
    print(f"| Cache Storage of the page | {sum(stored.values()) / mb:.1f} MB ({len(stored)} entries) | | | |")
    for (name, place), (ms, at) in renders.items():
        print(f"| re-render per change, typed at the {PLACE_NAMES[place]}: {name} ({at}) | {ms:.0f} ms | | | "
              "<= 50 ms |")
    print()
    for name in runs:
        print(f"- {name}: {each(name)}")
    for label, marks in PHASES.items():
        print(f"\n{label} editor load, ms since navigation: " + ", ".join(f"{n} {v}" for n, v in marks))
    print(f"\nlearner case page loaded in {learner_ms:.0f} ms; machine load average {os.getloadavg()[0]:.1f}")
