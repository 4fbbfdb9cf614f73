"""Every public entry, fuzzed with wrong types and extreme values: a FolioVizError (or a message the widget shows),
never another exception.

Covered: the functions of ``folioviz.__all__``; the kernel model's entries that take what a learner types (words,
eras, kernels, pastes, scenarios' operations, sources); the figure factory named by scenario; each CLI subcommand
with random arguments; and every public trait of the widgets. Functions that take the model's own records
(``folio_mapping(folio)``) are fuzzed through ``decode``, which builds those records.
"""

from __future__ import annotations

import contextlib
import io
import math
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import folioviz
from folioviz import kernel as model
from folioviz.cli import main
from folioviz.kernel.errors import FolioVizError
from folioviz.kernel.paste import parse_paste

FUZZ = settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])

ANYTHING = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.sampled_from([0, -1, 2**63, 2**64, 2**64 - 1, 2**31, -(2**63)]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([math.nan, math.inf, -math.inf, 1e308]),
    st.text(max_size=40),
    st.sampled_from(["", "-", "\x00", "0x", "0x" + "f" * 40, "9" * 400, "latest", "email", "truncation", "\u202e"]),
    st.binary(max_size=20),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.tuples(st.text(max_size=3)),
    st.builds(object),
)


def _only_ours(call, *args, **kwargs) -> None:
    with contextlib.suppress(FolioVizError):
        call(*args, **kwargs)


TOP_LEVEL = {
    "decode": lambda v: folioviz.decode(v),
    "decode-era": lambda v: folioviz.decode("0x1", v),
    "get_era": lambda v: folioviz.get_era(v),
    "set_default_era": lambda v: folioviz.set_default_era(v),
    "presenter_mode": lambda v: folioviz.presenter_mode(v),
    "browser_note": lambda v: folioviz.browser_note(v),
}
MODEL = {
    "parse_word": lambda v: model.parse_word(v),
    "parse_word-bits": lambda v: model.parse_word("0x1", word_bits=v),
    "decode-slab": lambda v: model.decode("0x1", slab=v),
    "decode-bits": lambda v: model.decode("0x1", word_bits=v),
    "parse_kernel": lambda v: model.parse_kernel(v),
    "parse_paste": lambda v: parse_paste(v),
    "get_kernel": lambda v: model.get_kernel(v),
    "compose_scenario": lambda v: model.compose_scenario(v),
    "compose_scenario-op": lambda v: model.compose_scenario([v]),
    "compose_scenario-start": lambda v: model.compose_scenario(["lookup thread A"], start=v),
    "compose_scenario-pages": lambda v: model.compose_scenario(["lookup thread A"], nr_pages=v),
    "format_word": lambda v: model.format_word(v),
    "source_ref": lambda v: model.source_ref(v, v),
    "lore_url": lambda v: model.lore_url(v),
}


@pytest.mark.parametrize("entry", sorted(TOP_LEVEL))
@FUZZ
@given(value=ANYTHING)
def test_top_level_functions(entry, value):
    _only_ours(TOP_LEVEL[entry], value)


@pytest.mark.parametrize("entry", sorted(MODEL))
@FUZZ
@given(value=ANYTHING)
def test_model_entries(entry, value):
    _only_ours(MODEL[entry], value)


@FUZZ
@given(value=ANYTHING)
def test_refcount_figure(value):
    from folioviz.render.pagecache_figure import refcount_figure

    _only_ours(refcount_figure, value)


def test_named_cases():
    from folioviz.render.pagecache_figure import refcount_figure

    assert refcount_figure("truncation").data  # a scenario's name is taken
    with pytest.raises(FolioVizError):
        model.compose_scenario(None)
    _cli(["decode", "0x1", "-"], expect=2)


# ------------------------------------------------------------------------------------------------- CLI

ARG = st.one_of(
    st.sampled_from(["decode", "eras", "-", "--json", "--kernel", "--slab", "--swapcache", "--movable-ops", "--32bit"]),
    st.sampled_from(["0x1", "0xffff888003a1c002", "-1", "0x" + "f" * 30, "latest", "6.4", "99.99", "", "--", "-h"]),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12),
)


def _cli(argv: list[str], expect: int | None = None) -> int:
    out, err = io.StringIO(), io.StringIO()
    stdin = io.TextIOWrapper(io.BytesIO(b"mapping = 0x1\n"))
    old = sys.stdout, sys.stderr, sys.stdin
    sys.stdout, sys.stderr, sys.stdin = out, err, stdin
    try:
        try:
            code = main(argv)
        except SystemExit as stop:  # argparse: usage errors (2) and --help (0)
            code = stop.code if isinstance(stop.code, int) else 2
    finally:
        sys.stdout, sys.stderr, sys.stdin = old
    assert "Traceback" not in err.getvalue()
    assert code in (0, 2), (argv, code, err.getvalue())
    if code:
        assert err.getvalue().strip(), f"{argv}: status {code} with no message"
    if expect is not None:
        assert code == expect, err.getvalue()
    return code


@FUZZ
@given(argv=st.lists(ARG, max_size=6))
def test_cli_subcommands(argv):
    _cli(argv)


@FUZZ
@given(argv=st.lists(ARG, max_size=5))
def test_cli_decode(argv):
    _cli(["decode", *argv])


# ------------------------------------------------------------------------------------------- widget traits


def _widgets():
    from folioviz import MappingWordWidget
    from folioviz.widgets.mkwrite import MkwriteSideBySide, MkwriteWidget
    from folioviz.widgets.races import RaceExplorer

    return {
        "MappingWordWidget": MappingWordWidget,
        "MkwriteWidget": MkwriteWidget,
        "MkwriteSideBySide": MkwriteSideBySide,
        "RaceExplorer": RaceExplorer,
    }


def _public_traits(widget) -> list[str]:
    import ipywidgets

    base = set(ipywidgets.DOMWidget.class_trait_names()) | set(ipywidgets.VBox.class_trait_names())
    return sorted(n for n in widget.trait_names() if n not in base and not n.startswith("_"))


@pytest.mark.parametrize("name", ["MappingWordWidget", "MkwriteWidget", "MkwriteSideBySide", "RaceExplorer"])
@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_widget_traits(name, data):
    from traitlets import TraitError

    widget = _widgets()[name]()
    traits = _public_traits(widget)
    assert traits, name
    trait = data.draw(st.sampled_from(traits))
    value = data.draw(ANYTHING)
    before = getattr(widget, trait)
    try:
        setattr(widget, trait, value)
    except (FolioVizError, TraitError):
        assert getattr(widget, trait) == before or before != before  # refused: the old value is kept
    with contextlib.suppress(AttributeError):
        widget.close()


@settings(max_examples=30, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(value=ANYTHING)
def test_stepper_step(value):
    from traitlets import TraitError

    from folioviz.widgets.pagecache import PageCacheWidget

    widget = PageCacheWidget()
    before = widget.stepper.step
    with contextlib.suppress(FolioVizError, TraitError):
        widget.stepper.step = value
        assert not isinstance(value, bool), "a bool was taken as a step"
    if isinstance(value, bool):
        assert widget.stepper.step == before
    _only_ours(widget.compose, value)
