"""Plotly figures after Run All: drawn, with all their traces, once scrolled into view (issue 22).

folioviz's lab extension (folioviz/_jupyter/labextensions/folioviz-lazy-figures) lets jupyterlab-plotly draw a
figure only when it comes near the view, so Run All does not pay for figures the reader has scrolled past or not
reached. A figure Run All scrolled past may therefore still be undrawn; once the reader scrolls to it, it must be
drawn with every trace of the committed figure, in JupyterLab and in Notebook 7, and its animation still plays.

The same extension makes jupyterlab-plotly's second rendering of each figure, the PNG copy it stores in the output,
wait for an idle moment (the copy must still be made and saved), and evaluates plotly.js while the page is idle once
a notebook that uses plotly or folioviz opens, so the first figure of Run All does not wait for it.
"""

from __future__ import annotations

import json
import re

import nbformat
import pytest
from conftest import REPO_ROOT, split_known_errors
from playwright.sync_api import expect
from playwright_harness import wait_until

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


# folioviz-lazy-figures marks <html> with data-fv-plotly="warming", then "ready", around its idle-time warm-up
PLOTLY_READY = "() => document.documentElement.dataset.fvPlotly === 'ready'"


def _one_cell_notebook(lab_server, name: str, source: str) -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source)]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    lab_server.write_notebook(name, notebook)


def test_png_copy_is_still_made_and_saved(lab_server, page, page_log, run_all):
    name = "fv_png_copy.ipynb"
    _one_cell_notebook(lab_server, name, "from folioviz.render.history import history_figure\nhistory_figure()")
    run_all(page, name)
    plot = page.locator(".jp-NotebookPanel .jp-RenderedPlotly").first
    expect(plot.locator(".main-svg").first).to_be_visible(timeout=30_000)
    # the copy waits for an idle moment (at most 5 s), then is stored in the output like jupyterlab-plotly's own
    expect(plot).to_have_attribute("data-fv-snapshot", "made", timeout=30_000)
    page.keyboard.press("Control+s")

    def stored_copies() -> list[str]:
        try:
            saved = json.loads((lab_server.root_dir / name).read_text())
        except ValueError:  # caught while the server writes it
            return []
        outputs = [out for cell in saved["cells"] for out in cell.get("outputs", [])]
        return [out["data"]["image/png"] for out in outputs if "image/png" in out.get("data", {})]

    try:
        stored = wait_until(stored_copies, "the saved notebook to hold the figure's PNG copy", 30)
    except TimeoutError:
        stored = []
    assert stored, "the figure's PNG copy was never stored in the saved notebook"
    assert stored[0].startswith("iVBORw0KGgo"), "the stored copy is not a base64 PNG"
    unexplained, _known = split_known_errors(page_log, lab_server)
    assert not unexplained, unexplained


def test_plotly_is_evaluated_before_run_all_for_a_folioviz_notebook(lab_server, page):
    lab_server.open_notebook(page, "04_page_mkwrite_in_the_wild.ipynb")
    expect(page.locator(".jp-NotebookPanel")).to_have_attribute("data-fv-uses-plotly", "yes")
    page.wait_for_function(PLOTLY_READY, timeout=20_000)  # no cell has run


@pytest.mark.parametrize("name", ["fv_no_plotly.ipynb", "01_the_mapping_word.ipynb"])
def test_plotly_is_not_loaded_for_a_notebook_without_it(lab_server, page, name):
    # a notebook of plain Python, and one of folioviz's widgets that draws no figure
    if name == "fv_no_plotly.ipynb":
        _one_cell_notebook(lab_server, name, "1 + 1")
    lab_server.open_notebook(page, name)
    expect(page.locator(".jp-NotebookPanel")).to_have_attribute("data-fv-uses-plotly", "no")  # decided
    warmed = page.evaluate("() => document.documentElement.dataset.fvPlotly || null")
    assert warmed is None, f"plotly.js was evaluated for a notebook that draws no figure ({warmed})"
