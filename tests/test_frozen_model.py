"""What the model caches for the whole process cannot be changed by a caller: eras, kernels, flag tables,
the data behind them; and no cache answers for "the default era now"."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import pytest

from folioviz.kernel import ContradictoryFolioError, decode, decode_folio, get_era, get_kernel, make_folio
from folioviz.kernel.flags import build_releases, build_table, table_choice
from folioviz.kernel.mapping import Folio
from folioviz.kernel.mkwrite.branches import PATHS
from folioviz.kernel.paste import flag_table
from folioviz.kernel.versions import eras, set_default_era


@pytest.mark.parametrize("era", [e.id for e in eras()])
def test_an_era_cannot_be_changed(era: str):
    chosen = get_era(era)
    for name in ("constants", "kernel_names", "bare_words"):
        table = getattr(chosen, name)
        assert isinstance(table, Mapping)
        with pytest.raises(TypeError):
            table["PAGE_MAPPING_ANON"] = 2
    with pytest.raises(dataclasses.FrozenInstanceError):
        chosen.constants = {}  # type: ignore[misc]
    assert get_era(era).ANON == 1


def test_an_era_built_by_hand_is_read_only_too():
    email = get_era("email")
    copy = dataclasses.replace(email, constants=dict(email.constants), kernel_names={"a": "b"})
    with pytest.raises(TypeError):
        copy.constants["PAGE_MAPPING_ANON"] = 2  # type: ignore[index]
    with pytest.raises(TypeError):
        copy.kernel_names["a"] = "c"  # type: ignore[index]


def test_the_email_example_survives_an_attempted_corruption():
    with pytest.raises(TypeError):
        get_era("6.4").constants["PAGE_MAPPING_ANON"] = 2  # type: ignore[index]
    assert decode("0xffff888003a1c001", "6.4").kind.value == "anon"


def test_a_kernel_and_its_features_cannot_be_changed():
    kernel = get_kernel("6.4")
    with pytest.raises(dataclasses.FrozenInstanceError):
        kernel.version = (6, 17)  # type: ignore[misc]
    names = kernel.feature("kernel_names")
    with pytest.raises(TypeError):
        names["folio_try_get"] = "x"
    with pytest.raises(TypeError):
        kernel._span("mkwrite_release")["value"] = "v9.9"  # type: ignore[index]
    assert kernel.feature("mkwrite_release") == get_kernel("6.4").feature("mkwrite_release")


def test_flag_tables_and_path_tables_cannot_be_changed():
    table = build_table(next(iter(build_releases())))
    for name in ("bits", "aliases", "page_types", "config"):
        with pytest.raises(TypeError):
            getattr(table, name)["x"] = 1
    with pytest.raises(TypeError):
        build_releases()["9.9"] = "9.9"  # type: ignore[index]
    with pytest.raises(TypeError):
        PATHS["bug"] = ()  # type: ignore[index]


def test_flag_table_follows_the_default_era_when_none_is_given():
    email = flag_table()
    assert email.release == flag_table("email").release
    set_default_era("latest")
    assert flag_table().release == flag_table(get_era("latest")).release != email.release
    assert table_choice("default").table.release == flag_table().release
    set_default_era(None)
    assert flag_table().release == email.release


def test_a_folio_carries_the_era_it_was_checked_in():
    folio = make_folio(0, "6.17", movable_ops=True)
    assert folio.era == "v6.17+"
    assert decode_folio(folio, "6.17").kind.value == "movable"


def test_decode_folio_checks_a_folio_again_in_another_era():
    folio = make_folio(0, "6.17", movable_ops=True)
    with pytest.raises(ContradictoryFolioError) as refused:
        decode("0", "6.4", movable_ops=True)
    with pytest.raises(ContradictoryFolioError) as again:
        decode_folio(folio, "6.4")
    assert str(again.value) == str(refused.value)


def test_decode_folio_checks_a_folio_built_by_hand():
    with pytest.raises(ContradictoryFolioError, match="both slab and in the swap cache"):
        decode_folio(Folio(0, slab=True, swapcache=True), "6.4")
    assert decode_folio(Folio(0x1000), "6.4").kind.value == "file"


def test_the_models_menus_cannot_be_changed():
    from folioviz.kernel.mkwrite import inputs
    from folioviz.kernel.pagecache import COMPOSER_ALIASES, PAGECACHE_SCENARIOS
    from folioviz.kernel.race_model import FOLIOS, HANDLERS, VARIANT_ALIASES, VARIANTS
    from folioviz.kernel.survey import STANDS_IN_FOR

    tables = (VARIANTS, VARIANT_ALIASES, HANDLERS, FOLIOS, inputs.HANDLERS, inputs.FOLIO_STATES, inputs.CALLERS)
    for table in (*tables, STANDS_IN_FOR, COMPOSER_ALIASES, PAGECACHE_SCENARIOS):
        with pytest.raises(TypeError):
            table["new"] = "value"  # type: ignore[index]
