"""Embedded LRS: Ralph LRS with Leerpad's SQLite/PostgreSQL backend (see README.md).

What the room holds, bottom to top (each module imports only those above it):

- :mod:`~leerpad.lrs.indexing` — what a statement is filed under (ids, times, agent
  keys, related agents/activities) and when two statements are the same; pure;
- :mod:`~leerpad.lrs.dialects` — one database interface over SQLite and PostgreSQL;
- :mod:`~leerpad.lrs.schema` — the tables, the schema version and its migrations;
- :mod:`~leerpad.lrs.query` — statement filters, their SELECT, paging, ``page_size()``;
- :mod:`~leerpad.lrs.store` — the statement store on top of those;
- :mod:`~leerpad.lrs.documents` — State, Activity Profile and Agent Profile documents;
- :mod:`~leerpad.lrs.backend` — the Ralph backend on the store (entry point ``leerpad_sql``);
- :mod:`~leerpad.lrs.validation` — statement validation written from xAPI 1.0.3 (Data 2-4), pure;
- :mod:`~leerpad.lrs.attachments` — ``multipart/mixed`` attachments and signed
  statements (JWS; an ``x5c`` chain verified with ``cryptography``), pure;
- :mod:`~leerpad.lrs.access` — Basic credentials, checked before anything else;
- :mod:`~leerpad.lrs.ralph_patches` — the pinned Ralph version and every place Leerpad
  reaches into Ralph, each checked before it is touched;
- :mod:`~leerpad.lrs.resources` — the document, Agents and Activities resources;
- :mod:`~leerpad.lrs.statements_api` — the Statements resource (writes by Leerpad);
- :mod:`~leerpad.lrs.app` — the ASGI app: Ralph's API with xAPI 1.0.3's corrections;
- :mod:`~leerpad.lrs.credentials` — ``credentials.json``, added credentials, Ralph's auth file;
- :mod:`~leerpad.lrs.server` — start/stop the LRS process; :mod:`~leerpad.lrs.serve` —
  the ``leerpad serve`` and ``leerpad lrs`` commands.

:mod:`~leerpad.lrs.testing` holds what only tests and benchmarks use (an HTTP client,
a throw-away PostgreSQL, an LRS that stops mid-batch); the product never imports it.

May import: the standard library, Ralph, FastAPI/Starlette, pydantic, psycopg,
bcrypt, cryptography, requests, MkDocs (``serve`` only). Nothing else of Leerpad imports from here
except ``leerpad.cli``; this room imports nothing of the course packages.
"""
