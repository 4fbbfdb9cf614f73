"""Public widget state: traits with help, views that follow them, ipywidgets.link, few widget models."""

from __future__ import annotations

import ipywidgets as w
import pytest
from ipywidgets.widgets import widget as widget_module
from traitlets import TraitError

from folioviz.kernel import FolioVizError, MappingKind
from folioviz.widgets import MappingWordWidget

FILE_WORD = 0xFFFF888003A1C000


def models_made_by(make):
    """How many widget models ``make()`` really creates (ipywidgets' registry of live models)."""
    before = set(widget_module._instances)
    made = make()
    return made, len(set(widget_module._instances) - before)


@pytest.mark.parametrize("kwargs", [{}, {"word_bits": 32, "word": 0xC0000000}, {"slab": True}, {"presenter": True}])
def test_a_mapping_word_widget_is_at_most_20_models(kwargs):
    widget, count = models_made_by(lambda: MappingWordWidget(**kwargs))
    assert count <= 20, f"MappingWordWidget({kwargs}) made {count} widget models"
    # and a click makes no new ones
    _, more = models_made_by(lambda: widget.toggle_bit(0))
    assert more == 0


def test_every_public_trait_has_help():
    widget = MappingWordWidget()
    for name in ("word", "era", "slab", "swapcache", "movable_ops"):
        trait = widget.traits()[name]
        assert trait.help, f"MappingWordWidget.{name} has no help"


def test_setting_word_updates_every_view():
    widget = MappingWordWidget(FILE_WORD)
    widget.word = FILE_WORD | 3
    assert widget.result.kind is MappingKind.KSM
    assert 'data-kind="KSM"' in widget._kind.value
    assert "struct ksm_stable_node" in widget._diagram.value
    assert "folio_test_ksm" in widget._table.value
    assert widget._text.value == "0xffff888003a1c003"
    assert widget._bits.word == "0xffff888003a1c003"


def test_setting_era_and_flags_updates_the_views_and_controls():
    widget = MappingWordWidget(FILE_WORD | 2, era="6.4")
    widget.era = "6.17"
    assert widget.era == "v6.17+" and widget._era_picker.value == "v6.17+"
    assert widget.result.kind is MappingKind.INVALID
    widget.era = "v6.0-v6.16"
    widget.word = FILE_WORD
    widget.slab = True
    assert widget._slab.value is True and widget.result.kind is MappingKind.SLAB
    assert widget._bits.roles == ["slab data"] * 64


def test_controls_and_clicks_set_the_traits_and_observers_see_them():
    widget = MappingWordWidget(FILE_WORD)
    seen: list[tuple[str, object]] = []
    widget.observe(lambda change: seen.append((change["name"], change["new"])), names=["word", "era", "swapcache"])
    widget._bits.word = "0xffff888003a1c001"  # a click on bit 0 in the browser
    widget._era_picker.value = "v6.17+"
    widget._swapcache.value = True
    assert seen == [("word", FILE_WORD | 1), ("era", "v6.17+"), ("swapcache", True)]


def test_a_bad_trait_value_is_shown_raised_and_not_kept():
    widget = MappingWordWidget(FILE_WORD, slab=True)
    with pytest.raises(FolioVizError, match="slab and in the swap cache"):
        widget.swapcache = True
    assert widget.swapcache is False and "slab and in the swap cache" in widget.error
    assert 'role="alert"' in widget._error_box.value
    with pytest.raises(FolioVizError, match="unknown kernel era"):
        widget.era = "linux"
    assert widget.era == "v6.0-v6.16"
    with pytest.raises(FolioVizError, match="does not fit"):
        widget.word = 1 << 64
    with pytest.raises(TraitError):
        widget.word = "0x1"  # a string goes through paste()
    assert widget.word == FILE_WORD
    widget.slab = False
    assert widget.error == ""


