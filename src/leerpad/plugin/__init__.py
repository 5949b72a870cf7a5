"""The `leerpad` MkDocs plugin: where the course meets MkDocs.

Holds the plugin's typed config (the one source of the course's settings,
`settings` turns it into what the loader needs), the event methods
(`plugin.py`, events only), the generated files and page configuration
(`site.py`) and the Content-Security-Policy (`csp.py`).

May import: `leerpad.content`, `leerpad.xapi`, `leerpad.markdown`,
`leerpad.layout`, MkDocs; nothing imports the plugin but the CLI.
"""
