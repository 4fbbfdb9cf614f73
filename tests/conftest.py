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

import inspect
import sys
from collections.abc import Iterator
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


def xdist_group_of(item: pytest.Item) -> str | None:
    """The pytest-xdist group ``item`` must run in (``--dist loadgroup``), or None: any worker may run it.

    - a notebook's nbval cells share one kernel and run in order: one group per notebook;
    - a test using a module- or session-scoped fixture defined in its own test module (a Voila server, a built
      site, a booted kernel, parsed BTF) runs on the worker that already holds that fixture: one group per
      module, and per parameter of a parametrized fixture (each booted kernel, each era's BTF), so the
      fixture is made once in the whole run, as without xdist.
    Session fixtures of a conftest (the JupyterLab server, chromium, the lite site's server) are made once
    per worker instead: every test may run on either.
    """
    if item.path.suffix == ".ipynb":
        return f"nbval:{item.path.name}"
    module = item.nodeid.split("::", 1)[0]
    callspec = getattr(item, "callspec", None)
    params = []
    for name, defs in getattr(getattr(item, "_fixtureinfo", None), "name2fixturedefs", {}).items():
        shared = [d for d in defs if d.scope in ("module", "class", "package", "session")]
        if any(d.baseid.split("::", 1)[0] == module for d in shared):
            if callspec is not None and name in callspec.params:
                params.append(f"{name}={callspec.indices[name]}")
            else:
                params.append(name)
    if not params:
        return None
    parametrized = ",".join(sorted(p for p in params if "=" in p))
    return f"{module}[{parametrized}]" if parametrized else module


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups from the markers
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.pluginmanager.hasplugin("xdist"):
        return
    for item in items:
        group = xdist_group_of(item)
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))
