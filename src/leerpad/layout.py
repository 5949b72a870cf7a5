"""Where everything lives: the course's source folders and every path of the built site.

The one owner of the site's URL layout (as Material's blog plugin keeps its
structure in one place): the loader, the Markdown extension and the plugin ask
this module instead of spelling `toetsen/` or `bronnen.md` themselves. Paths of
pages are relative to docs_dir, as MkDocs' `File.src_uri` is; pure Python, and
it imports nothing of Leerpad.
"""

from __future__ import annotations

# Source folders beside mkdocs.yml (design.md: pinned), one Markdown file per case or quiz.
CASES_DIR = "cases"
QUIZZES_DIR = "quizzes"
# Data files in docs_dir: course data, never pages to publish.
SOURCES_FILE = "sources.yml"
GLOSSARY_FILE = "glossary.yml"
DATA_FILES = (SOURCES_FILE, GLOSSARY_FILE)

# Pages the plugin generates.
QUIZ_PAGES = "toetsen/"
CASE_PAGES = "casussen/"
CASE_OVERVIEW_PAGE = f"{CASE_PAGES}index.md"
SOURCES_PAGE = "bronnen.md"
GLOSSARY_PAGE = "woordenlijst.md"
# The learner's own overview, filled in by the browser from what it stored (overview.js).
PROGRESS_PAGE = "voortgang.md"
# Other generated files: the course manifest and the browser runtime.
MANIFEST = "course.json"
ASSET_DIR = "assets/leerpad"
# The page "Casus schrijven": its editor, Pyodide, the wheels and the course data (that page only).
AUTHORING_DIR = f"{ASSET_DIR}/authoring"


def quiz_page(quiz_id: str) -> str:
    """The generated page of a quiz: `toetsen/<id>.md`."""
    return f"{QUIZ_PAGES}{quiz_id}.md"


def case_page(case_id: str) -> str:
    """The generated page of a case: `casussen/<id>.md`."""
    return f"{CASE_PAGES}{case_id}.md"


def source_anchor(key: str) -> str:
    """The id of a source's entry on the sources page."""
    return f"bron-{key}"


def source_link(key: str) -> str:
    """A source's entry: `bronnen.md#bron-<key>`."""
    return f"{SOURCES_PAGE}#{source_anchor(key)}"


def glossary_link(anchor: str) -> str:
    """A term's entry on the glossary page."""
    return f"{GLOSSARY_PAGE}#{anchor}"


def asset(name: str) -> str:
    """A runtime file in the built site: `assets/leerpad/<name>`."""
    return f"{ASSET_DIR}/{name}"


def is_generated(page: str) -> bool:
    """Whether a nav entry names a page the plugin generates (never a module)."""
    return page.startswith((QUIZ_PAGES, CASE_PAGES)) or page in (SOURCES_PAGE, GLOSSARY_PAGE, PROGRESS_PAGE)


def generated_activity(src_uri: str) -> tuple[str, str] | None:
    """`("quiz", id)` or `("case", id)` for a generated quiz or case page, else None."""
    for kind, prefix in (("quiz", QUIZ_PAGES), ("case", CASE_PAGES)):
        if src_uri.startswith(prefix) and src_uri.endswith(".md") and "/" not in src_uri[len(prefix):]:
            return kind, src_uri[len(prefix):-3]
    return None


def up_to_root(path: str) -> str:
    """The relative way from a page (source path or URL) back to the site root: `../` per folder."""
    return "../" * path.count("/")
