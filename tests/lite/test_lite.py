"""The JupyterLite build (``make lite``): its configuration names no CDN, and in a browser with the network cut
every notebook runs, the widgets answer clicks, the figures draw and the quizzes check answers.

The mapping word's bits are found by ``bit_button()``: the anywidget bit field's <button aria-label="bit N, role,
value"> (or the older ToggleButtons' ``fv-bit-<n>`` class). Clicking one goes through the browser kernel and back.
"""

from __future__ import annotations

import base64
import json
import re
import zipfile
from collections import Counter

import pytest
from litekit import OPEN_TIMEOUT_MS, REPO_ROOT, LitePage, notebooks, site_dir
from playwright.sync_api import Locator, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright_harness import KERNEL_NAME, KERNEL_READY, wait_for_function

from tools.lite.config import (
    KERNEL_EXTENSION,
    PLOTLY_BUNDLE,
    PLOTLY_BUNDLE_SHA256,
    PLOTLY_EXTENSION,
    PLOTLY_TRACES,
    PYODIDE_DIR,
    check_config,
    external_urls,
    sha256_of,
)

# Run All in Pyodide: up to 60 s to show the notebook, 120 s for the kernel, 300 s for the run
pytestmark = [pytest.mark.lite, pytest.mark.timeout(900)]


def bit_button(scope, n: int):  # type: ignore[no-untyped-def]
    """Bit ``n`` of the first mapping word in ``scope`` (a page or a locator)."""
    return scope.locator(f'button[aria-label^="bit {n},"], .fv-bit-{n}').first


def run_own_cell(lite: LitePage, code: str) -> None:
    """Add a cell of the reader's own below the last one, type ``code`` and run it."""
    page = lite.page
    page.locator(".jp-NotebookPanel .jp-Cell").last.click()
    page.keyboard.press("Escape")
    page.keyboard.press("b")
    page.keyboard.press("Enter")
    page.keyboard.type(code)
    page.keyboard.press("Shift+Enter")


PLOTLY_MIME = "application/vnd.plotly.v1+json"
PLOTS = ".jp-NotebookPanel .jp-RenderedPlotly"


def committed_figures(name: str) -> list[dict]:
    """The plotly figures of notebook ``name`` as committed, in order."""
    notebook = json.loads((REPO_ROOT / "notebooks" / name).read_text())
    outputs = (out for cell in notebook["cells"] for out in cell.get("outputs", []))
    return [out["data"][PLOTLY_MIME] for out in outputs if PLOTLY_MIME in out.get("data", {})]


# The trace types plotly drew in a figure's graph div (its full data), or null when it is not drawn.
DRAWN_TRACES = """(plot) => {
  const gd = plot.querySelector(".js-plotly-plot");
  return gd && gd._fullData ? gd._fullData.map(trace => trace.type) : null;
}"""


# A reader scrolling to a figure: scroll it to the middle of the view until the renderer has drawn it (the notebook
# lays out the cells above as they come into view, so one scroll may leave it short of the view).
SCROLL_UNTIL_DRAWN = """(plot) => {
  if (plot.dataset.fvLazy === "waiting") plot.scrollIntoView({block: "center"});
  return plot.dataset.fvLazy === "drawn";
}"""


def scroll_to(plot: Locator, what: str) -> None:
    """Scroll to the figure output ``plot`` until it is drawn (it fails with ``what`` if it never is)."""
    try:
        plot.page.wait_for_function(SCROLL_UNTIL_DRAWN, arg=plot.element_handle(), polling=500, timeout=60_000)
    except PlaywrightTimeoutError:
        state = plot.get_attribute("data-fv-lazy")
        raise AssertionError(f"{what} was not drawn once scrolled to (data-fv-lazy={state!r})") from None


def assert_figures_drawn(lite: LitePage, name: str) -> None:
    """Every figure of notebook ``name``, scrolled to, is drawn by the site's renderer with all its traces."""
    figures = committed_figures(name)
    plots = lite.page.locator(PLOTS)
    expect(plots, f"{name}: not every figure has an output").to_have_count(len(figures))
    for index, figure in enumerate(figures):
        plot = plots.nth(index)
        scroll_to(plot, f"{name}: figure {index}")
        expect(plot.locator(".main-svg").first).to_be_visible()
        types = [trace.get("type", "scatter") for trace in figure["data"]]
        assert plot.evaluate(DRAWN_TRACES) == types, f"{name}: figure {index} lacks traces"
        expect(plot.locator(".main-svg .cartesianlayer .trace")).to_have_count(len(types))


def assert_clean(lite: LitePage) -> None:
    errors = lite.error_outputs()
    assert errors == [], "error output(s) after Run All:\n" + "\n---\n".join(errors)
    broken = lite.page.locator(".jp-OutputArea-output", has_text="Error displaying widget").count()
    assert broken == 0, f"{broken} widget output(s) say 'Error displaying widget'"
    assert lite.page_errors == [], f"page errors: {lite.page_errors}"
    assert lite.external == [], f"requests tried to leave 127.0.0.1: {lite.external}"


# ------------------------------------------------------------------------------------------- no browser


def test_site_configuration_names_no_cdn(lite_dir):
    assert check_config(lite_dir) == []
    configs = sorted(lite_dir.rglob("jupyter-lite.json"))
    assert configs, "no jupyter-lite.json in the site"
    for config in configs:
        assert external_urls(config.read_text()) == [], f"{config} names a URL outside the site"
    settings = json.loads((lite_dir / "jupyter-lite.json").read_text())["jupyter-config-data"]["litePluginSettings"]
    kernel = settings[f"{KERNEL_EXTENSION}:kernel"]
    assert kernel["disablePyPIFallback"] is True
    assert kernel["pyodideUrl"] == f"./{PYODIDE_DIR}/pyodide.mjs"
    assert kernel["loadPyodideOptions"]["lockFileURL"] == f"./{PYODIDE_DIR}/pyodide-lock.json"
    for index in kernel.get("pipliteUrls", []):  # the kernel's own piplite index, in the site
        assert index.startswith("./") and (lite_dir / index.split("?")[0]).is_file(), index
    schema = lite_dir / "extensions" / KERNEL_EXTENSION / "static" / "schema" / "kernel.v0.schema.json"
    default = json.loads(schema.read_text())["properties"]["pyodideUrl"]["default"]
    assert default == f"./{PYODIDE_DIR}/pyodide.mjs"


def test_the_lock_lists_exactly_the_shipped_wheels(lite_dir):
    pyodide = lite_dir / PYODIDE_DIR
    lock = json.loads((pyodide / "pyodide-lock.json").read_text())["packages"]
    assert sorted(p["file_name"] for p in lock.values()) == sorted(p.name for p in pyodide.glob("*.whl"))
    assert lock["bitstring"]["version"].startswith("4.4."), "bitstring 5 needs tibs, which Pyodide cannot load"
    for name in ("folioviz", "ipywidgets", "plotly", "bitarray", "anywidget", "psygnal", "typing-extensions"):
        assert name in lock, f"{name} is not in the site's pyodide-lock.json"
    assert set(lock["folioviz"]["depends"]) >= {"bitstring", "ipywidgets"}
    # plotly is folioviz's dependency but installed when first imported (config.DEFERRED, folioviz's finder), with
    # its own dependencies, which the lock lists as usual.
    assert "plotly" not in lock["folioviz"]["depends"] and {"narwhals", "packaging"} <= set(lock["plotly"]["depends"])
    assert "nbformat" not in lock, "figures display their own mime bundle; the site needs no nbformat"
    with zipfile.ZipFile(pyodide / lock["plotly"]["file_name"]) as whl:
        assert not [n for n in whl.namelist() if n.endswith(".min.js")], "plotly.js ships once, in extensions/"


