"""The outbox's faults (issue 12), each made to happen: a hung LRS, a full localStorage,
a request the LRS (or a proxy) refuses as a whole, a statement larger than a batch at the
head of the queue, a statement the LRS already has, a page hidden for good, a browser
without Web Locks; and what the learner sees meanwhile."""

from __future__ import annotations

from typing import Any

ADL = "http://adlnet.gov/expapi/verbs/"
OUT = "Object.keys(localStorage).filter(k => k.startsWith('leerpad.out.'))"
BAD = "Object.keys(localStorage).filter(k => k.startsWith('leerpad.bad.')).length"


def open_case(page: Any, site: Any) -> str:
    """The case page with the learner known and everything sent; returns the registration."""
    page.goto("casussen/slaapproblemen/")
    site.fill_learner(page)
    site.drained(page)
    return str(site.registration(page))


def answer_step(page: Any) -> None:
    page.get_by_role("button", name="Verder").click()
    page.get_by_label("Vragen hoe zijn dagen eruitzien en wie hij ziet").check()
    page.locator("#vraag-peeters-stap .leerpad-check").click()


def statements_to(site: Any) -> Any:
    return lambda url: url.startswith(site.lrs.endpoint + "statements")


def test_a_hung_lrs_times_out_and_the_statements_go_later(page: Any, context: Any, site: Any) -> None:
    held: list[Any] = []

    def hang_first(route: Any) -> None:
        if route.request.method == "POST" and not held:
            held.append(route)  # never answered: the LRS hangs
        else:
            route.fallback()

    context.route(statements_to(site), hang_first)
    page.goto("casussen/slaapproblemen/")
    site.fill_learner(page)
    page.wait_for_function("window.leerpad.outbox.busy")
    # The sender gives up after 15 s, lets go of the Web Lock and tries again.
    site.drained(page, timeout=40)
    assert len(held) == 1
    stored = site.delivered(page, site.registration(page))
    assert [s["verb"]["id"].removeprefix(ADL) for s in stored] == ["initialized", "experienced"]
    assert not page.errors


def test_a_full_local_storage_keeps_the_statement_and_tells_the_learner(page: Any, site: Any) -> None:
    reg = open_case(page, site)
    page.evaluate("""() => {
        for (const size of [1e6, 1e5, 1e4, 1e3, 100, 10, 1]) {
            try { for (let i = 0; ; i++) localStorage['junk.' + size + '.' + i] = 'x'.repeat(size) } catch {}
        }
    }""")
    answer_step(page)
    notice = page.locator(".leerpad-notice")
    notice.wait_for()
    assert notice.text_content().startswith(
        "Uw browser heeft geen opslagruimte meer. Uw antwoorden worden verzonden zolang deze pagina open blijft: "
        'sluit ze niet voordat er "Alles is verzonden" staat.'
    )
    assert page.locator("#vraag-peeters-stap .leerpad-question__result").text_content() == "Juist."
    page.locator(".leerpad-sync", has_text="Alles is verzonden.").wait_for(timeout=20_000)
    answered = [s for s in site.wait(reg, 3) if s["verb"]["id"] == ADL + "answered"]
    assert [s["object"]["id"].rsplit("/", 1)[-1] for s in answered] == ["peeters-stap"]
    page.evaluate(
        "Object.keys(localStorage).filter(k => k.startsWith('junk.')).forEach(k => localStorage.removeItem(k))"
    )
    assert not page.errors


