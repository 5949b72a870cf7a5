"""Leerpad's Python-Markdown extension: how a course's Markdown becomes HTML.

Holds the `/// question` block, `[@citations]`, glossary tooltips, the quiz and
case page structure, and the Markdown of the generated pages (sources,
glossary, case overview). `PageContext` says which page is being rendered.

May import: `leerpad.content`, `leerpad.xapi`, `leerpad.layout`, Python-Markdown
and PyMdown Extensions; never the plugin or MkDocs (pure Python: also runs in
Pyodide, for the trainer's preview).
"""

from leerpad.markdown.context import PageContext
from leerpad.markdown.extension import LeerpadExtension, makeExtension

__all__ = ["LeerpadExtension", "PageContext", "makeExtension"]