def test_plotly_is_drawn_by_the_sites_own_renderer_with_the_pinned_bundle(lite_dir):
    """jupyterlab-plotly (its 4.8 MB chunk bundles the full plotly.js) is not in the site; the site's own renderer
    ships the pinned cartesian bundle, with its licence."""
    extensions = lite_dir / "extensions"
    assert not (extensions / "jupyterlab-plotly").exists()
    config = json.loads((lite_dir / "jupyter-lite.json").read_text())["jupyter-config-data"]
    names = [ext["name"] for ext in config["federated_extensions"]]
    assert "jupyterlab-plotly" not in names and PLOTLY_EXTENSION in names
    # No script of the site holds the full plotly.js (its 3-D traces) or jupyterlab-plotly's renderer.
    for script in [*extensions.rglob("*.js"), *(lite_dir / "build").rglob("*.js")]:
        text = script.read_text(errors="replace")
        assert "@jupyterlab/plotly-extension" not in text, f"{script} is jupyterlab-plotly's"
        assert text.count("streamtube") < 3, f"{script} bundles the full plotly.js"
    bundle = extensions / PLOTLY_EXTENSION / "static" / PLOTLY_BUNDLE
    assert sha256_of(bundle) == PLOTLY_BUNDLE_SHA256
    licences = json.loads((bundle.parent / "third-party-licenses.json").read_text())["packages"]
    assert [(p["name"], p["licenseId"]) for p in licences] == [("plotly.js-cartesian-dist-min", "MIT")]
    assert "MIT License" in licences[0]["extractedText"]
    notice = (lite_dir / "NOTICE-folioviz.txt").read_text()
    assert "plotly.js-cartesian-dist-min@4.1.1 (MIT)" in notice and PLOTLY_BUNDLE_SHA256 in notice


def test_the_site_keeps_within_its_size_budget(lite_dir):
    """Every file on disk, uncompressed, as served: within SITE_BUDGET_BYTES; no source maps, no wheel shipped twice
    in static/pyodide/, and the slimmed wheels really slimmed (their cut files would be the first to creep back)."""
    from tools.lite.config import SITE_BUDGET_BYTES

    files = [p for p in lite_dir.rglob("*") if p.is_file()]
    total = sum(p.stat().st_size for p in files)
    biggest = sorted(files, key=lambda p: -p.stat().st_size)[:5]
    assert total <= SITE_BUDGET_BYTES, (
        f"the site is {total / 1e6:.1f} MB, over its budget of {SITE_BUDGET_BYTES / 1e6:.1f} MB; biggest files: "
        + ", ".join(f"{p.relative_to(lite_dir)} {p.stat().st_size / 1e6:.1f} MB" for p in biggest)
    )
    assert [p for p in files if p.name.endswith(".map")] == [], "source maps are left out of the site"
    wheels = [p.name.split("-")[0].lower() for p in (lite_dir / PYODIDE_DIR).glob("*.whl")]
    assert len(wheels) == len(set(wheels)), f"a package is shipped twice: {sorted(wheels)}"
    pyodide = lite_dir / PYODIDE_DIR
    # No jedi or parso (1.2 MB): Tab completes with IPython's own completer (tools/lite/patches.py)
    assert not [w for w in wheels if w in ("jedi", "parso")], "jedi is back in the site"
    with zipfile.ZipFile(next(pyodide.glob("pygments-*.whl"))) as whl:
        lexers = [n for n in whl.namelist() if n.startswith("pygments/lexers/")]
    python = {"pygments/lexers/python.py", "pygments/lexers/python.pyc"}  # .pyc alone once compiled (bytecode.py)
    assert python & set(lexers) and len(lexers) < 40, f"{len(lexers)} pygments lexer modules"
    # No prompt_toolkit or wcwidth (0.45 MB): IPython's terminal shell is cut to stand-ins (config.STAND_INS)
    assert not [w for w in wheels if w in ("prompt_toolkit", "wcwidth")], "prompt_toolkit is back in the site"
    prefixes = ("IPython/sphinxext/", "IPython/testing/plugin/", "IPython/terminal/pt_inputhooks/qt")
    with zipfile.ZipFile(next(pyodide.glob("ipython-*.whl"))) as whl:
        left = [n for n in whl.namelist() if n.startswith(prefixes)]
        shell = whl.read("IPython/terminal/interactiveshell.py")
    assert left == [], f"ipython ships parts for other places than a browser kernel: {left[:3]}"
    assert b"not in this browser build" in shell and len(shell) < 1000, "IPython's terminal shell is back"


def test_the_wheels_carry_bytecode_for_pyodides_python(lite_dir):
    """The modules the kernel and notebook 01 import ship compiled (tools/lite/bytecode.py) for the site's Python:
    its magic number, unchecked hash-based (no file time can invalidate them), the hash of folioviz's own source;
    library modules as .pyc alone, folioviz's with their sources."""
    import _imp

    from tools.lite.bytecode import UNCHECKED_HASH
    from tools.lite.config import PYC_CACHE_TAG, PYC_MAGIC

    pyodide = lite_dir / PYODIDE_DIR
    compiled: dict[str, int] = {}
    for wheel in sorted(pyodide.glob("*.whl")):
        with zipfile.ZipFile(wheel) as whl:
            names = set(whl.namelist())
            record = next(n for n in names if n.endswith(".dist-info/RECORD"))
            listed = {line.split(",")[0] for line in whl.read(record).decode().splitlines() if line}
            assert listed == names, f"{wheel.name}: RECORD does not list exactly its files"
            for name in sorted(n for n in names if n.endswith(".pyc")):
                pyc = whl.read(name)
                assert pyc[:4] == PYC_MAGIC, f"{wheel.name} {name}: magic {pyc[:4].hex()}"
                assert int.from_bytes(pyc[4:8], "little") == UNCHECKED_HASH, f"{wheel.name} {name}: not unchecked"
                if "/__pycache__/" in name:
                    folder, _, file = name.partition("/__pycache__/")
                    assert file.endswith(f".{PYC_CACHE_TAG}.pyc"), name
                    source = whl.read(f"{folder}/{file.removesuffix(f'.{PYC_CACHE_TAG}.pyc')}.py")
                    key = int.from_bytes(PYC_MAGIC, "little")
                    assert pyc[8:16] == _imp.source_hash(key, source), f"{name}: not the hash of its source"
                compiled[wheel.name.split("-")[0]] = compiled.get(wheel.name.split("-")[0], 0) + 1
            if wheel.name.startswith("folioviz-"):
                modules = [n for n in names if n.endswith(".py")]
                assert modules and not [n for n in names if n.endswith(".pyc") and "/__pycache__/" not in n]
    for project in ("folioviz", "ipython", "ipywidgets", "traitlets", "plotly"):
        assert compiled.get(project), f"no bytecode in the {project} wheel: {compiled}"
    with zipfile.ZipFile(pyodide / "python_stdlib.zip") as stdlib:
        pycs = {n: stdlib.read(n)[:8] for n in stdlib.namelist() if n.endswith(".pyc")}
        names = set(stdlib.namelist())
    assert {"json/__init__.pyc", "asyncio/__init__.pyc", "inspect.pyc"} <= set(pycs), "no bytecode in the stdlib"
    assert {header for header in pycs.values()} == {PYC_MAGIC + UNCHECKED_HASH.to_bytes(4, "little")}
    assert not [n for n in pycs if n[:-1] in names], "a stdlib module ships both as source and as bytecode"


