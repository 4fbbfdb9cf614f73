"""tools/lite without building: the pins, the wheel slimming, the lock's dependencies, the config check.

The built site itself is tested in tests/lite (``make test-lite``).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import shutil
import subprocess
import tarfile
import types
import zipfile
from pathlib import Path

import pytest

from tools import pinned
from tools.lite import build, chunks, config, wheels

ROOT = Path(__file__).resolve().parents[1]

# The builder's names in one place (its modules: pinned downloads, config, wheels, chunk surgery, orchestration).
build_lite = types.SimpleNamespace(
    **{k: v for m in (pinned, config, wheels, chunks, build) for k, v in vars(m).items() if not k.startswith("__")}
)


def test_every_pin_names_a_version_a_sha256_and_its_file():
    wheels = build_lite.read_wheels()
    names = [w.name for w in wheels]
    assert len(names) == len(set(names))
    for wheel in wheels:
        assert len(wheel.sha256) == 64
        stem = wheel.filename.split("-")
        assert build_lite.canonical(stem[0]) == build_lite.canonical(wheel.name), wheel
        assert stem[1] == wheel.version, wheel
    pins = {w.name: w for w in wheels}
    assert pins["bitstring"].version.startswith("4.4."), "bitstring 5 needs tibs, which has no WebAssembly wheel"
    assert build_lite.PYODIDE_PLATFORM in pins["bitarray"].filename
    assert {"ipywidgets", "plotly", "anywidget", "psygnal", "typing-extensions"} <= set(pins)


def test_a_malformed_pin_is_refused_with_its_line(tmp_path):
    bad = tmp_path / "pins.txt"
    bad.write_text("# comment\nplotly>=7\n")
    with pytest.raises(build_lite.LiteBuildError, match=r"pins.txt:2: expected 'name==version --hash=sha256:HEX"):
        build_lite.read_wheels(bad)


def _wheel(path: Path, files: dict[str, bytes]) -> Path:
    record = "".join(f"{name},sha256=x,1\n" for name in files) + "demo-1.0.dist-info/RECORD,,\n"
    with zipfile.ZipFile(path, "w") as whl:
        for name, data in files.items():
            whl.writestr(name, data)
        whl.writestr("demo-1.0.dist-info/RECORD", record)
    return path


def test_slimming_cuts_the_members_and_their_record_lines_and_is_reproducible(tmp_path):
    source = _wheel(
        tmp_path / "demo-1.0-py3-none-any.whl",
        {
            "demo/__init__.py": b"x = 1\n",
            "demo/labextension/static/big.js": b"//" * 1000,
            "demo-1.0.data/data/share/jupyter/labextensions/demo/package.json": b"{}",
            "demo-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n",
        },
    )
    patterns = (r"demo/labextension/.*", r"demo-[^/]+\.data/data/share/.*")
    one, two = tmp_path / "one.whl", tmp_path / "two.whl"
    assert build_lite.slim_wheel(source, one, patterns) == 2
    build_lite.slim_wheel(source, two, patterns)
    assert hashlib.sha256(one.read_bytes()).digest() == hashlib.sha256(two.read_bytes()).digest()
    with zipfile.ZipFile(one) as whl:
        names = set(whl.namelist())
        record = whl.read("demo-1.0.dist-info/RECORD").decode()
    assert names == {"demo/__init__.py", "demo-1.0.dist-info/METADATA", "demo-1.0.dist-info/RECORD"}
    assert "labextension" not in record and "demo/__init__.py" in record


def _pygments_wheel(tmp_path: Path) -> Path:
    mapping = (
        "LEXERS = {\n"
        "    'CLexer': ('pygments.lexers.c_cpp', 'C', ('c',), ('*.c',), ()),\n"
        "    'PythonLexer': ('pygments.lexers.python', 'Python', ('python',), ('*.py',), ()),\n"
        "    'RustLexer': ('pygments.lexers.rust', 'Rust', ('rust',), ('*.rs',), ()),\n"
        "}\n"
    )
    return _wheel(
        tmp_path / "pygments-2.0-py3-none-any.whl",
        {
            "pygments/__init__.py": b"",
            "pygments/lexers/__init__.py": b"from pygments.lexers._mapping import LEXERS\n",
            "pygments/lexers/_mapping.py": mapping.encode(),
            "pygments/lexers/python.py": b"from pygments.lexers.c_cpp import CLexer\n",
            "pygments/lexers/c_cpp.py": b"import pygments.lexers._c_builtins\n",
            "pygments/lexers/_c_builtins.py": b"",
            "pygments/lexers/rust.py": b"",
        },
    )


def test_pygments_keeps_the_named_lexers_with_their_imports_and_a_table_to_match(tmp_path):
    source = _pygments_wheel(tmp_path)
    assert build_lite.pygments_lexers_kept(source, ["python"]) == {"python", "c_cpp", "_c_builtins", "_mapping"}
    target = tmp_path / "slim.whl"
    assert build_lite.slim_pygments(source, target, ["python"]) == 1
    with zipfile.ZipFile(target) as whl:
        names = set(whl.namelist())
        mapping = whl.read("pygments/lexers/_mapping.py")
        record = whl.read("demo-1.0.dist-info/RECORD").decode()
    assert "pygments/lexers/rust.py" not in names and "pygments/lexers/_c_builtins.py" in names
    assert b"RustLexer" not in mapping and b"CLexer" in mapping and b"PythonLexer" in mapping
    namespace: dict = {}
    exec(mapping, namespace)  # still Python, and the kept lexers are all in the table
    assert sorted(namespace["LEXERS"]) == ["CLexer", "PythonLexer"]
    # RECORD names the rewritten table with its new hash, and no longer the lexer cut.
    digest = base64.urlsafe_b64encode(hashlib.sha256(mapping).digest()).rstrip(b"=").decode()
    assert f"pygments/lexers/_mapping.py,sha256={digest},{len(mapping)}" in record
    assert "rust.py" not in record


def test_pygments_slimming_refuses_an_unknown_lexer(tmp_path):
    with pytest.raises(build_lite.LiteBuildError, match="no lexer module cobol"):
        build_lite.pygments_lexers_kept(_pygments_wheel(tmp_path), ["python", "cobol"])


def test_the_site_ships_no_jedi_and_the_kernel_completes_with_ipython():
    """No jedi or parso pinned or prefetched; pyodide-kernel's shell leaves ``use_jedi`` to IPython
    (tools/lite/patches.py); a new pyodide-kernel without the line stops the build."""
    from tools.lite.patches import PATCHES, completer_without_jedi

    assert not {"jedi", "parso"} & {w.name for w in build_lite.read_wheels()}
    assert "jedi" not in build_lite.PREFETCH
    assert PATCHES["pyodide-kernel"]["pyodide_kernel/interpreter.py"] is completer_without_jedi
    shell = b"class Interpreter:\n    def __init__(self):\n        self.Completer.use_jedi = True\n        self.x = 1\n"
    patched = completer_without_jedi(shell).decode()
    assert "use_jedi = True" not in patched and "self.x = 1" in patched
    compile(patched, "interpreter.py", "exec")
    with pytest.raises(build_lite.LiteBuildError, match=r"expected one 'self\.Completer\.use_jedi = True'"):
        completer_without_jedi(b"class Interpreter:\n    pass\n")


def test_ipythons_terminal_shell_is_cut_to_stand_ins_that_say_so():
    """No prompt_toolkit or wcwidth pinned; every module of IPython/terminal is cut but the package and its list of
    event-loop hooks (the kernel imports both), and each importable one has a stand-in naming it."""
    from tools.lite.cuts import module_stand_in

    assert not {"prompt-toolkit", "wcwidth"} & {w.name for w in build_lite.read_wheels()}
    cut = [re.compile(p) for p in build_lite.SLIM["ipython"]]
    for kept in (
        "IPython/terminal/__init__.py",
        "IPython/terminal/pt_inputhooks/__init__.py",
        "IPython/core/debugger.py",
    ):
        assert not any(p.fullmatch(kept) for p in cut), kept
    stand_ins = build_lite.STAND_INS["ipython"]
    for member in (*stand_ins, "IPython/terminal/shortcuts/auto_match.py"):
        assert any(p.fullmatch(member) for p in cut), member
    assert "IPython/terminal/embed.py" in stand_ins and "IPython/terminal/shortcuts/__init__.py" in stand_ins
    source = module_stand_in("IPython/terminal/shortcuts/__init__.py", "no terminal")
    with pytest.raises(
        ModuleNotFoundError, match=r"IPython\.terminal\.shortcuts is not in this browser build.*make lab"
    ):
        exec(source, {})


def test_the_kernels_worker_no_longer_installs_jedi(tmp_path):
    from tools.lite.patches import WORKER_PACKAGES, worker_without_jedi

    static = tmp_path / "static"
    static.mkdir()
    for name in ("comlink.worker.1.js", "coincident.worker.2.js"):
        (static / name).write_text(f"async initKernel(e){{for(let e of{WORKER_PACKAGES})t.includes(e)}}")
    (static / "remoteEntry.3.js").write_text("no packages here")
    assert worker_without_jedi(static) == 2
    for name in ("comlink.worker.1.js", "coincident.worker.2.js"):
        assert (
            (static / name).read_text() == 'async initKernel(e){for(let e of["ipykernel","comm","pyodide-kernel",'
            '"ipython"])t.includes(e)}'
        )
    with pytest.raises(build_lite.LiteBuildError, match=r"no script of .* names"):
        worker_without_jedi(static)  # patched already: a new extension without the list stops the build
    (static / "other.js").write_text('const x = ["jedi"];')
    with pytest.raises(build_lite.LiteBuildError, match=r"other\.js: expected jedi named once"):
        worker_without_jedi(static)


def test_dependencies_are_evaluated_for_pyodide_and_limited_to_shipped_wheels():
    requires = [
        "traitlets>=5",
        "pexpect>4.3; sys_platform != 'win32' and sys_platform != 'emscripten'",
        "typing_extensions>=4.6; python_version < '3.12'",
        "pytest; extra == 'test'",
        "tibs>=0.5",
    ]
    keep, drop = build_lite._depends(requires, {"traitlets", "pexpect", "typing-extensions", "pytest"})
    assert keep == ["traitlets"]
    assert drop == ["tibs"]


# A stand-in for plotly-cartesian.min.js (the real one is 1.5 MB); tests that use it pin its sha256 (plotly_pin).
FAKE_PLOTLY = b"/* plotly.js (cartesian - minified) */ window.Plotly = {};\n"
MIT = "MIT License\n\nCopyright (c) Plotly\n"


@pytest.fixture
def plotly_pin(monkeypatch: pytest.MonkeyPatch) -> str:
    """The site's plotly bundle pinned to FAKE_PLOTLY's sha256, where the builder and the config check read it."""
    pin = hashlib.sha256(FAKE_PLOTLY).hexdigest()
    monkeypatch.setattr(config, "PLOTLY_BUNDLE_SHA256", pin)
    monkeypatch.setattr(build, "PLOTLY_BUNDLE_SHA256", pin)
    return pin


def _site(tmp_path: Path, settings: dict) -> Path:
    """A built site in miniature: the kernel's settings, one wheel and its lock, the site's plotly renderer."""
    site = tmp_path / "site"
    pyodide = site / build_lite.PYODIDE_DIR
    pyodide.mkdir(parents=True)
    (pyodide / "pyodide.mjs").write_text("// runtime")
    wheel = _wheel(pyodide / "demo-1.0-py3-none-any.whl", {"demo/__init__.py": b""})
    lock = {"demo": {"file_name": wheel.name, "sha256": hashlib.sha256(wheel.read_bytes()).hexdigest()}}
    (pyodide / "pyodide-lock.json").write_text(json.dumps({"info": {}, "packages": lock}))
    static = site / "extensions" / build_lite.PLOTLY_EXTENSION / "static"
    static.mkdir(parents=True)
    (static / build_lite.PLOTLY_BUNDLE).write_bytes(FAKE_PLOTLY)
    licences = {"packages": [{"name": build_lite.PLOTLY_JS.name, "licenseId": "MIT", "extractedText": MIT}]}
    (static / "third-party-licenses.json").write_text(json.dumps(licences))
    renderer = {"name": build_lite.PLOTLY_EXTENSION, "load": "static/remoteEntry.js"}
    renderer["mimeExtension"] = "./mimeExtension"
    early = {"name": build_lite.EARLY_KERNEL_EXTENSION, "load": "static/remoteEntry.js", "extension": "./extension"}
    config = {
        "jupyter-config-data": {
            "litePluginSettings": {f"{build_lite.KERNEL_EXTENSION}:kernel": settings},
            "federated_extensions": [renderer, early],
        }
    }
    (site / "jupyter-lite.json").write_text(json.dumps(config))
    return site


def test_the_config_check_passes_a_local_site(tmp_path, plotly_pin):
    settings = build_lite.lite_config(["micropip"])["jupyter-config-data"]["litePluginSettings"]
    site = _site(tmp_path, settings[f"{build_lite.KERNEL_EXTENSION}:kernel"])
    assert build_lite.check_config(site) == []


def test_the_config_check_names_a_cdn_and_the_pypi_fallback(tmp_path, plotly_pin):
    cdn = "https://cdn.jsdelivr.net/pyodide/v314.0.6/full/pyodide.mjs"
    site = _site(tmp_path, {"pyodideUrl": cdn, "disablePyPIFallback": False})
    problems = build_lite.check_config(site)
    assert f"jupyter-lite.json refers to {cdn}" in problems
    assert "disablePyPIFallback is not true" in problems
    assert any("is not a file in the site" in p for p in problems)


def test_the_config_check_notices_a_wheel_that_does_not_match_the_lock(tmp_path, plotly_pin):
    settings = build_lite.lite_config([])["jupyter-config-data"]["litePluginSettings"]
    site = _site(tmp_path, settings[f"{build_lite.KERNEL_EXTENSION}:kernel"])
    (site / build_lite.PYODIDE_DIR / "demo-1.0-py3-none-any.whl").write_bytes(b"tampered")
    assert build_lite.check_config(site) == ["lock entry demo: sha256 does not match demo-1.0-py3-none-any.whl"]


def test_the_config_check_refuses_jupyterlab_plotly_and_a_plotly_bundle_not_pinned(tmp_path, plotly_pin):
    settings = build_lite.lite_config([])["jupyter-config-data"]["litePluginSettings"]
    site = _site(tmp_path, settings[f"{build_lite.KERNEL_EXTENSION}:kernel"])
    (site / "extensions" / "jupyterlab-plotly" / "static").mkdir(parents=True)
    static = site / "extensions" / build_lite.PLOTLY_EXTENSION / "static"
    (static / build_lite.PLOTLY_BUNDLE).write_bytes(FAKE_PLOTLY + b"// changed")
    (static / "third-party-licenses.json").write_text('{"packages": []}')
    config = json.loads((site / "jupyter-lite.json").read_text())
    loaded = config["jupyter-config-data"]["federated_extensions"]
    loaded[:] = [e for e in loaded if e["name"] != build_lite.PLOTLY_EXTENSION]
    loaded.append({"name": "jupyterlab-plotly", "mimeExtension": "./m"})
    (site / "jupyter-lite.json").write_text(json.dumps(config))
    assert build_lite.check_config(site) == [
        "jupyterlab-plotly is in the site; the site's own folioviz-plotly draws its figures",
        "jupyter-lite.json does not load folioviz-plotly as a mime extension",
        "extensions/folioviz-plotly/static/plotly-cartesian.min.js is not the pinned "
        "plotly.js-cartesian-dist-min@4.1.1 (sha256)",
        "extensions/folioviz-plotly/static/third-party-licenses.json does not list plotly.js-cartesian-dist-min",
    ]


def _plotly_tarball(path: Path, bundle: bytes) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in (("package/plotly-cartesian.min.js", bundle), ("package/LICENSE", MIT.encode())):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_the_plotly_renderer_is_staged_with_the_pinned_bundle_and_its_licence(tmp_path, plotly_pin):
    exts = tmp_path / "labextensions"
    exts.mkdir()
    staged = build_lite.stage_plotly_renderer(_plotly_tarball(tmp_path / "p.tgz", FAKE_PLOTLY), exts)
    assert staged == "folioviz-plotly 0.1.0 (with plotly.js-cartesian-dist-min@4.1.1)"
    static = exts / build_lite.PLOTLY_EXTENSION / "static"
    assert sorted(p.name for p in static.iterdir()) == [
        "plotly-cartesian.min.js",
        "remoteEntry.js",
        "third-party-licenses.json",
    ]
    assert (static / "plotly-cartesian.min.js").read_bytes() == FAKE_PLOTLY
    licences = json.loads((static / "third-party-licenses.json").read_text())["packages"]
    assert licences == [
        {"name": "plotly.js-cartesian-dist-min", "versionInfo": "4.1.1", "licenseId": "MIT", "extractedText": MIT}
    ]


def test_a_plotly_bundle_that_is_not_the_pinned_one_stops_the_build(tmp_path, plotly_pin):
    exts = tmp_path / "labextensions"
    exts.mkdir()
    changed = b"window.Plotly = {full: true};"
    with pytest.raises(
        build_lite.LiteBuildError,
        match=rf"expected sha256 {plotly_pin}, actual sha256 {hashlib.sha256(changed).hexdigest()}",
    ):
        build_lite.stage_plotly_renderer(_plotly_tarball(tmp_path / "p.tgz", changed), exts)


def test_the_plotly_renderer_is_a_mime_extension_that_loads_the_pinned_bundle():
    """The pin is npm's sha512 integrity plus the file's sha256; the hand-written container is valid JavaScript,
    names the bundle it loads and the mime type it draws, and its package.json points JupyterLab at it."""
    assert pinned.SRI_SHA512.fullmatch(build_lite.PLOTLY_JS.integrity)
    assert build_lite.SHA256_HEX.fullmatch(config.PLOTLY_BUNDLE_SHA256)
    assert "jupyterlab-plotly" not in build_lite.LABEXTENSIONS
    assert set(build_lite.LEFT_OUT_LABEXTENSIONS) == {"jupyterlab-plotly"}
    ext = build_lite.OWN_LABEXTENSIONS / build_lite.PLOTLY_EXTENSION
    package = json.loads((ext / "package.json").read_text())
    assert package["name"] == build_lite.PLOTLY_EXTENSION
    entry = ext / package["jupyterlab"]["_build"]["load"]
    assert package["jupyterlab"]["_build"]["mimeExtension"] == "./mimeExtension"
    source = entry.read_text()
    for needle in (f'"{build_lite.PLOTLY_BUNDLE}"', '"application/vnd.plotly.v1+json"', '"./mimeExtension"'):
        assert needle in source, needle
    assert ".toImage(" not in source, "no PNG copy of a figure is rendered into the output"
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (make lite needs it)")
    done = subprocess.run([node, "--check", str(entry)], capture_output=True, text=True, check=False, timeout=60)
    assert done.returncode == 0, done.stderr


def _build(tmp_path: Path, *, terminal: bool = True) -> Path:
    """A JupyterLab build/ in miniature: chunks that load chunks (``o.e(<id>)``), some only for unused features."""
    pad = ";" * 1000  # keeps each chunk load out of the other loads' marker windows
    build = tmp_path / "build"
    (build / "lab").mkdir(parents=True)
    bundle = [
        '__webpack_require__.u=e=>""+(5531===e?"jlab_core":e)+"."+({10:"a"})[e]+".js";o.e(5531)',
        '{name:"vega",version:"5.25.0",factory:()=>Promise.all([o.e(20),o.e(30)])}',
        '{name:"lodash",version:"4",factory:()=>o.e(30)}',
        '80:{shareScope:"default",shareKey:"vega-embed",import:"vega-embed",fallback:()=>o.e(21)}',
        '{name:"@lumino/datagrid",version:"2.5.7",factory:()=>o.e(60)}',
        '{name:"react-json-tree",version:"0.18.0",factory:()=>o.e(61)}',
    ]
    (build / "lab" / "bundle.js").write_text(pad.join(bundle))
    # MathJax's loader is longer than a marker window: every load between its two ends is the feature's.
    mathjax = "a.ensureMathDocument=async function(){r=new c.PromiseDelegate,o.e(70);" + "x" * 900
    mathjax += "let[{mathjax:n}]=await Promise.all([o.e(71),o.e(11)]);C=n.document(window.document,{})}"
    core = ["o.e(10).then(o.bind(o,1))", "async function g(){return o.e(40)}n.ensureMermaid=g", mathjax]
    if terminal:
        core.append("let[n,h]=await Promise.all([o.e(50),o.e(51)]);r=n.Terminal,s=h.FitAddon")
    (build / "jlab_core.0a1b2c3.js").write_text(pad.join(core))
    chunks = {10: "o.e(11)", 11: "", 20: "", 21: "", 30: "", 40: "o.e(41);o.e(11)", 41: "", 50: "", 51: "", 99: ""}
    chunks |= {60: "", 61: "", 70: "", 71: ""}
    for chunk, text in chunks.items():
        (build / f"{chunk}.abc{chunk:04d}.js").write_text(text + " " * 100)
    return build


def test_chunks_only_a_disabled_feature_loads_are_cut_and_the_rest_kept(tmp_path):
    build = _build(tmp_path)
    cut = build_lite.prune_lazy_chunks(build)
    left = {int(p.name.split(".")[0]) for p in build.glob("[0-9]*.js")}
    # 11 is also loaded by 10; 30 is also the lodash package's; 99 is loaded by nothing seen (so not touched).
    assert left == {10, 11, 30, 99}
    assert (build / "jlab_core.0a1b2c3.js").is_file() and (build / "lab" / "bundle.js").is_file()
    assert set(cut) == {"csv", "json", "mathjax", "mermaid", "terminal", "vega"}
    assert cut["mermaid"] == 2 * 100 + len("o.e(41);o.e(11)") and cut["terminal"] == 200 and cut["vega"] == 200
    assert cut["mathjax"] == 200 and cut["csv"] == 100 and cut["json"] == 100
    # What each feature's code loads directly is gone; what other code loads too (11) is not counted as its own.
    ids = build_lite.feature_chunk_ids(build)
    assert ids["mathjax"] == {70, 71} and ids["mermaid"] == {40} and ids["vega"] == {20, 21}


def test_pruning_refuses_a_build_where_a_feature_is_not_found(tmp_path):
    build = _build(tmp_path, terminal=False)
    with pytest.raises(build_lite.LiteBuildError, match="no chunk load found for terminal"):
        build_lite.prune_lazy_chunks(build)
    assert len(list(build.glob("[0-9]*.js"))) == 14, "nothing is cut when a feature is missing"


def test_the_lite_config_disables_the_pruned_features():
    config = build_lite.lite_config([])["jupyter-config-data"]
    assert config["disabledExtensions"] == list(build_lite.DISABLED_EXTENSIONS)
    assert {"@jupyterlab/mermaid-extension", "@jupyterlab/vega5-extension"} <= set(config["disabledExtensions"])
    # the features whose chunks are pruned (tools/lite/config.py LAZY_FEATURES, LAZY_SHARED, FEATURE_ASSETS)
    pruned = {"@jupyterlab/mathjax-extension", "@jupyterlab/csvviewer-extension", "@jupyterlab/json-extension"}
    assert pruned <= set(config["disabledExtensions"])


def test_a_disabled_features_assets_are_cut_and_the_others_kept(tmp_path):
    build = tmp_path / "build"
    (build / "themes").mkdir(parents=True)
    for name in ("MathJax_Main-Regular.woff", "MathJax_AMS-Regular.woff", "fa-solid-900.woff2", "jlab_core.1a.js"):
        (build / name).write_bytes(b"x" * 10)
    (build / "themes" / "index.css").write_text("MathJax_Main-Regular.woff")
    assert build_lite.prune_feature_assets(build) == {"mathjax": 20}
    assert sorted(p.name for p in build.rglob("*") if p.is_file()) == [
        "fa-solid-900.woff2",
        "index.css",
        "jlab_core.1a.js",
    ]


def test_the_settings_of_disabled_plugins_and_the_per_plugin_schema_files_are_cut(tmp_path):
    schemas = tmp_path / "schemas"
    (schemas / "@jupyterlab" / "mathjax-extension").mkdir(parents=True)
    (schemas / "@jupyterlab" / "mathjax-extension" / "plugin.json").write_text("{}")
    ids = [
        "@jupyterlab/mathjax-extension:plugin",
        "@jupyterlab/lsp-extension:plugin",
        "@jupyterlab/notebook-extension:tracker",
    ]
    ids += ["@jupyterlab/notebook-extension:language-server"]
    (schemas / "all.json").write_text(json.dumps([{"id": i, "schema": {}} for i in ids], indent=2))
    (schemas / "all_federated.json").write_text('[{"id": "anywidget:plugin", "schema": {}}]')
    disabled = ("@jupyterlab/mathjax-extension", "@jupyterlab/notebook-extension:language-server")
    assert build_lite.prune_schemas(schemas, disabled) > 0
    assert sorted(p.name for p in schemas.iterdir()) == ["all.json", "all_federated.json"]
    kept = [e["id"] for e in json.loads((schemas / "all.json").read_text())]
    assert kept == ["@jupyterlab/lsp-extension:plugin", "@jupyterlab/notebook-extension:tracker"]
    assert (schemas / "all_federated.json").read_text() == '[{"id": "anywidget:plugin", "schema": {}}]'
    (schemas / "all_federated.json").unlink()
    with pytest.raises(build_lite.LiteBuildError, match="JupyterLite's settings changed"):
        build_lite.prune_schemas(schemas, disabled)


SETTINGS_CHUNK = (
    '"use strict";(self.webpackChunk=self.webpackChunk||[]).push([[4191],{1(e,t,s){class X{async list(e){let n=await '
    'this._getAll("all.json")}async _getAll(e){var t;let s=null!=(t=u.PageConfig.getOption("settingsUrl"))?t:"/";'
    "return await (await fetch(u.URLExt.join(s,e))).json()}}}}]);"
)


def test_the_settings_lists_are_fetched_once_per_page(tmp_path):
    build = tmp_path / "build"
    build.mkdir()
    (build / "4191.097b4ea.js").write_text(SETTINGS_CHUNK)
    (build / "jlab_core.1a.js").write_text("async _getAllFrames(){return 1}")
    assert build_lite.fetch_settings_once(build) == 1
    patched = (build / "4191.097b4ea.js").read_text()
    assert "return await (await fetch(" not in patched
    assert "this.__fvAll||(this.__fvAll=new Map)" in patched and "JSON.parse(await __fvAll.get(__fvUrl))" in patched
    assert patched.startswith(SETTINGS_CHUNK.split("async _getAll")[0])
    assert patched.endswith("}}}}]);")
    # run twice, or on a JupyterLite whose settings service changed: the build stops instead of shipping it unpatched
    with pytest.raises(build_lite.LiteBuildError, match="settings service changed"):
        build_lite.fetch_settings_once(build)


def test_the_config_check_names_a_site_without_the_early_kernel_start(tmp_path, plotly_pin):
    settings = build_lite.lite_config(["micropip"])["jupyter-config-data"]["litePluginSettings"]
    site = _site(tmp_path, settings[f"{build_lite.KERNEL_EXTENSION}:kernel"])
    root = json.loads((site / "jupyter-lite.json").read_text())
    extensions = root["jupyter-config-data"]["federated_extensions"]
    extensions[:] = [e for e in extensions if e["name"] != build_lite.EARLY_KERNEL_EXTENSION]
    (site / "jupyter-lite.json").write_text(json.dumps(root))
    assert build_lite.check_config(site) == ["jupyter-lite.json does not load folioviz-early-kernel as an extension"]


# JupyterLite's session client as @jupyterlite/services 0.8.6 ships it (minified, trimmed to what the patch touches):
# update() starts a kernel from expressions, startNew() from names, then makes the session's model.
SESSION_CLIENT = (
    "class er{constructor(e){this._sessions=[],this._kernelClient=e.kernelClient}"
    "async update(e){let{id:t,path:s,name:n,kernel:r}=e,a=this._sessions.findIndex(e=>e.id===t),i=this._sessions[a],"
    "o={...i,path:null!=s?s:i.path};if(r&&r.name){let e=await this._kernelClient.startNew({id:m.UUID.uuid4(),"
    "name:r.name,location:u.PathExt.dirname(o.path)});e&&(o.kernel=e)}return this._sessions[a]=o,o}"
    "async startNew(e){var t,s,n,r;let{path:a,name:i}=e,o=this._sessions.find(e=>e.name===i);if(o)return o;"
    'let h=null!=(n=null==(s=e.kernel)?void 0:s.name)?n:"",c=m.UUID.uuid4(),d=null!=(r=e.name)?r:e.path,'
    'p=u.PathExt.dirname(e.name)||u.PathExt.dirname(e.path),g=d.includes(":")?d.split(":")[0]:"",'
    "f=p.includes(g)?p:`${g}:${p}`,_=await this._kernelClient.startNew({id:c,name:h,location:f}),"
    'y={id:c,path:a,name:null!=i?i:a,type:"notebook",kernel:{id:_.id,name:_.name}};return this._sessions.push(y),y}}'
)
CHUNK_HEAD = '"use strict";(self.webpackChunk=self.webpackChunk||[]).push([[4191],{1(e,t,s){'
SESSION_CHUNK = CHUNK_HEAD + SESSION_CLIENT + "}}]);"

# Runs the patched session client under node: three sessions started, with the early-kernel hook answering a model,
# answering null, failing, and with no hook; prints each session's kernel and the kernels the client started.
SESSION_CLIENT_RUN = """
const m = {UUID: {uuid4: (() => { let n = 0; return () => `id-${++n}`; })()}};
const u = {PathExt: {dirname: (p) => p.includes("/") ? p.slice(0, p.lastIndexOf("/")) : ""}};
%s
const started = [];
const kernelClient = {startNew: async (o) => { started.push(o); return {id: o.id, name: o.name}; }};
const client = new er({kernelClient});
const asked = [];
(async () => {
  const out = {};
  out.plain = (await client.startNew({path: "a/x.ipynb", name: "x.ipynb", kernel: {name: "python"}})).kernel;
  kernelClient.foliovizEarlyKernels = {adopt: async (kernel, session) => {
    asked.push([kernel, session]);
    if (session.name === "y.ipynb") return {id: "early", name: kernel.name};
    if (session.name === "z.ipynb") throw new Error("broken hook");
    return null;
  }};
  out.adopted = (await client.startNew({path: "b/tmp-1", name: "y.ipynb", kernel: {name: "python"}})).kernel;
  out.failed = (await client.startNew({path: "z.ipynb", name: "z.ipynb", kernel: {name: "python"}})).kernel;
  out.declined = (await client.startNew({path: "w.ipynb", name: "w.ipynb", kernel: {name: "python"}})).kernel;
  console.log(JSON.stringify({out, started, asked}));
})();
"""


def test_the_session_client_adopts_the_early_kernel_else_starts_its_own(tmp_path):
    """The session client's patch (chunks.adopt_early_kernels) asks the early-kernel hook first, with the kernel it
    was about to start and the session's path and name, and starts that kernel itself when there is no hook or the
    hook answers null or fails; it is applied once, and a JupyterLite without that kernel start stops the build."""
    build = tmp_path / "build"
    build.mkdir()
    chunk = build / "4191.097b4ea.js"
    chunk.write_text(SESSION_CHUNK)
    (build / "jlab_core.1a.js").write_text("async startNew(e){return await this._kernelClient.startNew(e)}")
    assert build_lite.adopt_early_kernels(build) == 1
    patched = chunk.read_text()
    assert patched.count("this._kernelClient.foliovizEarlyKernels") == 1
    assert patched.count("this._kernelClient.startNew(") == 2  # update()'s, untouched, and the patched fallback
    node = shutil.which("node")
    if node is not None:
        client = patched[patched.index("class er{") : patched.rindex("}}]);")]
        script = tmp_path / "run.js"
        script.write_text(SESSION_CLIENT_RUN % client)
        done = subprocess.run([node, str(script)], capture_output=True, text=True, check=False, timeout=60)
        assert done.returncode == 0, done.stderr
        result = json.loads(done.stdout)
        assert result["out"] == {
            "plain": {"id": "id-1", "name": "python"},
            "adopted": {"id": "early", "name": "python"},
            "failed": {"id": "id-3", "name": "python"},
            "declined": {"id": "id-4", "name": "python"},
        }
        assert [o["id"] for o in result["started"]] == ["id-1", "id-3", "id-4"]  # no kernel started for y.ipynb
        assert result["asked"][0] == [
            {"id": "id-2", "name": "python", "location": "b"},
            {"path": "b/tmp-1", "name": "y.ipynb"},
        ]
    # applied twice, or a JupyterLite whose session client changed: the build stops instead of shipping it unpatched
    with pytest.raises(build_lite.LiteBuildError, match="session client changed: 0 files"):
        build_lite.adopt_early_kernels(build)
    chunk.write_text(SESSION_CHUNK.replace("class er{", SESSION_CLIENT[:-1] + "}class es{", 1))
    with pytest.raises(build_lite.LiteBuildError, match="2 session kernel starts"):
        build_lite.adopt_early_kernels(build)


def test_the_early_kernel_extension_is_a_plugin_that_sets_the_hook_the_patch_asks():
    """folioviz-early-kernel is valid JavaScript, a JupyterLab extension (not a mime one) that sets, on JupyterLite's
    kernel client, the property the session client's patch reads."""
    ext = build_lite.OWN_LABEXTENSIONS / build_lite.EARLY_KERNEL_EXTENSION
    package = json.loads((ext / "package.json").read_text())
    assert package["name"] == build_lite.EARLY_KERNEL_EXTENSION
    assert package["jupyterlab"]["_build"]["extension"] == "./extension"
    entry = ext / package["jupyterlab"]["_build"]["load"]
    source = entry.read_text()
    assert f'var HOOK = "{build_lite.EARLY_KERNELS_HOOK}";' in source
    assert "kernelClient[HOOK] = {" in source
    for needle in ('"./extension"', "services.IKernelClient", "SessionContext.getDefaultKernel"):
        assert needle in source, needle
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (make lite needs it)")
    done = subprocess.run([node, "--check", str(entry)], capture_output=True, text=True, check=False, timeout=60)
    assert done.returncode == 0, done.stderr


