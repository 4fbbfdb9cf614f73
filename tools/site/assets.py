"""The static site's layout, its errors, and where each of its assets comes from (npm, plotly, anywidget)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tools import pinned
from tools.pinned import NpmAsset

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
WORKBOOK = ROOT / "data" / "workbook.toml"
DEFAULT_OUT = ROOT / "site"
DEFAULT_CACHE = pinned.cache_home() / "site-assets"
MARKER = ".folioviz-site"  # written into every output dir; only a dir holding it (or empty) is ever replaced

STATIC = "static/"
PLOTLY_JS = "static/plotly.min.js"
REQUIRE_JS = "static/require.js"
WIDGETS_DIR = "static/widgets/"
EMBED_AMD = "static/widgets/embed-amd.js"
ANYWIDGET_JS = "static/widgets/anywidget.js"
NOTEBOOK_CSS_DIR = "static/notebook/"  # JupyterLab's CSS as nbconvert's lab template ships it, one copy

PLOTLY_MIME = "application/vnd.plotly.v1+json"
WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE_MIME = "application/vnd.jupyter.widget-state+json"
# The html-manager's AMD modules (named defines inside embed-amd.js) take their webpack public path, where
# they look for their fonts, from the URL require.js gives their module id; by default that is
# "<page dir>/@jupyter-widgets/...". Mapping every id into static/widgets/ points them all at the one copy.
AMD_PATHS = {
    f"@jupyter-widgets/{module}": f"{WIDGETS_DIR}{module.rsplit('/', 1)[-1]}"
    for module in ("base", "controls", "base7", "controls7", "html-manager", "html-manager/dist/libembed-amd")
}
AMD_PATHS["anywidget"] = ANYWIDGET_JS.removesuffix(".js")
# Widget model modules the site can serve: the html-manager's own, and anywidget's.
LOCAL_WIDGET_MODULES = ("@jupyter-widgets/base", "@jupyter-widgets/controls", "@jupyter-widgets/output", "anywidget")
PLOTLY_CONFIG = {"responsive": True, "displaylogo": False}

EXIT_BUILD_ERROR = 1
EXIT_ASSETS_UNAVAILABLE = 3


class SiteBuildError(pinned.BuildError):
    exit_code = EXIT_BUILD_ERROR


class AssetsUnavailableError(SiteBuildError, pinned.DownloadUnavailableError):
    exit_code = EXIT_ASSETS_UNAVAILABLE


def fetch_npm_asset(asset: NpmAsset, cache_dir: Path, npm: str | None = None) -> Path:
    """The pinned tarball of ``asset`` in ``cache_dir`` (tools.pinned: reused when it verifies, else npm-packed)."""
    return pinned.fetch_npm(asset, cache_dir, npm, error=SiteBuildError, unavailable=AssetsUnavailableError)


def extract_npm_asset(asset: NpmAsset, tarball: Path, out: Path) -> list[Path]:
    """Copy the members of ``tarball`` that ``asset.files`` selects into the site (no other path is written)."""
    return pinned.extract_npm_asset(asset, tarball, out, SiteBuildError)


NPM_ASSETS = (
    # ipywidgets 8 (widget state version_major 2) is rendered by html-manager 1.x; 1.0.15 is the latest 1.0.x.
    NpmAsset(
        name="@jupyter-widgets/html-manager",
        version="1.0.15",
        integrity="sha512-5thBIV6ymNgmPVOHvzx+gGy8ZSKmSazhtGw4/c4xJDVzRhG9PTeQsRjF3FUTopvFi//SABeNz1yp47bCrJ3CQA==",
        licence="BSD-3-Clause",
        # embed-amd.js is self-contained (base, controls, output). The fonts are Font Awesome's, for icons
        # such as the Play widget's; every browser that can run embed-amd.js takes the woff2 (listed before
        # woff/ttf/eot/svg, which are left out, as are embed.js, libembed-amd.js and the source maps).
        files=((r"package/dist/embed-amd\.js", WIDGETS_DIR), (r"package/dist/[0-9a-f]{20}\.woff2", WIDGETS_DIR)),
    ),
    NpmAsset(
        name="requirejs",
        version="2.3.8",
        integrity="sha512-7/cTSLOdYkNBNJcDMWf+luFvMriVm7eYxp4BcFCsAX0wF421Vyce5SXP17c+Jd5otXKGNehIonFlyQXSowL6Mw==",
        licence="MIT",
        files=((r"package/require\.js", STATIC),),
    ),
)


def plotly_js_source() -> tuple[Path, str]:
    """The installed plotly package's own plotly.min.js (no download) and its version."""
    import plotly
    from plotly.offline import get_plotlyjs_version

    path = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    if not path.is_file():
        raise SiteBuildError(f"plotly {plotly.__version__} ships no {path}; cannot build the site offline")
    return path, get_plotlyjs_version()


def anywidget_js_source() -> tuple[Path, str] | None:
    """The installed anywidget package's AMD front-end and its version, or None when anywidget is not installed."""
    try:
        import anywidget
    except ImportError:
        return None
    path = Path(anywidget.__file__).parent / "nbextension" / "index.js"
    if not path.is_file():
        raise SiteBuildError(f"anywidget {anywidget.__version__} ships no {path}; cannot serve its front-end offline")
    return path, anywidget.__version__


def widget_modules(nb: Any) -> set[str]:
    """The JavaScript modules the notebook's stored widget models and views need."""
    state = (nb.metadata.get("widgets") or {}).get(WIDGET_STATE_MIME, {}).get("state", {})
    modules = set()
    for model in state.values():
        modules.add(model.get("model_module", ""))
        view = (model.get("state") or {}).get("_view_module")
        if view:
            modules.add(view)
    return modules - {""}
