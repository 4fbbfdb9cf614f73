"""The one widget input protocol (folioviz.widgets.base.InputProtocol): observers and linked widgets only
ever see states the model accepts, a refused input leaves no trace, and the model runs once per change.

Each test drives a widget with a Hypothesis-generated sequence of inputs (update(), clicks, pastes, the
controls, direct trait writes, good and refused) and checks, at every trait notification, that the whole
state the observer can read is one the model decodes.
"""

from __future__ import annotations

import ipywidgets as w
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from traitlets import TraitError

from folioviz.kernel import FolioVizError, decode, eras

FILE_WORD = 0xFFFF888003A1C000
ERA_IDS = [e.id for e in eras()]
WORD_INPUTS = ("word", "era", "slab", "swapcache", "movable_ops")
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --------------------------------------------------------------------------- MappingWordWidget


def word_state(widget):
    return tuple(getattr(widget, name) for name in WORD_INPUTS)


def check_word_state(widget, where):
    """The state an observer reads: the model decodes it, and the widget's views show that decode."""
    word, era, slab, swapcache, movable_ops = word_state(widget)
    try:
        decoded = decode(word, era, slab=slab, swapcache=swapcache, movable_ops=movable_ops)
    except FolioVizError as error:  # pragma: no cover - the failure this file guards against
        raise AssertionError(f"{where} saw a state no kernel has: {word_state(widget)}: {error}") from error
    result = widget.result
    assert (result.word, result.era.id, result.folio.slab, result.folio.swapcache, result.folio.movable_ops) == (
        word,
        era,
        slab,
        swapcache,
        movable_ops,
    ), f"{where}: the decode shown is not the traits' state"
    assert result.kind is decoded.kind
    assert widget._text.value == result.word_text and widget._era_picker.value == era
    assert (widget._slab.value, widget._swapcache.value, widget._movable_ops.value) == (slab, swapcache, movable_ops)


words = st.sampled_from([FILE_WORD, FILE_WORD | 1, FILE_WORD | 2, FILE_WORD | 3, 0, 1, 2, 3, 1 << 63, (1 << 64) - 1])
era_values = st.sampled_from([*ERA_IDS, "6.4", "6.17", "5.10", "latest", "linux"])
flags = st.booleans()

word_ops = st.one_of(
    st.tuples(
        st.just("update"),
        st.fixed_dictionaries(
            {},
            optional={"word": words, "era": era_values, "slab": flags, "swapcache": flags, "movable_ops": flags},
        ),
    ),
    st.tuples(st.just("toggle"), st.integers(0, 63)),
    st.tuples(
        st.just("paste"),
        st.sampled_from(
            [
                "0xffff888003a1c001",
                "ffff888003a1c003",
                "(struct address_space *)0xffff888003a1c002",
                "0",
                "0xnot-a-word",
                "0x1ffffffffffffffff",
            ]
        ),
    ),
    st.tuples(st.just("set"), st.sampled_from(["word"]), words),
    st.tuples(st.just("set"), st.just("era"), era_values),
    st.tuples(st.just("set"), st.sampled_from(["slab", "swapcache", "movable_ops"]), flags),
    st.tuples(st.just("control"), st.sampled_from(["_slab", "_swapcache", "_movable_ops"]), flags),
    st.tuples(st.just("control"), st.just("_era_picker"), st.sampled_from(ERA_IDS)),
    st.tuples(st.just("control"), st.just("_bits"), words),
)


def do_word_op(widget, op):
    """Apply one input; returns False when it was refused (shown, raised or returned)."""
    kind = op[0]
    try:
        if kind == "update":
            return widget.update(**op[1])
        if kind == "toggle":
            widget.toggle_bit(op[1])
        elif kind == "paste":
            return widget.paste(op[1])
        elif kind == "set":
            setattr(widget, op[1], op[2])
        elif op[1] == "_bits":
            widget._bits.word = f"0x{op[2]:016x}"
            return not widget.error
        else:
            getattr(widget, op[1]).value = op[2]
            return not widget.error
    except (FolioVizError, TraitError):
        return False
    return True


@SETTINGS
@given(st.lists(st.tuples(st.sampled_from(["a", "b"]), word_ops), max_size=14))
def test_observers_and_linked_widgets_see_only_states_the_model_decodes(ops):
    from folioviz.widgets import MappingWordWidget

    a, b = MappingWordWidget(FILE_WORD), MappingWordWidget(0, era="6.17", movable_ops=True)
    c = MappingWordWidget(0)  # joined one way, on the word and the era only; its flags stay off
    links = [w.link((a, name), (b, name)) for name in WORD_INPUTS]
    links += [w.dlink((a, name), (c, name)) for name in ("word", "era")]
    seen = []
    for widget, label in ((a, "a"), (b, "b"), (c, "c")):

        def look(change, widget=widget, label=label):
            seen.append(label)
            check_word_state(widget, f"an observer of {label} ({change['name']})")

        widget.observe(look, names=list(WORD_INPUTS))
    for widget in (a, b, c):
        check_word_state(widget, "the linked widget")
    for who, op in ops:
        target = a if who == "a" else b
        before = word_state(a)
        applied = do_word_op(target, op)
        for widget in (a, b, c):
            check_word_state(widget, f"after {who}:{op}")
        assert word_state(a) == word_state(b), f"the link let {op} apart"
        assert (c.word, c.era) == (a.word, a.era)
        if not applied:
            assert word_state(a) == before, f"a refused {op} changed the state"
            assert target.error
            assert 'role="alert"' in target._error_box.value
        elif word_state(a) != before:
            assert target.error == ""
    for link in links:
        link.unlink()


