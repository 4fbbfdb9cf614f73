"""Orchestration: stage Pyodide, the wheels and the extensions, run `jupyter lite build`, prune, check, report."""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import tools.lite
from tools import pinned
from tools.lite.bytecode import compile_wheels
from tools.lite.chunks import (
    adopt_early_kernels,
    drop_build_leftovers,
    drop_unreferenced_bundles,
    fetch_settings_once,
    prune_feature_assets,
    prune_font_twins,
    prune_languages,
    prune_lazy_chunks,
    prune_schemas,
    slim_favicon,
    strip_inline_source_maps,
)
from tools.lite.config import (
    BYTECODE_IMPORTS,
    BYTECODE_KEEP_SOURCE,
    DEFAULT_CACHE,
    DEFAULT_OUT,
    DEFERRED,
    DISABLED_EXTENSIONS,
    EARLY_KERNEL_EXTENSION,
    KEPT_LANGUAGES,
    KERNEL_EXTENSION,
    KERNEL_WHEELS,
    LABEXTENSIONS,
    MARKER,
    NOTEBOOKS,
    OWN_LABEXTENSIONS,
    PLOTLY_BUNDLE,
    PLOTLY_BUNDLE_SHA256,
    PLOTLY_EXTENSION,
    PLOTLY_JS,
    PLOTLY_SUBPLOTS_CUT,
    PLOTLY_TRACES,
    PREFETCH,
    PYGMENTS_LEXERS,
    PYODIDE,
    PYODIDE_DIR,
    ROOT,
    SLIM,
    STAND_INS,
    STDLIB_CUT,
    STDLIB_KEPT_CODECS,
    LiteAssetsUnavailableError,
    LiteBuildError,
    check_config,
    lite_config,
    read_wheels,
)
from tools.lite.cuts import check_in_pyodide, module_stand_in, slim_stdlib
from tools.lite.patches import PATCHES, add_toml_twins, worker_without_jedi
from tools.lite.plotly_slim import slim_plotly
from tools.lite.wheels import build_folioviz_wheel, fetch_wheels, slim_pygments, slim_wheel, write_lock
from tools.pinned import Wheel


def stage_labextensions(jupyter: Path, target: Path) -> list[str]:
    """Copy the wanted labextensions from the build environment into ``target`` (so nothing else is taken)."""
    share = jupyter.absolute().parent.parent / "share" / "jupyter" / "labextensions"
    found = []
    for name in LABEXTENSIONS:
        source = share / name
        if not (source / "package.json").is_file():
            raise LiteBuildError(f"labextension {name} is not installed in {share}; run `make lite` to set it up")
        shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("*.map"))
        version = json.loads((source / "package.json").read_text())["version"]
        found.append(f"{name} {version}")
    return found


def stage_plotly_renderer(tarball: Path, target: Path) -> str:
    """The site's own plotly renderer (tools/lite/labextensions/folioviz-plotly) in ``target``, with the pinned
    cartesian plotly.js from ``tarball`` and its licence (third-party-licenses.json, read by Help > Licenses)."""
    ext = target / PLOTLY_EXTENSION
    shutil.copytree(OWN_LABEXTENSIONS / PLOTLY_EXTENSION, ext)
    (bundle,) = pinned.extract_npm_asset(PLOTLY_JS, tarball, target, LiteBuildError)
    pinned.verify(bundle, PLOTLY_BUNDLE_SHA256, f"{PLOTLY_BUNDLE} of {PLOTLY_JS.spec}", LiteBuildError)
    with tarfile.open(tarball) as tar:
        member = tar.extractfile("package/LICENSE")
        assert member is not None
        licence = member.read().decode()
    entry = {"name": PLOTLY_JS.name, "versionInfo": PLOTLY_JS.version, "licenseId": PLOTLY_JS.licence}
    licences = {"packages": [{**entry, "extractedText": licence}]}
    (ext / "static" / "third-party-licenses.json").write_text(json.dumps(licences, indent=2) + "\n")
    version = json.loads((ext / "package.json").read_text())["version"]
    return f"{PLOTLY_EXTENSION} {version} (with {PLOTLY_JS.spec})"


