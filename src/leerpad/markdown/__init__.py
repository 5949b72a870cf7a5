"""Leerpad's Python-Markdown extension (pure Python: also runs in Pyodide)."""

from leerpad.markdown.context import PageContext
from leerpad.markdown.extension import LeerpadExtension, makeExtension

__all__ = ["LeerpadExtension", "PageContext", "makeExtension"]