def test_an_extension_bundle_named_nowhere_is_dropped(tmp_path):
    static = tmp_path / "extensions" / "demo" / "static"
    static.mkdir(parents=True)
    (static.parent / "package.json").write_text(
        '{"jupyterlab": {"_build": {"load": "./static/remoteEntry.0a0a0a0a.js"}}}'
    )
    (static / "remoteEntry.0a0a0a0a.js").write_text('u=e=>e+"."+{528:"d9f5934c"}[e]+".js"')
    (static / "528.d9f5934c.js").write_text("chunk")
    (static / "main.15ebcf03.js").write_text("standalone bundle")
    assert build_lite.drop_unreferenced_bundles(tmp_path / "extensions") == len("standalone bundle")
    assert sorted(p.name for p in static.iterdir()) == ["528.d9f5934c.js", "remoteEntry.0a0a0a0a.js"]


def test_the_favicon_keeps_its_small_images(tmp_path):
    import struct

    images = {16: b"a" * 10, 48: b"b" * 20, 256: b"c" * 300}
    offset, table, body = 6 + 16 * len(images), b"", b""
    for px, data in images.items():
        table += struct.pack("<BBBBHHII", px % 256, px % 256, 0, 0, 1, 32, len(data), offset + len(body))
        body += data
    ico = tmp_path / "favicon.ico"
    ico.write_bytes(struct.pack("<HHH", 0, 1, len(images)) + table + body)
    assert build_lite.slim_favicon(ico) == 16 + 300
    data = ico.read_bytes()
    assert struct.unpack_from("<HHH", data) == (0, 1, 2)
    w, _, _, _, _, _, size, at = struct.unpack_from("<BBBBHHII", data, 6 + 16)
    assert (w, data[at : at + size]) == (48, b"b" * 20)


