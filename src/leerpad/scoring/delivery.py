"""Where the scorer's statements go: the embedded LRS's store, or any LRS over HTTP.

Both deliveries are idempotent: the scorer's statement ids are fixed per attempt, so a
batch delivered again after a crash or a time-out is recognised, never stored twice.
Both also answer the one question the scorer asks an LRS: did this learner complete
this activity (a module without toetsen, before the final test opens)?
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Protocol
from urllib.parse import urljoin

from leerpad.lrs.indexing import agent_key
from leerpad.lrs.query import StatementFilter
from leerpad.lrs.store import DuplicateStatementError, StatementStore

log = logging.getLogger(__name__)
COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
XAPI_HEADERS = {"X-Experience-API-Version": "1.0.3"}


class DeliveryError(Exception):
    """The LRS did not take the statements (they stay pending) or did not answer."""


class Delivery(Protocol):
    """An LRS the scorer writes to."""

    def deliver(self, statements: Sequence[dict[str, Any]]) -> None:
        """Store the statements (all or none); raise :class:`DeliveryError` when not."""

    def has_completed(self, actor: dict[str, Any], activity: str) -> bool:
        """Whether the LRS holds a ``completed`` of ``activity`` by ``actor``."""

    def close(self) -> None:
        """Release connections."""


class StoreDelivery:
    """Into the embedded LRS's database, in-process, as the scorer (its own authority)."""

    def __init__(self, store: StatementStore) -> None:
        """Write into ``store`` (on the LRS's database)."""
        self.store = store

    def deliver(self, statements: Sequence[dict[str, Any]]) -> None:
        """Write the batch in one transaction; statements already stored are skipped (the store
        compares them), so a batch delivered again after a crash adds nothing."""
        try:
            self.store.write(statements)
        except DuplicateStatementError as error:  # the same id with other content: never ours
            raise DeliveryError(str(error)) from error
        except Exception as error:
            raise DeliveryError(str(error)) from error

    def has_completed(self, actor: dict[str, Any], activity: str) -> bool:
        """Ask the store directly."""
        page = self.store.query(StatementFilter(agent=agent_key(actor), verb=COMPLETED, activity=activity, limit=1))
        return bool(page.statements)

    def close(self) -> None:
        """Close the store."""
        self.store.close()


class HttpDelivery:
    """To any xAPI 1.0.3 LRS: ``POST <endpoint>statements`` with the scorer's credential."""

    def __init__(self, endpoint: str, username: str, password: str, timeout: float = 30.0) -> None:
        """Use the LRS at ``endpoint`` (ending in ``/xAPI/`` or similar)."""
        import requests

        self.endpoint = endpoint if endpoint.endswith("/") else endpoint + "/"
        self.session = requests.Session()
        self.session.auth = (username, password)
        self.session.headers.update(XAPI_HEADERS)
        self.timeout = timeout

    @property
    def statements_url(self) -> str:
        """``<endpoint>statements``."""
        return urljoin(self.endpoint, "statements")

    def deliver(self, statements: Sequence[dict[str, Any]]) -> None:
        """POST the batch; 409 (ids already stored) counts as delivered."""
        import requests

        try:
            response = self.session.post(self.statements_url, json=list(statements), timeout=self.timeout)
        except requests.RequestException as error:
            raise DeliveryError(f"LRS {self.endpoint} antwoordt niet: {error}") from error
        if response.status_code == 409:
            log.info("statements already stored (delivered before a restart)")
            return
        if response.status_code not in (200, 204):
            detail = f"HTTP {response.status_code} {response.text[:300]}"
            raise DeliveryError(f"LRS {self.endpoint} weigerde de statements: {detail}")

    def has_completed(self, actor: dict[str, Any], activity: str) -> bool:
        """GET one matching statement (the credential needs read access)."""
        import json

        import requests

        params = {"agent": json.dumps(actor), "verb": COMPLETED, "activity": activity, "limit": "1"}
        try:
            response = self.session.get(self.statements_url, params=params, timeout=self.timeout)
        except requests.RequestException as error:
            raise DeliveryError(f"LRS {self.endpoint} antwoordt niet: {error}") from error
        if response.status_code != 200:
            raise DeliveryError(f"LRS {self.endpoint} laat geen statements lezen: HTTP {response.status_code}")
        return bool(response.json().get("statements"))

    def close(self) -> None:
        """Close the HTTP session."""
        self.session.close()
