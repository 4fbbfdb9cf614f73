"""Figures for issue 5, measured in JupyterLab with Debian's chromium (opt-in: ``FOLIOVIZ_FIGURES=1``).

* Time from "Run All Cells" to every widget rendered, per ready notebook: the clock starts in the page, at
  the pointer-up on the menu item Run > Run All Cells (``runmenu:run-all``), and stops at the first animation frame
  in which every widget output of the notebook holds a widget view (as many as the committed notebook has
  widget outputs; none "Loading widget..."). Also: the time until the run has finished (kernel idle, no
  cell at ``[*]``). Each run opens the notebook with a fresh kernel and cleared outputs; the median of
  ``FOLIOVIZ_FIGURES_RUNS`` (default 3) runs is reported.
* Frame rate of notebook 02's first plotly figure while its Play button animates it: requestAnimationFrame
  callbacks per second between the first ``plotly_animatingframe`` event and ``plotly_animated`` (the frames
  the browser painted, or could have: a long redraw shows up as fewer frames and a long gap), plus plotly's
  own frames per second. Median of the same number of plays.

* A bit click in notebook 01's first ``MappingWordWidget`` until the word box and every view show the new
  word, end to end (browser -> kernel -> browser): the clock starts in the page just before the bit's
  ``click()`` and stops at the first moment (a MutationObserver callback, or a 1 ms poll for the text box's
  value) when the word box, the kind line, the diagram and the helpers table all differ from before the
  click. Also the time until the bit itself shows its new value (the front-end flips it in the same task).
  Bit 0 is clicked 12 times (file <-> anon, so every view changes), 150 ms apart; the median is reported.

Results: the pytest terminal summary and ``test-artifacts/figures.json``. The correctness of the same
notebooks is the business of test_workbook_suite.py; these tests only time them.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import statistics
from typing import Any

import pytest
from conftest import (
    ARTIFACTS_DIR,
    FIGURES_SUMMARY,
    KERNEL_IDLE,
    RUN_ALL_TIMEOUT_MS,
    WIDGET_OUTPUTS_JS,
    committed_widget_outputs,
    ready_notebooks,
    wait_for_widgets,
)
from playwright.sync_api import expect
from playwright_harness import (
    CODE_PROMPTS,
    PAINTED,
    PLOTLY_IDLE,
    PROMPTS_CLEARED,
    click_menu,
    press_plotly_slider_start,
)

pytestmark = [
    pytest.mark.skipif(
        os.environ.get("FOLIOVIZ_FIGURES") != "1",
        reason="timing runs (several per notebook): set FOLIOVIZ_FIGURES=1",
    ),
    pytest.mark.timeout(1200),  # RUNS runs of a notebook (or of a 60 s animation) in one test
]

RUNS = int(os.environ.get("FOLIOVIZ_FIGURES_RUNS", "3"))
ANIMATED = "02_page_cache_refcounts.ipynb"
FIGURES_JSON = ARTIFACTS_DIR / "figures.json"

_RESULTS: dict[str, Any] = {"time_to_widgets": {}, "animation": None, "bit_click": None}
CLICKS = 12

# Installed in the page before the click; runs on every animation frame until both times are known.
_WATCH = f"""(expected) => {{
  const widgetState = {WIDGET_OUTPUTS_JS};
  const fig = window.__fvFigure = {{t0: null, widgets: null, finished: null, views: 0}};
  // Lumino menus act on pointerup (and cancel the compatibility mouse events): listen there, capturing.
  document.addEventListener("pointerup", (event) => {{
    const item = event.target.closest && event.target.closest(".lm-Menu-item");
    const label = item && item.querySelector(".lm-Menu-itemLabel");
    if (fig.t0 === null && label && label.textContent.trim() === "Run All Cells") fig.t0 = performance.now();
  }}, true);
  const tick = (now) => {{
    if (fig.t0 !== null) {{
      if (fig.widgets === null) {{
        const state = widgetState(".jp-NotebookPanel");
        fig.views = state.views;
        if (state.loading === 0 && state.views >= expected) fig.widgets = now;
      }}
      if (fig.finished === null) {{
        const prompts = {CODE_PROMPTS};
        const idle = document.querySelector({json.dumps(KERNEL_IDLE)}) !== null;
        const started = prompts.some(p => /\\[[*0-9]+\\]/.test(p.textContent));
        if (started && idle && !prompts.some(p => p.textContent.includes("[*]"))) fig.finished = now;
      }}
    }}
    if (fig.widgets === null || fig.finished === null) requestAnimationFrame(tick);
  }};
  requestAnimationFrame(tick);
}}"""


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 3)


def _save() -> None:
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    data = {
        "generated": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "runs": RUNS,
        **_RESULTS,
    }
    FIGURES_JSON.write_text(json.dumps(data, indent=2) + "\n")
    for title in [t for t in FIGURES_SUMMARY if t.startswith("figures")]:
        del FIGURES_SUMMARY[title]
    lines = [
        f"{name:36s} widgets {fig['median_s']:6.2f} s   run finished {fig['finished_median_s']:6.2f} s   "
        f"({fig['widget_outputs']} widgets; runs: {', '.join(f'{s:.2f}' for s in fig['samples_s'])})"
        for name, fig in _RESULTS["time_to_widgets"].items()
    ]
    if lines:
        FIGURES_SUMMARY["figures: Run All Cells -> every widget rendered, JupyterLab (median)"] = lines
    anim = _RESULTS["animation"]
    if anim:
        FIGURES_SUMMARY["figures: plotly animation in chromium (median)"] = [
            f"{ANIMATED}, first figure: {anim['painted_fps_median']:.1f} frames painted per second "
            f"(runs: {', '.join(f'{f:.1f}' for f in anim['painted_fps'])}); longest gap "
            f"{anim['longest_gap_ms_median']:.0f} ms; plotly {anim['plotly_fps_median']:.2f} animation frames/s "
            f"(the figure asks for one per {anim['frame_duration_ms']} ms)",
        ]
    click = _RESULTS["bit_click"]
    if click:
        FIGURES_SUMMARY["figures: bit click -> word box and every view updated, JupyterLab (median)"] = [
            f"{click['notebook']}, bit 0 x{click['clicks']}: every view {click['all_views_ms_median']:.1f} ms, "
            f"word box {click['word_box_ms_median']:.1f} ms, the bit itself {click['bit_ms_median']:.2f} ms "
            f"(samples: {', '.join(f'{v:.0f}' for v in click['all_views_ms'])})",
        ]
    FIGURES_SUMMARY["figures: written to"] = [str(FIGURES_JSON)]


@pytest.mark.parametrize("name", ready_notebooks())
def test_time_from_run_all_to_every_widget(name, lab_server, page):
    expected = committed_widget_outputs(name)
    if expected is None:
        pytest.skip(f"notebooks/{name} is not executed: its number of widgets is unknown")
    samples, finished = [], []
    for run in range(RUNS):
        lab_server.open_notebook(page, name)
        click_menu(page, "Edit", "Clear Outputs of All Cells")
        page.wait_for_function(PROMPTS_CLEARED)
        page.evaluate(_WATCH, expected)
        click_menu(page, "Run", "Run All Cells")
        page.wait_for_function("() => window.__fvFigure.t0 !== null", timeout=5_000)
        try:
            page.wait_for_function(
                "() => window.__fvFigure.widgets !== null && window.__fvFigure.finished !== null",
                timeout=RUN_ALL_TIMEOUT_MS,
                polling=200,
            )
        finally:
            fig = page.evaluate("() => window.__fvFigure")
            print(f"[figures] {name} run {run + 1}: {fig}")
        samples.append((fig["widgets"] - fig["t0"]) / 1000)
        finished.append((fig["finished"] - fig["t0"]) / 1000)
        wait_for_widgets(page, expected, name)  # the same state, checked the suite's way
        print(f"[figures] {name} run {run + 1}: widgets {samples[-1]:.2f} s, finished {finished[-1]:.2f} s")
    _RESULTS["time_to_widgets"][name] = {
        "widget_outputs": expected,
        "median_s": _median(samples),
        "finished_median_s": _median(finished),
        "samples_s": [round(s, 3) for s in samples],
        "finished_samples_s": [round(s, 3) for s in finished],
    }
    _save()


# Counts requestAnimationFrame callbacks and plotly's animation events on the figure's graph div.
_FRAME_COUNTER = """(plot) => {
  const gd = [plot, ...plot.querySelectorAll(".js-plotly-plot")].find(el => el._fullLayout && el.on);
  if (!gd) throw new Error("no plotly graph div with an event emitter");
  const m = window.__fvAnim = {frames: [], animating: [], start: null, end: null};
  if (!gd.__fvHooked) {
    gd.__fvHooked = true;
    gd.on("plotly_animatingframe", () => {
      const a = window.__fvAnim; const t = performance.now();
      if (a.start === null) a.start = t;
      a.animating.push(t);
    });
    gd.on("plotly_animated", () => { const a = window.__fvAnim; if (a.start !== null) a.end = performance.now(); });
  }
  const tick = (t) => { m.frames.push(t); if (m.end === null) requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
  const menu = gd.layout.updatemenus && gd.layout.updatemenus[0];
  return {frames: gd._transitionData && gd._transitionData._frames ? gd._transitionData._frames.length : null,
          frameDuration: menu ? menu.buttons[0].args[1].frame.duration : null};
}"""

_FRAME_STATS = """() => {
  const m = window.__fvAnim;
  const inside = m.frames.filter(t => t >= m.start && t <= m.end);
  const gaps = inside.slice(1).map((t, i) => t - inside[i]);
  return {duration: m.end - m.start, painted: inside.length, animating: m.animating.length,
          longestGap: gaps.length ? Math.max(...gaps) : null};
}"""


def test_plotly_animation_frame_rate(lab_server, page, run_all):
    run_all(page, ANIMATED)
    plot = page.locator(".jp-RenderedPlotly").first
    plot.scroll_into_view_if_needed()
    expect(plot.locator(".main-svg").first).to_be_visible(timeout=30_000)  # drawn once in view (lazy figures)
    slider_label = plot.locator(".slider-container .slider-label").first
    painted, plotly_fps, gaps = [], [], []
    figure = {}
    for run in range(RUNS):
        press_plotly_slider_start(page, plot)  # rewind with the figure's own slider
        expect(slider_label).to_have_text("step 0", timeout=10_000)
        page.wait_for_function(PLOTLY_IDLE, arg=plot.element_handle(), timeout=30_000)  # the rewind has settled
        figure = plot.evaluate(_FRAME_COUNTER)
        plot.locator(".updatemenu-button").first.click()  # the figure's own play button
        page.wait_for_function("() => window.__fvAnim.end !== null", timeout=60_000, polling=200)
        stats = page.evaluate(_FRAME_STATS)
        seconds = stats["duration"] / 1000
        painted.append(round((stats["painted"] - 1) / seconds, 2))
        plotly_fps.append(round(stats["animating"] / seconds, 3))
        gaps.append(round(stats["longestGap"], 1))
        print(
            f"[figures] animation run {run + 1}: {stats['painted']} frames painted in {seconds:.2f} s "
            f"= {painted[-1]:.1f}/s; {stats['animating']} plotly frames; longest gap {gaps[-1]:.0f} ms"
        )
    _RESULTS["animation"] = {
        "notebook": ANIMATED,
        "figure": "the first plotly figure (.jp-RenderedPlotly)",
        "frames_in_figure": figure.get("frames"),
        "frame_duration_ms": figure.get("frameDuration"),
        "painted_fps": painted,
        "painted_fps_median": _median(painted),
        "plotly_fps": plotly_fps,
        "plotly_fps_median": _median(plotly_fps),
        "longest_gap_ms": gaps,
        "longest_gap_ms_median": _median(gaps),
    }
    _save()


# One click on bit 0 of the first mapping-word widget; resolves when the word box and every view have changed.
_CLICK = """async () => {
  const w = document.querySelector(".folioviz-mapping-word");
  const box = w.querySelector("input[type=text]");
  const views = [".fv-kind-line", ".fv-diagram-box", ".fv-table-box"].map(s => w.querySelector(s));
  const bit = w.querySelector(".fv-bit-0");
  const before = {box: box.value, views: views.map(v => v.innerHTML), bit: bit.getAttribute("aria-label")};
  return await new Promise((resolve) => {
    const times = {};
    let observer, poll;
    const check = () => {
      const now = performance.now() - t0;
      if (times.box === undefined && box.value !== before.box) times.box = now;
      if (times.views === undefined && views.every((v, i) => v.innerHTML !== before.views[i])) times.views = now;
      if (times.box !== undefined && times.views !== undefined) {
        observer.disconnect(); clearInterval(poll);
        resolve({box: times.box, all: Math.max(times.box, times.views), bit: times.bit, word: box.value});
      }
    };
    observer = new MutationObserver(check);
    observer.observe(w, {subtree: true, childList: true, characterData: true, attributes: true});
    poll = setInterval(check, 1);
    const t0 = performance.now();
    bit.click();
    if (bit.getAttribute("aria-label") !== before.bit) times.bit = performance.now() - t0;
  });
}"""


def test_bit_click_to_every_view(lab_server, page, run_all):
    name = "01_the_mapping_word.ipynb"
    run_all(page, name)
    widget = page.locator(".folioviz-mapping-word").first
    widget.evaluate("el => el.scrollIntoView({block: 'start'})")
    expect(widget.locator(".fv-bit-0")).to_be_visible()
    kernel_idle = f"() => document.querySelector({json.dumps(KERNEL_IDLE)}) !== null"
    samples = []
    for click in range(CLICKS):
        # each click starts from a quiet page: the kernel has answered the last one and the result is painted
        page.wait_for_function(kernel_idle, timeout=30_000)
        page.evaluate(PAINTED)
        result = page.evaluate(_CLICK)
        samples.append(result)
        print(f"[figures] bit click {click + 1}: {result}")
    _RESULTS["bit_click"] = {
        "notebook": name,
        "clicks": CLICKS,
        "all_views_ms": [round(r["all"], 1) for r in samples],
        "all_views_ms_median": _median([r["all"] for r in samples]),
        "word_box_ms_median": _median([r["box"] for r in samples]),
        "bit_ms_median": _median([r["bit"] for r in samples if r["bit"] is not None] or [float("nan")]),
    }
    _save()