def test_build_requirements_are_fully_pinned_with_hashes():
    """Every line of the lite build environment is `name==version` with at least one sha256, and the Makefile
    installs them with --require-hashes (pip then refuses any file whose hash differs, and any unpinned package)."""
    text = (ROOT / "tools" / "lite-build-requirements.txt").read_text()
    entries = [e.strip() for e in re.sub(r"\\\n", " ", text).splitlines() if e.strip() and not e.startswith("#")]
    assert len(entries) > 6  # the six asked for and what they need
    for entry in entries:
        assert re.match(r"^[A-Za-z0-9._-]+==[\w.+!-]+(\s+--hash=sha256:[0-9a-f]{64})+(\s+#.*)?$", entry), entry
    assert "--require-hashes" in (ROOT / "Makefile").read_text()


def test_a_changed_wheel_hash_stops_the_build(tmp_path):
    """A cached wheel whose bytes no longer match its pin is deleted and fetched once more; when that download
    does not match either, the build stops naming the file, the expected and the actual sha256 (tools/pinned.py)."""
    wheels = build_lite.read_wheels()[:1]
    cache = tmp_path / "cache"
    (cache / "wheels").mkdir(parents=True)
    (cache / "wheels" / wheels[0].filename).write_bytes(b"not the pinned wheel")
    pip = tmp_path / "pip"
    pip.write_text(f'#!/bin/sh\nwhile [ "$1" != "-d" ]; do shift; done\nprintf changed > "$2/{wheels[0].filename}"\n')
    pip.chmod(0o755)
    with pytest.raises(
        build_lite.LiteBuildError,
        match=rf"{re.escape(wheels[0].filename)}.* expected sha256 {wheels[0].sha256}, actual sha256 "
        + hashlib.sha256(b"changed").hexdigest(),
    ):
        build_lite.fetch_wheels(wheels, cache, [str(pip)])
    assert not (cache / "wheels" / wheels[0].filename).exists()


