"""Leerpad: accredited, interactive e-learning courses from Markdown."""

__version__ = "0.1.0"
