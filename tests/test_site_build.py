"""tools/site without a browser: plotly conversion, page export, asset pinning and checks."""

from __future__ import annotations

import copy
import io
import json
import re
import tarfile
import tomllib
import types
from pathlib import Path

import nbformat
import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO_ROOT / "notebooks"


BUILDER = REPO_ROOT / "tools" / "site"
if not BUILDER.exists():  # e.g. an sdist, which ships tests/ but not tools/
    pytest.skip(f"{BUILDER} is not here", allow_module_level=True)

from tools import pinned  # noqa: E402
from tools.site import assets, build, exporter, pages  # noqa: E402

# The builder's names in one place (its modules: pinned downloads, assets, pages, exporter, orchestration).
bs = types.SimpleNamespace(
    **{k: v for m in (pinned, assets, pages, exporter, build) for k, v in vars(m).items() if not k.startswith("__")}
)

FIGURE = {
    "data": [{"type": "bar", "y": [1, 2], "text": ["</script><script>alert(1)</script>", "&amp;"]}],
    "layout": {"height": 400, "sliders": [{"steps": [{"label": "0"}, {"label": "1"}]}]},
    "frames": [{"name": "0", "data": [{"y": [1, 1]}]}, {"name": "1", "data": [{"y": [2, 2]}]}],
}
STATE = {
    "version_major": 2,
    "version_minor": 0,
    "state": {
        "m1": {
            "model_name": "ButtonModel",
            "model_module": "@jupyter-widgets/controls",
            "model_module_version": "2.0.0",
            "state": {"description": "bit"},
        }
    },
}