@pytest.mark.parametrize(
    "text",
    [
        '"https://localhost.evil.example/x.js"',
        '"http://127.0.0.1.nip.io/x.js"',
        '"//cdn.example.org/x.js"',
        '"https://cdn.jsdelivr.net/npm/x"',
        "'http://localhost@evil.example/'",
    ],
)
def test_the_url_check_names_lookalikes_of_loopback(text):
    assert build_lite.external_urls(text), text


@pytest.mark.parametrize(
    "text", ['"http://127.0.0.1:8000/lab"', '"http://localhost/x"', '"./static/x.js"', '"http://[::1]:9/x"']
)
def test_the_url_check_lets_loopback_and_relative_through(text):
    assert build_lite.external_urls(text) == []


def test_bytecode_goes_beside_the_source_or_in_its_place_with_the_record_to_match(tmp_path):
    """folioviz keeps its sources with the pyc in __pycache__ (PEP 3147); a library's module becomes mod.pyc."""
    from tools.lite import bytecode

    assert bytecode.cached_name("demo/sub/mod.py", "cpython-314") == "demo/sub/__pycache__/mod.cpython-314.pyc"
    assert bytecode.cached_name("top.py", "cpython-314") == "__pycache__/top.cpython-314.pyc"
    files = {"demo/__init__.py": b"x = 1\n", "demo/cold.py": b"y = 2\n", "demo/data.txt": b"text"}
    pycs = {"demo/__init__.py": b"PYC-init"}
    for keep in (True, False):
        wheel = _wheel(tmp_path / f"demo-{keep}.whl", files)
        bytecode._write_bytecode(wheel, pycs, "cpython-314", keep)
        with zipfile.ZipFile(wheel) as whl:
            names = set(whl.namelist())
            record = whl.read("demo-1.0.dist-info/RECORD").decode()
            pyc = "demo/__pycache__/__init__.cpython-314.pyc" if keep else "demo/__init__.pyc"
            assert whl.read(pyc) == b"PYC-init"
        assert {"demo/cold.py", "demo/data.txt", pyc} <= names, "a module not compiled keeps its source"
        assert ("demo/__init__.py" in names) is keep
        listed = {line.split(",")[0] for line in record.splitlines()}
        assert listed == names, "RECORD lists exactly the wheel's files"
        digest = base64.urlsafe_b64encode(hashlib.sha256(b"PYC-init").digest()).rstrip(b"=").decode()
        assert f"{pyc},sha256={digest},8" in record


