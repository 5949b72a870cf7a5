"""cmi5: the course as an LMS package, and a checker for any cmi5 package.

- ``structure``: ``cmi5.xml`` (course structure, one AU per module) and its
  official XSD with licence and source note in ``schema/``;
- ``package``: ``leerpad package`` — build the site, write the deterministic ZIP;
- ``check``: ``leerpad package --check`` — every problem of a ZIP or a
  standalone course structure as ``cmi5.xml:LINE: message`` or ``zip: message``.

May import ``leerpad.content`` (the course model), ``leerpad.xapi`` (activity
ids), lxml (the ``cmi5`` extra) and, in ``package`` only, ``leerpad.plugin``'s
settings reader and MkDocs to build the site (a package is made of a build).
Never the LRS or the scorer.
"""
