"""A figure far down a notebook, after Run All: drawn with all its traces once scrolled into view (issue 22).

Run All need not draw a figure the reader has not scrolled to yet (a front-end or folioviz may defer plotly's
first draw until the figure is in view), but once it is in view it must be drawn, with every trace of the
committed figure, and without the reader doing anything more than scrolling to it.
"""

from __future__ import annotations

import json

from conftest import REPO_ROOT
from playwright.sync_api import expect

PLOTLY_MIME = "application/vnd.plotly.v1+json"

# The first animation frame after the scroll that shows the figure's SVG; whether it was drawn before.
_DRAWN_BEFORE = "plot => plot.querySelector('.main-svg .cartesianlayer .trace') !== null"


def _committed_traces(name: str) -> list[int]:
    notebook = json.loads((REPO_ROOT / "notebooks" / name).read_text())
    outputs = (out for cell in notebook["cells"] for out in cell.get("outputs", []))
    return [len(out["data"][PLOTLY_MIME]["data"]) for out in outputs if PLOTLY_MIME in out.get("data", {})]


def test_far_down_figure_is_drawn_once_scrolled_into_view(page, page_log, run_all):
    name = "demo_10_minutes.ipynb"
    traces = _committed_traces(name)
    run_all(page, name)
    plots = page.locator(".jp-NotebookPanel .jp-RenderedPlotly")
    expect(plots).to_have_count(len(traces))
    last = plots.last
    drawn_before = last.evaluate(_DRAWN_BEFORE)
    print(f"[figure-in-view] the last figure of {name} was {'already' if drawn_before else 'not yet'} drawn")
    last.scroll_into_view_if_needed()
    expect(last.locator(".main-svg").first).to_be_visible()
    expect(last.locator(".main-svg .cartesianlayer .trace")).to_have_count(traces[-1], timeout=10_000)
    page_log.assert_no_errors()
