"""The document store: State, Activity Profile and Agent Profile documents (xAPI 1.0.3, Communication 2.2-2.7).

A document is any bytes with a content type, kept under a key: its kind, the
activity, the agent (its :func:`~leerpad.lrs.indexing.agent_key`), the registration
and its own id (stateId, profileId); parts a kind does not use are empty text. Each
document has an ETag (SHA-1 of its content) and the time it was last changed.

Writes take turns (one lock for all documents), so that a precondition
(``If-Match``/``If-None-Match``) and the write it guards, or a JSON merge and the
document it merges into, see the same document.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from leerpad.lrs.dialects import Cursor, Database, StoreError
from leerpad.lrs.indexing import now_micros

JSON_TYPE = "application/json"
# Any constant shared by all writers of documents of the same PostgreSQL database.
_DOCUMENTS_LOCK_KEY = 0x1EE2_9AD2


class Kind(IntEnum):
    """The three document resources."""

    STATE = 1
    ACTIVITY_PROFILE = 2
    AGENT_PROFILE = 3


@dataclass(frozen=True)
class DocumentKey:
    """Where a document is kept; ``doc_id`` is empty when a request names several."""

    kind: Kind
    activity: str = ""
    agent: str = ""
    registration: str = ""
    doc_id: str = ""

    def columns(self) -> tuple[object, ...]:
        """The key's values in column order (without ``doc_id``)."""
        return (int(self.kind), self.activity, self.agent, self.registration)


@dataclass(frozen=True)
class Document:
    """A stored document."""

    content: bytes
    content_type: str
    etag: str
    updated: int

    @property
    def is_json(self) -> bool:
        """Whether its content type is ``application/json``."""
        return is_json_type(self.content_type)


@dataclass(frozen=True)
class Preconditions:
    """The request's ``If-Match``/``If-None-Match`` and whether one is required."""

    if_match: str | None = None
    if_none_match: str | None = None
    required: bool = False  # profiles: overwriting needs one of the two (xAPI 3.1)


class DocumentRefused(StoreError):
    """The request may not change the document; ``status`` is the HTTP answer."""

    def __init__(self, status: int, message: str) -> None:
        """An HTTP status (400, 409, 412) and a message that says why."""
        super().__init__(message)
        self.status = status


def is_json_type(content_type: str) -> bool:
    """Whether a Content-Type header names JSON (parameters such as charset ignored)."""
    return content_type.split(";", 1)[0].strip().lower() == JSON_TYPE


def etag_of(content: bytes) -> str:
    """The ETag of a content: its SHA-1 in hexadecimal (without quotes)."""
    return hashlib.sha1(content, usedforsecurity=False).hexdigest()


def _tags(header: str) -> set[str]:
    return {t.strip().removeprefix("W/").strip('"') for t in header.split(",") if t.strip()}


def check_preconditions(existing: Document | None, conditions: Preconditions) -> None:
    """Raise :class:`DocumentRefused` (412, 409) when the request may not overwrite ``existing``."""
    if conditions.if_match is not None:
        tags = _tags(conditions.if_match)
        if existing is None or ("*" not in tags and existing.etag not in tags):
            raise DocumentRefused(412, "If-Match does not match the document's current ETag")
    if conditions.if_none_match is not None:
        tags = _tags(conditions.if_none_match)
        if existing is not None and ("*" in tags or existing.etag in tags):
            raise DocumentRefused(412, "If-None-Match: the document already exists")
    if conditions.required and conditions.if_match is None and conditions.if_none_match is None:
        if existing is not None:
            raise DocumentRefused(
                409,
                "The document already exists: send If-Match with its ETag to overwrite it, "
                "or If-None-Match: * to create it only when it does not exist",
            )
        raise DocumentRefused(400, "Send If-None-Match: * to create a profile document, If-Match to overwrite one")


def merged_json(existing: Document, content: bytes, content_type: str) -> bytes:
    """The JSON merge of a POSTed document into ``existing`` (top-level properties)."""
    if not existing.is_json or not is_json_type(content_type):
        raise DocumentRefused(
            400, "A document can only be merged when both it and the stored one are application/json"
        )
    old = json.loads(existing.content)
    new = parse_json_object(content)
    if not isinstance(old, dict):
        raise DocumentRefused(400, "The stored document is not a JSON object: it cannot be merged")
    return json.dumps({**old, **new}, ensure_ascii=False, separators=(",", ":")).encode()


