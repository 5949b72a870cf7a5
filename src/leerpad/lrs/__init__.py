"""Embedded LRS: Ralph LRS with Leerpad's SQLite/PostgreSQL backend (see README.md).

- :mod:`leerpad.lrs.backend` — the Ralph backend (entry point ``leerpad_sql``);
- :mod:`leerpad.lrs.app` — the ASGI app correcting Ralph where xAPI 1.0.3 differs;
- :mod:`leerpad.lrs.server` — start/stop the LRS process (``leerpad serve``, tests);
- :mod:`leerpad.lrs.serve` — the ``leerpad serve`` and ``leerpad lrs`` commands.
"""
