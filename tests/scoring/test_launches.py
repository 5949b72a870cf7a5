"""How the scorer asks an LMS about a cmi5 launch: never a redirect, an LMS that is gone is a 503.

(The whole round trip with the simulated LMS is in tests/cmi5/test_launch_trust.py.)
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from leerpad.scoring.launches import Launches, LaunchUnverified, endpoint_form

ACTOR = {"objectType": "Agent", "account": {"homePage": "https://lms.example", "name": "lien"}}
REGISTRATION = "8a7e1c52-6a2f-4c53-9a39-0d9d1f7d7c11"


class _Lms(ThreadingHTTPServer):
    seen: list[str]


@pytest.fixture
def redirecting() -> Iterator[_Lms]:
    """An LMS endpoint that answers every request with a redirect to another path of its own."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
            pass

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            server.seen.append(self.path)
            self.send_response(302)
            self.send_header("Location", "/elders/activities/state")
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = _Lms(("127.0.0.1", 0), Handler)
    server.seen = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _proof(endpoint: str) -> dict[str, str]:
    return {"endpoint": endpoint, "auth": "Basic c2Vzc2llOmdlaGVpbQ==", "activityId": "https://lms.example/au/1"}


def test_a_redirect_is_not_followed(redirecting: _Lms) -> None:
    endpoint = f"http://127.0.0.1:{redirecting.server_address[1]}/xapi/"
    with pytest.raises(LaunchUnverified) as refused:
        Launches().vouch([endpoint], ACTOR, REGISTRATION, _proof(endpoint))
    assert (refused.value.status, refused.value.message) == (
        503,
        f"De leeromgeving {endpoint} antwoordt niet (HTTP 302), zodat de scorer uw lancering niet kan nagaan: "
        "de toets start nu niet. Probeer het over enkele minuten opnieuw.",
    )
    assert [p.split("?")[0] for p in redirecting.seen] == ["/xapi/activities/state"], "asked once, not redirected"


def test_an_lms_that_is_gone_is_a_503() -> None:
    with socket.socket() as probe:  # a free port with nothing listening on it
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    endpoint = f"http://127.0.0.1:{port}/xapi/"
    with pytest.raises(LaunchUnverified) as refused:
        Launches(timeout=2).vouch([endpoint], ACTOR, REGISTRATION, _proof(endpoint))
    assert refused.value.status == 503
    assert refused.value.message.startswith(f"De leeromgeving {endpoint} antwoordt niet (geen verbinding), ")


@pytest.mark.parametrize(("given", "compared"), [
    ("https://LMS.example.be/xAPI", "https://lms.example.be/xAPI/"),
    ("https://lms.example.be/xAPI/", "https://lms.example.be/xAPI/"),
    ("https://lms.example.be", "https://lms.example.be/"),
])  # fmt: skip
def test_endpoints_are_compared_with_a_trailing_slash_and_a_lower_case_host(given: str, compared: str) -> None:
    assert endpoint_form(given) == compared