def test_plotly_ships_the_trace_types_the_sites_plotlyjs_draws(lite_dir):
    """tools/lite/plotly_slim.py: the Python classes of exactly the trace types that the site's plotly.js draws
    (its trace modules, found in the site's scripts), stand-ins for the others; narwhals without the code for the
    data-frame libraries the site does not ship."""
    import re

    from tools.lite.config import PLOTLY_SUBPLOTS_CUT, PLOTLY_TRACES

    drawn: set[str] = set()
    for script in lite_dir.rglob("*.js"):
        drawn |= set(re.findall(r'moduleType:"trace",name:"(\w+)"', script.read_text(errors="replace")))
    assert drawn, "no plotly.js trace module found in the site's scripts"
    assert set(PLOTLY_TRACES) <= drawn, f"the site's plotly.js cannot draw {sorted(set(PLOTLY_TRACES) - drawn)}"
    pyodide = lite_dir / PYODIDE_DIR
    with zipfile.ZipFile(next(pyodide.glob("plotly-*.whl"))) as whl:
        names = set(whl.namelist())
        modules = {n: whl.read(n) for n in names if re.fullmatch(r"plotly/graph_objs/_[a-z0-9]+\.pyc?", n)}
    traces = {re.sub(r"\.pyc?$", "", n).rsplit("/_", 1)[1] for n in modules} - {"figure", "frame", "layout"}
    real = {t for t in traces if not any(b"unavailable_class" in modules[n] for n in modules if f"/_{t}.py" in n)}
    assert real - {"deprecations", "figurewidget"} == set(PLOTLY_TRACES), "plotly's kept trace types"
    assert len(traces) > 40, "every other trace type keeps its stand-in"
    for kind in PLOTLY_SUBPLOTS_CUT:
        assert not [n for n in names if n.startswith(f"plotly/graph_objs/layout/{kind}/") and "__init__" not in n]
    assert {n for n in names if n.startswith(("plotly/express/", "plotly/figure_factory/"))} == {
        "plotly/express/__init__.py",
        "plotly/figure_factory/__init__.py",
    }, "plotly.express and plotly.figure_factory (which need numpy) are stand-ins"
    with zipfile.ZipFile(next(pyodide.glob("narwhals-*.whl"))) as whl:
        backends = [n for n in whl.namelist() if re.match(r"narwhals/_(pandas_like|polars|arrow|dask)/", n)]
    assert backends == [], f"narwhals ships code for libraries the site lacks: {backends[:3]}"


def test_what_was_cut_passes_its_check_in_the_sites_pyodide(lite_dir):
    """tools/lite/smoke_cuts.py in the site's Pyodide under Node (as the build runs it): every kept trace type and
    template builds, folioviz's figures build, each cut part of plotly says it is not in the browser build, the
    standard library's kept codecs and modules work and a cut module gets Pyodide's message."""
    from tools.lite.cuts import check_in_pyodide

    assert check_in_pyodide(lite_dir / PYODIDE_DIR) == []


def test_every_notebook_is_shipped_without_its_outputs(lite_dir):
    """Every notebook, cell for cell, with no outputs, execution counts or saved widget state: the browser build
    always has a kernel, and Run All makes every output (tools/lite/build.py site_notebook)."""
    repo = sorted(p.name for p in (REPO_ROOT / "notebooks").glob("*.ipynb"))
    assert sorted(p.name for p in (lite_dir / "files").glob("*.ipynb")) == repo
    for name in repo:
        shipped = json.loads((lite_dir / "files" / name).read_text())
        committed = json.loads((REPO_ROOT / "notebooks" / name).read_text())
        assert [c["source"] for c in shipped["cells"]] == [c["source"] for c in committed["cells"]], name
        assert "widgets" not in shipped["metadata"], f"{name}: saved widget state shipped"
        stored = [c for c in shipped["cells"] if c["cell_type"] == "code" and (c["outputs"] or c["execution_count"])]
        assert stored == [], f"{name}: {len(stored)} code cell(s) shipped with outputs"


def test_the_disabled_plugins_are_the_configs_and_their_files_are_left_out(lite_dir):
    """jupyter-lite.json disables exactly DISABLED_EXTENSIONS, each naming a package or plugin of the build; the
    chunks only their code loads, MathJax's fonts, their settings and the per-plugin schema files are not shipped."""
    from tools.lite.chunks import SCHEMA_LISTS, feature_chunk_ids
    from tools.lite.config import DISABLED_EXTENSIONS, FEATURE_ASSETS

    config = json.loads((lite_dir / "jupyter-lite.json").read_text())["jupyter-config-data"]
    assert config["disabledExtensions"] == list(DISABLED_EXTENSIONS)
    lab = json.loads((lite_dir / "lab" / "package.json").read_text())["jupyterlab"]
    packages = set(lab["extensions"]) | set(lab["mimeExtensions"])
    code = "".join(p.read_text(errors="replace") for p in (lite_dir / "build").glob("*.js"))
    for name in DISABLED_EXTENSIONS:  # a package of the lab app, or a plugin id (or its package part) in its code
        found = f'id:"{name}"' in code if ":" in name else name in packages or f'id:"{name}:' in code
        assert found, f"{name} (disabledExtensions) is no package or plugin of this JupyterLab"
    build = lite_dir / "build"
    for feature, ids in feature_chunk_ids(build).items():
        assert ids, f"no chunk load of {feature} found: the pruning would not notice it coming back"
        left = [p.name for i in ids for p in build.glob(f"{i}.*.js")]
        assert left == [], f"chunks only {feature} loads are shipped: {left}"
    for feature, pattern in FEATURE_ASSETS.items():
        assets = [p.name for p in build.rglob("*") if pattern.fullmatch(p.name)]
        assert assets == [], f"{feature}'s files are shipped: {assets[:5]}"
    schemas = build / "schemas"
    assert sorted(p.name for p in schemas.iterdir()) == sorted(SCHEMA_LISTS), "per-plugin schema files are shipped"
    ids = [e["id"] for e in json.loads((schemas / "all.json").read_text())]
    assert "@jupyterlab/notebook-extension:tracker" in ids
    assert [i for i in ids if i in DISABLED_EXTENSIONS or i.split(":")[0] in DISABLED_EXTENSIONS] == []


def test_codemirror_knows_the_kept_languages_only_and_the_others_code_is_left_out(lite_dir):
    """JupyterLab's language registry lists KEPT_LANGUAGES and the languages whose code ships anyway (Markdown's own
    code loads HTML, CSS and JavaScript), not Rust, PHP, Java or SQL, and their parsers are not shipped
    (tools/lite/chunks.py prune_languages)."""
    from tools.lite.chunks import language_registry
    from tools.lite.config import KEPT_LANGUAGES

    texts = [p.read_text(errors="replace") for p in (lite_dir / "build").glob("*.js")]
    registries = [found for text in texts if (found := language_registry(text))]
    assert len(registries) == 1, f"{len(registries)} language registries in build/"
    names = {name for name, _ in registries[0][2]}
    assert names >= KEPT_LANGUAGES
    assert names <= KEPT_LANGUAGES | {"CSS", "HTML", "Javascript", "JSX", "TypeScript", "TSX"}, "languages kept"
    parsers = {name for text in texts for name in re.findall(r'LRLanguage\.define\(\{name:"([\w+-]+)"', text)}
    assert {"python", "cpp"} <= parsers
    assert parsers.isdisjoint({"rust", "php", "java", "sql", "xml", "wast"}), f"parsers shipped: {parsers}"


def test_no_script_carries_an_inline_source_map_and_no_build_set_up_is_shipped(lite_dir):
    """anywidget's bundles carried their source maps inline (0.2 MB, read by developer tools only); jupyter lite build
    copied rspack's configs and jupyter-lite.json's schema to the root (tools/lite/chunks.py)."""
    from tools.lite.chunks import BUILD_LEFTOVERS, INLINE_SOURCE_MAP

    inline = [p.name for p in lite_dir.rglob("*.js") if INLINE_SOURCE_MAP.search(p.read_text(errors="replace"))]
    assert inline == [], f"scripts with an inline source map: {inline}"
    assert [name for name in BUILD_LEFTOVERS if (lite_dir / name).exists()] == []
    assert list((lite_dir / "extensions" / "anywidget" / "static").glob("remoteEntry.*.js")), "anywidget is gone"


