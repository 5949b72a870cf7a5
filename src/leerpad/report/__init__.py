"""Leerpad report."""
