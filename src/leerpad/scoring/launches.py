"""Whether an LMS launched the learner a start request names (``identity_source: "cmi5"``).

The scorer writes ``cmi5`` as a learner's identity source only when the LMS itself
vouches for the actor and registration: the start request carries the launch's proof
(``lms``: the LMS's xAPI ``endpoint``, the session's ``auth`` token, the AU's
``activityId``), and the scorer reads the ``LMS.LaunchData`` document the LMS wrote
into its State resource for exactly that activity, agent and registration, with that
token (cmi5 8.1 and 10; xAPI 1.0.3). Only endpoints the organiser named are asked
(``scorer: cmi5_endpoints``), without following redirects, with a short time-out.

The token serves that one request: it is neither kept in the attempt book nor logged nor
put in a statement. A verified launch is remembered in memory for :data:`REMEMBER`
seconds, keyed on the endpoint, activity, actor, registration and a SHA-256 of the token
(so that knowing another learner's actor and registration is never enough).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from leerpad.lrs.indexing import agent_key

LAUNCH_DATA = "LMS.LaunchData"
#: Seconds a verified launch is trusted without asking the LMS again.
REMEMBER = 15 * 60.0
#: Seconds the LMS has to answer.
TIMEOUT = 5.0
_KEEP_AT_MOST = 10_000
_OPTION = "'scorer: cmi5_endpoints' in mkdocs.yml (of --cmi5-endpoint bij leerpad scorer, serve of lrs)"
_AGAIN = "Start de module opnieuw vanuit uw leeromgeving."


class LaunchUnverified(Exception):
    """The scorer cannot write "cmi5": HTTP ``status`` (403 refused, 503 the LMS did not answer)."""

    def __init__(self, status: int, message: str) -> None:
        """Refuse with ``status`` and a Dutch ``message`` for the learner and the organiser."""
        super().__init__(message)
        self.status = status
        self.message = message


def endpoint_form(url: str) -> str:
    """An xAPI endpoint as the scorer compares it: trailing slash, lower-case scheme and host."""
    scheme, sep, rest = url.strip().partition("://")
    host, slash, path = rest.partition("/")
    return f"{scheme.lower()}{sep}{host.lower()}/{path.rstrip('/')}{'/' if path.rstrip('/') else ''}"


#: The flag that adds trusted LMS endpoints on the command line (``leerpad scorer|serve|lrs``).
FLAG = "--cmi5-endpoint"


def check_endpoints(endpoints: Sequence[str], name: str = "scorer: cmi5_endpoints") -> list[str]:
    """The problems of an organiser's list (each must be an http(s) URL), naming where it was given."""
    return [
        f"{name}: {url!r} is geen http(s)-URL van een xAPI-endpoint"
        for url in endpoints
        if not (isinstance(url, str) and url.startswith(("http://", "https://")) and len(url) > len("https://"))
    ]


def _proof(value: object) -> tuple[str, str, str]:
    """The start request's ``lms`` object: (endpoint, auth, activityId), checked."""
    if not isinstance(value, Mapping):
        raise LaunchUnverified(
            403,
            "Deze poging noemt de leeromgeving (cmi5) als bron van uw identiteit, maar zonder bewijs van de "
            "lancering ('lms' met endpoint, auth en activityId): de toets start niet. " + _AGAIN,
        )
    endpoint, auth, activity = (value.get(k) for k in ("endpoint", "auth", "activityId"))
    if not all(isinstance(v, str) and v and "\n" not in v and "\r" not in v for v in (endpoint, auth, activity)):
        raise LaunchUnverified(403, "'lms' heeft een endpoint, een auth (het token) en een activityId nodig (teksten).")
    return str(endpoint), str(auth), str(activity)


class Launches:
    """Asks the LMS whether it launched a learner, and remembers the answer a while."""

    def __init__(self, *, timeout: float = TIMEOUT, remember: float = REMEMBER,
                 clock: Callable[[], float] = time.monotonic) -> None:
        """Ask with ``timeout`` seconds; trust a verified launch for ``remember`` seconds."""
        import requests

        self.timeout = timeout
        self.remember = remember
        self.clock = clock
        self.session = requests.Session()
        self.session.trust_env = False  # no proxy or .netrc credential from the environment
        self._verified: dict[str, float] = {}
        self._lock = threading.Lock()

    def vouch(self, trusted: Sequence[str], actor: Mapping[str, Any], registration: str, proof: object) -> None:
        """Return when the LMS at the proof's endpoint launched ``actor`` in ``registration``.

        Raises :class:`LaunchUnverified`: 403 without proof, for an endpoint not in
        ``trusted``, or when the LMS does not know the launch (401/403/404); 503 when
        the LMS does not answer or fails (the learner tries again later).
        """
        endpoint, auth, activity = _proof(proof)
        endpoint = endpoint_form(endpoint)
        if endpoint not in {endpoint_form(t) for t in trusted}:
            raise LaunchUnverified(
                403,
                f"De leeromgeving {endpoint} staat niet in de lijst van leeromgevingen die de scorer vertrouwt: "
                f"de toets start niet. Organisator: voeg haar xAPI-endpoint toe aan {_OPTION}.",
            )
        key = hashlib.sha256(
            json.dumps([endpoint, activity, agent_key(actor), registration, auth]).encode()
        ).hexdigest()
        now = self.clock()
        with self._lock:
            if self._verified.get(key, 0.0) > now:
                return
        self._ask(endpoint, auth, activity, actor, registration)
        with self._lock:
            if len(self._verified) >= _KEEP_AT_MOST:
                self._verified = {k: t for k, t in self._verified.items() if t > now}
            if len(self._verified) < _KEEP_AT_MOST:
                self._verified[key] = now + self.remember

    def _ask(self, endpoint: str, auth: str, activity: str, actor: Mapping[str, Any], registration: str) -> None:
        import requests

        params = {"activityId": activity, "agent": json.dumps(dict(actor)), "registration": registration,
                  "stateId": LAUNCH_DATA}
        headers = {"Authorization": auth, "X-Experience-API-Version": "1.0.3"}
        try:
            response = self.session.get(endpoint + "activities/state", params=params, headers=headers,
                                        timeout=self.timeout, allow_redirects=False)
        except requests.Timeout:
            raise self._down(endpoint, "geen antwoord binnen de tijd") from None
        except requests.RequestException:
            raise self._down(endpoint, "geen verbinding") from None
        if response.status_code in (401, 403, 404):
            raise LaunchUnverified(
                403,
                f"De leeromgeving bevestigt niet dat zij u deze module liet starten (HTTP {response.status_code}): "
                "de toets start niet. " + _AGAIN,
            )
        if response.status_code != 200:
            raise self._down(endpoint, f"HTTP {response.status_code}")
        try:
            data = response.json()
        except ValueError:
            data = None
        if not (isinstance(data, Mapping) and isinstance(data.get("launchMode"), str)):
            raise LaunchUnverified(
                403, "De leeromgeving gaf voor deze lancering geen LMS.LaunchData: de toets start niet. " + _AGAIN
            )

    @staticmethod
    def _down(endpoint: str, why: str) -> LaunchUnverified:
        return LaunchUnverified(
            503,
            f"De leeromgeving {endpoint} antwoordt niet ({why}), zodat de scorer uw lancering niet kan "
            "nagaan: de toets start nu niet. Probeer het over enkele minuten opnieuw.",
        )

    def close(self) -> None:
        """Close the HTTP session."""
        self.session.close()
