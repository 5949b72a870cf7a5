"""Leerpad plugin."""
