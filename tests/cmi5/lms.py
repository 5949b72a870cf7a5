"""A simulated LMS for the cmi5 tests (test-side only, never shipped).

It does what cmi5 asks of an LMS, on 127.0.0.1 and a free port, in one origin
(an LMS hosts the imported package itself):

- ``/content/…``: the unpacked package, as imported;
- ``launch(au)``: a registration, a session id, an activityId of its own for the
  AU (cmi5 8.1.5: never the publisher's id), the `launched` statement, the
  ``LMS.LaunchData`` document in the embedded LRS's State resource and
  ``cmi5LearnerPreferences`` in its Agent Profile resource, then the launch URL
  with endpoint, fetch, actor, registration and activityId; a new launch of the
  same AU and registration first abandons a session that did not terminate;
- ``POST /fetch/<key>``: the auth token once; again, the cmi5 error (8.2.3);
- ``/xapi/…``: the LMS's xAPI endpoint in front of the embedded LRS. It checks
  the token of the session, refuses statements whose actor or registration is
  not the launch's (400) and any statement of a session after its `terminated`
  (403), the State and Agent Profile documents of another agent or registration
  than the launch's (403: a token reads its own launch only), and forwards the rest
  with the LMS's own LRS credential; ``requests`` lists what reached it, ``failing``
  (a status) makes it answer every xAPI request with that status (an LMS in trouble);
- ``/return``: the LMS page ``returnURL`` leads back to.

Tests read what was stored from the embedded LRS itself.
"""

from __future__ import annotations

import base64
import json
import mimetypes
import secrets
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import requests

CMI5 = "https://w3id.org/xapi/cmi5/context/"
VERSION = {"X-Experience-API-Version": "1.0.3"}
LMS_AGENT = {"objectType": "Agent", "name": "Gesimuleerde leeromgeving",
             "account": {"homePage": "https://lms.example", "name": "lms"}}


@dataclass
class Session:
    """One launch of one AU for one learner."""

    au: str  # the AU's id in cmi5.xml (the publisher id)
    activity_id: str  # the LMS's own id for the AU
    registration: str
    actor: dict[str, Any]
    session_id: str
    mode: str
    fetch_key: str
    token: str  # what the fetch URL hands out: valid for this session only
    launched_at: datetime
    mastery: float | None = None  # LMS.LaunchData's masteryScore
    url: str = ""
    fetched: int = 0
    terminated: bool = False
    abandoned: bool = False
    expired: bool = False
    refused: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Seen:
    """A request to the LMS's xAPI endpoint, as it arrived."""

    method: str
    resource: str  # e.g. "activities/state"
    query: dict[str, str]
    client: str  # the User-Agent: the browser's, or python-requests (the scorer)


