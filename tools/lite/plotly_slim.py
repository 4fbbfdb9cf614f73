"""plotly's wheel for the browser build: the trace types the site's plotly.js draws, and no more.

The site's renderer draws a fixed set of trace types (``PLOTLY_TRACES``: plotly.js's cartesian bundle, which also
draws ternary plots). A ``go.Scatter3d`` built in the browser kernel could never be drawn there, so its Python
classes are not shipped either: for every other trace type, and for the layout's subplot kinds those traces never
use (``PLOTLY_SUBPLOTS_CUT``: 3-D scenes, maps, polar and Smith charts), the wheel keeps a stand-in that raises
``PlotlyNotInBrowserBuildError`` (an ``ImportError``) saying so, where plotly would have built the object:
``go.Scatter3d(...)``, ``fig.add_scatter3d(...)``, ``go.Figure(data=[{"type": "scatter3d"}])``,
``fig.update_layout(scene=...)``, ``import plotly.graph_objs.scatter3d``. ``go.Scatter3d`` itself still names a
class (so ``hasattr``, ``dir(go)`` and the completer behave).

The rest follows: the validators' table (``plotly/validators/_validators.json``) loses the entries of what was cut;
plotly's templates (``package_data/templates/*.json``) keep only the kept trace types and subplot kinds, since
building a template validates everything it lists (folioviz's ``lean_template`` reads the default one).
``plotly.express`` and ``plotly.figure_factory`` cannot be imported without numpy and ``plotly.matplotlylib``
without matplotlib, none of which the site ships; ``FigureWidget`` has no front end in the site (its bundle is cut
by ``SLIM``): each keeps a stand-in with the same kind of message instead of its code.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

from tools.lite.config import LiteBuildError
from tools.lite.wheels import slim_wheel

VALIDATORS = "plotly/validators/_validators.json"
TEMPLATES = re.compile(r"plotly/package_data/templates/\w+\.json")
GRAPH_OBJS = "plotly/graph_objs"
# Packages that cannot work in the site (what they import is not shipped): cut down to a stand-in __init__.py.
CUT_PACKAGES = {
    "plotly/express": ("plotly.express", "it needs numpy (and pandas or polars for data frames)"),
    "plotly/figure_factory": ("plotly.figure_factory", "it needs numpy"),
    "plotly/matplotlylib": ("plotly.matplotlylib", "it needs matplotlib"),
}
FIGURE_WIDGET = "plotly/graph_objs/_figurewidget.py"
BASEWIDGET = "plotly/basewidget.py"
HELPER = "plotly/_browser_build.py"
HELPER_SOURCE = Path(__file__).with_name("plotly_browser_build.py")


def helper_source(traces: Sequence[str]) -> str:
    """``plotly/_browser_build.py`` (``plotly_browser_build.py`` with the trace types kept written in)."""
    text = HELPER_SOURCE.read_text()
    line = "TRACES: tuple[str, ...] = ()"
    if text.count(line) != 1:
        raise LiteBuildError(f"{HELPER_SOURCE.name} has no line {line!r}")
    return text.replace(line, f"TRACES: tuple[str, ...] = {tuple(sorted(traces))!r}")


def _class_stub(cls: str, what: str, why: str = "") -> Callable[[bytes], bytes]:
    text = "from plotly._browser_build import unavailable_class\n\n"
    text += f"{cls} = unavailable_class({cls!r}, {what!r}, {why!r})\n"
    return lambda _: text.encode()


def _layout_stub(cls: str, kind: str, what: str) -> Callable[[bytes], bytes]:
    text = "from plotly._browser_build import unavailable_layout_class\n\n"
    text += f"{cls} = unavailable_layout_class({cls!r}, {kind!r}, {what!r})\n"
    return lambda _: text.encode()


def _module_stub(what: str, why: str = "") -> Callable[[bytes], bytes]:
    text = f"from plotly._browser_build import unavailable_module\n\nunavailable_module({what!r}, {why!r})\n"
    return lambda _: text.encode()


def trace_classes(source: Path) -> dict[str, str]:
    """{trace type: its class name} of every trace type plotly's wheel ``source`` knows."""
    with zipfile.ZipFile(source) as whl:
        table = json.loads(whl.read(VALIDATORS))
    return dict(table["data"]["params"]["class_strs_map"])