def test_a_request_refused_as_a_whole_keeps_the_queue_and_says_so(page: Any, context: Any, site: Any) -> None:
    refused: list[int] = []

    def proxy_400(route: Any) -> None:
        if route.request.method == "POST":
            refused.append(400)
            route.fulfill(status=400, body="Bad Request (proxy)")
        else:
            route.fallback()

    to_lrs = statements_to(site)
    context.route(to_lrs, proxy_400)
    page.goto("casussen/slaapproblemen/")
    site.fill_learner(page)
    notice = page.locator(".leerpad-notice")
    notice.wait_for()
    assert notice.text_content().startswith(
        "De leeromgeving (LRS) weigert de verzending (fout 400). Uw resultaten blijven in deze browser bewaard en gaan "
        "later opnieuw. Meld dit aan de organisator van de cursus."
    )
    assert page.evaluate(BAD) == 0
    waiting = page.evaluate(f"{OUT}.length")
    assert waiting == 2 and refused
    assert page.locator(".leerpad-sync").text_content() == (
        "Bewaard in deze browser; 2 gegevens wachten op verzending."
    )
    context.unroute(to_lrs)
    page.evaluate("window.leerpad.outbox.flush(true)")
    stored = site.delivered(page, site.registration(page))
    assert len(stored) == 2
    assert page.locator(".leerpad-sync").text_content() == "Alles is verzonden."
    assert page.evaluate(BAD) == 0


def test_a_statement_larger_than_a_batch_does_not_stall_the_queue(page: Any, site: Any) -> None:
    reg = open_case(page, site)
    site.add_statements(page, {"response": "x" * 1_100_000}, None)  # the first above the 1 MB batch budget
    site.drained(page)
    small = [s for s in site.wait(reg, 4) if s["actor"].get("mbox") == "mailto:x@example.be"]
    big = [s for s in small if "result" in s]
    # The big one went first: stored, or refused and set aside; the next one was not held up.
    assert len(small) - len(big) == 1
    assert len(big) + page.evaluate(BAD) == 1


def test_a_statement_the_lrs_already_has_leaves_the_queue_quietly(page: Any, context: Any, site: Any) -> None:
    open_case(page, site)
    # A keepalive send on the last pagehide landed after all: the LRS answers 409 to the repeat.
    context.route(
        statements_to(site),
        lambda route: route.fulfill(status=409, body="exists") if route.request.method == "POST" else route.fallback(),
    )
    answer_step(page)
    site.drained(page)
    assert page.evaluate(BAD) == 0
    assert page.locator(".leerpad-notice").count() == 0
    assert page.errors == ["Failed to load resource: the server responded with a status of 409 (Conflict)"]


def test_a_hidden_page_sends_with_keepalive_and_drops_what_arrived(page: Any, site: Any) -> None:
    reg = open_case(page, site)
    # Another tab holds the sender's Web Lock: only the hidden page's keepalive send can go.
    page.evaluate("() => { navigator.locks.request('leerpad-outbox', () => new Promise(() => {})) }")
    answer_step(page)
    assert page.evaluate(f"{OUT}.length") == 1
    page.evaluate("""() => {
        Object.defineProperty(document, 'visibilityState', {value: 'hidden', configurable: true});
        document.dispatchEvent(new Event('visibilitychange'));
    }""")
    site.drained(page)  # the answer arrived, so it left the queue
    answered = [s for s in site.wait(reg, 3) if s["verb"]["id"] == ADL + "answered"]
    assert len(answered) == 1
    assert page.evaluate("JSON.parse(localStorage['leerpad.kept'])") > 0
    assert not page.errors


def test_without_web_locks_the_outbox_still_sends_each_statement_once(browser: Any, site: Any) -> None:
    context = browser.new_context(base_url=site.url, locale="nl-BE", bypass_csp=True)
    context.set_default_timeout(10_000)
    try:
        context.add_init_script(site.made_script)
        context.add_init_script("Object.defineProperty(Navigator.prototype, 'locks', {get: () => undefined})")
        page = context.new_page()
        reg = open_case(page, site)
        assert page.evaluate("navigator.locks") is None
        answer_step(page)
        stored = site.delivered(page, reg)
        assert [s["verb"]["id"].removeprefix(ADL) for s in stored] == ["initialized", "experienced", "answered"]
    finally:
        context.close()
