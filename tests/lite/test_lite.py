"""The JupyterLite build (``make lite``): its configuration names no CDN, and in a browser with the network cut
every notebook runs, the widgets answer clicks, the figures draw and the quizzes check answers.

The mapping word's bits are found by ``bit_button()``: the anywidget bit field's <button aria-label="bit N, role,
value"> (or the older ToggleButtons' ``fv-bit-<n>`` class). Clicking one goes through the browser kernel and back.
"""

from __future__ import annotations

import json
import zipfile

import pytest
from litekit import REPO_ROOT, LitePage, notebooks
from playwright.sync_api import expect

from tools.lite.config import KERNEL_EXTENSION, PYODIDE_DIR, check_config, external_urls

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
    with zipfile.ZipFile(next(pyodide.glob("jedi-*.whl"))) as whl:
        stubs = [n for n in whl.namelist() if "django-stubs" in n or "/typeshed/third_party/2and3/" in n]
    assert stubs == [], f"jedi ships stubs it never reads: {stubs[:3]}"
    with zipfile.ZipFile(next(pyodide.glob("pygments-*.whl"))) as whl:
        lexers = [n for n in whl.namelist() if n.startswith("pygments/lexers/")]
    python = {"pygments/lexers/python.py", "pygments/lexers/python.pyc"}  # .pyc alone once compiled (bytecode.py)
    assert python & set(lexers) and len(lexers) < 40, f"{len(lexers)} pygments lexer modules"


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
    for project in ("folioviz", "ipython", "ipywidgets", "traitlets", "jedi", "parso", "plotly"):
        assert compiled.get(project), f"no bytecode in the {project} wheel: {compiled}"
    # prompt_toolkit is IPython's terminal shell's, which the kernel no longer imports (tools/lite/patches.py).
    assert not compiled.get("prompt_toolkit"), "the kernel imports IPython's terminal shell again"
    with zipfile.ZipFile(pyodide / "python_stdlib.zip") as stdlib:
        pycs = {n: stdlib.read(n)[:8] for n in stdlib.namelist() if n.endswith(".pyc")}
        names = set(stdlib.namelist())
    assert {"json/__init__.pyc", "asyncio/__init__.pyc", "inspect.pyc"} <= set(pycs), "no bytecode in the stdlib"
    assert {header for header in pycs.values()} == {PYC_MAGIC + UNCHECKED_HASH.to_bytes(4, "little")}
    assert not [n for n in pycs if n[:-1] in names], "a stdlib module ships both as source and as bytecode"


def test_every_notebook_is_shipped(lite_dir):
    repo = sorted(p.name for p in (REPO_ROOT / "notebooks").glob("*.ipynb"))
    assert sorted(p.name for p in (lite_dir / "files").glob("*.ipynb")) == repo


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


def test_a_plotly_figure_draws(lite_page):
    lite = lite_page
    lite.open("02_page_cache_refcounts.ipynb")
    lite.run_all()
    figure = lite.page.locator(".js-plotly-plot").first
    figure.scroll_into_view_if_needed()
    expect(figure.locator(".main-svg").first, "plotly drew no SVG").to_be_visible()
    expect(figure.locator(".main-svg .trace, .main-svg .barlayer, .main-svg .scatterlayer").first).to_be_attached()
    # Displaying the figures imported neither nbformat nor jsonschema (the site ships neither).
    run_own_cell(
        lite, 'import sys; print("loaded:", [m for m in sys.modules if m.split(".")[0] in ("nbformat", "jsonschema")])'
    )
    expect(lite.page.locator(".jp-OutputArea-output", has_text="loaded: []")).to_have_count(1)
    # A figure of the reader's own (a plain go.Figure) draws too, without an error.
    drawn = lite.page.locator(".js-plotly-plot").count()
    run_own_cell(lite, "import plotly.graph_objects as go; go.Figure(go.Bar(y=[1, 2]))")
    expect(lite.page.locator(".js-plotly-plot"), "a plain go.Figure did not draw").to_have_count(drawn + 1)
    assert_clean(lite)


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


# What the kernel's start-up leaves for later (tools/lite/patches.py, config.DEFERRED): IPython's terminal shell and
# micropip and jedi are not imported and plotly not installed until asked for; then they are there (plotly through
# folioviz's finder, micropip through %pip, jedi through a completion).
START_UP_PROBE = """import os, sys, sysconfig
from folioviz import MappingWordWidget
site = sysconfig.get_paths()["purelib"]
later = ("IPython.terminal.embed", "prompt_toolkit", "micropip", "jedi", "plotly")
before = ([m for m in later if m in sys.modules], os.path.isdir(site + "/plotly"))
from IPython import embed
import folioviz.render.figures
after = (embed.__module__, folioviz.render.figures.go.Figure.__module__, os.path.isdir(site + "/plotly"))
print("at start:", before, "asked for:", after)"""


# The kernel's own completion (what Tab asks), typed by jedi as before.
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
        "at start: ([], False) asked for: ('IPython.terminal.embed', 'plotly.graph_objs._figure', True)",
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
        "completion: ['MappingWordWidget'] ['class'] True", timeout=120_000
    )
    run_own_cell(lite, WIDGET_CLASS_PROBE)
    expect(lite.page.locator(".jp-OutputArea-output", has_text="deprecations:")).to_have_text(
        "deprecations: 0 1", timeout=120_000
    )
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

    def expose(route):  # type: ignore[no-untyped-def]
        response = route.fetch()
        data = response.json()
        data.setdefault("jupyter-config-data", {})["exposeAppInBrowser"] = "true"
        route.fulfill(response=response, json=data)

    lite.page.route("**/jupyter-lite.json", expose)
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
    assert len(result["ids"]) > 100, result["ids"]  # JupyterLab's own plugins and the four extensions'
    assert not [i for i in result["ids"] if i.startswith(DISABLED_EXTENSIONS)], "a disabled extension was loaded"
    assert result["failed"] == [], result["failed"]
    assert result["inactive"] == [], result["inactive"]
    assert missing == [], f"files the site lacks: {missing}"
    assert lite.page_errors == [], lite.page_errors