def test_update_of_era_word_and_flag_together_is_seen_only_whole():
    """The case the issue names: an observer never sees word=0 with the era before v6.17 first."""
    from folioviz.widgets import MappingWordWidget

    a, b = MappingWordWidget(FILE_WORD, era="6.4"), MappingWordWidget(FILE_WORD, era="6.4")
    link = [w.link((a, name), (b, name)) for name in WORD_INPUTS]
    seen_a, seen_b = [], []
    a.observe(lambda change: seen_a.append(word_state(a)), names=list(WORD_INPUTS))
    b.observe(lambda change: seen_b.append(word_state(b)), names=list(WORD_INPUTS))
    assert a.update(era="6.17", word=0, movable_ops=True) is True
    assert set(seen_a) == {(0, "v6.17+", False, False, True)}  # three notifications, one state
    # b is copied one trait at a time: the era, the word, then the flag; each state is one the model decodes
    assert seen_b == [
        (FILE_WORD, "v6.17+", False, False, False),
        (0, "v6.17+", False, False, False),
        (0, "v6.17+", False, False, True),
    ]
    seen_a.clear()
    assert a.update(era="6.4", word=FILE_WORD | 2) is True  # the flag goes with the era, and before it
    assert set(seen_a) == {(FILE_WORD | 2, "v6.0-v6.16", False, False, False)}
    assert word_state(b) == word_state(a)
    for one in link:
        one.unlink()


def test_a_swap_cache_folio_moves_between_eras_through_a_link():
    """Word and era change together while the folio stays in the swap cache: the link copies them in the
    one order the model accepts one at a time (v6.17+ has no movable tag; v6.0-v6.16 refuses 0b10 there)."""
    from folioviz.widgets import MappingWordWidget

    a = MappingWordWidget(FILE_WORD | 2, era="6.17", swapcache=True)
    b = MappingWordWidget(0)
    links = [w.link((a, name), (b, name)) for name in WORD_INPUTS]
    assert a.update(era="6.4", word=FILE_WORD | 1) is True
    assert word_state(b) == word_state(a) == (FILE_WORD | 1, "v6.0-v6.16", False, True, False)
    assert a.update(era="6.17", word=FILE_WORD | 2) is True
    assert word_state(b) == word_state(a) == (FILE_WORD | 2, "v6.17+", False, True, False)
    for link in links:
        link.unlink()


@SETTINGS
@given(ops=st.lists(word_ops, min_size=1, max_size=10))
def test_the_model_runs_once_per_change(ops):
    import folioviz.widgets.mapping_word as mapping_word
    from folioviz.widgets import MappingWordWidget

    with pytest.MonkeyPatch.context() as patch:
        calls = {"make_folio": 0, "decode_folio": 0}
        for name in calls:
            real = getattr(mapping_word, name)

            def counted(*args, _real=real, _name=name, **kwargs):
                calls[_name] += 1
                return _real(*args, **kwargs)

            patch.setattr(mapping_word, name, counted)
        widget = MappingWordWidget(FILE_WORD)
        assert calls == {"make_folio": 1, "decode_folio": 1}
        for op in ops:
            calls.update(make_folio=0, decode_folio=0)
            before = word_state(widget)
            do_word_op(widget, op)
            assert calls["make_folio"] <= 1 and calls["decode_folio"] <= 1, f"{op}: {calls}"
            if word_state(widget) != before:
                assert calls == {"make_folio": 1, "decode_folio": 1}, f"{op}: {calls}"


def test_a_refusal_is_reported_the_same_way_by_every_entry():
    from folioviz.widgets import MappingWordWidget

    widget = MappingWordWidget(FILE_WORD, slab=True)
    assert widget.update(swapcache=True) is False and "swap cache" in widget.error
    with pytest.raises(FolioVizError, match="swap cache"):
        widget.update(swapcache=True, raise_errors=True)
    with pytest.raises(FolioVizError, match="swap cache"):
        widget.swapcache = True
    widget._swapcache.value = True  # the check box: shown, and put back
    assert widget._swapcache.value is False and "swap cache" in widget.error
    assert widget.paste("0xnot-a-word") is False and widget._text.value == "0xffff888003a1c000"
    assert word_state(widget) == (FILE_WORD, "v6.0-v6.16", True, False, False)
