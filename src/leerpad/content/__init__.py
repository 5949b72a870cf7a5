"""Leerpad content."""