def stage_early_kernel(target: Path) -> str:
    """The site's early kernel start (tools/lite/labextensions/folioviz-early-kernel) in ``target``."""
    shutil.copytree(OWN_LABEXTENSIONS / EARLY_KERNEL_EXTENSION, target / EARLY_KERNEL_EXTENSION)
    version = json.loads((target / EARLY_KERNEL_EXTENSION / "package.json").read_text())["version"]
    return f"{EARLY_KERNEL_EXTENSION} {version}"


def kernel_wheels(staged_ext: Path, target_dir: Path) -> list[Path]:
    pypi = staged_ext / KERNEL_EXTENSION / "static" / "pypi"
    out = []
    for filename, pin in KERNEL_WHEELS.items():
        path = pypi / filename
        if not path.is_file():
            raise LiteBuildError(f"{path} missing: is jupyterlite-pyodide-kernel the pinned version?")
        pinned.verify(path, pin, "jupyterlite-pyodide-kernel's own wheel", LiteBuildError)
        project = filename.split("-", 1)[0].replace("_", "-")
        if project in PATCHES:
            slim_wheel(path, target_dir / filename, (), PATCHES[project])
            out.append(target_dir / filename)
        else:
            out.append(Path(shutil.copy2(path, target_dir / filename)))
    return out


def _check_out(out: Path) -> None:
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MARKER).exists())):
        raise LiteBuildError(f"{out} is not empty and was not made by this builder ({MARKER} missing); not touching it")


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e5 else f"{n / 1e3:.0f} kB"


def stage_pyodide(
    tarball: Path, pyodide_dir: Path, pinned_wheels: Sequence[Wheel], fetched: dict[str, Path], exts: Path
) -> tuple[dict[str, Any], dict[str, int]]:
    """Pyodide's runtime, every wheel and the rewritten lock in ``pyodide_dir``; returns (lock, files slimmed)."""
    pyodide_dir.mkdir(parents=True)
    with tarfile.open(tarball) as tar:
        for member in tar.getmembers():
            if any(re.fullmatch(p, member.name) for p, _ in PYODIDE.files):
                data = tar.extractfile(member)
                assert data is not None
                (pyodide_dir / Path(member.name).name).write_bytes(data.read())
    wheels: list[Path] = []
    slimmed: dict[str, int] = {}
    for wheel in pinned_wheels:
        target = pyodide_dir / wheel.filename
        if wheel.name == "pygments":
            slimmed[wheel.name] = slim_pygments(fetched[wheel.name], target, PYGMENTS_LEXERS)
        elif wheel.name == "plotly":
            slimmed[wheel.name] = slim_plotly(
                fetched[wheel.name], target, SLIM[wheel.name], PLOTLY_TRACES, PLOTLY_SUBPLOTS_CUT
            )
        elif wheel.name in SLIM or wheel.name in PATCHES:
            stand_ins = {m: module_stand_in(m, why) for m, why in STAND_INS.get(wheel.name, {}).items()}
            cut = slim_wheel(fetched[wheel.name], target, SLIM.get(wheel.name, ()), PATCHES.get(wheel.name), stand_ins)
            if wheel.name in SLIM:
                slimmed[wheel.name] = cut
        else:
            shutil.copy2(fetched[wheel.name], target)
        wheels.append(target)
    wheels += kernel_wheels(exts, pyodide_dir)
    wheels.append(build_folioviz_wheel(pyodide_dir))
    add_toml_twins(wheels[-1])
    write_lock(pyodide_dir, wheels, DEFERRED)
    compiled = compile_wheels(pyodide_dir, wheels, BYTECODE_IMPORTS, bytecode_cells(), BYTECODE_KEEP_SOURCE)
    if compiled["failed_cells"]:
        raise LiteBuildError(f"the bytecode step could not run: {'; '.join(compiled['failed_cells'])[:2000]}")
    slimmed["_bytecode"] = compiled["modules"]
    slimmed["_stdlib"] = slim_stdlib(pyodide_dir / "python_stdlib.zip", STDLIB_KEPT_CODECS, STDLIB_CUT)
    problems = check_in_pyodide(pyodide_dir)
    if problems:
        raise LiteBuildError(
            "the cut wheels and standard library fail their check in Pyodide:\n  " + "\n  ".join(problems)
        )
    return write_lock(pyodide_dir, wheels, DEFERRED), slimmed