class SimulatedLMS:
    """The LMS side of cmi5 against the embedded LRS; see the module docstring."""

    def __init__(self, content: Path, structure: dict[str, dict[str, Any]], lrs_endpoint: str,
                 lrs_auth: tuple[str, str]) -> None:
        """``structure``: AU id → {url, moveOn, masteryScore}; ``lrs_auth``: the LMS's own
        credential in the embedded LRS (statements, state, agent profile)."""
        self.content = content
        self.structure = structure
        self.lrs = lrs_endpoint if lrs_endpoint.endswith("/") else lrs_endpoint + "/"
        self.auth = lrs_auth
        self.sessions: list[Session] = []
        # Statements for which the endpoint answers 400 (an LMS that refuses them), e.g.
        # ``lms.refuse = lambda s: s["verb"]["id"].endswith("/experienced")``.
        self.refuse: Callable[[dict[str, Any]], bool] = lambda statement: False
        self.requests: list[Seen] = []
        self.failing: int | None = None
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.origin = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- the LMS's part of a launch ------------------------------------------------------

    def activity_id(self, au: str) -> str:
        """The LMS's activityId for an AU: stable per AU, never the publisher's id."""
        return f"{self.origin}/activiteiten/{uuid.uuid5(uuid.NAMESPACE_URL, au)}"

    def launch(self, au: str, actor: dict[str, Any], registration: str, mode: str = "Normal",
               mastery: float | None | str = "structure", return_url: bool = True,
               launch_data: bool = True) -> Session:
        """Everything an LMS does before it opens the AU; returns the session with its URL.

        ``mastery``: the masteryScore LaunchData carries (default: the course structure's;
        None: none); ``launch_data=False`` leaves LMS.LaunchData unwritten (an LMS fault).
        """
        unit = self.structure[au]
        for old in self.sessions:
            if old.au == au and old.registration == registration and not (old.terminated or old.abandoned):
                self._abandon(old)
        key = secrets.token_hex(8)
        # A token of this session only; the endpoint swaps it for the LMS's credential.
        auth = base64.b64encode(f"sessie-{key}:{secrets.token_urlsafe(16)}".encode()).decode()
        session = Session(au=au, activity_id=self.activity_id(au), registration=registration, actor=actor,
                          session_id=str(uuid.uuid4()), mode=mode, fetch_key=key, token=auth,
                          launched_at=datetime.now(UTC))
        score = unit.get("masteryScore") if mastery == "structure" else mastery
        session.mastery = score if isinstance(score, float | int) else None
        template = {"contextActivities": {"grouping": [{"id": au, "objectType": "Activity"}]},
                    "extensions": {CMI5 + "extensions/sessionid": session.session_id}}
        data: dict[str, Any] = {"contextTemplate": template, "launchMode": mode, "moveOn": unit["moveOn"],
                                "launchMethod": "OwnWindow"}
        if score is not None:
            data["masteryScore"] = score
        if return_url:
            data["returnURL"] = f"{self.origin}/return"
        self._statement(session, "http://adlnet.gov/expapi/verbs/launched", {
            CMI5 + "extensions/launchmode": mode, CMI5 + "extensions/moveon": unit["moveOn"],
            CMI5 + "extensions/launchurl": f"{self.origin}/content/{unit['url']}",
            **({CMI5 + "extensions/masteryscore": score} if score is not None else {}),
        }, timestamp=session.launched_at)
        if launch_data:
            self._document("activities/state", {"activityId": session.activity_id, "agent": json.dumps(actor),
                                                "registration": registration, "stateId": "LMS.LaunchData"}, data)
        self._document("agents/profile", {"agent": json.dumps(actor), "profileId": "cmi5LearnerPreferences"},
                       {"languagePreference": "nl-BE,nl", "audioPreference": "off"})
        query = urlencode({"endpoint": f"{self.origin}/xapi/", "fetch": f"{self.origin}/fetch/{key}",
                           "actor": json.dumps(actor), "registration": registration,
                           "activityId": session.activity_id}, quote_via=quote)
        session.url = f"{self.origin}/content/{unit['url']}?{query}"
        self.sessions.append(session)
        return session

    def _abandon(self, session: Session) -> None:
        """cmi5 9.3.6: the LMS records `abandoned` for a session that never terminated."""
        seconds = (datetime.now(UTC) - session.launched_at).total_seconds()
        self._statement(session, "https://w3id.org/xapi/adl/verbs/abandoned", {},
                        result={"duration": f"PT{seconds:.2f}S"})
        session.abandoned = True

    def _statement(self, session: Session, verb: str, extensions: dict[str, Any],
                   result: dict[str, Any] | None = None, timestamp: datetime | None = None) -> None:
        statement: dict[str, Any] = {
            "id": str(uuid.uuid4()), "actor": session.actor,
            "verb": {"id": verb, "display": {"en-US": verb.rsplit("/", 1)[-1]}},
            "object": {"objectType": "Activity", "id": session.activity_id},
            "context": {"registration": session.registration,
                        "contextActivities": {"category": [{"id": CMI5 + "categories/cmi5"}],
                                              "grouping": [{"id": session.au}]},
                        "extensions": {CMI5 + "extensions/sessionid": session.session_id, **extensions}},
            "timestamp": (timestamp or datetime.now(UTC)).isoformat().replace("+00:00", "Z"),
        }
        if result:
            statement["result"] = result
        response = requests.post(self.lrs + "statements", json=statement, auth=self.auth, headers=VERSION, timeout=10)
        response.raise_for_status()

    def _document(self, path: str, params: dict[str, str], body: dict[str, Any]) -> None:
        headers = dict(VERSION)
        if path == "agents/profile":  # xAPI: a profile is created or overwritten with a precondition
            current = requests.get(self.lrs + path, params=params, auth=self.auth, headers=VERSION, timeout=10)
            headers.update({"If-Match": current.headers["ETag"]} if current.ok else {"If-None-Match": "*"})
        response = requests.put(self.lrs + path, params=params, json=body, auth=self.auth, headers=headers, timeout=10)
        assert response.status_code == 204, (path, response.status_code, response.text)

    # -- what the AU calls -----------------------------------------------------------------

    def session_by_token(self, header: str) -> Session | None:
        token = header.removeprefix("Basic ").strip()
        live = [s for s in self.sessions if s.fetched and s.token == token and not s.abandoned]
        return live[-1] if live else None


