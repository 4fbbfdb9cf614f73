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
FEWER = settings(SETTINGS, max_examples=25)  # the race and mkwrite models are slower to explore

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
        before, before_c = word_state(a), (c.word, c.era)
        seen.clear()
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
        if word_state(a) != before:  # a change reaches the observers of both linked widgets
            assert {"a", "b"} <= set(seen), f"{who}:{op} changed the state but the observers saw only {seen}"
        if (c.word, c.era) != before_c:
            assert "c" in seen, f"{who}:{op} changed c's word or era but its observer never fired"
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


# --------------------------------------------------------------------------- RaceExplorer

RACE_INPUTS = ("variant", "handler", "folio", "kernel", "threads", "outcome")


def race_state(widget):
    return tuple(getattr(widget, name) for name in RACE_INPUTS)


def check_race_state(widget, where):
    """The traits an observer reads are one exploration the model accepts, and the one on screen."""
    from folioviz.kernel.races import RaceModel

    variant, handler, folio, kernel, threads, outcome = race_state(widget)
    try:
        model = RaceModel(variant, handler, folio, kernel, faults=threads[0], readers=threads[1])
    except FolioVizError as error:  # pragma: no cover - the failure this file guards against
        raise AssertionError(f"{where} saw a state the model refuses: {race_state(widget)}: {error}") from error
    assert widget.model == model, f"{where}: the exploration shown is not the traits'"
    assert outcome in widget.exploration.outcome_set and widget.replay.report.name == outcome
    assert widget.stepper.scenario is widget.replay.scenario
    assert (widget._variant.value, widget._handler.value, widget._folio.value, widget._kernel.value) == (
        variant,
        handler,
        folio,
        kernel,
    )
    assert widget._threads.value == threads and widget._outcome_picker.value == outcome


race_values = {
    "variant": st.sampled_from(["kernel", "no-lock", "check-before-lock", "no-check", "folio_mapping", "fast"]),
    "handler": st.sampled_from(["old-school", "modern", "clever"]),
    "folio": st.sampled_from(["file", "driver", "anon"]),
    "kernel": st.sampled_from(["5.10", "6.4", "6.6", "6.12", "6.17", "4.4"]),
    "threads": st.sampled_from([(1, 0), (2, 0), (1, 1), (3, 3)]),
    "outcome": st.sampled_from(["WRITE_OK", "RETRY", "MISSED", "WRITE_ON_TRUNCATED", "LIVELOCK", "BOOM"]),
}
race_ops = st.one_of(
    st.tuples(st.just("update"), st.fixed_dictionaries({}, optional=race_values)),
    *(st.tuples(st.just("set"), st.just(name), values) for name, values in race_values.items()),
    st.tuples(st.just("control"), st.just("_folio"), st.sampled_from(["file", "driver"])),
    st.tuples(st.just("control"), st.just("_kernel"), st.sampled_from(["5.10", "6.4", "6.17"])),
    st.tuples(st.just("control"), st.just("_variant"), st.sampled_from(["kernel", "no-lock", "no-check"])),
)


def do_op(widget, op):
    """Apply one input to any widget; returns False when it was refused."""
    try:
        if op[0] == "update":
            return widget.update(**op[1])
        if op[0] == "set":
            setattr(widget, op[1], op[2])
            return True
        getattr(widget, op[1]).value = op[2]
        return not widget.error
    except (FolioVizError, TraitError):
        return False


@FEWER
@given(st.lists(st.tuples(st.sampled_from(["a", "b"]), race_ops), max_size=8))
def test_race_explorer_observers_and_links_see_only_states_the_model_explores(ops):
    from folioviz.widgets import RaceExplorer

    a, b = RaceExplorer(kernel="6.4"), RaceExplorer(kernel="6.4", folio="driver", variant="no-lock")
    links = [w.link((a, name), (b, name)) for name in RACE_INPUTS]
    for widget, label in ((a, "a"), (b, "b")):
        widget.observe(
            lambda change, widget=widget, label=label: check_race_state(widget, f"an observer of {label}"),
            names=list(RACE_INPUTS),
        )
    for who, op in ops:
        target = a if who == "a" else b
        before = race_state(a)
        applied = do_op(target, op)
        for widget in (a, b):
            check_race_state(widget, f"after {who}:{op}")
        assert race_state(a) == race_state(b), f"the link let {op} apart"
        if not applied:
            assert race_state(a) == before and target.error and 'role="alert"' in target._error_box.value
        elif race_state(a) != before:
            assert target.error == ""
    for link in links:
        link.unlink()


@FEWER
@given(st.lists(race_ops, min_size=1, max_size=8))
def test_race_explorer_explores_once_per_change(ops):
    import folioviz.widgets.races as races
    from folioviz.widgets import RaceExplorer

    with pytest.MonkeyPatch.context() as patch:
        calls = []
        real = races.compare_variants
        patch.setattr(races, "compare_variants", lambda *args, **kwargs: calls.append(args) or real(*args, **kwargs))
        widget = RaceExplorer(kernel="6.4")
        assert len(calls) == 1
        for op in ops:
            calls.clear()
            do_op(widget, op)
            assert len(calls) <= 1, f"{op} explored {len(calls)} times"


# --------------------------------------------------------------------------- the mkwrite widgets

MKWRITE_INPUTS = ("handler", "folio", "check", "kernel", "caller", "swapfile", "truncated_beyond_eof", "debug_vm")