# ------------------------------------------------------------------------------------------- browser


def test_requests_off_loopback_are_aborted_and_counted(lite_page):
    """The guard itself: a fetch from the page and one from a web worker are both caught."""
    lite = lite_page
    lite.page.goto(lite.url("00_start_here.ipynb"))
    lite.page.wait_for_selector(".jp-NotebookPanel")
    lite.page.evaluate(
        """async () => {
          await fetch("https://cdn.jsdelivr.net/probe-from-page").catch(() => null);
          const code = 'fetch("https://cdn.jsdelivr.net/probe-from-worker").catch(() => 0).then(() => postMessage(1))';
          const worker = new Worker(URL.createObjectURL(new Blob([code], {type: "text/javascript"})));
          await new Promise(resolve => { worker.onmessage = resolve; });
        }"""
    )
    assert sorted(lite.external) == [
        "https://cdn.jsdelivr.net/probe-from-page",
        "https://cdn.jsdelivr.net/probe-from-worker",
    ]
    lite.external.clear()  # counted as expected; the fixture's own check must not fail on them


@pytest.mark.parametrize("name", notebooks())
def test_run_all_completes_offline(lite_page, name):
    lite = lite_page
    times = lite.open(name)
    took = lite.run_all()
    print(f"[lite] {name}: shown {times['shown']:.1f} s, kernel {times['kernel']:.1f} s, Run All {took:.1f} s")
    assert_clean(lite)
    assert any(r.endswith("pyodide.asm.wasm") for r in lite.requests), "the kernel's requests were not seen"
    committed = json.loads((REPO_ROOT / "notebooks" / name).read_text())
    views = sum(
        "application/vnd.jupyter.widget-view+json" in out.get("data", {})
        for cell in committed["cells"]
        for out in cell.get("outputs", [])
    )
    if views:
        rendered = lite.page.locator(".jp-OutputArea-output .jupyter-widgets").count()
        assert rendered >= views, f"{name}: {rendered} widget views rendered, {views} in the committed notebook"
    assert_figures_drawn(lite, name)
    assert lite.page_errors == [], f"page errors: {lite.page_errors}"


def test_the_mapping_word_answers_a_bit_click(lite_page):
    lite = lite_page
    lite.open("01_the_mapping_word.ipynb")
    lite.run_all()
    widget = lite.page.locator(".folioviz-mapping-word").first
    widget.scroll_into_view_if_needed()
    kind = widget.locator(".fv-kind").first
    expect(kind).to_have_text("file")
    bit_button(widget, 0).click()
    expect(kind, "the kind did not change after clicking bit 0 in the browser kernel").to_have_text("anon")
    bit_button(widget, 0).click()
    expect(kind).to_have_text("file")
    assert_clean(lite)


# Listens to plotly's animation events on a figure's graph div; returns how many frames the figure holds.
ANIMATION_SPY = """(plot) => {
  const gd = plot.querySelector(".js-plotly-plot");
  window.__fvFrames = [];
  gd.on("plotly_animatingframe", event => window.__fvFrames.push(event.name));
  return gd._transitionData._frames.length;
}"""


def test_a_plotly_figure_draws_and_its_animation_plays(lite_page):
    lite = lite_page
    lite.open("02_page_cache_refcounts.ipynb")
    lite.run_all()
    figure = lite.page.locator(PLOTS).first
    scroll_to(figure, "the first figure of 02")
    expect(figure.locator(".main-svg").first, "plotly drew no SVG").to_be_visible()
    expect(figure.locator(".main-svg .trace, .main-svg .barlayer, .main-svg .scatterlayer").first).to_be_attached()
    # plotly.js is the site's cartesian bundle, loaded once from the renderer's own folder; it registers exactly
    # the 2-D trace types tools/lite/config.py names (PLOTLY_TRACES, quoted by the README).
    bundle = f"/extensions/{PLOTLY_EXTENSION}/static/{PLOTLY_BUNDLE}"
    loaded = lite.page.evaluate(
        "(bundle) => performance.getEntriesByType('resource').filter(e => e.name.endsWith(bundle)).length", bundle
    )
    assert loaded == 1, f"the page loaded {bundle} {loaded} times"
    assert not [r for r in lite.requests if "jupyterlab-plotly" in r]
    registered = lite.page.evaluate("() => Object.keys(window.Plotly.PlotSchema.get().traces).sort()")
    assert registered == sorted(PLOTLY_TRACES)
    # The animation plays its frames: the figure's own play button steps through them.
    frames = len(committed_figures("02_page_cache_refcounts.ipynb")[0]["frames"])
    assert figure.evaluate(ANIMATION_SPY) == frames
    figure.locator(".updatemenu-button").first.click()
    lite.page.wait_for_function("() => new Set(window.__fvFrames).size >= 3", timeout=60_000)
    # Displaying the figures imported neither nbformat nor jsonschema (the site ships neither).
    run_own_cell(
        lite, 'import sys; print("loaded:", [m for m in sys.modules if m.split(".")[0] in ("nbformat", "jsonschema")])'
    )
    expect(lite.page.locator(".jp-OutputArea-output", has_text="loaded: []")).to_have_count(1)
    # A figure of the reader's own (a plain go.Figure) draws too, without an error.
    plots = lite.page.locator(PLOTS).count()
    run_own_cell(lite, "import plotly.graph_objects as go; go.Figure(go.Bar(y=[1, 2]))")
    expect(lite.page.locator(PLOTS), "a plain go.Figure has no output").to_have_count(plots + 1)
    own = lite.page.locator(PLOTS).last
    scroll_to(own, "a plain go.Figure")
    expect(own.locator(".main-svg .barlayer .trace"), "a plain go.Figure did not draw").to_have_count(1)
    assert_clean(lite)


def test_a_figure_is_drawn_once_scrolled_to(lite_page):
    """The renderer draws a figure only when it comes within 200 px of the view; until then its output keeps the
    figure's height. The site's notebooks have no stored outputs: notebook 02 is run, saved (in the browser's storage)
    and opened again with its outputs, and its last figure is far below the first screen."""
    lite = lite_page
    lite.open("02_page_cache_refcounts.ipynb")
    lite.run_all()
    tab = lite.page.locator(".lm-TabBar-tab.jp-mod-current")
    expect(tab).to_have_class(re.compile(r"\bjp-mod-dirty\b"))
    lite.page.get_by_role("menuitem", name="File", exact=True).click()
    lite.page.locator("li[data-command='docmanager:save']").click()
    expect(tab).not_to_have_class(re.compile(r"\bjp-mod-dirty\b"))
    lite.open("02_page_cache_refcounts.ipynb")
    figure = lite.page.locator(PLOTS).last
    height = committed_figures("02_page_cache_refcounts.ipynb")[-1]["layout"]["height"]
    expect(figure).to_have_attribute("data-fv-lazy", "waiting")
    below = figure.evaluate("(plot) => plot.getBoundingClientRect().top - window.innerHeight")
    assert below > 200, f"the figure is only {below:.0f} px below the view"
    assert figure.locator(".main-svg").count() == 0, "a figure out of view was drawn"
    assert figure.evaluate("(plot) => plot.getBoundingClientRect().height") >= height, "no placeholder height"
    scroll_to(figure, "the last figure of 02")
    expect(figure.locator(".main-svg").first).to_be_visible()
    assert_clean(lite)


# A figure with a 3-D trace, as a cell of the reader's own might display it (plotly.js's cartesian bundle has none).
UNSUPPORTED_FIGURE = (
    "from IPython.display import display; display({'application/vnd.plotly.v1+json': {'data': ["
    "{'type': 'scatter3d', 'x': [1], 'y': [2], 'z': [3]}, {'type': 'bar', 'y': [1, 2]}], 'layout': {}}}, raw=True)"
)


