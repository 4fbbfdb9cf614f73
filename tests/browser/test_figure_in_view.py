"""Plotly figures after Run All: drawn, with all their traces, once scrolled into view (issue 22).

folioviz's lab extension (folioviz/_jupyter/labextensions/folioviz-lazy-figures) lets jupyterlab-plotly draw a
figure only when it comes near the view, so Run All does not pay for figures the reader has scrolled past or not
reached. A figure Run All scrolled past may therefore still be undrawn; once the reader scrolls to it, it must be
drawn with every trace of the committed figure, in JupyterLab and in Notebook 7, and its animation still plays.
"""

from __future__ import annotations

import json
import re

import pytest
from conftest import REPO_ROOT, split_known_errors
from playwright.sync_api import expect

PLOTLY_MIME = "application/vnd.plotly.v1+json"
# Run All scrolls past both refcount figures of notebook 02 (the notebook follows the running cell).
NOTEBOOK = "02_page_cache_refcounts.ipynb"


def _committed_traces(name: str) -> list[int]:
    notebook = json.loads((REPO_ROOT / "notebooks" / name).read_text())
    outputs = (out for cell in notebook["cells"] for out in cell.get("outputs", []))
    return [len(out["data"][PLOTLY_MIME]["data"]) for out in outputs if PLOTLY_MIME in out.get("data", {})]


@pytest.mark.parametrize("frontend", ["lab", "notebook7"])
def test_figure_is_drawn_once_scrolled_into_view(frontend, lab_server, page, page_log, run_all, run_all_nb7):
    traces = _committed_traces(NOTEBOOK)
    (run_all if frontend == "lab" else run_all_nb7)(page, NOTEBOOK)
    plots = page.locator(".jp-NotebookPanel .jp-RenderedPlotly")
    expect(plots).to_have_count(len(traces))
    for index, count in enumerate(traces):
        plot = plots.nth(index)
        wrapped = "folioviz-lazy-figures did not wrap jupyterlab-plotly's renderer"
        expect(plot, wrapped).to_have_class(re.compile(r"\bfv-lazy-figure\b"))
        state = plot.get_attribute("data-fv-lazy")
        print(f"[figure-in-view] {frontend}: figure {index} of {NOTEBOOK} after Run All: {state}")
        plot.scroll_into_view_if_needed()
        expect(plot.locator(".main-svg").first).to_be_visible(timeout=30_000)  # a busy machine draws late
        traces_drawn = plot.locator(".main-svg .cartesianlayer .trace")
        expect(traces_drawn, f"figure {index} is not drawn with its traces").to_have_count(count, timeout=15_000)
    unexplained, _known = split_known_errors(page_log, lab_server)  # Notebook 7's own known errors aside
    assert not unexplained, unexplained
