"""tests/conftest.py puts the workbook's global settings back after every test (the tests below run in order)."""

# xdist: one worker (the tests run in their order)

from __future__ import annotations

import functools
import sys
import types

import folioviz

SESSION_ERA = folioviz.default_era().id
SESSION_PRESENTER = folioviz.presenter_mode()
PROBE = "folioviz._conftest_probe"  # a stand-in module with a cache keyed on "the default now"


def _probe_module() -> types.ModuleType:
    def era_table(kernel: str | None = None) -> str:
        return kernel or folioviz.default_era().id

    era_table.__module__ = PROBE
    module = types.ModuleType(PROBE)
    module.era_table = functools.cache(era_table)  # type: ignore[attr-defined]
    return module


def test_a_test_may_change_the_settings_and_fill_a_default_keyed_cache():
    folioviz.set_default_era("latest" if SESSION_ERA != "v6.17+" else "5.10")
    folioviz.presenter_mode(not SESSION_PRESENTER)
    sys.modules[PROBE] = probe = _probe_module()
    assert probe.era_table() != SESSION_ERA  # cached under kernel=None, which means "the default now"
    assert probe.era_table.cache_info().currsize == 1


def test_the_next_test_finds_them_as_the_session_did():
    assert folioviz.default_era().id == SESSION_ERA
    assert folioviz.presenter_mode() is SESSION_PRESENTER
    probe = sys.modules.pop(PROBE)
    assert probe.era_table.cache_info().currsize == 0
    assert probe.era_table() == SESSION_ERA