def test_the_ipython_patch_imports_embed_on_first_use_only(tmp_path, monkeypatch):
    """tools/lite/patches.py: a package laid out as IPython's (``__init__`` importing ``.terminal.embed``), patched,
    imports without its terminal half, and still gives the very same ``embed`` when asked for it."""
    from tools.lite.patches import PATCHES, lazy_ipython_embed

    assert PATCHES["ipython"]["IPython/__init__.py"] is lazy_ipython_embed
    package = tmp_path / "fakeipython"
    (package / "terminal").mkdir(parents=True)
    (package / "terminal" / "__init__.py").write_text("")
    (package / "terminal" / "embed.py").write_text("def embed(**kwargs):\n    return 'embedded'\n")
    original = '"""Doc."""\nfrom .terminal.embed import embed\n__all__ = ["embed"]\nversion = 9\n'
    (package / "__init__.py").write_bytes(lazy_ipython_embed(original.encode()))
    monkeypatch.syspath_prepend(str(tmp_path))
    import importlib
    import sys

    module = importlib.import_module("fakeipython")
    try:
        assert module.version == 9 and "fakeipython.terminal" not in sys.modules
        from fakeipython import embed  # type: ignore[import-not-found]

        assert embed is sys.modules["fakeipython.terminal.embed"].embed and embed() == "embedded"
        with pytest.raises(AttributeError, match="no attribute 'shell'"):
            module.shell  # noqa: B018
    finally:
        for name in [n for n in sys.modules if n.split(".")[0] == "fakeipython"]:
            del sys.modules[name]