def test_a_figure_the_browser_build_cannot_draw_says_so(lite_page):
    lite = lite_page
    lite.open("00_start_here.ipynb")
    run_own_cell(lite, UNSUPPORTED_FIGURE)
    note = lite.page.locator(f"{PLOTS} .fv-plotly-unsupported")
    expect(note, "no message for a trace type the browser build lacks").to_be_visible(timeout=120_000)
    expect(note).to_contain_text("scatter3d")
    expect(note).to_contain_text("2-D charts")
    expect(note).to_contain_text("make lab")
    for kind in ("bar", "scatter", "heatmap"):
        expect(note).to_contain_text(kind)
    assert lite.page_errors == [], lite.page_errors


# A fresh kernel imports folioviz and its figures' and widgets' modules: every one from its shipped bytecode
# (tools/lite/bytecode.py), none compiled from source in the browser; libraries by Python's sourceless loader.
# (One statement a line, none indented: the cell is typed into the editor, which indents on its own.)
BYTECODE_PROBE = """import importlib.machinery as machinery, sys
compiled = []
source_to_code = machinery.SourceFileLoader.source_to_code
spy = lambda self, data, path, *args, **kw: compiled.append(path) or source_to_code(self, data, path, *args, **kw)
machinery.SourceFileLoader.source_to_code = spy
import folioviz, folioviz.widgets, ipywidgets, anywidget, plotly.graph_objects
machinery.SourceFileLoader.source_to_code = source_to_code
print("from source:", [p for p in compiled if "site-packages" in p], type(plotly.__loader__).__name__)"""


# What the kernel's start-up leaves for later (tools/lite/patches.py, config.DEFERRED): micropip is not imported and
# plotly not installed until asked for; then they are there (plotly through folioviz's finder, micropip through %pip).
# IPython's terminal shell is not imported at start, and asking for it says the browser build has none (STAND_INS);
# jedi is not shipped (IPython's own completer answers Tab), so it is never imported.
START_UP_PROBE = """import os, sys, sysconfig
from folioviz import MappingWordWidget
site = sysconfig.get_paths()["purelib"]
later = ("IPython.terminal.embed", "prompt_toolkit", "micropip", "jedi", "plotly")
before = ([m for m in later if m in sys.modules], os.path.isdir(site + "/plotly"))
exec("try:\\n    from IPython import embed\\nexcept ImportError as error:\\n    embed = str(error).split(':')[0]")
import folioviz.render.figures
after = (embed, folioviz.render.figures.go.Figure.__module__, os.path.isdir(site + "/plotly"))
print("at start:", before, "asked for:", after)"""


# The kernel's own completion (what Tab asks), by IPython's own completer: the site ships no jedi, which typed a class
# 'class'; IPython's types names of the namespace 'variable'.
COMPLETION_PROBE = """kernel = sys.modules["pyodide_kernel"].kernel_instance
reply = kernel.complete("MappingWordWid", 14)
types = [c["type"] for c in reply["metadata"]["_jupyter_types_experimental"]]
print("completion:", reply["matches"], types, "jedi" in sys.modules)"""

# ipywidgets' deprecated class attributes stay quiet when traitlets sets a widget class up, as natively, and still
# warn a reader who reads one (tools/lite/patches.py: traitlets ships as bytecode only in the site).
WIDGET_CLASS_PROBE = """import warnings, ipywidgets
recorder = warnings.catch_warnings(record=True); caught = recorder.__enter__(); warnings.simplefilter("always")
Probe = type("Probe", (ipywidgets.DOMWidget,), {})
quiet = len(caught)
ipywidgets.Widget.widgets
recorder.__exit__(None, None, None); print("deprecations:", quiet, len(caught))"""


def test_the_kernel_starts_light_and_imports_the_shipped_bytecode(lite_page):
    lite = lite_page
    lite.open("01_the_mapping_word.ipynb")
    run_own_cell(lite, START_UP_PROBE)
    expect(lite.page.locator(".jp-OutputArea-output", has_text="at start:")).to_have_text(
        "at start: ([], False) asked for: ('IPython.terminal.embed is not in this browser build of folioviz', "
        "'plotly.graph_objs._figure', True)",
        timeout=120_000,
    )
    run_own_cell(lite, BYTECODE_PROBE)
    expect(lite.page.locator(".jp-OutputArea-output", has_text="from source:")).to_have_text(
        "from source: [] SourcelessFileLoader", timeout=120_000
    )
    run_own_cell(lite, '%pip install narwhals\nimport sys; print("pip:", "micropip" in sys.modules)')
    expect(lite.page.locator(".jp-OutputArea-output", has_text="pip:")).to_have_text("pip: True", timeout=120_000)
    run_own_cell(lite, COMPLETION_PROBE)
    expect(lite.page.locator(".jp-OutputArea-output", has_text="completion:")).to_have_text(
        "completion: ['MappingWordWidget'] ['variable'] False", timeout=120_000
    )
    run_own_cell(lite, WIDGET_CLASS_PROBE)
    expect(lite.page.locator(".jp-OutputArea-output", has_text="deprecations:")).to_have_text(
        "deprecations: 0 1", timeout=120_000
    )
    assert_clean(lite)


# A live object of the reader's own, whose attributes Tab should offer (one line: the cell is typed).
LIVE_OBJECT = 'probe = type("Probe", (), {"alpha_one": 1, "alpha_two": 2})()'


def test_tab_completes_with_ipythons_own_completer(lite_page):
    """The site ships no jedi (tools/lite/patches.py): Tab offers IPython's own completions, a module's names and a
    live object's attributes, and the kernel never imported jedi."""
    lite = lite_page
    page = lite.page
    lite.open("00_start_here.ipynb")
    run_own_cell(lite, 'import sys, folioviz; print("jedi:", "jedi" in sys.modules, get_ipython().Completer.use_jedi)')
    expect(page.locator(".jp-OutputArea-output", has_text="jedi:")).to_have_text("jedi: False False", timeout=120_000)
    run_own_cell(lite, LIVE_OBJECT)
    for typed, offered in (("folioviz.dec", ("decode",)), ("probe.alpha_", ("alpha_one", "alpha_two"))):
        page.keyboard.press("Escape")
        page.keyboard.press("b")
        page.keyboard.press("Enter")
        page.keyboard.type(typed)
        page.keyboard.press("Tab")
        items = page.locator(".jp-Completer .jp-Completer-item")
        editor = page.locator(".jp-Notebook .jp-Cell.jp-mod-active .cm-content")
        if len(offered) == 1:  # one completion: JupyterLab inserts it (or lists it, if the kernel sent more)
            both = items.filter(has_text=offered[0]).or_(editor.filter(has_text=f".{offered[0]}"))
            expect(both.first, f"Tab after {typed} offered no {offered[0]}").to_be_visible(timeout=60_000)
        else:
            for name in offered:
                expect(items.filter(has_text=name), f"Tab after {typed} offered no {name}").to_have_count(
                    1, timeout=60_000
                )
        page.keyboard.press("Escape")
    assert_clean(lite)


def test_a_quiz_checks_an_answer(lite_page):
    from folioviz.widgets import NullHelperQuiz

    expected = NullHelperQuiz("0xffff88810a2b3c42", "6.4").expected  # the model's answer, natively
    lite = lite_page
    lite.open("01_the_mapping_word.ipynb")
    lite.run_all()
    quiz = lite.page.locator(".fv-quiz", has=lite.page.locator("input[type=checkbox]")).first
    quiz.scroll_into_view_if_needed()
    quiz.get_by_role("button", name="Check").click()
    expect(quiz.locator(".fv-feedback.fv-wrong"), "nothing ticked should be wrong").to_be_visible()
    for name in expected:
        quiz.get_by_role("checkbox", name=name, exact=True).check()
    quiz.get_by_role("button", name="Check").click()
    expect(quiz.locator(".fv-feedback.fv-right"), f"ticking {sorted(expected)} should be right").to_be_visible()
    assert_clean(lite)


