"""Run inside the site's Pyodide once the wheels and the standard library are cut (tools/lite/cuts.py runs it, through
pysmoke.mjs, for tools/lite/build.py and tests/lite): what a reader's cells do with plotly and the standard library
must still work, and what was cut must say so. Prints one line of JSON, {"problems": [...]}.

Not imported by anything: its text is run as a script (it imports only what the site ships).
"""

from __future__ import annotations

import json
import sys

problems: list[str] = []


def expect_ok(label: str, make: object) -> object:
    try:
        return make() if callable(make) else make
    except Exception as error:
        problems.append(f"{label}: {type(error).__name__}: {error}"[:400])
        return None


def expect_not_shipped(label: str, make: object) -> None:
    """``make()`` raises the browser build's own error, which names the part and says to use JupyterLab."""
    try:
        make() if callable(make) else None
    except ImportError as error:
        text = str(error)
        if "not in this browser build" not in text or "make lab" not in text:
            problems.append(f"{label}: raised {type(error).__name__} without the browser build's message: {text}"[:400])
    except Exception as error:
        problems.append(f"{label}: raised {type(error).__name__}, not the browser build's error: {error}"[:400])
    else:
        problems.append(f"{label}: worked, but the browser build cut it")


def check_plotly() -> None:
    import plotly.graph_objects as go
    import plotly.io as pio
    from plotly._browser_build import TRACES  # type: ignore[import-not-found]  # only in the slimmed wheel
    from plotly.subplots import make_subplots

    # Every kept trace type, by class, by add_<type> and by dict, with the default template; drawn as JSON.
    for kind in TRACES:
        cls = go.Figure()._data_validator.get_trace_class(kind)
        fig = expect_ok(f"go.{cls.__name__}", lambda cls=cls: go.Figure(cls(), layout={"template": "plotly"}))
        expect_ok(f"add_{kind}", lambda kind=kind: getattr(go.Figure(), f"add_{kind}")())
        expect_ok(f"dict {kind}", lambda kind=kind: go.Figure(data=[{"type": kind}]).to_json())
        if fig is not None:
            expect_ok(f"{kind} to_json", fig.to_json)  # type: ignore[attr-defined]
    # Every template plotly ships builds (each validates all it lists), and folioviz's lean_template reads one.
    for name in list(pio.templates):
        expect_ok(f"template {name}", lambda name=name: go.Figure(go.Scatter(y=[1]), layout_template=name).to_dict())
    data = {"x": [1, 2, 3], "y": (3, 1, 2), "z": [[1, 2], [3, 4]]}
    expect_ok("scatter of lists", lambda: go.Figure(go.Scatter(x=data["x"], y=data["y"], mode="lines+markers")))
    expect_ok("bar of categories", lambda: go.Figure(go.Bar(x=list("abc"), y=[1, 2, 3])).to_json())
    expect_ok("heatmap of rows", lambda: go.Figure(go.Heatmap(z=data["z"])).to_json())
    expect_ok("histogram", lambda: go.Figure(go.Histogram(x=[1.0, 2.5, 2.5])).to_json())
    expect_ok("layout", lambda: go.Figure().update_layout(title="t", xaxis_title="x", ternary_sum=1).to_json())
    expect_ok("frames", lambda: go.Figure(go.Bar(y=[1]), frames=[go.Frame(data=[go.Bar(y=[2])])]).to_dict())
    specs = [[{"type": "xy"}, {"type": "domain"}, {"type": "ternary"}]]
    expect_ok("make_subplots", lambda: make_subplots(rows=1, cols=3, specs=specs).to_json())
    doc = expect_ok("help(go.Bar)", lambda: __import__("pydoc").render_doc(go.Bar))
    # The properties' docstrings are cut (plotly_slim.strip_property_docstrings); the constructor documents each
    # argument, so go.Bar? and help(go.Bar) still do.
    for cls in (go.Bar, go.Scatter, go.Layout, go.layout.XAxis, go.scatter.Marker):
        if "Parameters" not in (cls.__init__.__doc__ or ""):
            problems.append(f"go.{cls.__name__}'s constructor documents no arguments")
    if "orientation" not in (go.Bar.__init__.__doc__ or "") or "orientation" not in str(doc):
        problems.append("help(go.Bar) does not document its orientation argument")
    if go.Bar.orientation.__doc__ or go.Scatter.cliponaxis.__doc__:
        problems.append("plotly's property docstrings are shipped again")

    # What was cut says so, wherever a reader may reach it.
    expect_not_shipped("go.Scatter3d()", lambda: go.Scatter3d(x=[1], y=[1], z=[1]))
    expect_not_shipped("add_scatter3d", lambda: go.Figure().add_scatter3d(x=[1]))
    expect_not_shipped("a scattergl dict", lambda: go.Figure(data=[{"type": "scattergl"}]))
    expect_not_shipped("layout scene", lambda: go.Figure().update_layout(scene={"xaxis_title": "x"}))
    expect_not_shipped("layout polar", lambda: go.Figure(layout={"polar": {"hole": 0.1}}))
    expect_not_shipped("update_scenes", lambda: make_subplots().update_scenes(aspectmode="cube"))
    expect_not_shipped("layout.geo.scope", lambda: setattr(go.Figure().layout.geo, "scope", "europe"))
    expect_not_shipped("polar subplots", lambda: make_subplots(specs=[[{"type": "polar"}]]))
    expect_not_shipped("go.scatter3d.Marker", lambda: go.scatter3d.Marker())
    expect_not_shipped("plotly.express", lambda: __import__("plotly.express"))
    expect_not_shipped("plotly.figure_factory", lambda: __import__("plotly.figure_factory"))
    expect_not_shipped("go.FigureWidget()", lambda: go.FigureWidget())
    if not isinstance(go.Scatter3d, type):
        problems.append("go.Scatter3d does not name a class")


