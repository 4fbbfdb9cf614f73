"""The committed notebooks read well without a kernel and without widget state.

GitHub's preview, nbviewer and ``jupyter nbconvert --to html`` cannot draw a widget whose state is
not stored: nbconvert's ``WidgetsDataTypeFilter`` then skips the widget view and takes the next
mimetype of ``HTMLExporter.display_data_priority`` (``text/html``). Plotly's JSON is not in that list
either. So every folioviz widget and figure stores a ``text/html`` snapshot next to its live view; this
test converts each committed notebook with the widget state stripped, as those readers see it.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from html import unescape
from pathlib import Path

import pytest

from folioviz.render.snapshot import SNAPSHOT_NOTE

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
PLOTLY = "application/vnd.plotly.v1+json"
FEEDBACK = ("✔ Right.", "✘ Not quite.", "The answer is ")


def text(html: str) -> str:
    """What a reader reads: tags dropped, entities decoded, white space collapsed.

    nbconvert sanitizes untrusted HTML outputs (attributes re-ordered, ``<br>`` as ``<br/>``), so the
    stored snapshot and the page are compared by their text.
    """
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


# the first test pays for nbconvert on every notebook (given 300 s)
pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Every committed notebook, widget state stripped, through the real `jupyter nbconvert --to html`."""
    work = tmp_path_factory.mktemp("nbconvert")
    for path in NOTEBOOKS:
        nb = json.loads(path.read_text())
        nb["metadata"].pop("widgets", None)
        (work / path.name).write_text(json.dumps(nb))
    jupyter = shutil.which("jupyter", path=str(Path(sys.executable).parent)) or "jupyter"
    done = subprocess.run(
        [jupyter, "nbconvert", "--to", "html", "--output-dir", str(work / "html"), *sorted(work.glob("*.ipynb"))],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return {p.stem: p.read_text(encoding="utf-8") for p in (work / "html").glob("*.html")}


@pytest.fixture(scope="module")
def converted_text(converted: dict[str, str]) -> dict[str, str]:
    return {name: text(page) for name, page in converted.items()}


def outputs(path: Path) -> list[dict]:
    """The notebook's rich outputs, each text joined (.ipynb files store multi-line text as lists of lines)."""
    nb = json.loads(path.read_text())
    found = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", []) if "data" in o]
    for output in found:
        output["data"] = {k: "".join(v) if isinstance(v, list) else v for k, v in output["data"].items()}
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_widget_and_figure_shows_its_snapshot(
    path: Path, converted: dict[str, str], converted_text: dict[str, str]
) -> None:
    page, read = converted[path.stem], converted_text[path.stem]
    views = [o["data"] for o in outputs(path) if WIDGET_VIEW in o["data"]]
    figures = [o["data"] for o in outputs(path) if PLOTLY in o["data"]]
    for data in views:
        assert "text/html" in data and "data-fv-snapshot=" in data["text/html"], data.get("text/plain")
        assert text(data["text/html"]) in read, f"{data['text/plain']}: its snapshot is not on the page"
    for data in figures:
        assert "text/html" in data and text(data["text/html"]) in read, "a figure without its static fallback"
    assert page.count(SNAPSHOT_NOTE) == len(views)
    assert page.count('class="folioviz fv-figure-fallback"') == len(figures)
    assert page.count("<svg") >= sum(d["text/html"].count("<svg") for d in views), "an SVG was lost"
    assert WIDGET_VIEW not in page  # no widget view is left for a missing model
    assert not re.search(r"<pre>\w+(Quiz|Widget|Explorer|SideBySide)\(", page), "a bare widget repr is shown"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_helper_tables_and_quiz_questions_but_no_answers(
    path: Path, converted: dict[str, str], converted_text: dict[str, str]
) -> None:
    page, read = converted[path.stem], converted_text[path.stem]
    assert not any(mark in page for mark in FEEDBACK), "a quiz's answer leaked into the static page"
    for data in (o["data"] for o in outputs(path) if WIDGET_VIEW in o["data"]):
        html = data["text/html"]
        kind = re.search(r'data-fv-snapshot="(\w+)"', html).group(1)
        if kind in ("MappingWordWidget", "HistoryExplorer"):
            helpers = re.search(r"<table><caption>What each helper returns.*?</table>", html, re.S)
            assert helpers and "folio_mapping(folio)" in helpers.group(0), html
            assert text(helpers.group(0)) in read
        if kind.endswith("Quiz"):
            question = re.search(r"</i></p>(<p>.*?</p>)", html)
            assert question and len(question.group(1)) > 20, html
            assert text(question.group(1)) in read


def test_the_widget_state_still_wins_where_it_is_stored() -> None:
    """With widget state (JupyterLab, the static site), nbconvert picks the live view, not the snapshot."""
    from nbconvert import HTMLExporter
    from nbformat import reads

    path = ROOT / "notebooks" / "00_start_here.ipynb"
    nb = reads(path.read_text(), as_version=4)
    body, _ = HTMLExporter(template_name="lab").from_notebook_node(nb)
    views = [o for o in outputs(path) if WIDGET_VIEW in o["data"]]
    assert views and body.count('<script type="application/vnd.jupyter.widget-view+json">') == len(views)
    assert SNAPSHOT_NOTE not in body
