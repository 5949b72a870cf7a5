"""The trainer's page "Casus schrijven": write a case or quiz, see it rendered and checked.

What the room holds:

- `preview.py`: renders and checks one case or quiz against the course's own data, with the
  same code as `leerpad validate` and the build. Pure Python: it runs in CPython and, on the
  page, in Pyodide. May import `leerpad.content`, `leerpad.markdown`, `leerpad.xapi` only.
- `sections.py`: the preview's render of a page section by section (cut at top-level
  headings), re-rendering only what a change touched and carrying what the sections share
  (heading ids, glossary marks, the loaded questions, the page structure): the same HTML as
  a full render. Pure Python, imports `leerpad.content` and `leerpad.markdown`.
- `bundle.py`: builds, once per set of pins, the files the page needs from the registries
  (Pyodide's core from the npm package, pure-Python wheels of Markdown, pymdown-extensions
  and PyYAML) into a cache (`.cache/authoring/`). Runs on the build machine only; imports
  nothing of Leerpad.
- `assets/`: the page's browser code (`early.js`, from the page's head: starts the Web Worker
  and fetches the course data; the editor; the worker, which also keeps a memory snapshot of
  its started Python for the next visit; `offline.js`: what they keep in the browser's Cache
  Storage) and CSS, loaded on that page only.

The MkDocs side (copying all of it into the site, the page's own CSP) is `leerpad.plugin.authoring`.
"""
