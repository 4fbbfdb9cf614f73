"""Run a coroutine to completion from a test, whatever the test's thread already runs.

Playwright's sync API (the browser tests) keeps an asyncio loop running in the thread that uses it, and under
pytest-xdist a worker may run a browser test before one that calls ``asyncio.run()``, which then refuses ("cannot
be called from a running event loop"). A thread of its own gives the coroutine a fresh loop in every order.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run_fresh(make: Callable[[], Coroutine[Any, Any, T]], timeout: float = 300) -> T:
    """``asyncio.run(make())`` in a new thread with its own event loop; the result, or the coroutine's exception."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="fresh-loop") as pool:
        return pool.submit(lambda: asyncio.run(make())).result(timeout=timeout)