def check_completer() -> None:
    import plotly.graph_objects as go

    # The completer (IPython's own: the site ships no jedi) still offers go's names, the cut ones too, without an
    # error; and a module's names and a live object's attributes (what jedi offered before).
    from IPython.core.completer import provisionalcompleter
    from IPython.core.interactiveshell import InteractiveShell

    import folioviz

    shell = InteractiveShell.instance()
    shell.user_ns.update(go=go, folioviz=folioviz, probe=type("Probe", (), {"alpha_one": 1})())
    cases = [("go.Sca", "Scatter"), ("go.sca", "scatter"), ("go.scatter3d.", ""), ("go.Bar(", "")]
    cases += [("folioviz.dec", "decode"), ("probe.al", "alpha_one"), ("folioviz.decode(", "word=")]
    for typed, wanted in cases:
        with provisionalcompleter():
            found = expect_ok(
                typed, lambda typed=typed: [c.text for c in shell.Completer.completions(typed, len(typed))]
            )
        found = found and [text.rsplit(".", 1)[-1] for text in found]  # type: ignore[attr-defined]
        if wanted and found is not None and wanted not in found:  # type: ignore[operator]
            problems.append(f"completing {typed} offers {found} (no {wanted})")


def expect_not_importable(*names: str) -> None:
    """Each of ``names`` fails to import: the site does not ship it."""
    for name in names:
        try:
            __import__(name)
            problems.append(f"{name} imports, but the site should not ship it")
        except ImportError:
            pass


def check_no_jedi() -> None:
    # jedi and parso are not shipped (tools/lite/patches.py): IPython's completer found no jedi.
    from IPython.core import completer

    expect_not_importable("jedi", "parso")
    if completer.JEDI_INSTALLED:
        problems.append("IPython's completer found jedi")


def check_no_terminal() -> None:
    # IPython's terminal shell is cut (no prompt_toolkit, no wcwidth): asking for it says so; the kernel's debugger
    # (IPython.core.debugger, %debug) needs none of it.
    import IPython
    from IPython.core.debugger import Pdb

    expect_not_importable("prompt_toolkit", "wcwidth")
    expect_not_shipped("IPython.embed", lambda: IPython.embed)
    expect_not_shipped("from IPython import embed", lambda: exec("from IPython import embed", {}))
    expect_not_shipped("TerminalInteractiveShell", lambda: __import__("IPython.terminal.interactiveshell"))
    expect_not_shipped("IPython.terminal.debugger", lambda: __import__("IPython.terminal.debugger"))
    expect_ok("IPython.core.debugger.Pdb()", Pdb)
    expect_ok("pt_inputhooks", lambda: __import__("IPython.terminal.pt_inputhooks").terminal.pt_inputhooks.backends)


