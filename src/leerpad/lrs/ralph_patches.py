"""Where Leerpad reaches into Ralph, each target checked before it is touched.

The LRS app relies on Ralph in places that Ralph offers no setting for. A Ralph
release may move or reshape any of them; the correction would then silently do
nothing. So each is checked here, when the app is built (importing Ralph's API
means reading its settings and opening the backend: never at plain import), and a
mismatch stops the LRS with :class:`RalphMismatch` naming the Ralph version.
(Statement writes no longer pass through Ralph at all: :mod:`leerpad.lrs.statements_api`.)

- the CORS entry in the app's ``user_middleware`` list (removed: CORS is answered
  outside the corrections, also for ``/xAPI/about`` and errors);
- the text of Ralph's scope refusal (a 401 that is turned into 403);
- the ``search_after`` value carried into ``more`` (the backend's end-of-results
  sentinel: the app drops ``more`` then);
- the cache of Ralph's auth file (cleared when credentials change, so that an
  added credential works without a restart).

The Ralph version is pinned here and in ``pyproject.toml``; a test keeps them equal.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from importlib.metadata import version
from typing import Any

#: The Ralph release these patches are written for (``ralph-malph``).
RALPH_VERSION = "5.1.0"
#: How Ralph's scope refusal starts (``ralph.api.auth.get_authenticated_user``).
SCOPE_REFUSAL = "Access not authorized to scope"


class RalphMismatch(RuntimeError):
    """Ralph is not shaped as the corrections expect."""

    def __init__(self, what: str) -> None:
        """Say what differs, and for which Ralph."""
        try:
            installed = version("ralph-malph")
        except Exception:  # noqa: BLE001 - not installed at all
            installed = "none"
        super().__init__(
            f"Leerpad's LRS corrections are written for Ralph {RALPH_VERSION} "
            f"(installed: ralph-malph {installed}): {what}"
        )


def check_version(installed: str) -> None:
    """Refuse any other Ralph release than :data:`RALPH_VERSION`."""
    if installed != RALPH_VERSION:
        raise RalphMismatch(f"ralph-malph {installed} is installed")


def check_middleware_target(app: Any, cors: type) -> None:
    """Ralph's app is not started yet and lists its CORS middleware in ``user_middleware``."""
    entries = getattr(app, "user_middleware", None)
    if not isinstance(entries, list) or not all(hasattr(m, "cls") for m in entries):
        raise RalphMismatch("the app has no user_middleware list of Middleware entries")
    if getattr(app, "middleware_stack", None) is not None:
        raise RalphMismatch("the app's middleware stack is already built")


def check_scope_refusal(auth_module: Any) -> None:
    """Ralph's scope refusal still starts with :data:`SCOPE_REFUSAL`."""
    if f"{SCOPE_REFUSAL}: " not in inspect.getsource(auth_module):
        raise RalphMismatch(f"the scope refusal no longer reads {SCOPE_REFUSAL!r}")


def check_more_sentinel(router: Any) -> None:
    """Ralph copies the backend's ``search_after`` into the ``more`` link's query."""
    source = inspect.getsource(router.get)
    if '"search_after": query_result.search_after' not in source or '"more"' not in source:
        raise RalphMismatch("the more link no longer carries the backend's search_after")


def check_auth_cache(get_stored_credentials: Callable[..., Any]) -> None:
    """Ralph caches its auth file with ``functools.lru_cache`` (``cache_clear``)."""
    if not callable(getattr(get_stored_credentials, "cache_clear", None)):
        raise RalphMismatch("get_stored_credentials is no longer an lru_cache")


def patch_ralph(cors: type) -> Any:
    """Check every target, apply the corrections, and return Ralph's app."""
    check_version(version("ralph-malph"))
    from ralph.api import app  # type: ignore[import-untyped]
    from ralph.api import auth as ralph_auth
    from ralph.api.auth import basic as ralph_basic  # type: ignore[import-untyped]
    from ralph.api.routers import statements as router  # type: ignore[import-untyped]

    check_middleware_target(app, cors)
    check_scope_refusal(ralph_auth)
    check_more_sentinel(router)
    check_auth_cache(ralph_basic.get_stored_credentials)

    app.user_middleware = [m for m in app.user_middleware if m.cls is not cors]
    return app


def forget_credentials() -> None:
    """Make Ralph read its auth file again (a credential was added or revoked)."""
    from ralph.api.auth import basic as ralph_basic

    ralph_basic.get_stored_credentials.cache_clear()
