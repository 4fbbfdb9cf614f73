"""Notebook 05's views: the timeline shows every event; the explorer switches widgets to each era."""

from __future__ import annotations

import pytest

from folioviz.kernel.errors import FolioVizError
from folioviz.kernel.mkwrite import mkwrite_history
from folioviz.render.history import event_era, history_figure
from folioviz.widgets.history import HistoryExplorer


def test_timeline_has_every_event_and_the_hazard_window():
    events = mkwrite_history()
    fig = history_figure()
    assert sum(len(trace.x) for trace in fig.data) == len(events)
    labels = " ".join(a.text for a in fig.layout.annotations)
    assert "v6.0" in labels and "v6.17" in labels and "the email" in labels
    ids = [e.id for e in events]
    band = next(s for s in fig.layout.shapes if s.fillcolor)
    assert band.x0 < ids.index("movable-operations-6.0") < ids.index("folio-conversion-6.6") < band.x1
    assert band.x1 < ids.index("movable-flag-6.17")
    assert "≈v6.18" in labels  # an unverified release is marked


@pytest.mark.parametrize(
    ("event_id", "era_id", "livelock_under_folio_mapping"),
    [
        ("movable-operations-6.0", "v6.0-v6.16", True),
        ("email-2023", "v6.0-v6.16", True),
        ("swapfile-2019", "pre-v6.0", False),
        ("movable-flag-6.17", "v6.17+", False),
    ],
)
def test_explorer_switches_the_widgets_to_the_events_era(event_id, era_id, livelock_under_folio_mapping):
    explorer = HistoryExplorer()
    explorer._picker.value = event_id
    assert explorer.word_widget.era == era_id
    assert (explorer._livelock.value.count("LIVELOCK") == 1) is livelock_under_folio_mapping
    assert explorer.event.id == event_id


def test_v6_17_shows_the_page_flag_not_the_word():
    explorer = HistoryExplorer("movable-flag-6.17")
    assert explorer.word_widget.result.folio.movable_ops is True
    assert "no such page" in explorer._livelock.value
    explorer.show("movable-operations-6.0")  # and back: the flag goes, the tagged word returns
    assert explorer.word_widget.result.folio.movable_ops is False
    assert explorer.word_widget.result.tag == 2


def test_events_older_than_the_models_say_so():
    era, note = event_era(next(e for e in mkwrite_history() if e.id == "recheck-2007"))
    assert era.id == "pre-v6.0" and "older than folioviz models" in note


def test_unknown_event_is_refused():
    with pytest.raises(FolioVizError, match="unknown event"):
        HistoryExplorer("nope")