def test_link_keeps_two_widgets_equal():
    a, b = MappingWordWidget(FILE_WORD), MappingWordWidget(0)
    links = [w.link((a, name), (b, name)) for name in ("word", "era", "slab", "swapcache", "movable_ops")]
    assert b.word == FILE_WORD  # link copies the source at once
    a.toggle_bit(0)
    assert b.word == a.word == FILE_WORD | 1 and b.result.kind is MappingKind.ANON
    b._bits.word = "0xffff888003a1c003"  # a click in the second widget
    assert a.word == FILE_WORD | 3 and a._bits.word == "0xffff888003a1c003"
    a.era = "6.17"
    assert b.era == "v6.17+" and b._era_picker.value == "v6.17+"
    b.word, b.movable_ops = 0, True
    assert a.movable_ops is True and a.result.kind is MappingKind.MOVABLE
    a.era = "6.4"  # the flag does not exist before v6.17: both drop it
    assert a.movable_ops is b.movable_ops is False
    assert (a.word, a.era, a.slab, a.swapcache) == (b.word, b.era, b.slab, b.swapcache)
    for link in links:
        link.unlink()


def _public_traits(widget, names):
    for name in names:
        trait = widget.traits()[name]
        assert trait.help, f"{type(widget).__name__}.{name} has no help"


def test_the_steppers_step_is_a_trait():
    from folioviz.widgets import PageCacheWidget

    widget = PageCacheWidget("truncation")
    stepper = widget.stepper
    _public_traits(stepper, ["step"])
    seen = []
    stepper.observe(lambda change: seen.append(change["new"]), names="step")
    stepper.step = 2
    assert seen == [2] and stepper._slider.value == 2 and widget.step is stepper.current
    assert "step 2 of" in stepper._caption.value
    with pytest.raises(FolioVizError, match="out of range"):
        stepper.step = 999
    assert stepper.step == 2


def test_mkwrite_choices_are_traits():
    from folioviz.kernel.mkwrite import Outcome
    from folioviz.widgets import MkwriteSideBySide, MkwriteWidget

    widget = MkwriteWidget(handler="old-school", folio="truncated")
    _public_traits(widget, ["handler", "folio", "check", "kernel", "caller", "swapfile", "debug_vm", "view"])
    assert (widget.handler, widget.folio, widget.check, widget.truncated_beyond_eof) == (
        "old-school",
        "truncated",
        "folio->mapping",
        True,
    )
    widget.check = "folio_mapping()"
    assert widget.inputs.check == "folio_mapping()" and widget._controls.check.value == "folio_mapping()"
    assert widget.run.inputs.check == "folio_mapping()" and widget.run.outcome is Outcome.RETRY_THEN_SIGBUS
    widget._controls.check.value = "folio->mapping"  # a click sets the trait
    assert widget.check == "folio->mapping"
    widget.folio = "present"
    assert widget.truncated_beyond_eof is None and widget.error == ""
    widget.view = "loop"
    assert widget._view_picker.value == "loop"
    with pytest.raises(FolioVizError):
        widget.handler = "nonsense"
    assert widget.handler == "old-school" and "nonsense" in widget.error

    left, right = MkwriteSideBySide(), MkwriteSideBySide()
    link = w.link((left, "folio"), (right, "folio"))
    left.folio = "truncated"
    assert right.runs[0].inputs.folio == "truncated" and right._controls.folio.value == "truncated"
    link.unlink()


def test_race_choices_are_traits():
    from folioviz.widgets import RaceExplorer

    widget = RaceExplorer()
    _public_traits(widget, ["variant", "handler", "folio", "kernel", "threads", "outcome"])
    seen = []
    widget.observe(lambda change: seen.append(change["name"]), names=["variant", "threads"])
    widget.variant = "no-lock"
    widget.threads = (2, 0)
    assert seen == ["variant", "threads"]
    assert widget._variant.value == "no-lock" and widget._threads.value == (2, 0)
    assert widget.model.faults == 2 and widget.outcome in widget.exploration.outcome_set
    widget._kernel.value = "6.17"  # the menu sets the trait
    assert widget.kernel == "6.17"
    with pytest.raises(FolioVizError, match="movable"):
        widget.folio = "driver"
    assert widget.folio == "file" and widget.error