def test_browser_notes_era_default_and_presenter_mode(lite_page):
    lite = lite_page
    lite.open("00_start_here.ipynb")
    lite.run_all()
    page = lite.page
    expect(
        page.locator(".jp-OutputArea-output", has_text="In the browser: there is no `make lab ERA=...`")
    ).to_have_count(1)
    expect(page.locator(".jp-OutputArea-output", has_text="v6.0-v6.16").first).to_be_attached()
    # A cell of the reader's own: switch the default era and presenter mode, then make a widget.
    run_own_cell(
        lite,
        'import folioviz; folioviz.set_default_era("latest"); folioviz.presenter_mode(True); '
        'folioviz.MappingWordWidget("0xffff888003a1c002")',
    )
    widget = page.locator(".folioviz-mapping-word.fv-presenter")
    expect(widget, "no presenter-mode widget after presenter_mode(True)").to_have_count(1)
    expect(widget.locator(".fv-kind").first, "the movable tag is no encoding in v6.17+").to_have_text("invalid")
    assert_clean(lite)


KEPT_PLUGINS = 198


def test_every_plugin_the_site_keeps_activates(lite_page):
    """The chunk pruning of JupyterLab's bundles (tools/lite/chunks.py) cut only what the disabled extensions load:
    every plugin the site keeps activates, and no file any of them asks for is missing.

    The app is reached through JupyterLab's ``exposeAppInBrowser`` option, set for this test only (its
    jupyter-lite.json answers are amended on the way in); the site itself is not changed.
    """
    from tools.lite.config import DISABLED_EXTENSIONS

    lite = lite_page
    missing: list[str] = []
    lite.page.on("response", lambda response: missing.append(response.url) if response.status >= 400 else None)
    expose_app(lite)
    lite.open("00_start_here.ipynb")
    lite.page.wait_for_function("() => window.jupyterapp !== undefined", timeout=60_000)
    opened = set(lite.requests)
    result = lite.page.evaluate(
        """async () => {
          const app = window.jupyterapp;
          const ids = app.listPlugins();
          const failed = [];
          for (const id of ids) {
            if (app.isPluginActivated(id)) continue;
            try { await app.activatePlugin(id); } catch (error) { failed.push(`${id}: ${error}`); }
          }
          return {ids, failed, inactive: ids.filter(id => !app.isPluginActivated(id))};
        }"""
    )
    chunks = sorted({url.rsplit("/", 1)[-1] for url in set(lite.requests) - opened if url.endswith(".js")})
    print(f"[lite] {len(result['ids'])} plugins kept, all active; deferred ones loaded {len(chunks)} more script(s)")
    # JupyterLab's own plugins and the extensions': 218 until the cuts of 2026-12-07 (tools/lite/config.py
    # DISABLED_EXTENSIONS: mathjax, the file viewers, the inspector, the language servers), 197 since, 198 with
    # folioviz-early-kernel's plugin
    assert len(result["ids"]) == KEPT_PLUGINS, f"{len(result['ids'])} plugins kept, not {KEPT_PLUGINS}"
    assert not [i for i in result["ids"] if i.startswith(DISABLED_EXTENSIONS)], "a disabled extension was loaded"
    assert result["failed"] == [], result["failed"]
    assert result["inactive"] == [], result["inactive"]
    assert missing == [], f"files the site lacks: {missing}"
    assert lite.page_errors == [], lite.page_errors


# A Markdown cell of a learner's own: fences in C and Python (highlighted) and in Rust (the site's registry forgets it)
FENCES = "Code:\n\n```c\nint mapped = 1;\n```\n\n```rust\nfn main() {}\n```\n\n```python\nimport os\n```\n"


def test_fences_of_languages_the_site_lacks_show_as_plain_code(lite_page):
    """The languages left out of CodeMirror's registry (tools/lite/chunks.py prune_languages): a ```rust fence renders
    as plain code, with no error and nothing missing fetched; a ```c and a ```python fence and the code cells are
    highlighted."""
    lite = lite_page
    page = lite.page
    missing: list[str] = []
    page.on("response", lambda response: missing.append(response.url) if response.status >= 400 else None)
    lite.open("00_start_here.ipynb")
    highlighted = page.locator(".jp-CodeCell .cm-content .cm-line span[class]")
    expect(highlighted.first, "the Python code cells are not highlighted").to_be_attached()
    page.locator(".jp-NotebookPanel .jp-Cell").last.click()
    page.keyboard.press("Escape")
    page.keyboard.press("b")
    page.keyboard.press("m")
    page.keyboard.press("Enter")
    page.keyboard.insert_text(FENCES)
    page.keyboard.press("Shift+Enter")
    rendered = page.locator(".jp-MarkdownCell .jp-RenderedMarkdown", has_text="int mapped")
    expect(rendered).to_have_count(1)
    codes = rendered.locator("pre code")
    expect(codes).to_have_count(3)
    expect(codes.nth(0)).to_have_text("int mapped = 1;")
    expect(codes.nth(1)).to_have_text("fn main() {}")
    expect(codes.nth(2)).to_have_text("import os")
    expect(codes.nth(2).locator("span").first, "the Python fence is not highlighted").to_be_attached()
    expect(codes.nth(0).locator("span").first, "the C fence is not highlighted").to_be_attached()
    assert codes.nth(1).locator("span").count() == 0, "the Rust fence is highlighted: is Rust back in the registry?"
    # editing the cell again (CodeMirror's Markdown mode highlights fences by the registry too)
    rendered.dblclick()
    expect(page.locator(".jp-MarkdownCell .cm-content", has_text="int mapped")).to_be_visible()
    page.keyboard.press("Shift+Enter")
    expect(rendered).to_have_count(1)
    assert missing == [], f"files the site lacks: {missing}"
    chunk_errors = [e for e in lite.console_errors if "chunk" in e.lower() or "language" in e.lower()]
    assert chunk_errors == [], chunk_errors
    assert_clean(lite)


