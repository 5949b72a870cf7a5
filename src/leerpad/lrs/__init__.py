"""Leerpad lrs."""