def check_bytecode() -> None:
    # Libraries ship bytecode alone, compiled without column ranges (tools/lite/bytecode.py); folioviz keeps them, with
    # its sources (its tracebacks mark the failing part of a line).
    import json as stdlib_module

    from IPython.core.interactiveshell import InteractiveShell

    import folioviz

    for label, code, ranged in (
        ("IPython's InteractiveShell.run_cell", InteractiveShell.run_cell.__code__, False),
        ("the standard library's json.dumps", stdlib_module.dumps.__code__, False),
        ("folioviz.decode", folioviz.decode.__code__, True),
    ):
        has_columns = any(column is not None for _, _, column, _ in code.co_positions())
        if has_columns != ranged:
            problems.append(f"{label}: column ranges {'missing' if ranged else 'shipped'} in its bytecode")


def check_folioviz() -> None:
    # folioviz: every figure it makes (the notebooks' cells ran in the bytecode step already).
    from folioviz.kernel.pagecache import early_put_scenario, truncation_scenario
    from folioviz.kernel.races import compare_variants
    from folioviz.render import race_summary_figure, refcount_figure
    from folioviz.render.history import history_figure
    from folioviz.render.survey import survey_figure

    figures = {
        "refcount_figure": lambda: refcount_figure(truncation_scenario()),
        "refcount_figure early put": lambda: refcount_figure(early_put_scenario(), presenter=True),
        "history_figure": history_figure,
        "race_summary_figure": lambda: race_summary_figure(compare_variants(), compare_variants(folio="driver")),
        "survey_figure": lambda: survey_figure("helper"),
    }
    for label, make in figures.items():
        expect_ok(label, lambda make=make: make()._repr_mimebundle_())


def check_stdlib() -> None:
    # The standard library: the codecs and modules kept work; a cut module gets Pyodide's own message.
    import codecs
    import io
    import zipfile

    for encoding in ("utf-8", "utf-16", "utf-32", "latin-1", "iso-8859-1", "ascii", "cp437", "cp1252", "idna"):
        expect_ok(f"codec {encoding}", lambda encoding=encoding: "folio".encode(encoding).decode(encoding))
    expect_ok("hex codec", lambda: codecs.encode(b"\x01", "hex"))
    expect_ok("zip file", lambda: zipfile.ZipFile(io.BytesIO(), "w").writestr("a.txt", "a"))
    for name in ("concurrent.futures", "statistics", "csv", "http.server", "email.message", "doctest", "pdb"):
        expect_ok(f"import {name}", lambda name=name: __import__(name))
    expect_ok("help(len)", lambda: __import__("pydoc").render_doc(len))
    expect_ok("pdb's colouring", lambda: __import__("_pyrepl.utils").utils.gen_colors)
    expect_ok("datetime", lambda: __import__("datetime").datetime(2026, 12, 7).isoformat())
    expect_ok("io", lambda: __import__("io").StringIO("folio").read())
    expect_ok("pickle", lambda: __import__("pickle").loads(__import__("pickle").dumps({"a": 1})))
    for name in ("multiprocessing", "smtplib", "_pyrepl.reader", "_pyio", "pickletools"):
        try:
            __import__(name)
            problems.append(f"{name} imports, but the build cut it")
        except ModuleNotFoundError as error:
            if "not in this browser build" not in str(error):
                problems.append(f"import {name}: no word of the browser build: {error}")
    try:
        from concurrent.futures import ProcessPoolExecutor  # noqa: F401

        problems.append("ProcessPoolExecutor imports, but the build cut it")
    except ModuleNotFoundError as error:
        if "not in this browser build" not in str(error):
            problems.append(f"ProcessPoolExecutor: no word of the browser build: {error}")
    expect_ok("ThreadPoolExecutor", lambda: __import__("concurrent.futures").futures.ThreadPoolExecutor)


def check_narwhals() -> None:
    # No module of a data-frame library was loaded (narwhals' back ends for them are cut).
    loaded = sorted(m for m in sys.modules if m.startswith("narwhals._") and m.split(".")[1] in CUT_NARWHALS)
    if loaded:
        problems.append(f"narwhals loaded a cut back end: {loaded}")


CUT_NARWHALS = {"_pandas_like", "_arrow", "_polars", "_spark_like", "_dask", "_duckdb", "_ibis", "_sql"}

try:
    for check in (
        check_plotly,
        check_completer,
        check_no_jedi,
        check_no_terminal,
        check_bytecode,
        check_folioviz,
        check_stdlib,
        check_narwhals,
    ):
        check()
except Exception as error:  # the script itself failed: say where
    import traceback

    problems.append("the smoke script failed: " + "".join(traceback.format_exception(error))[-2000:])
print(json.dumps({"problems": problems}))
