"""What every test starts from: the workbook's global state as the session found it.

folioviz keeps two workbook-wide settings, the default era (``folioviz.set_default_era``, ``FOLIOVIZ_ERA``) and
presenter mode (``folioviz.presenter_mode``). A test may change either; the autouse fixture below puts both back
after every test, through the public API only (so it holds whether they are module globals or context
variables), and empties the model's caches that are keyed on "the default now" (a cached function with a
parameter that defaults to ``None``), so no test reads a table cached under another test's era. Caches keyed
on their arguments alone (the data files, the rules) are kept: they do not depend on any setting.

Tests therefore change these settings freely and never restore them by hand. A subprocess-started kernel or
CLI is a new process and is not concerned.
"""

from __future__ import annotations

import functools
import inspect
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import folioviz

_SESSION_ERA = folioviz.default_era().id  # FOLIOVIZ_ERA, if set when the session started, else the email's era
_SESSION_PRESENTER = folioviz.presenter_mode()
_DEFAULT_KEYED: dict[int, bool] = {}  # id(cached function) -> does it take a parameter defaulting to None


def _keyed_on_the_default(function: Any) -> bool:
    known = _DEFAULT_KEYED.get(id(function))
    if known is None:
        try:
            parameters = inspect.signature(function).parameters.values()
        except (TypeError, ValueError):
            parameters = ()
        known = _DEFAULT_KEYED[id(function)] = any(p.default is None for p in parameters)
    return known


def default_keyed_caches() -> list[Any]:
    """Every functools cache in the loaded folioviz modules whose key can mean "the default now"."""
    found = []
    for name, module in list(sys.modules.items()):
        if module is None or not (name == "folioviz" or name.startswith("folioviz.")):
            continue
        for value in list(vars(module).values()):
            cached = callable(getattr(value, "cache_clear", None)) and hasattr(value, "__wrapped__")
            if cached and getattr(value, "__module__", None) == name and _keyed_on_the_default(value):
                found.append(value)
    return found


def restore_global_state() -> None:
    """Put the default era and presenter mode back as the session found them; clear the default-keyed caches."""
    if folioviz.default_era().id != _SESSION_ERA:
        folioviz.set_default_era(_SESSION_ERA)
    if folioviz.presenter_mode() != _SESSION_PRESENTER:
        folioviz.presenter_mode(_SESSION_PRESENTER)
    for cached in default_keyed_caches():
        cached.cache_clear()


@pytest.fixture(autouse=True)
def _global_state_as_the_session_found_it() -> Iterator[None]:
    yield
    restore_global_state()


# ------------------------------------------------------------------------- parallel runs (pytest-xdist)

# A test module that makes something once for several of its tests: a fixture of its own that outlives a test,
# or a setup_module/setup_class; or tests that run in their order on purpose (the line `# xdist: one worker`).
_SHARES_STATE = re.compile(
    r"""scope\s*=\s*["'](?:module|class|package|session)["']|def (?:setup|teardown)_(?:module|class)\b|setUpClass"""
    r"""|^# xdist: one worker""",
    re.MULTILINE,
)


@functools.cache
def _module_shares_state(path: Path) -> bool:
    try:
        return bool(_SHARES_STATE.search(path.read_text(errors="replace")))
    except OSError:
        return True


def xdist_scope(rootpath: Path, nodeid: str) -> str:
    """The unit of work a test is sent to a pytest-xdist worker in (``make test``: ``-n auto --dist loadscope``).

    - a notebook's nbval cells share one kernel and run in order: one unit per notebook;
    - a test module with a fixture of its own that outlives a test (a Voila server, a built site, a booted
      kernel, parsed BTF) runs on one worker, so that fixture is made once in the whole run, as without xdist;
    - any other test is a unit of its own: the browser and lite tests spread over the workers one by one.
    Session fixtures of a conftest (the JupyterLab server, chromium, the lite site's server) are made once per
    worker instead, so every test may run on either.
    """
    path = nodeid.split("::", 1)[0]
    if path.endswith(".ipynb") or _module_shares_state(rootpath / path):
        return path
    return nodeid


@pytest.hookimpl(optionalhook=True)  # a pytest-xdist hook: absent without it
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    # pytest-xdist's own `--dist loadgroup` does not group under pytest 9.2 (the group rides on the node id,
    # which pytest no longer lets a plugin change: pytest-dev/pytest-xdist#1386), so the units are chosen here,
    # from the node ids, with `--dist loadscope`'s scheduler.
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class SharedStateScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return xdist_scope(config.rootpath, nodeid)

    return SharedStateScheduling(config, log)