@pytest.mark.parametrize(
    "text",
    [
        "import sys\n",
        "from .terminal.embed import embed\n" * 2,
        "from .terminal.embed import embed\ndef __getattr__(n): pass\n",
    ],
)
def test_the_ipython_patch_stops_the_build_on_another_layout(text):
    from tools.lite.patches import lazy_ipython_embed

    with pytest.raises(build_lite.LiteBuildError, match=r"update tools/lite/patches\.py"):
        lazy_ipython_embed(text.encode())


def test_the_ipywidgets_patch_names_traitlets_by_its_code_file():
    """tools/lite/patches.py: ipywidgets' test for traitlets' frames compares code file names with a code file name
    (the installed ipywidgets' widget.py, patched, still compiles and keeps its four checks)."""
    import ipywidgets.widgets.widget as widget_module

    from tools.lite.patches import PATCHES, traitlets_file_from_code

    assert PATCHES["ipywidgets"] == {"ipywidgets/widgets/widget.py": traitlets_file_from_code}
    source = Path(widget_module.__file__).read_bytes()
    patched = traitlets_file_from_code(source).decode()
    assert "TRAITLETS_FILE = HasTraits.__init__.__code__.co_filename" in patched
    assert "inspect.getfile(HasTraits)" not in patched and patched.count("== TRAITLETS_FILE") == 4
    from traitlets import HasTraits

    frame_file = HasTraits.setup_instance.__code__.co_filename  # what a frame of traitlets' set-up carries
    assert HasTraits.__init__.__code__.co_filename == frame_file
    with pytest.raises(build_lite.LiteBuildError, match=r"update tools/lite/patches\.py"):
        traitlets_file_from_code(source.replace(b"inspect.getfile(HasTraits)", b"'traitlets.py'"))


def test_folioviz_wheel_gets_a_json_twin_of_each_data_file(tmp_path):
    """tools/lite/patches.py add_toml_twins: a twin beside each folioviz/_data TOML, made by datafiles.toml_twin,
    listed in RECORD with its hash; nothing else changes."""
    from folioviz.kernel.datafiles import toml_twin
    from tools.lite.patches import add_toml_twins

    toml = b'default = "6.4"\n'
    wheel = tmp_path / "folioviz-0.1-py3-none-any.whl"
    members = {
        "folioviz/__init__.py": b"",
        "folioviz/_data/eras.toml": toml,
        "folioviz/_data/page_flags/6.4.toml": toml,
        "folioviz/_data/real_kernels/6.4.json": b"{}",
    }
    record = "".join(f"{name},sha256=x,{len(data)}\n" for name, data in members.items())
    wheel.write_bytes(wheels.zip_bytes([*members.items(), ("folioviz-0.1.dist-info/RECORD", record.encode())]))
    assert add_toml_twins(wheel) == 2
    with zipfile.ZipFile(wheel) as whl:
        names = set(whl.namelist())
        twin = whl.read("folioviz/_data/eras.toml.json")
        record_after = whl.read("folioviz-0.1.dist-info/RECORD").decode()
        assert {name: whl.read(name) for name in members} == members
    assert names == {*members, "folioviz-0.1.dist-info/RECORD", *(n + ".json" for n in members if n.endswith(".toml"))}
    assert twin == toml_twin(toml)
    assert wheels.record_line("folioviz/_data/eras.toml.json", twin) in record_after.splitlines()


def test_the_piplite_patch_imports_micropip_on_first_install():
    """tools/lite/patches.py: piplite's micropip imports move into a function that _install calls first."""
    from tools.lite.patches import PATCHES, lazy_piplite_micropip

    assert PATCHES["piplite"] == {"piplite/piplite.py": lazy_piplite_micropip}
    original = (
        "import logging\nfrom unittest.mock import patch\n\nimport micropip\n"
        "from micropip.package_index import CompatibilityLayer, ProjectInfo\n"
        "from micropip.package_index import query_package as _MP_QUERY_PACKAGE\n\n"
        "async def _install(requirements):\n"
        '    """Invoke micropip.install with a patch to get data from local indexes"""\n'
        "    with patch('micropip.package_index.query_package', None):\n"
        "        return await micropip.install(requirements)\n"
    )
    patched = lazy_piplite_micropip(original.encode()).decode()
    top_level = [line for line in patched.splitlines() if line.startswith(("import ", "from "))]
    assert top_level == ["import logging"], top_level
    body = patched[patched.index("async def _install") :]
    assert body.index("_import_micropip()") < body.index("await micropip.install"), body
    with pytest.raises(build_lite.LiteBuildError, match=r"update tools/lite/patches\.py"):
        lazy_piplite_micropip(patched.encode())


def test_the_completer_patch_imports_jedi_on_first_use():
    """tools/lite/patches.py: IPython's completer, patched, imports jedi in its one jedi call, not at the top."""
    from tools.lite.patches import PATCHES, lazy_completer_jedi

    assert PATCHES["ipython"]["IPython/core/completer.py"] is lazy_completer_jedi
    original = (
        "import sys\n\ntry:\n    import jedi\n    jedi.settings.case_insensitive_completion = False\n"
        "    import jedi.api.helpers\n    import jedi.api.classes\n    JEDI_INSTALLED = True\n"
        "except ImportError:\n    JEDI_INSTALLED = False\n\n"
        "def _jedi_matches(text, offset, namespaces):\n"
        "    interpreter = jedi.Interpreter(text[:offset], namespaces)\n    return interpreter\n"
    )
    patched = lazy_completer_jedi(original.encode()).decode()
    assert "    import jedi\n" not in patched.split("def _import_jedi")[0]
    assert "interpreter = _import_jedi().Interpreter(text[:offset], namespaces)" in patched
    namespace: dict = {}
    exec(compile(patched, "completer.py", "exec"), namespace)  # jedi is installed here: it is found, not imported
    assert namespace["JEDI_INSTALLED"] is True and namespace["jedi"] is None
    jedi = namespace["_import_jedi"]()
    assert jedi.settings.case_insensitive_completion is False and namespace["jedi"] is jedi
    with pytest.raises(build_lite.LiteBuildError, match=r"update tools/lite/patches\.py"):
        lazy_completer_jedi(patched.encode())


def test_slimming_adds_new_members_with_their_record_lines(tmp_path):
    source = _wheel(tmp_path / "demo-1.0-py3-none-any.whl", {"demo/__init__.py": b"x = 1\n"})
    target = tmp_path / "slim.whl"
    build_lite.slim_wheel(source, target, [], add={"demo/_extra.py": b"y = 2\n"})
    with zipfile.ZipFile(target) as whl:
        assert whl.read("demo/_extra.py") == b"y = 2\n"
        record = whl.read("demo-1.0.dist-info/RECORD").decode()
    assert wheels.record_line("demo/_extra.py", b"y = 2\n") in record.splitlines()
    with pytest.raises(build_lite.LiteBuildError, match=r"already has demo/__init__\.py"):
        build_lite.slim_wheel(source, target, [], add={"demo/__init__.py": b""})


