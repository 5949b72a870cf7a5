"""Leerpad markdown."""