def _notebook() -> nbformat.NotebookNode:
    """Cells: 0 markdown (links), 1 plotly, 2 widget view, 3 plotly (two outputs: text + figure)."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("See [the word](01_demo.ipynb#bits) and [lore](https://lore.kernel.org/x)."),
        nbformat.v4.new_code_cell("fig", outputs=[nbformat.v4.new_output("display_data", {bs.PLOTLY_MIME: FIGURE})]),
        nbformat.v4.new_code_cell(
            "w",
            outputs=[
                nbformat.v4.new_output(
                    "execute_result",
                    {bs.WIDGET_VIEW_MIME: {"model_id": "m1", "version_major": 2, "version_minor": 0}},
                    execution_count=2,
                )
            ],
        ),
        nbformat.v4.new_code_cell(
            "fig2",
            outputs=[
                nbformat.v4.new_output("stream", name="stdout", text="hello\n"),
                nbformat.v4.new_output("display_data", {bs.PLOTLY_MIME: FIGURE}),
            ],
        ),
    ]
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"demo-{i}"
    nb.metadata["widgets"] = {bs.WIDGET_STATE_MIME: STATE}
    return nb


DEMO = bs.Notebook("00_demo", "A demo", "About the demo.")


# ------------------------------------------------------------------------------------------------ plotly


def test_plotly_html_draws_then_adds_frames_with_the_pages_plotly() -> None:
    out = bs.plotly_html(FIGURE, "plotly-x-c001-o0")
    assert out == bs.plotly_html(copy.deepcopy(FIGURE), "plotly-x-c001-o0")  # deterministic
    assert '<div id="plotly-x-c001-o0" class="plotly-graph-div" style="height:400px; width:100%;">' in out
    assert out.index("Plotly.newPlot(") < out.index("Plotly.addFrames(")
    assert "<script src" not in out and "cdn" not in out.lower()
    # the figure's strings cannot close the script element
    script = out.split('<script type="text/javascript">', 1)[1]
    assert script.count("</script>") == 1
    payload = json.loads(re.search(r"var figure = (.*);\n", script).group(1))
    assert payload["data"] == FIGURE["data"] and payload["frames"] == FIGURE["frames"]
    assert payload["config"]["responsive"] is True


def test_prepare_notebook_gives_deterministic_ids_and_drops_the_plotly_mimetype() -> None:
    nb = _notebook()
    counts = bs.prepare_notebook(nb, "00_demo")
    assert counts == {"plotly": 2, "widget_views": 1}
    first, second = nb.cells[1].outputs[0], nb.cells[3].outputs[1]
    assert list(first.data) == ["text/html"] and list(second.data) == ["text/html"]
    assert 'id="plotly-00_demo-c001-o0"' in first.data["text/html"]
    assert 'id="plotly-00_demo-c003-o1"' in second.data["text/html"]
    assert nb.cells[2].outputs[0].metadata["folioviz_div_id"] == "widget-00_demo-c002-o0"
    again = _notebook()
    bs.prepare_notebook(again, "00_demo")
    assert again == nb


# -------------------------------------------------------------------------------------------- page export


@pytest.fixture(scope="module")
def exporter():
    return bs.make_exporter()


def test_page_loads_one_shared_plotly_and_the_local_widget_manager(exporter) -> None:
    nb = _notebook()
    before = copy.deepcopy(nb)
    body, counts = bs.export_page(nb, DEMO, exporter=exporter, page_links=["01_demo"])
    assert nb == before, "export_page must not change the notebook it is given"
    assert counts["plotly"] == 2
    assert re.findall(r'<script[^>]*\bsrc="([^"]*)"', body) == ["static/plotly.min.js", "static/require.js"]
    assert body.count("Plotly.newPlot(") == 2
    # the lab template's CSS is linked, not inlined, and handed to the builder to write once
    assert re.findall(r'<link href="([^"]*)" rel="stylesheet"', body) == [
        "static/notebook/index.css",
        "static/notebook/theme-light.css",
    ]
    assert set(exporter.shared_css) == {"static/notebook/index.css", "static/notebook/theme-light.css"}
    assert len(exporter.shared_css["static/notebook/index.css"]) > 100_000
    assert len(body) < 50_000
    assert "var widgetRendererSrc = 'static/widgets/embed-amd.js';" in body
    assert '"@jupyter-widgets/base": "static/widgets/base"' in body  # fonts resolve into static/widgets/
    assert bs.WIDGET_STATE_MIME in body and '"m1"' in body
    assert 'id="widget-00_demo-c002-o0"' in body
    assert bs.external_loads(body) == []
    assert not re.search(r"mathjax|mermaid|unpkg|jsdelivr|cdnjs", body, re.IGNORECASE)
    assert 'href="01_demo.html#bits"' in body and 'href="https://lore.kernel.org/x"' in body
    assert "<title>A demo · folioviz</title>" in body
    assert body == bs.export_page(nb, DEMO, exporter=exporter, page_links=["01_demo"])[0], "not reproducible"


def test_page_without_figures_loads_no_plotly_and_without_widgets_no_manager(exporter) -> None:
    nb = _notebook()
    nb.cells = nb.cells[:1]
    nb.metadata.pop("widgets")
    body, counts = bs.export_page(nb, DEMO, exporter=exporter)
    assert counts == {"plotly": 0, "widget_views": 0}
    assert "plotly.min.js" not in body and "embed-amd.js" not in body


def test_navigation_links_prev_and_next(exporter) -> None:
    prev, nxt = bs.Notebook("00_a", "First <one>", ""), bs.Notebook("02_c", "Third", "")
    body, _ = bs.export_page(_notebook(), DEMO, prev=prev, next_=nxt, exporter=exporter)
    links = {rel: (href, text) for href, rel, text in re.findall(r'<a href="([^"]*)" rel="(\w+)">([^<]*)</a>', body)}
    assert links == {"prev": ("00_a.html", "← First &lt;one&gt;"), "next": ("02_c.html", "Third →")}
    assert '<a href="index.html">' in body and "make lab" in body


@pytest.mark.skipif(not (NOTEBOOKS / "02_page_cache_refcounts.ipynb").exists(), reason="notebook 02 not built yet")
def test_committed_notebook_02_exports_its_animated_figures(exporter) -> None:
    nb = nbformat.read(NOTEBOOKS / "02_page_cache_refcounts.ipynb", as_version=4)
    figures = sum(bs.PLOTLY_MIME in o.get("data", {}) for c in nb.cells for o in c.get("outputs", []))
    assert figures >= 1, "the committed notebook keeps plotly's mimetype output"
    body, counts = bs.export_page(
        nb, bs.Notebook("02_page_cache_refcounts", "Page-cache refcounts", ""), exporter=exporter
    )
    assert counts["plotly"] == figures
    assert body.count('<script src="static/plotly.min.js"></script>') == 1
    assert body.count("Plotly.addFrames(") == figures
    assert bs.external_loads(body) == []
    ids = re.findall(r'id="(plotly-02_page_cache_refcounts-c\d{3}-o\d+)"', body)
    assert len(ids) == len(set(ids)) == figures


# ------------------------------------------------------------------------------------- links and loads


def test_external_loads_finds_what_a_page_would_fetch_and_ignores_links() -> None:
    page = """
    <script src="https://cdn.example/x.js"></script><script src="static/require.js"></script>
    <link rel="stylesheet" href="//fonts.example/css"><link rel="icon" href="data:image/png;base64,AA">
    <link href="https://x.example/late-rel.css" rel="stylesheet"/>
    <link href="static/notebook/index.css" rel="stylesheet"/>
    <style>@font-face { src: url('https://fonts.example/a.woff2') } .x { background: url(data:image/png;base64,AA) }
    @import "http://x.example/y.css";</style><img src="img.png"><a href="https://elixir.bootlin.com/linux">src</a>
    <script type="module">await import("https://esm.example/m.mjs")</script>
    """
    assert bs.external_loads(page) == [
        "https://cdn.example/x.js",
        "//fonts.example/css",
        "https://x.example/late-rel.css",
        "https://fonts.example/a.woff2",
        "http://x.example/y.css",
        "https://esm.example/m.mjs",
    ]


def test_rewrite_notebook_links_only_for_pages_in_the_site() -> None:
    text = 'href="01_a.ipynb" href="01_a.ipynb#x" href=\\"01_a.ipynb\\" href="04_b.ipynb" href="x01_a.ipynb"'
    assert bs.rewrite_notebook_links(text, ["01_a"]) == (
        'href="01_a.html" href="01_a.html#x" href=\\"01_a.html\\" href="04_b.ipynb" href="x01_a.ipynb"'
    )


def test_ready_notebooks_follow_the_workbook_order() -> None:
    entries = tomllib.loads((REPO_ROOT / "data" / "workbook.toml").read_text())["notebook"]
    assert [nb.id for nb in bs.ready_notebooks()] == [e["id"] for e in entries if e["status"] == "ready"]


def test_index_page() -> None:
    notebooks = [
        bs.Notebook("00_a", "Start & here", "Intro."),
        bs.Notebook("01_b", "The word", "Bits."),
        bs.Notebook("demo_talk", "A talk", "Script."),
    ]
    page = bs.index_html(notebooks, {"folioviz": "0.1.0", "plotly.js": "4.1.1"})
    assert page.index('href="00_a.html"') < page.index('href="01_b.html"') < page.index('href="demo_talk.html"')
    assert '<span class="number">01</span>' in page and '<span class="number">demo</span>' not in page
    assert "Start &amp; here" in page and "make lab" in page and "system-ui" in page
    assert bs.external_loads(page) == []


# ------------------------------------------------------------------------------------------- npm assets


def test_npm_assets_are_pinned_exactly() -> None:
    for asset in bs.NPM_ASSETS:
        assert re.fullmatch(r"\d+\.\d+\.\d+", asset.version), asset
        assert re.fullmatch(r"sha512-[A-Za-z0-9+/]{86}==", asset.integrity), asset
    assert {a.name for a in bs.NPM_ASSETS} == {"@jupyter-widgets/html-manager", "requirejs"}
    assert bs.NPM_ASSETS[0].tarball == "jupyter-widgets-html-manager-1.0.15.tgz"


def _tarball(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _asset(data: bytes, **kw) -> object:
    fields = {
        "name": "@scope/pkg",
        "version": "1.2.3",
        "integrity": bs.integrity_of(data),
        "licence": "MIT",
        "files": ((r"package/dist/main\.js", bs.WIDGETS_DIR), (r"package/dist/[0-9a-f]{4}\.woff2", bs.WIDGETS_DIR)),
    }
    return bs.NpmAsset(**{**fields, **kw})


def test_cached_tarball_is_reused_without_npm(tmp_path: Path) -> None:
    data = _tarball({"package/dist/main.js": b"x"})
    asset = _asset(data)
    (tmp_path / asset.tarball).write_bytes(data)
    assert bs.fetch_npm_asset(asset, tmp_path, npm=str(tmp_path / "no-npm-here")) == tmp_path / asset.tarball


def test_a_tampered_cache_is_removed_and_fetched_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """tools/pinned.py's policy: a cached file that does not match is removed and fetched again (here npm is
    missing, so the build stops for that reason, with the bad file gone)."""
    monkeypatch.setattr(bs.shutil, "which", lambda _: None)
    asset = _asset(b"the real thing")
    (tmp_path / asset.tarball).write_bytes(b"something else")
    with pytest.raises(bs.AssetsUnavailableError, match="is not cached"):
        bs.fetch_npm_asset(asset, tmp_path)
    assert not (tmp_path / asset.tarball).exists()


def _fake_npm(tmp_path: Path, script: str) -> str:
    npm = tmp_path / "npm"
    npm.write_text("#!/bin/sh\n" + script)
    npm.chmod(0o755)
    return str(npm)


def test_offline_npm_fails_with_a_clear_message(tmp_path: Path) -> None:
    npm = _fake_npm(tmp_path, 'echo "npm error code ENOTFOUND registry.npmjs.org" >&2; exit 1\n')
    with pytest.raises(
        bs.AssetsUnavailableError, match=r"(?s)is the npm registry reachable\?.*ENOTFOUND.*Build once"
    ) as e:
        bs.fetch_npm_asset(_asset(b"x"), tmp_path / "cache", npm=npm)
    assert e.value.exit_code == bs.EXIT_ASSETS_UNAVAILABLE


def test_missing_npm_and_no_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bs.shutil, "which", lambda _: None)
    with pytest.raises(bs.AssetsUnavailableError, match="npm is not installed"):
        bs.fetch_npm_asset(_asset(b"x"), tmp_path)


def test_npm_pack_result_is_verified_before_use(tmp_path: Path) -> None:
    asset = _asset(b"pinned bytes")
    # a fake npm that "packs" other bytes into --pack-destination and reports no integrity
    npm = _fake_npm(
        tmp_path,
        'while [ "$1" != "--pack-destination" ]; do shift; done\n'
        f'printf other > "$2/{asset.tarball}"\n'
        f'echo \'[{{"filename": "{asset.tarball}"}}]\'\n',
    )
    with pytest.raises(
        bs.SiteBuildError,
        match=r"@scope/pkg@1\.2\.3\) does not match its pin: expected sha512-\S+, actual sha512-\S+; deleted it after "
        r"fetching it once more",
    ):
        bs.fetch_npm_asset(asset, tmp_path / "cache", npm=npm)
    assert not (tmp_path / "cache" / asset.tarball).exists()


def test_extract_takes_only_the_selected_members(tmp_path: Path) -> None:
    data = _tarball(
        {
            "package/dist/main.js": b"js",
            "package/dist/abcd.woff2": b"font",
            "package/dist/abcd.ttf": b"old font",
            "package/dist/main.js.map": b"map",
            "../evil.js": b"no",
        }
    )
    asset = _asset(data)
    tarball = tmp_path / asset.tarball
    tarball.write_bytes(data)
    out = tmp_path / "site"
    written = bs.extract_npm_asset(asset, tarball, out)
    assert sorted(p.relative_to(out).as_posix() for p in written) == [
        "static/widgets/abcd.woff2",
        "static/widgets/main.js",
    ]
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()) == sorted(
        [asset.tarball, "site/static/widgets/abcd.woff2", "site/static/widgets/main.js"]
    )
    missing = _asset(data, files=((r"package/nothing\.js", bs.STATIC),))
    with pytest.raises(bs.SiteBuildError, match="no member matching"):
        bs.extract_npm_asset(missing, tarball, out)


def test_output_dir_is_replaced_only_when_the_builder_made_it(tmp_path: Path) -> None:
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    with pytest.raises(bs.SiteBuildError, match="not touching it"):
        bs._prepare_out(foreign)
    assert (foreign / "notes.txt").read_text() == "keep me"
    ours = tmp_path / "site"
    bs._prepare_out(ours)
    (ours / "old.html").write_text("stale")
    bs._prepare_out(ours)
    assert sorted(p.name for p in ours.iterdir()) == [bs.MARKER]


def test_widget_modules_and_a_foreign_one_is_refused():
    nb = _notebook()
    state = copy.deepcopy(STATE)
    state["state"]["m2"] = {
        "model_name": "AnyModel",
        "model_module": "anywidget",
        "model_module_version": "~0.9.*",
        "state": {"_view_module": "anywidget", "_esm": "export default {}"},
    }
    nb.metadata["widgets"] = {bs.WIDGET_STATE_MIME: copy.deepcopy(state)}
    assert bs.widget_modules(nb) == {"@jupyter-widgets/controls", "anywidget"}
    assert bs.AMD_PATHS["anywidget"] == "static/widgets/anywidget"
    assert set(bs.widget_modules(nb)) <= set(bs.LOCAL_WIDGET_MODULES)
    state["state"]["m3"] = {"model_name": "X", "model_module": "some-cdn-widget", "state": {}}
    nb.metadata["widgets"] = {bs.WIDGET_STATE_MIME: state}
    assert "some-cdn-widget" in bs.widget_modules(nb)
    assert "some-cdn-widget" not in bs.LOCAL_WIDGET_MODULES  # _build_into refuses such a page


def test_stored_anywidget_models_name_their_view():
    """html-manager builds a view from the stored state alone; anywidget's model has no default view name."""
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        nb = json.loads(path.read_text())
        models = nb["metadata"].get("widgets", {}).get(bs.WIDGET_STATE_MIME, {}).get("state", {})
        for model_id, model in models.items():
            if model["model_module"] == "anywidget":
                state = model["state"]
                assert state.get("_view_name") == "AnyView" and state.get("_view_module") == "anywidget", (
                    f"{path.name}: {model_id} {sorted(state)}"
                )