def _plotly_wheel(tmp_path: Path) -> Path:
    """A plotly-shaped wheel: two trace types (scatter kept, scatter3d cut), a layout with a 3-D scene, a template."""
    classes = {"scatter": "Scatter", "scatter3d": "Scatter3d"}
    validators = {
        "data": {"params": {"class_strs_map": classes}, "superclass": "BaseDataValidator"},
        "scatter": {"params": {}, "superclass": "CompoundValidator"},
        "scatter.x": {"params": {}, "superclass": "DataArrayValidator"},
        "scatter3d": {"params": {}, "superclass": "CompoundValidator"},
        "scatter3d.z": {"params": {}, "superclass": "DataArrayValidator"},
        "layout.scene": {"params": {}, "superclass": "CompoundValidator"},
        "layout.scene.xaxis": {"params": {}, "superclass": "CompoundValidator"},
        "layout.xaxis": {"params": {}, "superclass": "CompoundValidator"},
    }
    template = {"data": {"scatter": [{}], "scatter3d": [{}]}, "layout": {"scene": {}, "xaxis": {"showgrid": True}}}
    files = {
        "plotly/validators/_validators.json": json.dumps(validators).encode(),
        "plotly/package_data/templates/plotly.json": json.dumps(template).encode(),
        "plotly/graph_objs/_scatter.py": b"class Scatter: ...\n",
        "plotly/graph_objs/scatter/__init__.py": b"",
        "plotly/graph_objs/_scatter3d.py": b"class Scatter3d: ...\n",
        "plotly/graph_objs/scatter3d/__init__.py": b"",
        "plotly/graph_objs/scatter3d/marker/__init__.py": b"",
        "plotly/graph_objs/layout/_scene.py": b"class Scene(_BaseLayoutHierarchyType):\n    pass\n",
        "plotly/graph_objs/layout/scene/__init__.py": b"",
        "plotly/graph_objs/layout/scene/_xaxis.py": b"",
        "plotly/graph_objs/_figurewidget.py": b"",
        "plotly/basewidget.py": b"",
    }
    for package in ("express", "figure_factory", "matplotlylib"):
        files[f"plotly/{package}/__init__.py"] = b""
        files[f"plotly/{package}/_core.py"] = b""
    return _wheel(tmp_path / "plotly-7.0-py3-none-any.whl", files)


def test_plotly_keeps_the_drawn_trace_types_and_stands_in_for_the_others(tmp_path):
    from tools.lite import plotly_slim

    target = tmp_path / "slim.whl"
    plotly_slim.slim_plotly(_plotly_wheel(tmp_path), target, [], ["scatter"], ["scene"])
    with zipfile.ZipFile(target) as whl:
        names = set(whl.namelist())
        read = {n: whl.read(n) for n in names}
    kept = {"plotly/graph_objs/_scatter.py", "plotly/graph_objs/scatter/__init__.py", "plotly/_browser_build.py"}
    assert kept <= names
    for gone in ("plotly/graph_objs/scatter3d/marker/__init__.py", "plotly/graph_objs/layout/scene/_xaxis.py"):
        assert gone not in names
    assert not {"plotly/basewidget.py", "plotly/express/_core.py"} & names
    # The stand-ins name the class, the layout kind or the package, through the shipped helper.
    assert b"unavailable_class('Scatter3d'" in read["plotly/graph_objs/_scatter3d.py"]
    assert b"unavailable_module('plotly.graph_objects.scatter3d'" in read["plotly/graph_objs/scatter3d/__init__.py"]
    assert b"unavailable_layout_class('Scene', 'scene'" in read["plotly/graph_objs/layout/_scene.py"]
    assert b"numpy" in read["plotly/express/__init__.py"]
    assert b"unavailable_class('FigureWidget'" in read["plotly/graph_objs/_figurewidget.py"]
    assert b"TRACES: tuple[str, ...] = ('scatter',)" in read["plotly/_browser_build.py"]
    for name in names - {"plotly/validators/_validators.json"}:
        if name.endswith(".py"):
            compile(read[name], name, "exec")
    # The validators and the template keep what was kept (and the cut kinds' own entries, naming the stand-ins).
    validators = json.loads(read["plotly/validators/_validators.json"])
    assert sorted(validators) == ["data", "layout.scene", "layout.xaxis", "scatter", "scatter.x", "scatter3d"]
    template = json.loads(read["plotly/package_data/templates/plotly.json"])
    assert template == {"data": {"scatter": [{}]}, "layout": {"xaxis": {"showgrid": True}}}


def test_plotly_slimming_refuses_an_unknown_trace_type_or_subplot_kind(tmp_path):
    from tools.lite import plotly_slim

    source = _plotly_wheel(tmp_path)
    with pytest.raises(build_lite.LiteBuildError, match="no trace type scatterhex"):
        plotly_slim.slim_plotly(source, tmp_path / "a.whl", [], ["scatter", "scatterhex"], [])
    with pytest.raises(build_lite.LiteBuildError, match="no layout subplot kind moon"):
        plotly_slim.slim_plotly(source, tmp_path / "a.whl", [], ["scatter"], ["moon"])


def test_the_kept_trace_types_are_the_cartesian_bundles():
    """plotly.js's cartesian bundle (npm plotly.js-cartesian-dist-min 4.1.1) draws these and no others."""
    assert sorted(build_lite.PLOTLY_TRACES) == [
        *("bar", "box", "contour", "heatmap", "histogram", "histogram2d", "histogram2dcontour", "image", "pie"),
        *("scatter", "scatterternary", "violin"),
    ]
    assert "ternary" not in build_lite.PLOTLY_SUBPLOTS_CUT  # scatterternary draws on it


def test_the_stand_ins_say_what_is_missing_and_where_to_find_it():
    """The helper shipped as plotly/_browser_build.py, run on the desktop's plotly."""
    import importlib.util

    from tools.lite import plotly_slim

    spec = importlib.util.spec_from_loader("browser_build_probe", loader=None)
    helper = importlib.util.module_from_spec(spec)
    exec(plotly_slim.helper_source(["bar", "scatter"]), helper.__dict__)
    assert helper.TRACES == ("bar", "scatter")
    scatter3d = helper.unavailable_class("Scatter3d", "go.Scatter3d")
    with pytest.raises(ImportError, match=r"go.Scatter3d is not in this browser build.*bar, scatter.*make lab"):
        scatter3d(x=[1])
    scene = helper.unavailable_layout_class("Scene", "scene", "go.layout.Scene")
    import plotly.graph_objects as go

    empty = scene(_parent=go.Layout())  # plotly builds an empty one of each subplot kind itself
    assert empty.to_plotly_json() == {} and empty.update() is empty
    for use in (lambda: scene({"xaxis": {}}), lambda: empty.update(xaxis={}), lambda: setattr(empty, "x", 1)):
        with pytest.raises(ImportError, match=r"go\.layout\.Scene is not in this browser build"):
            use()
    with pytest.raises(ImportError, match=r"plotly\.express is not in this browser build of folioviz: it needs numpy"):
        helper.unavailable_module("plotly.express", "it needs numpy")


