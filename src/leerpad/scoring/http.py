"""The scoring service over HTTP: ``/leerpad/v1/…`` at the server's root, beside ``/xAPI/``.

- ``POST /leerpad/v1/attempts`` — start an attempt (see :meth:`Scorer.start`);
- ``POST /leerpad/v1/attempts/<attempt UUID>/responses`` — submit it (:meth:`Scorer.submit`).

HTTP Basic with the browser's write credential, as the LRS asks: no or a wrong
credential → 401, a credential without write access → 403. Errors are JSON
``{"detail": "<message in Dutch>"}``, as the LRS answers them. CORS is answered by
whatever serves this app (the LRS's own CORS layer when mounted in it).
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from leerpad.lrs.access import Gate, basic_credentials
from leerpad.scoring.service import Refusal, Scorer

PREFIX = "/leerpad/v1"
#: The Authorization header → True (may use the scorer), False (known, no write access), None
#: (no or an unknown credential). May block (bcrypt): it runs in a worker thread.
Authenticator = Callable[[str | None], bool | None]


def credential_check(allowed: tuple[str, str]) -> Authenticator:
    """An authenticator accepting one credential (``leerpad scorer``: the site's write credential)."""

    def check(header: str | None) -> bool | None:
        given = basic_credentials(header)
        if given is None:
            return None
        same = hmac.compare_digest(given[0].encode(), allowed[0].encode()) and hmac.compare_digest(
            given[1].encode(), allowed[1].encode()
        )
        return True if same else None

    return check


def gate_check(gate: Gate) -> Authenticator:
    """An authenticator on the LRS's own credentials: those that may write statements may score."""

    def check(header: str | None) -> bool | None:
        caller = gate.authenticate(header)
        return None if caller is None else caller.may("statements/write")

    return check


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": message}, status_code=status, headers=headers)


def scoring_app(scorer: Scorer, authenticate: Authenticator) -> Starlette:
    """The ASGI app of the scoring service."""

    async def refused(request: Request) -> JSONResponse | None:
        verdict = await run_in_threadpool(authenticate, request.headers.get("authorization"))
        if verdict is None:
            return _error(
                401,
                "Niet aangemeld: gebruik de schrijfsleutel van de LRS (HTTP Basic).",
                {"WWW-Authenticate": 'Basic realm="leerpad"'},
            )
        if verdict is False:
            return _error(403, "Deze sleutel mag geen toetsen starten of indienen.")
        return None

    async def body(request: Request) -> Any:
        raw = await request.body()
        try:
            return json.loads(raw)
        except (ValueError, UnicodeDecodeError) as error:
            raise Refusal(400, f"de aanvraag is geen geldige JSON: {error}") from None

    async def start(request: Request) -> JSONResponse:
        if (refusal := await refused(request)) is not None:
            return refusal
        try:
            data = await body(request)
            return JSONResponse(await run_in_threadpool(scorer.start, data))
        except Refusal as refusal_:
            return _error(refusal_.status, refusal_.message)

    async def submit(request: Request) -> JSONResponse:
        if (refusal := await refused(request)) is not None:
            return refusal
        try:
            data = await body(request)
            answer = await run_in_threadpool(scorer.submit, request.path_params["attempt"], data)
            return JSONResponse(answer)
        except Refusal as refusal_:
            return _error(refusal_.status, refusal_.message)

    return Starlette(
        routes=[
            Route(f"{PREFIX}/attempts", start, methods=["POST"]),
            Route(f"{PREFIX}/attempts/{{attempt}}/responses", submit, methods=["POST"]),
        ]
    )