# ------------------------------------------------------------------------------- glossary anchors


def test_the_primer_page_carries_the_anchor_of_every_glossary_link(exporter) -> None:
    """Every link into the glossary, on every page of the site, finds its entry on the primer's page.

    The links end in ``#cell-id=glossary-<id>`` (tools/notebooks/glossary.py); nbconvert gives each cell the element
    id ``cell-id=<cell id>``, so the static site keeps them working.
    """
    from tools.notebooks.glossary import PRIMER, terms

    notebooks = bs.ready_notebooks()
    names = [n.id for n in notebooks]
    assert PRIMER in names
    pages = {
        n.id: bs.export_page(nbformat.read(NOTEBOOKS / f"{n.id}.ipynb", as_version=4), n, exporter=exporter,
                             page_links=names)[0]
        for n in notebooks
    }  # fmt: skip
    ids = set(re.findall(r'\bid="([^"]+)"', pages[PRIMER]))
    assert {t.anchor for t in terms()} <= ids, sorted({t.anchor for t in terms()} - ids)
    into = re.compile(rf'href="{PRIMER}\.html#([^"]+)"')
    links = {(name, frag) for name, body in pages.items() for frag in into.findall(body)}
    assert len({name for name, _ in links}) >= len(names) - 1, "every other notebook links into the glossary"
    missing = sorted((name, frag) for name, frag in links if frag not in ids)
    assert not missing, f"glossary links with no matching anchor on {PRIMER}.html: {missing}"
    assert not re.search(rf'href="{PRIMER}\.ipynb#', "".join(pages.values())), "links rewritten to the site's pages"
