"""Notebook 04's views: the survey explorer filters the model's rows; the charts count them."""

from __future__ import annotations

import pytest

from folioviz.kernel.survey import RELEASES, implementations, old_school, survey
from folioviz.render.survey import survey_figure, survey_table_html
from folioviz.widgets.survey import SurveyExplorer


def test_explorer_filters_and_the_table_follows():
    explorer = SurveyExplorer()
    assert len(explorer.rows) == len(survey("v7.2.8"))
    assert explorer.filter(convention="old-school") == len(old_school("v7.2.8")) == 1
    assert "kernfs_vma_page_mkwrite" in explorer._table.value
    assert explorer.filter(release="v6.1.4", convention="old-school") == 2
    assert "perf_mmap_fault" in explorer._table.value and "stands in for v6.4" in explorer._count.value
    assert explorer.filter(release="v6.1.4", search="9p") == 1
    assert explorer.filter(release="v7.2.8", helper="netfs") >= 3
    with pytest.raises(ValueError, match="release must be one of"):
        SurveyExplorer("v6.4")


def test_charts_count_registered_handlers_per_release():
    for by in ("convention", "helper"):
        fig = survey_figure(by)
        assert [t.name for t in fig.data] == list(RELEASES)
        for trace in fig.data:
            assert sum(trace.y) == len(implementations(trace.name))
            assert [int(v) for v in trace.text] == list(trace.y)  # each bar carries its number, not only a colour
    assert {t.marker.pattern.shape for t in survey_figure().data} == {"", "/"}
    with pytest.raises(ValueError, match="convention' or 'helper"):
        survey_figure("colour")


def test_table_links_every_row_to_its_line():
    html = survey_table_html(survey("v7.2.8"))
    assert html.count("https://elixir.bootlin.com/linux/v7.2.8/source/") == len(survey("v7.2.8"))
