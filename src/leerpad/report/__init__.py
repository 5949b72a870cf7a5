"""Accreditation output and how well the tests work: ``leerpad report``, ``verify`` and ``angoff``.

What the room holds, in the order data flows:

- ``source.py``: reads statements from any conformant LRS through the standard
  Statements API only (``activity`` + ``related_activities``, ``since``/``until``,
  ``more`` paging), one page at a time, with a progress line on the terminal;
- ``cohort.py``: folds the statements, one by one, into learners, modules and
  compact attempts, trusting only results the scorer wrote (or ``--trust``); what
  is untrusted, malformed or conflicting is listed, never counted;
- ``items.py``: item analysis as Moodle's quiz statistics compute it;
- ``pilot.py``: the pilot of the final test: attempts grouped before, during and after
  the course, with the pre/post difference per question;
- ``standard.py``: ``leerpad angoff``, standard setting before a pilot: an Angoff panel's
  estimates per question turned into a candidate's chance to pass a drawn test (reads
  the course and the judges' sheets, not the LRS);
- ``bodies.py``: the upload files per accreditation body (CSV, columns in one place);
- ``certificates.py``: certificates (WeasyPrint) and their verification codes;
- ``dashboard.py``: one self-contained HTML dashboard (matplotlib, SVG inline);
- ``command.py``: ``report`` and ``verify``.

May import: ``leerpad.content`` (the course), ``leerpad.xapi`` (activity ids,
course.json), ``leerpad.plugin`` (the course's settings as MkDocs reads them and the
typed accreditation options), the standard library, ``requests``, and — lazily, only for their format — WeasyPrint
and matplotlib. Never ``leerpad.lrs``: reports work against any LRS, never its store.
"""
