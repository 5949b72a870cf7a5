"""The scoring service for toetsen: the answer keys stay on the server.

What the room holds:

- (the key files themselves, ``.leerpad/keys/<quiz>.json``, are the course's contract
  like course.json: :mod:`leerpad.xapi.keys` writes, reads and checks them);
- :mod:`~leerpad.scoring.rules` — whether a response fits a question and is right
  (the xAPI correct-response patterns; pure Python);
- :mod:`~leerpad.scoring.course` — the course as the scorer sees it (keys, interaction
  definitions, modules, final test, plugin options);
- :mod:`~leerpad.scoring.versions` — the question versions an attempt drew, kept
  with it so that a course update does not change how it is scored;
- :mod:`~leerpad.scoring.book` — attempts in SQL (the LRS's database or a file of its
  own): counted per learner and quiz, submitted once;
- :mod:`~leerpad.scoring.statements` — the statements written under the scorer's authority;
- :mod:`~leerpad.scoring.launches` — whether the LMS launched the learner a start
  request names as "cmi5" (its State resource's ``LMS.LaunchData``, trusted endpoints only);
- :mod:`~leerpad.scoring.service` — start and submit, as the HTTP contract says;
- :mod:`~leerpad.scoring.delivery` — where the statements go: the embedded store or an
  external LRS over HTTP;
- :mod:`~leerpad.scoring.guard` — what the browser's write credential may not store;
- :mod:`~leerpad.scoring.http` — the routes under ``/leerpad/v1/``;
- :mod:`~leerpad.scoring.embedded` and :mod:`~leerpad.scoring.standalone` — in the
  embedded LRS (an extension: a root mount and a statement policy), or
  ``leerpad scorer --lrs URL`` in front of any LRS.

May import: ``leerpad.content``, ``leerpad.xapi``, ``leerpad.plugin`` (the course's
settings, read as the build reads them), ``leerpad.lrs`` (its SQL layer, statement store
and credential gate), Starlette and uvicorn. Nothing imports it but the CLI and
``leerpad serve``/``leerpad lrs``; the LRS app reaches it only through the extension its
environment names (``LEERPAD_LRS_EXTENSION``): it sits above the build and the LRS.
"""
