"""tests/conftest.py puts the workbook's global settings back after every test (the tests below run in order)."""

from __future__ import annotations

import folioviz
from folioviz.kernel import flags

SESSION_ERA = folioviz.default_era().id
SESSION_PRESENTER = folioviz.presenter_mode()


def test_a_test_may_change_the_settings_and_fill_a_default_keyed_cache():
    folioviz.set_default_era("latest" if SESSION_ERA != "v6.17+" else "5.10")
    folioviz.presenter_mode(not SESSION_PRESENTER)
    flags.table_choice()  # cached under kernel=None, which means "the default now"
    assert flags.table_choice.cache_info().currsize > 0


def test_the_next_test_finds_them_as_the_session_did():
    assert folioviz.default_era().id == SESSION_ERA
    assert folioviz.presenter_mode() is SESSION_PRESENTER
    assert flags.table_choice.cache_info().currsize == 0
