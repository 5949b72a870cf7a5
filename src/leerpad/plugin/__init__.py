"""The `leerpad` MkDocs plugin: where the course meets MkDocs.

Holds the plugin's typed config (the one source of the course's settings,
`settings` turns it into what the loader needs), the event methods
(`plugin.py`, events only), the generated files and page configuration
(`site.py`), the Content-Security-Policy (`csp.py`) and the lean copy of each
page that Material's search index reads (`search.py`: the same index, less HTML).

May import: `leerpad.content`, `leerpad.xapi`, `leerpad.markdown`,
`leerpad.layout`, MkDocs; nothing imports the plugin but the CLI.
"""