def parse_json_object(content: bytes) -> dict[str, Any]:
    """A POSTed JSON document, which must be an object."""
    try:
        value = json.loads(content)
    except (ValueError, UnicodeDecodeError) as error:
        raise DocumentRefused(400, f"The document is not valid JSON: {error}") from error
    if not isinstance(value, dict):
        raise DocumentRefused(400, "A document POSTed as application/json must be a JSON object")
    return value


class DocumentStore:
    """Documents in the LRS's database (the tables come with the statement store's schema)."""

    def __init__(self, database: Database) -> None:
        """Use ``database``, already migrated by :class:`~leerpad.lrs.store.StatementStore`."""
        self.db = database

    # ------------------------------------------------------------------ reading

    def get(self, key: DocumentKey) -> Document | None:
        """The document at ``key``, or None."""
        rows = self.db.query(
            "SELECT content, content_type, etag, updated FROM documents "
            "WHERE kind = ? AND activity = ? AND agent = ? AND registration = ? AND doc_id = ?",
            [*key.columns(), key.doc_id],
        )
        return _document(rows[0]) if rows else None

    def ids(self, key: DocumentKey, since: int | None = None) -> list[str]:
        """The ids of the documents under ``key`` (changed after ``since``), oldest first."""
        sql = (
            "SELECT doc_id FROM documents WHERE kind = ? AND activity = ? AND agent = ? AND registration = ?"
        )
        params: list[object] = list(key.columns())
        if since is not None:
            sql += " AND updated > ?"
            params.append(since)
        return [str(row[0]) for row in self.db.query(sql + " ORDER BY updated, doc_id", params)]

    # ------------------------------------------------------------------ writing

    def put(
        self, key: DocumentKey, content: bytes, content_type: str, conditions: Preconditions = Preconditions()
    ) -> None:
        """Store (replace) the document at ``key``."""
        with self.db.transaction() as cursor:
            existing = self._locked_get(cursor, key)
            check_preconditions(existing, conditions)
            self._write(cursor, key, content, content_type)

    def merge(
        self, key: DocumentKey, content: bytes, content_type: str, conditions: Preconditions = Preconditions()
    ) -> None:
        """POST: merge a JSON object into the stored one, or store it when there is none."""
        if is_json_type(content_type):
            parse_json_object(content)
        with self.db.transaction() as cursor:
            existing = self._locked_get(cursor, key)
            check_preconditions(existing, Preconditions(conditions.if_match, conditions.if_none_match))
            if existing is not None:
                content, content_type = merged_json(existing, content, content_type), existing.content_type
            self._write(cursor, key, content, content_type)

    def delete(
        self, key: DocumentKey, conditions: Preconditions = Preconditions(), since: int | None = None
    ) -> None:
        """Delete the document at ``key``, or every document under it (changed after ``since``)
        when ``doc_id`` is empty."""
        with self.db.transaction() as cursor:
            self.db.lock(cursor, _DOCUMENTS_LOCK_KEY)
            where = "kind = ? AND activity = ? AND agent = ? AND registration = ?"
            params: list[object] = list(key.columns())
            if key.doc_id:
                check_preconditions(self._select(cursor, key), conditions)
                where += " AND doc_id = ?"
                params.append(key.doc_id)
            elif since is not None:
                where += " AND updated > ?"
                params.append(since)
            cursor.execute(f"DELETE FROM documents WHERE {where}", params)

    def _locked_get(self, cursor: Cursor, key: DocumentKey) -> Document | None:
        self.db.lock(cursor, _DOCUMENTS_LOCK_KEY)
        return self._select(cursor, key)

    @staticmethod
    def _select(cursor: Cursor, key: DocumentKey) -> Document | None:
        cursor.execute(
            "SELECT content, content_type, etag, updated FROM documents "
            "WHERE kind = ? AND activity = ? AND agent = ? AND registration = ? AND doc_id = ?",
            [*key.columns(), key.doc_id],
        )
        row = cursor.fetchone()
        return _document(row) if row else None

    @staticmethod
    def _write(cursor: Cursor, key: DocumentKey, content: bytes, content_type: str) -> None:
        cursor.execute(
            "INSERT INTO documents (kind, activity, agent, registration, doc_id, content_type, content, etag, "
            "updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (kind, activity, agent, registration, doc_id) DO UPDATE SET "
            "content_type = excluded.content_type, content = excluded.content, etag = excluded.etag, "
            "updated = excluded.updated",
            [*key.columns(), key.doc_id, content_type, content, etag_of(content), now_micros()],
        )


def _document(row: Sequence[Any]) -> Document:
    return Document(content=bytes(row[0]), content_type=str(row[1]), etag=str(row[2]), updated=int(row[3]))