def _handler(lms: SimulatedLMS) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
            pass  # quiet tests

        def _send(self, status: int, body: bytes = b"", kind: str = "application/json",
                  headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def _json(self, status: int, data: Any) -> None:
            self._send(status, json.dumps(data).encode())

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            path = urlsplit(self.path).path
            if path.startswith("/content/"):
                return self._content(path.removeprefix("/content/"))
            if path == "/return":
                page = "<!doctype html><html lang='nl'><title>Leeromgeving</title><h1>Leeromgeving</h1>"
                return self._send(200, page.encode(), "text/html; charset=utf-8")
            if path.startswith("/xapi/"):
                return self._proxy("GET")
            self._send(404)

        def do_POST(self) -> None:  # noqa: N802
            path = urlsplit(self.path).path
            if path.startswith("/fetch/"):
                return self._fetch(path.removeprefix("/fetch/"))
            if path.startswith("/xapi/"):
                return self._proxy("POST")
            self._send(404)

        def do_PUT(self) -> None:  # noqa: N802
            if urlsplit(self.path).path.startswith("/xapi/"):
                return self._proxy("PUT")
            self._send(404)

        def _content(self, name: str) -> None:
            target = (lms.content / name).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file() or lms.content.resolve() not in target.parents:
                return self._send(404, b"", "text/plain")
            kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            self._send(200, target.read_bytes(), kind)

        def _fetch(self, key: str) -> None:
            session = next((s for s in lms.sessions if s.fetch_key == key), None)
            if session is None:
                return self._json(200, {"error-code": "2", "error-text": "Onbekende fetch-URL."})
            session.fetched += 1
            if session.fetched > 1 or session.abandoned:
                return self._json(200, {"error-code": "1", "error-text": "Het token werd al opgehaald."})
            self._json(200, {"auth-token": session.token})

        def _proxy(self, method: str) -> None:
            parts = urlsplit(self.path)
            rest = parts.path.removeprefix("/xapi/")
            query = dict(parse_qsl(parts.query))
            lms.requests.append(Seen(method, rest, query, self.headers.get("User-Agent", "")))
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            if lms.failing is not None:
                return self._json(lms.failing, {"message": "de leeromgeving is in onderhoud"})
            session = lms.session_by_token(self.headers.get("Authorization", ""))
            if session is None or session.expired:
                return self._json(401, {"message": "ongeldige of verlopen sessie"})
            if rest in ("activities/state", "agents/profile") and (
                json.loads(query.get("agent", "null")) != session.actor
                or query.get("registration", session.registration) != session.registration
            ):
                return self._json(403, {"message": "dit token hoort bij een andere lancering"})
            if method == "POST" and rest == "statements":
                refusal = self._judge(session, body)
                if refusal:
                    return self._json(refusal[0], {"message": refusal[1]})
            forward = {k: v for k, v in self.headers.items()
                       if k.lower() in ("content-type", "x-experience-api-version", "if-match", "if-none-match")}
            url = lms.lrs + rest + (f"?{parts.query}" if parts.query else "")
            response = requests.request(method, url, data=body, headers=forward, auth=lms.auth, timeout=10)
            self._send(response.status_code, response.content,
                       response.headers.get("Content-Type", "application/json"),
                       {k: v for k, v in response.headers.items() if k.lower() in ("etag", "x-experience-api-version")})

        def _judge(self, session: Session, body: bytes) -> tuple[int, str] | None:
            """The LMS's own rules for an AU's statements (cmi5 6.3, 9.2, 9.3.8)."""
            data = json.loads(body or b"null")
            statements = data if isinstance(data, list) else [data]
            if any(lms.refuse(s) for s in statements):
                session.refused.extend(statements)
                return 400, "geweigerd door de leeromgeving"
            if session.terminated:
                session.refused.extend(statements)
                return 403, "de sessie is beëindigd"
            for statement in statements:
                context = statement.get("context") or {}
                if statement.get("actor") != session.actor or context.get("registration") != session.registration:
                    session.refused.extend(statements)
                    return 400, "actor of registration is niet die van de lancering"
            if any(s.get("verb", {}).get("id") == "http://adlnet.gov/expapi/verbs/terminated" for s in statements):
                session.terminated = True
            return None

    return Handler
