"""Leerpad cmi5."""