def bytecode_cells() -> list[str]:
    """What the bytecode step runs after its imports: every code cell of every notebook, in order."""
    cells = []
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        notebook = json.loads(path.read_text())
        cells += ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"]
    return cells


def site_notebook(text: str) -> str:
    """The site's copy of a notebook (its JSON ``text``): every code cell without outputs and execution count, and
    no saved widget state (the ``widgets`` metadata). The browser build always has a kernel, and a notebook opened
    with its stored outputs rendered them (HTML snapshots, restored widgets, figures) while the kernel started,
    competing with it for the CPU; Run All makes every output. The repository's notebooks keep theirs."""
    notebook = json.loads(text)
    notebook.get("metadata", {}).pop("widgets", None)
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"


def finish_site(site: Path) -> tuple[int, dict[str, int]]:
    """Trim and patch the built site in place; returns the bytes of fonts cut, and of chunks cut by feature."""
    # Fonts: every @font-face that lists a .woff2 lists it before its .eot/.ttf/.svg/.woff twins, and every
    # browser that runs JupyterLab takes the woff2; the twins are never fetched.
    fonts_cut = prune_font_twins(site / "build")
    # The code of the features whose plugins jupyter-lite.json disables (DISABLED_EXTENSIONS).
    chunks_cut = prune_lazy_chunks(site / "build")
    # CodeMirror's languages nobody writes here (KEPT_LANGUAGES): out of the registry, their chunks out of build/.
    chunks_cut["languages"], _ = prune_languages(site / "build", KEPT_LANGUAGES)
    for feature, size in prune_feature_assets(site / "build").items():
        chunks_cut[feature] = chunks_cut.get(feature, 0) + size
    # The disabled plugins' settings, and the per-plugin copies of every schema (JupyterLite reads the lists only).
    chunks_cut["settings schemas"] = prune_schemas(site / "build" / "schemas", DISABLED_EXTENSIONS)
    # JupyterLite fetched schemas/all.json anew for every plugin's settings asked for (six times as JupyterLab starts).
    fetch_settings_once(site / "build")
    # The notebook's session takes the kernel folioviz-early-kernel started for it while JupyterLab started.
    adopt_early_kernels(site / "build")
    chunks_cut["unreferenced extension bundles"] = drop_unreferenced_bundles(site / "extensions")
    chunks_cut["inline source maps"] = strip_inline_source_maps(site / "extensions") + strip_inline_source_maps(
        site / "build"
    )
    chunks_cut["build set-up files"] = drop_build_leftovers(site)
    favicon = site / "lab" / "favicon.ico"
    if favicon.is_file():
        chunks_cut["favicon sizes over 48 px"] = slim_favicon(favicon)
    # The kernel's worker installs jedi before importing the kernel; the site ships none (IPython completes alone).
    worker_without_jedi(site / "extensions" / KERNEL_EXTENSION / "static")
    # The kernel's settings schema names Pyodide's CDN as the default pyodideUrl (jupyter-lite.json overrides
    # it); point the default at the site's own copy too, so no setting anywhere names a CDN.
    schema = site / "extensions" / KERNEL_EXTENSION / "static" / "schema" / "kernel.v0.schema.json"
    if schema.is_file():
        doc = json.loads(schema.read_text())
        doc["properties"]["pyodideUrl"]["default"] = f"./{PYODIDE_DIR}/pyodide.mjs"
        schema.write_text(json.dumps(doc, indent=2) + "\n")
    shutil.copy2(ROOT / "tools" / "serve_lite.py", site / "serve.py")  # python3 serve.py
    (site / MARKER).write_text("made by python -m tools.lite; the whole directory is replaced on every build\n")
    return fonts_cut, chunks_cut