def _stdlib_zip(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name in (
            *("encodings/__init__.pyc", "encodings/utf_8.pyc", "encodings/koi8_r.py", "encodings/cp1252.py"),
            *("multiprocessing/__init__.py", "multiprocessing/pool.py", "smtplib.py", "json/__init__.pyc"),
        ):
            archive.writestr(name, b"x = 1\n")
    return path


def test_the_stdlib_keeps_the_named_codecs_and_stands_in_for_the_cut_modules(tmp_path):
    from tools.lite import cuts

    stdlib = _stdlib_zip(tmp_path / "python_stdlib.zip")
    before = stdlib.stat().st_size
    saved = cuts.slim_stdlib(
        stdlib, ["__init__", "utf_8", "cp1252"], {"multiprocessing": "no processes", "smtplib": "no"}
    )
    assert saved == before - stdlib.stat().st_size
    with zipfile.ZipFile(stdlib) as archive:
        names = set(archive.namelist())
        stand_in = archive.read("multiprocessing/__init__.py")
    assert names == {
        *("encodings/__init__.pyc", "encodings/utf_8.pyc", "encodings/cp1252.py"),
        *("multiprocessing/__init__.py", "smtplib.py", "json/__init__.pyc"),
    }
    with pytest.raises(ModuleNotFoundError, match="multiprocessing is not in this browser build of folioviz: no proc"):
        exec(stand_in, {})


def test_the_stdlib_cut_refuses_an_imported_or_unknown_module_or_codec(tmp_path):
    from tools.lite import cuts

    stdlib = _stdlib_zip(tmp_path / "python_stdlib.zip")
    with pytest.raises(build_lite.LiteBuildError, match=r"imports json/__init__\.pyc"):
        cuts.slim_stdlib(stdlib, ["__init__", "utf_8"], {"json": "no"})
    with pytest.raises(build_lite.LiteBuildError, match="has no module tkinter"):
        cuts.slim_stdlib(stdlib, ["__init__", "utf_8"], {"tkinter": "no screen"})
    with pytest.raises(build_lite.LiteBuildError, match="has no codec utf_9"):
        cuts.slim_stdlib(stdlib, ["__init__", "utf_9"], {})
    with pytest.raises(build_lite.LiteBuildError, match=r"imports encodings/utf_8\.pyc"):
        cuts.slim_stdlib(stdlib, ["__init__"], {})


def test_plotlys_property_docstrings_are_cut_and_the_constructors_kept():
    """tools/lite/plotly_slim.py: a graph object's property getters lose their docstrings; its class, its constructor
    (which documents every argument) and its setters keep theirs, and the module still compiles."""
    from tools.lite.plotly_slim import strip_property_docstrings

    source = b'''class Bar(_BaseTraceType):
    """A bar."""

    @property
    def orientation(self):
        """
        Sets the orientation of the bars.

        Returns
        -------
        Any
        """
        return self["orientation"]

    @orientation.setter
    def orientation(self, val):
        self["orientation"] = val

    @property
    def _prop_descriptions(self):
        return """orientation: the orientation"""

    def __init__(self, orientation=None):
        """
        Parameters
        ----------
        orientation
            Sets the orientation of the bars.
        """
        self.orientation = orientation
'''
    stripped = strip_property_docstrings(source).decode()
    namespace: dict[str, object] = {"_BaseTraceType": dict}
    exec(stripped, namespace)
    bar = namespace["Bar"]
    assert bar.orientation.__doc__ is None  # type: ignore[attr-defined]
    assert bar.__doc__ == "A bar." and "Sets the orientation" in bar.__init__.__doc__  # type: ignore[attr-defined]
    assert '"""orientation: the orientation"""' in stripped and stripped.count("Sets the orientation") == 1
    assert len(source.decode().splitlines()) - len(stripped.splitlines()) == 7  # the getter's docstring, no more


_KERNEL_INIT = (
    '"""A Python kernel backed by Pyodide"""\n\nimport sys\n\n# 0. do early mocks that change `sys.modules`\n'
    "from . import mocks\n\nipython_shell = app.shell\nkernel_instance = ipython_shell.kernel\n\nsys.stdout = out\n"
)


def test_the_kernel_patch_installs_the_drive_finder_first_and_lists_anew_each_cell():
    """tools/lite/patches.py drive_listed_once_per_cell: pyodide-kernel's ``__init__`` installs the drive's finder
    before its first import and, once the shell exists, counts the cells by IPython's ``pre_execute`` event; another
    layout, or the patch applied twice, stops the build."""
    from tools.lite.patches import DRIVE_FINDER, PATCHES, drive_listed_once_per_cell

    assert PATCHES["pyodide-kernel"]["pyodide_kernel/__init__.py"] is drive_listed_once_per_cell
    patched = drive_listed_once_per_cell(_KERNEL_INIT.encode()).decode()
    assert patched.index("import sys\n") < patched.index(DRIVE_FINDER) < patched.index("from . import mocks")
    registered = 'ipython_shell.events.register("pre_execute", _new_cell)\n'
    assert patched.index("kernel_instance = ipython_shell.kernel") < patched.index(registered)
    assert patched.index(registered) < patched.index("sys.stdout = out")
    others = (_KERNEL_INIT.replace("# 0. do early mocks", "# 0. mocks"), _KERNEL_INIT.replace("\nimport sys", ""))
    for text in (patched, *others):
        with pytest.raises(build_lite.LiteBuildError, match=r"update tools/lite/patches\.py for the new pyodide-k"):
            drive_listed_once_per_cell(text.encode())


def test_the_drive_finder_lists_its_folder_once_per_cell_and_finds_a_learners_module(tmp_path, monkeypatch):
    """The drive's finder (tools/lite/patches.py DRIVE_FINDER, here for a folder standing in for the drive): within a
    cell, modules the folder lacks cost one listing of it and no stat; a module written in the cell is found from the
    next cell on, or at once after importlib.invalidate_caches(); packages, their submodules and folders outside the
    drive are found as by Python's own FileFinder."""
    import importlib
    import importlib.machinery
    import importlib.util
    import os
    import sys

    from tools.lite.patches import DRIVE_FINDER, DRIVE_MOUNT

    drive = tmp_path / "drive"
    (drive / "fv_pkg").mkdir(parents=True)
    (drive / "fv_pkg" / "__init__.py").write_text("")
    (drive / "fv_pkg" / "sub.py").write_text("")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    source = DRIVE_FINDER.replace(f"_install_drive_finder({DRIVE_MOUNT!r})", f"_install_drive_finder({str(drive)!r})")
    assert source != DRIVE_FINDER
    hooks = list(sys.path_hooks)
    namespace: dict = {"sys": sys}
    listed: list[str] = []
    asked: list[str] = []  # Python's own FileFinder.find_spec, which stats the folder
    listdir, find_spec = os.listdir, importlib.machinery.FileFinder.find_spec
    try:
        exec(compile(source, "pyodide_kernel/__init__.py", "exec"), namespace)
        finder_class = namespace["_DriveFileFinder"]
        assert sys.path_hooks[1:] == hooks and issubclass(finder_class, importlib.machinery.FileFinder)
        monkeypatch.syspath_prepend(str(elsewhere))
        monkeypatch.syspath_prepend(str(drive))
        monkeypatch.setattr(os, "listdir", lambda path=".": listed.append(str(path)) or listdir(path))
        monkeypatch.setattr(
            importlib.machinery.FileFinder,
            "find_spec",
            lambda self, name, target=None: asked.append(self.path) or find_spec(self, name, target),
        )

        for n in range(20):
            assert importlib.util.find_spec(f"fv_absent_{n}") is None
        assert listed == [str(drive)] and str(drive) not in asked
        assert type(sys.path_importer_cache[str(drive)]) is finder_class
        assert type(sys.path_importer_cache[str(elsewhere)]) is importlib.machinery.FileFinder

        (drive / "fv_learner.py").write_text("X = 1\n")
        assert importlib.util.find_spec("fv_learner") is None, "listed once per cell"
        finder_class.cell += 1  # a new cell (IPython's pre_execute)
        assert importlib.util.find_spec("fv_learner").origin == str(drive / "fv_learner.py")
        (drive / "fv_later.py").write_text("Y = 2\n")
        importlib.invalidate_caches()
        assert importlib.util.find_spec("fv_later").origin == str(drive / "fv_later.py")
        assert importlib.import_module("fv_pkg.sub").__file__ == str(drive / "fv_pkg" / "sub.py")
        assert type(sys.path_importer_cache[str(drive / "fv_pkg")]) is finder_class
        (elsewhere / "fv_outside.py").write_text("")
        importlib.invalidate_caches()
        assert importlib.util.find_spec("fv_outside").origin == str(elsewhere / "fv_outside.py")
    finally:
        sys.path_hooks[:] = hooks
        for path in [p for p in sys.path_importer_cache if p.startswith(str(tmp_path))]:
            del sys.path_importer_cache[path]
        for name in [m for m in sys.modules if m.startswith("fv_")]:
            del sys.modules[name]