def check_mkwrite_state(widget, where):
    """The traits an observer reads are inputs the model accepts, and the ones on screen."""
    from folioviz.kernel.mkwrite import MkwriteInputs

    names = [n for n in MKWRITE_INPUTS if n in widget.trait_names()]
    values = {name: getattr(widget, name) for name in names}
    try:
        inputs = MkwriteInputs(**values)
    except FolioVizError as error:  # pragma: no cover - the failure this file guards against
        raise AssertionError(f"{where} saw inputs the model refuses: {values}: {error}") from error
    shown = widget.inputs
    assert all(getattr(shown, name) == getattr(inputs, name) for name in names), f"{where}: not the inputs shown"
    controls = widget._controls.read()
    assert all(controls[name] == values[name] for name in names if name != "truncated_beyond_eof")
    if hasattr(widget, "view"):  # MkwriteWidget: the run, the view and the scenario follow too
        assert widget.run.inputs == shown and widget._view_picker.value == widget.view
        assert widget.stepper.scenario is widget._shown.state.scenario


mkwrite_values = {
    "handler": st.sampled_from(["old-school", "modern", "error", "nonsense"]),
    "folio": st.sampled_from(["present", "truncated", "movable-tagged", "gone"]),
    "check": st.sampled_from(["folio->mapping", "folio_mapping()", "page->mapping"]),
    "kernel": st.sampled_from(["5.10", "6.4", "6.6", "6.12", "6.17", "2.6"]),
    "caller": st.sampled_from(["wp_page_shared", "do_shared_fault"]),
    "swapfile": st.booleans(),
    "truncated_beyond_eof": st.sampled_from([None, True, False]),
    "debug_vm": st.booleans(),
}
mkwrite_ops = st.one_of(
    st.tuples(st.just("update"), st.fixed_dictionaries({}, optional=mkwrite_values)),
    *(st.tuples(st.just("set"), st.just(name), values) for name, values in mkwrite_values.items()),
    st.tuples(st.just("set"), st.just("view"), st.sampled_from(["function", "loop", "sideways"])),
    st.tuples(st.just("control"), st.just("_view_picker"), st.sampled_from(["function", "loop"])),
)


def mkwrite_state(widget):
    return tuple(getattr(widget, name) for name in (*MKWRITE_INPUTS, "view"))


@FEWER
@given(st.lists(st.tuples(st.sampled_from(["a", "b"]), mkwrite_ops), max_size=10))
def test_mkwrite_observers_and_links_see_only_inputs_the_model_accepts(ops):
    from folioviz.widgets import MkwriteWidget

    a, b = MkwriteWidget(kernel="6.4"), MkwriteWidget(kernel="6.4", handler="old-school", folio="movable-tagged")
    links = [w.link((a, name), (b, name)) for name in (*MKWRITE_INPUTS, "view")]
    for widget, label in ((a, "a"), (b, "b")):
        widget.observe(
            lambda change, widget=widget, label=label: check_mkwrite_state(widget, f"an observer of {label}"),
            names=[*MKWRITE_INPUTS, "view"],
        )
    for who, op in ops:
        target = a if who == "a" else b
        before = mkwrite_state(a)
        applied = do_op(target, op)
        for widget in (a, b):
            check_mkwrite_state(widget, f"after {who}:{op}")
        assert mkwrite_state(a) == mkwrite_state(b), f"the link let {op} apart"
        if not applied:
            assert mkwrite_state(a) == before and target.error and 'role="alert"' in target._error_box.value
        elif mkwrite_state(a) != before:
            assert target.error == ""
    for link in links:
        link.unlink()


@FEWER
@given(st.lists(mkwrite_ops, min_size=1, max_size=8))
def test_mkwrite_runs_the_model_once_per_change(ops):
    import folioviz.widgets.mkwrite as mkwrite
    from folioviz.widgets import MkwriteWidget

    with pytest.MonkeyPatch.context() as patch:
        calls = []
        real = mkwrite.mkwrite_outcome
        patch.setattr(mkwrite, "mkwrite_outcome", lambda inputs: calls.append(inputs) or real(inputs))
        widget = MkwriteWidget(kernel="6.4")
        assert len(calls) == 1
        for op in ops:
            calls.clear()
            do_op(widget, op)
            assert len(calls) <= 1, f"{op} ran the model {len(calls)} times"


def test_the_side_by_side_widgets_link_and_refuse_like_the_others():
    from folioviz.widgets import MkwriteSideBySide

    left, right = MkwriteSideBySide(kernel="6.4"), MkwriteSideBySide(kernel="6.4")
    links = [w.link((left, name), (right, name)) for name in ("handler", "folio", "kernel", "swapfile")]
    seen = []
    right.observe(lambda change: seen.append(check_mkwrite_state(right, "right")), names=list(MKWRITE_INPUTS))
    assert left.update(handler="old-school", folio="movable-tagged") is True
    assert right.inputs.folio == "movable-tagged" and seen
    assert left.update(kernel="6.17", folio="present", swapfile=True) is True  # the folio turns first
    assert (right.inputs.kernel, right.inputs.folio, right.inputs.swapfile) == ("6.17", "present", True)
    assert left.update(folio="movable-tagged") is False and "6.17" in left.error
    with pytest.raises(FolioVizError, match=r"6\.17"):
        left.folio = "movable-tagged"
    assert left.folio == right.folio == "present"
    for link in links:
        link.unlink()


def test_writes_held_by_the_reader_are_planned_together():
    """Traits set inside the reader's own hold_trait_notifications() are one change, planned once."""
    from folioviz.widgets import MappingWordWidget

    widget = MappingWordWidget(0)
    seen = []
    widget.observe(lambda change: seen.append(word_state(widget)), names=list(WORD_INPUTS))
    with widget.hold_trait_notifications():
        widget.era = "6.17"
        widget.movable_ops = True  # refused on its own before v6.17; fine with the era beside it
    assert set(seen) == {(0, "v6.17+", False, False, True)} and widget.error == ""
    assert widget.result.folio.movable_ops and widget._movable_ops.value is True