def test_what_a_learner_keeps_works(lite_page):
    """What the cuts of DISABLED_EXTENSIONS leave a learner: the file browser lists the notebooks, the table of
    contents the headings, the themes switch (dark, high contrast, light), the settings editor opens, Shift+Tab shows
    a docstring (the inspector panel is cut), Markdown with ``$...$`` shows its text (MathJax is cut) and the
    notebook saves; no file the pages ask for is missing, and the settings' schema lists are fetched once each."""
    lite = lite_page
    page = lite.page
    missing: list[str] = []
    page.on("response", lambda response: missing.append(response.url) if response.status >= 400 else None)
    schema_lists: list[str] = []  # the page's own requests (the service worker's pass-throughs are not the page's)
    page.on("request", lambda r: schema_lists.append(r.url) if "/build/schemas/all" in r.url else None)
    lite.open("00_start_here.ipynb")
    # JupyterLite's settings service fetches each schema list once (tools/lite/chunks.py fetch_settings_once)
    assert sorted(url.rsplit("/", 1)[-1].split("?")[0] for url in schema_lists) == ["all.json", "all_federated.json"]
    if not page.locator(".jp-FileBrowser").is_visible():
        page.locator(".jp-SideBar.jp-mod-left li[data-id='filebrowser']").click()
    listed = page.locator(".jp-FileBrowser .jp-DirListing-itemText")
    expect(listed.filter(has_text="01_the_mapping_word.ipynb")).to_have_count(1)
    assert sorted(listed.all_text_contents()) == notebooks()
    page.locator(".jp-SideBar.jp-mod-left li[data-id='table-of-contents']").click()
    expect(page.locator(".jp-TableOfContents-content .jp-tocItem").first).to_be_visible()
    for theme, light in (
        ("JupyterLab Dark", "false"),
        ("JupyterLab Dark High Contrast", "false"),
        ("JupyterLab Light", "true"),
    ):
        page.get_by_role("menuitem", name="Settings", exact=True).click()
        page.locator(".lm-Menu-item[data-type='submenu']:has(.lm-Menu-itemLabel:text-is('Theme'))").click()
        page.locator(f".lm-Menu-item:has(.lm-Menu-itemLabel:text-is({json.dumps(theme)}))").click()
        expect(page.locator(f"body[data-jp-theme-name={json.dumps(theme)}]")).to_have_count(1)
        expect(page.locator("body")).to_have_attribute("data-jp-theme-light", light)
    # Shift+Tab on a name: its docstring in a tooltip, from the browser kernel
    run_own_cell(lite, "import folioviz")
    page.keyboard.press("Escape")
    page.keyboard.press("b")
    page.keyboard.press("Enter")
    page.keyboard.type("folioviz.presenter_mode")
    page.keyboard.press("Shift+Tab")
    expect(page.locator(".jp-Tooltip"), "Shift+Tab showed no tooltip").to_contain_text("presenter", timeout=60_000)
    page.keyboard.press("Escape")
    # Markdown with math: the text as typed, no MathJax
    page.keyboard.press("Escape")
    page.keyboard.press("b")
    page.keyboard.press("m")
    page.keyboard.press("Enter")
    page.keyboard.type("The mapping word is $m = 8 \\cdot k + 1$ here")
    page.keyboard.press("Shift+Enter")
    rendered = page.locator(".jp-MarkdownCell .jp-RenderedMarkdown", has_text="The mapping word is")
    expect(rendered).to_contain_text("$m = 8 \\cdot k + 1$")
    assert rendered.locator("mjx-container, .MathJax").count() == 0
    # saving: the notebook is dirty after the edits, clean after Ctrl+S
    tab = page.locator(".lm-TabBar-tab.jp-mod-current")
    expect(tab).to_have_class(re.compile(r"\bjp-mod-dirty\b"))
    page.keyboard.press("Control+s")
    expect(tab).not_to_have_class(re.compile(r"\bjp-mod-dirty\b"))
    page.get_by_role("menuitem", name="Settings", exact=True).click()
    page.locator(".lm-Menu-item:has(.lm-Menu-itemLabel:text-is('Settings Editor'))").click()
    expect(page.locator(".jp-PluginList").get_by_text("Notebook", exact=True).first).to_be_visible()
    assert missing == [], f"files the site lacks: {missing}"
    assert_clean(lite)


# ------------------------------------------------------------------------- the kernel's early start

EARLY = "folioviz-early-kernel"
NOTEBOOK_01 = "01_the_mapping_word.ipynb"
# In the page, from its first script: every web worker made (url, when) and when a notebook panel was first attached.
WATCH_WORKERS = """(() => {
  window.__fvWorkers = [];
  const Made = window.Worker;
  window.Worker = class extends Made {
    constructor(url, options) {
      super(url, options);
      window.__fvWorkers.push({url: String(url), at: performance.now()});
    }
  };
  new MutationObserver((changes, observer) => {
    if (document.querySelector(".jp-NotebookPanel")) {
      window.__fvPanelAt = performance.now();
      observer.disconnect();
    }
  }).observe(document, {subtree: true, childList: true});
})();"""
KERNEL_WORKERS = "() => window.__fvWorkers.filter(w => /\\/(comlink|coincident)\\.worker\\./.test(w.url))"
EARLY_MARKS = f"(what) => performance.getEntriesByName('{EARLY}:' + what).map(mark => mark.detail)"
# The sessions and kernels JupyterLite runs, as its services list them now.
RUNNING = """async () => {
  const {sessions, kernels} = window.jupyterapp.serviceManager;
  await sessions.refreshRunning();
  await kernels.refreshRunning();
  return {
    sessions: [...sessions.running()].map(s => ({path: s.path, kernel: s.kernel.id, name: s.kernel.name})).sort(
      (a, b) => a.path.localeCompare(b.path)),
    kernels: [...kernels.running()].map(k => ({id: k.id, name: k.name})),
  };
}"""
# The status of the kernel of the open notebook ``path`` (its widget's session), or null.
KERNEL_STATUS_OF = """(path) => {
  for (const widget of window.jupyterapp.shell.widgets("main")) {
    if (widget.context && widget.context.path === path) {
      const session = widget.context.sessionContext.session;
      return session && session.kernel ? session.kernel.status : null;
    }
  }
  return null;
}"""


def expose_app(lite: LitePage) -> None:
    """Reach the app as window.jupyterapp: JupyterLab's ``exposeAppInBrowser`` option, set for this test only (its
    jupyter-lite.json answers are amended on the way in); the site itself is not changed."""

    def expose(route):  # type: ignore[no-untyped-def]
        response = route.fetch()
        data = response.json()
        data.setdefault("jupyter-config-data", {})["exposeAppInBrowser"] = "true"
        route.fulfill(response=response, json=data)

    lite.page.route("**/jupyter-lite.json", expose)


def test_the_notebooks_kernel_boots_while_jupyterlab_starts_and_is_its_only_kernel(lite_page):
    """folioviz-early-kernel starts the kernel of the notebook the URL names while JupyterLab starts: its worker is
    made before the notebook panel is, and the notebook's session adopts it (tools/lite/chunks.py
    adopt_early_kernels). After Run All it is the one kernel and the notebook the one session; it is JupyterLab's
    default kernel for the notebook; the files the kernel writes are in the notebook's folder; a restart keeps it; a
    second notebook opened gets a kernel of its own."""
    lite = lite_page
    page = lite.page
    expose_app(lite)
    page.add_init_script(WATCH_WORKERS)
    lite.open(NOTEBOOK_01)
    started = page.evaluate(EARLY_MARKS, "started")
    assert [(s["path"], s["location"]) for s in started] == [(NOTEBOOK_01, "")], started
    kernel = started[0]["kernel"]
    assert [a["kernel"] for a in page.evaluate(EARLY_MARKS, "adopted")] == [kernel]
    workers = page.evaluate(KERNEL_WORKERS)
    assert len(workers) == 1, f"kernel workers made: {workers}"
    assert workers[0]["at"] < page.evaluate("window.__fvPanelAt"), "the kernel's worker was made after the notebook"
    lite.run_all()
    assert_clean(lite)
    expect(page.locator(".folioviz-mapping-word .fv-kind").first).to_be_visible()
    default = page.evaluate("() => window.jupyterapp.serviceManager.kernelspecs.specs.default")
    running = page.evaluate(RUNNING)
    assert running == {
        "sessions": [{"path": NOTEBOOK_01, "kernel": kernel, "name": default}],
        "kernels": [{"id": kernel, "name": default}],
    }
    display = page.evaluate(
        "(name) => window.jupyterapp.serviceManager.kernelspecs.specs.kernelspecs[name].display_name", default
    )
    expect(page.locator(KERNEL_NAME)).to_have_text(display)
    # what the kernel writes is in the notebook's folder (JupyterLite's drive), where the file browser lists it
    run_own_cell(
        lite,
        'import os; open("written_by_the_kernel.txt", "w").write("early"); '
        f'print("kernel folder:", os.getcwd(), "{NOTEBOOK_01}" in os.listdir("."))',
    )
    expect(page.locator(".jp-OutputArea-output", has_text="kernel folder:")).to_have_text(
        "kernel folder: /drive True", timeout=120_000
    )
    written = page.evaluate(
        "async (path) => (await window.jupyterapp.serviceManager.contents.get(path, {content: true})).content",
        "written_by_the_kernel.txt",
    )
    assert base64.b64decode(written) == b"early"  # the kernel's drive writes a file's bytes
    # a restart: the same kernel, with a fresh namespace, in a new worker
    page.evaluate("() => window.jupyterapp.shell.currentWidget.context.sessionContext.restartKernel().then(() => 1)")
    wait_for_function(page, KERNEL_READY, "the kernel to be ready after its restart", 120_000)
    run_own_cell(lite, 'print("after restart:", 6 * 7, "os" in dir())')
    expect(page.locator(".jp-OutputArea-output", has_text="after restart:")).to_have_text(
        "after restart: 42 False", timeout=120_000
    )
    assert page.evaluate(RUNNING)["kernels"] == [{"id": kernel, "name": default}]
    assert len(page.evaluate(KERNEL_WORKERS)) == 2
    # a second notebook: its own session and kernel, started by its session (nothing early to adopt)
    second = "00_start_here.ipynb"
    page.evaluate("(path) => window.jupyterapp.commands.execute('docmanager:open', {path}).then(() => 1)", second)
    wait_for_function(
        page, f"(path) => ({KERNEL_STATUS_OF})(path) === 'idle'", f"the kernel of {second}", 120_000, arg=second
    )
    running = page.evaluate(RUNNING)
    assert [s["path"] for s in running["sessions"]] == [second, NOTEBOOK_01]
    assert running["sessions"][1]["kernel"] == kernel
    assert running["sessions"][0]["kernel"] not in (kernel, None)
    assert sorted(k["id"] for k in running["kernels"]) == sorted(s["kernel"] for s in running["sessions"])
    assert len(page.evaluate(EARLY_MARKS, "adopted")) == 1
    assert_clean(lite)