def notice_text(
    pinned_wheels: Sequence[Wheel],
    slimmed: dict[str, int],
    extensions: Sequence[str],
    fonts_cut: int,
    chunks_cut: dict[str, int],
) -> str:
    notice = [
        "folioviz in the browser: where the shipped files came from.",
        f"static/pyodide/: npm {PYODIDE.spec} ({PYODIDE.licence}), integrity {PYODIDE.integrity}",
    ]
    for wheel in pinned_wheels:
        how = f", slimmed ({slimmed[wheel.name]} files cut)" if wheel.name in slimmed else ""
        if wheel.name in PATCHES:
            how += f", patched for the kernel's start-up ({', '.join(PATCHES[wheel.name])}: tools/lite/patches.py)"
        notice.append(f"  {wheel.filename}: PyPI, sha256 {wheel.sha256}{how}")
    for name, sha in KERNEL_WHEELS.items():
        project = name.split("-", 1)[0].replace("_", "-")
        how = f", patched for the kernel's start-up ({', '.join(PATCHES[project])})" if project in PATCHES else ""
        notice.append(f"  {name}: jupyterlite-pyodide-kernel, sha256 {sha}{how}")
    notice.append("  folioviz-*.whl: built from this repository")
    if "_bytecode" in slimmed:
        notice.append(
            f"  {slimmed['_bytecode']} modules (those the kernel and the notebooks import) compiled to "
            "bytecode at build time by this Pyodide; library modules ship as .pyc only, folioviz with its sources"
        )
    if "_stdlib" in slimmed:
        notice.append(
            f"  python_stdlib.zip: {_size(slimmed['_stdlib'])} of legacy codecs and of modules that cannot "
            "run in a browser left out (tools/lite/config.py: STDLIB_KEPT_CODECS, STDLIB_CUT)"
        )
    notice.append("extensions/: " + ", ".join(extensions))
    notice.append(
        f"  {PLOTLY_EXTENSION}/static/{PLOTLY_BUNDLE}: npm {PLOTLY_JS.spec} ({PLOTLY_JS.licence}), integrity "
        f"{PLOTLY_JS.integrity}, sha256 {PLOTLY_BUNDLE_SHA256}; {PLOTLY_EXTENSION} itself: this repository "
        "(tools/lite/labextensions/)"
    )
    notice.append(f"build/: JupyterLab (the lab app); {fonts_cut / 1e6:.1f} MB of non-woff2 font copies left out")
    notice.append(
        "  left out (the code of the features disabled in jupyter-lite.json; files never fetched): "
        + ", ".join(f"{feature} ({_size(size)})" for feature, size in sorted(chunks_cut.items()))
    )
    return "\n".join(notice) + "\n"


def run_jupyter_lite(jupyter: Path, work: Path, lite_dir: Path, contents: Path, exts: Path, site: Path) -> None:
    cmd = [str(jupyter), "lite", "build", "--lite-dir", str(lite_dir), "--output-dir", str(site)]
    cmd += ["--contents", str(contents), "--apps", "lab", "--no-sourcemaps", "--no-unused-shared-packages"]
    cmd += ["--ignore-sys-prefix", f"--FederatedExtensionAddon.extra_labextensions_path={exts}"]
    done = subprocess.run(cmd, cwd=work, capture_output=True, text=True, check=False, timeout=900)
    if done.returncode != 0:
        raise LiteBuildError(f"jupyter lite build failed:\n{(done.stderr or done.stdout)[-4000:]}")


