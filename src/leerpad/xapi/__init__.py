"""Leerpad xapi."""