def _slim_validators(dropped: set[str], subplots: Sequence[str]) -> Callable[[bytes], bytes]:
    """The validators' table without the entries below a cut trace type or subplot kind (the entry of the type or
    kind itself stays: it names the class, whose stand-in says it is not shipped)."""
    prefixes = tuple(f"{t}." for t in dropped) + tuple(f"layout.{s}." for s in subplots)

    def rewrite(data: bytes) -> bytes:
        table = json.loads(data)
        kept = {key: value for key, value in table.items() if not key.startswith(prefixes)}
        if len(kept) == len(table):
            raise LiteBuildError(f"{VALIDATORS}: nothing cut; is the plotly pin a new layout?")
        return json.dumps(kept, separators=(",", ":"), sort_keys=True).encode()

    return rewrite


def _slim_template(traces: Sequence[str], subplots: Sequence[str]) -> Callable[[bytes], bytes]:
    def rewrite(data: bytes) -> bytes:
        template = json.loads(data)
        if "data" in template:
            template["data"] = {k: v for k, v in template["data"].items() if k in traces}
        if "layout" in template:
            template["layout"] = {k: v for k, v in template["layout"].items() if k not in subplots}
        return json.dumps(template, separators=(",", ":"), sort_keys=True).encode()

    return rewrite


def slim_plotly(
    source: Path, target: Path, patterns: Sequence[str], traces: Sequence[str], subplots: Sequence[str]
) -> int:
    """plotly's wheel ``source`` written to ``target`` without ``patterns`` and with only the trace types ``traces``
    and without the layout subplot kinds ``subplots`` (see the module's docstring); returns the files cut."""
    classes = trace_classes(source)
    unknown = sorted(set(traces) - set(classes))
    if unknown:
        raise LiteBuildError(f"plotly {source.name} has no trace type {', '.join(unknown)}")
    dropped = set(classes) - set(traces)
    with zipfile.ZipFile(source) as whl:
        names = set(whl.namelist())
    layout_classes = {}
    for kind in subplots:
        module = f"{GRAPH_OBJS}/layout/_{kind}.py"
        if module not in names or f"{GRAPH_OBJS}/layout/{kind}/__init__.py" not in names:
            raise LiteBuildError(f"plotly {source.name} has no layout subplot kind {kind}")
        found = re.search(rb"^class (\w+)\(", _read(source, module), re.M)
        if found is None:
            raise LiteBuildError(f"plotly {source.name}: no class in {module}")
        layout_classes[kind] = found.group(1).decode()

    cut = list(patterns)
    rewrite: dict[str, Callable[[bytes], bytes]] = {}
    for kind in sorted(dropped):
        cls, what = classes[kind], f"go.{classes[kind]} (plotly's {kind!r} trace type)"
        rewrite[f"{GRAPH_OBJS}/_{kind}.py"] = _class_stub(cls, what)
        cut.append(rf"{GRAPH_OBJS}/{kind}/(?!__init__\.py$).*")
        rewrite[f"{GRAPH_OBJS}/{kind}/__init__.py"] = _module_stub(f"plotly.graph_objects.{kind}")
    for kind, cls in layout_classes.items():
        what = f"go.layout.{cls} (the layout's {kind!r} subplots)"
        rewrite[f"{GRAPH_OBJS}/layout/_{kind}.py"] = _layout_stub(cls, kind, what)
        cut.append(rf"{GRAPH_OBJS}/layout/{kind}/(?!__init__\.py$).*")
        rewrite[f"{GRAPH_OBJS}/layout/{kind}/__init__.py"] = _module_stub(f"plotly.graph_objects.layout.{kind}")
    for package, (name, why) in CUT_PACKAGES.items():
        cut.append(rf"{package}/(?!__init__\.py$).*")
        rewrite[f"{package}/__init__.py"] = _module_stub(name, why)
    why = "its front end (FigureWidget's JavaScript) is not shipped; go.Figure draws the same figure"
    rewrite[FIGURE_WIDGET] = _class_stub("FigureWidget", "go.FigureWidget", why)
    cut.append(re.escape(BASEWIDGET))
    rewrite[VALIDATORS] = _slim_validators(dropped, subplots)
    for name in sorted(n for n in names if TEMPLATES.fullmatch(n)):
        rewrite[name] = _slim_template(traces, subplots)
    return slim_wheel(source, target, cut, rewrite, add={HELPER: helper_source(traces).encode()})


def _read(source: Path, member: str) -> bytes:
    with zipfile.ZipFile(source) as whl:
        return whl.read(member)