def build_lite(out: Path, cache_dir: Path, jupyter: Path) -> dict[str, Any]:
    started = time.monotonic()
    _check_out(out)
    tarball = pinned.fetch_npm(PYODIDE, cache_dir, error=LiteBuildError, unavailable=LiteAssetsUnavailableError)
    plotly_js = pinned.fetch_npm(PLOTLY_JS, cache_dir, error=LiteBuildError, unavailable=LiteAssetsUnavailableError)
    pinned_wheels = read_wheels()
    fetched = fetch_wheels(pinned_wheels, cache_dir, [sys.executable, "-m", "pip"])
    notebooks = sorted(NOTEBOOKS.glob("*.ipynb"))
    if not notebooks:
        raise LiteBuildError(f"no notebooks in {NOTEBOOKS}")

    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}-building-"))
    try:
        lite_dir, contents, exts, site = work / "lite-dir", work / "contents", work / "labextensions", work / "out"
        for d in (lite_dir, contents, exts):
            d.mkdir()
        extensions = stage_labextensions(jupyter, exts)
        extensions.append(stage_plotly_renderer(plotly_js, exts))
        extensions.append(stage_early_kernel(exts))
        for nb in notebooks:  # without their outputs: Run All makes every one (site_notebook)
            (contents / nb.name).write_text(site_notebook(nb.read_text()))
        # Pyodide's runtime and the wheels go in the lite dir's static/ (copied to the site as they are).
        lock, slimmed = stage_pyodide(tarball, lite_dir / PYODIDE_DIR, pinned_wheels, fetched, exts)
        prefetch = [p for p in PREFETCH if p in lock["packages"]]
        (lite_dir / "jupyter-lite.json").write_text(json.dumps(lite_config(prefetch), indent=2) + "\n")
        run_jupyter_lite(jupyter, work, lite_dir, contents, exts, site)
        fonts_cut, chunks_cut = finish_site(site)
        notice = notice_text(pinned_wheels, slimmed, extensions, fonts_cut, chunks_cut)
        (site / "NOTICE-folioviz.txt").write_text(notice)
        problems = check_config(site)
        if problems:
            raise LiteBuildError("the built site is not self-contained:\n  " + "\n  ".join(problems))
        _check_out(out)
        if out.exists():
            shutil.rmtree(out)
        os.replace(site, out)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    files = [p for p in out.rglob("*") if p.is_file()]
    by_dir: dict[str, int] = {}
    for p in files:
        top = p.relative_to(out).parts[0]
        by_dir[top] = by_dir.get(top, 0) + p.stat().st_size
    return {
        "out": out,
        "files": len(files),
        "bytes": sum(by_dir.values()),
        "by_dir": by_dir,
        "notebooks": [nb.name for nb in notebooks],
        "packages": sorted(lock["packages"]),
        "dropped": lock["_dropped"],
        "extensions": extensions,
        "chunks_cut": chunks_cut,
        "seconds": time.monotonic() - started,
    }


def report(summary: dict[str, Any]) -> str:
    lines = [
        f"built {summary['out']}/ in {summary['seconds']:.1f} s: {_size(summary['bytes'])}, {summary['files']} files"
    ]
    for top, size in sorted(summary["by_dir"].items(), key=lambda kv: -kv[1]):
        lines.append(f"  {top:28} {_size(size):>9}")
    lines.append(f"  notebooks: {', '.join(summary['notebooks'])}")
    lines.append(f"  wheels in the lock ({len(summary['packages'])}): {', '.join(summary['packages'])}")
    if summary["dropped"]:
        dropped = "; ".join(f"{k}: {', '.join(v)}" for k, v in sorted(summary["dropped"].items()))
        lines.append(f"  declared dependencies not shipped (not needed in the browser): {dropped}")
    lines.append(f"  extensions: {', '.join(summary['extensions'])}")
    cut = ", ".join(f"{feature} {_size(size)}" for feature, size in sorted(summary["chunks_cut"].items()))
    lines.append(f"  left out (disabled features' code; files never fetched): {cut}")
    lines.append("serve it: make lite-serve")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.lite", description=str(tools.lite.__doc__).split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory (default: lite/)")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE, help=f"download cache ({DEFAULT_CACHE})")
    parser.add_argument(
        "--jupyter", type=Path, default=ROOT / ".venv-lite" / "bin" / "jupyter", help="the build env's jupyter"
    )
    args = parser.parse_args(argv)
    try:
        summary = build_lite(args.out.resolve(), args.cache_dir, args.jupyter.absolute())
    except pinned.BuildError as exc:
        print(f"tools.lite: error: {exc}", file=sys.stderr)
        return exc.exit_code
    print(report(summary))
    return 0