def test_a_page_that_names_no_notebook_starts_no_kernel(lite_page):
    """``lab/index.html`` without a ``path``: folioviz-early-kernel starts nothing, and no kernel runs."""
    lite = lite_page
    page = lite.page
    expose_app(lite)
    page.add_init_script(WATCH_WORKERS)
    page.goto(f"{lite.base_url}lab/index.html")
    wait_for_function(page, "() => window.jupyterapp !== undefined", "JupyterLab to start", OPEN_TIMEOUT_MS)
    assert page.evaluate("() => window.jupyterapp.restored.then(() => true)")
    assert page.evaluate(EARLY_MARKS, "none") == [{"search": ""}]
    assert page.evaluate(EARLY_MARKS, "started") == []
    assert page.evaluate(KERNEL_WORKERS) == []
    assert page.evaluate(RUNNING) == {"sessions": [], "kernels": []}
    assert lite.page_errors == []


def test_a_url_naming_no_such_notebook_starts_no_kernel(lite_page):
    """``?path=`` naming a notebook that does not exist: folioviz-early-kernel says why it started nothing, and no
    kernel runs (an early kernel that no session would adopt)."""
    lite = lite_page
    page = lite.page
    expose_app(lite)
    page.add_init_script(WATCH_WORKERS)
    page.goto(lite.url("no_such_notebook.ipynb"))
    skipped = wait_for_function(
        page,
        f"() => ({EARLY_MARKS})('skipped').length ? ({EARLY_MARKS})('skipped') : null",
        "the early start to give up",
        OPEN_TIMEOUT_MS,
    )
    assert [s["path"] for s in skipped] == ["no_such_notebook.ipynb"], skipped
    assert page.evaluate("() => window.jupyterapp.restored.then(() => true)")
    assert page.evaluate(EARLY_MARKS, "started") == []
    assert page.evaluate(KERNEL_WORKERS) == []
    assert page.evaluate(RUNNING) == {"sessions": [], "kernels": []}


# ------------------------------------------------------------------------- the kernel's drive

# In the page, from its first script: every request the kernel's drive (JupyterLite's DriveFS, a synchronous request
# from the kernel's worker) sends through the service worker to the page, which answers it on its main thread.
WATCH_DRIVE = """(() => {
  window.__fvDrive = [];
  new BroadcastChannel("/sw-api.v1").addEventListener("message", (event) => {
    const message = event.data;
    if (message && !("response" in message) && message.data && message.data.method) {
      window.__fvDrive.push([message.data.method, message.data.path]);
    }
  });
})();"""
# A learner's files next to the notebook: a module (found by a cell after the one that wrote it, the folder having
# been listed before: tools/lite/patches.py lists the drive's folders once per cell) and a text file.
LEARNER_FILES = (
    'import importlib.util; print("listed:", importlib.util.find_spec("fv_learner_mod")); '
    'open("fv_learner_mod.py", "w").write("WHERE = __file__\\n"); '
    'open("fv_learner_notes.txt", "w").write("kept next to the notebook")'
)
LEARNER_IMPORT = (
    'import fv_learner_mod; print("learner module:", fv_learner_mod.WHERE, open("fv_learner_notes.txt").read())'
)
# In the same cell, after importlib.invalidate_caches() (as Python's documentation asks of a module made at run time).
SAME_CELL_IMPORT = (
    'open("fv_same_cell.py", "w").write("X = 2\\n"); import importlib; importlib.invalidate_caches(); '
    'import fv_same_cell; print("same cell:", fv_same_cell.X)'
)


def test_the_kernel_asks_its_drive_once_per_cell_and_a_learners_module_imports(lite_page):
    """The kernel works in the notebook's folder on JupyterLite's drive, where every request is a round trip through
    the page's main thread. Its finder for that folder (tools/lite/patches.py, drive_listed_once_per_cell) lists it
    once per cell instead of asking it once per module imported: notebook 01's Run All asks the drive at most
    once per code cell for the listing, once per file of the folder when it is first listed (the kernel's file system
    then knows it), and a few times at the kernel's start (its folder stat'ed before the patched kernel runs); the
    code cells' HTML(...) outputs each check whether their text names a file. Unpatched: 93 requests, 77 of them a
    stat of the folder, one per module imported. A learner's module written next to the notebook imports from the
    next cell on (in the same cell after importlib.invalidate_caches()), files are read and written relative to the
    notebook's folder, and the file browser lists them."""
    lite = lite_page
    page = lite.page
    page.add_init_script(WATCH_DRIVE)
    lite.open(NOTEBOOK_01)
    lite.run_all()
    assert_clean(lite)
    expect(page.locator(".folioviz-mapping-word .fv-kind").first).to_be_visible()
    requests = page.evaluate("() => window.__fvDrive")
    methods = Counter(method for method, _ in requests)
    notebook = json.loads((site_dir() / "files" / NOTEBOOK_01).read_text())
    code_cells = sum(cell["cell_type"] == "code" for cell in notebook["cells"])
    html_outputs = sum("HTML(" in "".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "code")
    start_up = 4
    bound = code_cells + 1 + len(notebooks()) + start_up + html_outputs
    assert methods["getattr"] <= start_up, f"the folder was stat'ed per import: {methods}"
    assert len(requests) <= bound, f"{len(requests)} drive requests (bound {bound}): {methods}, {requests[:40]}"
    run_own_cell(lite, LEARNER_FILES)
    expect(page.locator(".jp-OutputArea-output", has_text="listed:")).to_have_text("listed: None", timeout=120_000)
    run_own_cell(lite, LEARNER_IMPORT)
    expect(page.locator(".jp-OutputArea-output", has_text="learner module:")).to_have_text(
        "learner module: /drive/fv_learner_mod.py kept next to the notebook", timeout=120_000
    )
    run_own_cell(lite, SAME_CELL_IMPORT)
    expect(page.locator(".jp-OutputArea-output", has_text="same cell:")).to_have_text("same cell: 2", timeout=120_000)
    if not page.locator(".jp-FileBrowser").is_visible():
        page.locator(".jp-SideBar.jp-mod-left li[data-id='filebrowser']").click()
    listed = page.locator(".jp-FileBrowser .jp-DirListing-itemText")
    for name in ("fv_learner_mod.py", "fv_learner_notes.txt", "fv_same_cell.py"):
        expect(listed.filter(has_text=name), f"the file browser does not list {name}").to_have_count(1, timeout=60_000)
    assert_clean(lite)
