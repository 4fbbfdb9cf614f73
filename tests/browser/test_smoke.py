"""Proves the harness: JupyterLab runs a notebook, an ipywidget reacts to a click, plotly renders, offline."""

from __future__ import annotations

import re

import nbformat
from playwright.sync_api import expect

WIDGET_CELL = """\
import ipywidgets as widgets

toggle = widgets.ToggleButton(description="flip", value=False)
label = widgets.Label(value="state: off")
toggle.add_class("smoke-toggle")
label.add_class("smoke-label")


def _show(change):
    label.value = "state: on" if change["new"] else "state: off"


toggle.observe(_show, names="value")
widgets.VBox([toggle, label])
"""

PLOTLY_CELL = """\
import plotly.graph_objects as go

go.Figure(
    go.Bar(x=["PG_locked", "PG_dirty", "PG_uptodate"], y=[1, 3, 2]),
    layout={"width": 420, "height": 260, "margin": {"l": 30, "r": 10, "t": 10, "b": 30}},
)
"""


def _smoke_notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_markdown_cell("# harness smoke test"),
        nbformat.v4.new_code_cell(WIDGET_CELL),
        nbformat.v4.new_code_cell(PLOTLY_CELL),
    ]
    return nb


def test_widget_click_and_plotly_render(lab_server, page, page_log, run_all, restart_and_run_all):
    lab_server.write_notebook("smoke.ipynb", _smoke_notebook())
    run_all(page, "smoke.ipynb")

    expect(page.locator(".jupyter-widgets").first).to_be_visible()
    button = page.locator(".widget-toggle-button.smoke-toggle")
    label = page.locator(".widget-label.smoke-label")
    expect(button).to_be_visible()
    expect(label).to_have_text("state: off")

    button.click()
    expect(label).to_have_text("state: on")
    expect(button).to_have_class(re.compile(r"\bmod-active\b"))

    # .js-plotly-plot matches two elements per chart: use the SVG, and .first.
    expect(page.locator(".jp-RenderedPlotly .main-svg").first).to_be_visible()
    expect(page.locator(".jp-RenderedPlotly .main-svg .bars path").first).to_be_attached()

    # Kernel > Restart Kernel and Run All Cells…: a new kernel, so the widget starts from "off" again.
    restart_and_run_all(page)
    expect(page.locator(".widget-label.smoke-label")).to_have_text("state: off")

    page_log.assert_no_errors()
    page_log.assert_no_external_requests()
    assert page_log.requests, "no request was recorded: is the request listener wired?"
