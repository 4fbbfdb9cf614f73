"""Surgery on JupyterLab's built bundles: the lazy chunks and assets of disabled features, the settings schemas of
disabled plugins, font twins, unreferenced bundles, the favicon. tests/lite/test_lite.py::
test_every_plugin_the_site_keeps_activates opens every plugin the site keeps."""

from __future__ import annotations

import json
import re
import shutil
import struct
from pathlib import Path

from tools.lite.config import FEATURE_ASSETS, LAZY_FEATURES, LAZY_SHARED, LAZY_WINDOW, LiteBuildError


def prune_font_twins(build: Path) -> int:
    """Remove the .eot/.ttf/.svg/.woff copies of every font that also ships as .woff2; returns bytes cut."""
    cut = 0
    for woff2 in build.rglob("*.woff2"):
        for ext in (".eot", ".ttf", ".svg", ".woff"):
            twin = woff2.with_suffix(ext)
            if twin.is_file():
                cut += twin.stat().st_size
                twin.unlink()
    return cut


_CHUNK_LOAD = re.compile(r"\b[\w$]+\.e\((\d+)\)")  # webpack's __webpack_require__.e(id), minified or not
_CHUNK_FILE = re.compile(r"(\d+)\.[0-9a-f]+\.js")
_SHARED_NAME = re.compile(r'(?:name|shareKey):"([^"]+)"')


def _marker_spans(text: str) -> dict[str, list[tuple[int, int]]]:
    """Where each LAZY_FEATURES marker matches in ``text``, widened by LAZY_WINDOW on both sides."""
    return {
        feature: [(m.start() - LAZY_WINDOW, m.end() + LAZY_WINDOW) for m in marker.finditer(text)]
        for feature, marker in LAZY_FEATURES.items()
    }


def _lazy_feature(text: str, at: int, spans: dict[str, list[tuple[int, int]]]) -> str | None:
    """The LAZY_FEATURES / LAZY_SHARED feature whose code loads a chunk at ``text[at]``, if any."""
    names = _SHARED_NAME.findall(text, max(0, at - LAZY_WINDOW), at)
    if names:
        for feature, packages in LAZY_SHARED.items():
            if names[-1] in packages:
                return feature
    for feature, found in spans.items():
        if any(start <= at <= end for start, end in found):
            return feature
    return None


def chunk_edges(build: Path) -> tuple[Path, dict[int, Path], dict[Path, list[tuple[int, str | None]]]]:
    """The chunk graph of ``build``: its entry, the file of each chunk id, and every file's chunk loads, each
    tagged with the LAZY_FEATURES / LAZY_SHARED feature whose code makes it (None for the others)."""
    entry = build / "lab" / "bundle.js"
    if not entry.is_file():
        raise LiteBuildError(f"{entry} missing: not a JupyterLab build")
    files = {path: path.read_text(errors="replace") for path in [entry, *build.glob("*.js")]}
    chunk_file: dict[int, Path] = {}
    for path in files:
        match = _CHUNK_FILE.fullmatch(path.name)
        if match:
            chunk_file[int(match[1])] = path
    core = re.search(r"(\d+)===e\?\"jlab_core\"", files[entry])
    cores = sorted(build.glob("jlab_core.*.js"))
    if core and cores:
        chunk_file[int(core[1])] = cores[0]
    edges: dict[Path, list[tuple[int, str | None]]] = {}
    for path, text in files.items():
        spans = _marker_spans(text)
        edges[path] = [(int(m[1]), _lazy_feature(text, m.start(), spans)) for m in _CHUNK_LOAD.finditer(text)]
    return entry, chunk_file, edges


def _reached(
    entry: Path, chunk_file: dict[int, Path], edges: dict[Path, list[tuple[int, str | None]]], skip: frozenset[str]
) -> set[Path]:
    """The files ``entry`` reaches through chunk loads, leaving out the loads of the features in ``skip``."""
    seen: set[Path] = set()
    todo = [entry]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        todo += [chunk_file[c] for c, feature in edges.get(path, []) if feature not in skip and c in chunk_file]
    return seen


def feature_chunk_ids(build: Path) -> dict[str, set[int]]:
    """The chunks each LAZY_FEATURES / LAZY_SHARED feature's code loads directly and nothing else that
    build/lab/bundle.js reaches loads (or is): in a pruned build, none of them has a file."""
    entry, chunk_file, edges = chunk_edges(build)
    features = frozenset(LAZY_FEATURES) | frozenset(LAZY_SHARED)
    kept = _reached(entry, chunk_file, edges, features)
    other = {c for p in kept for c, feature in edges.get(p, []) if feature is None}
    other |= {c for c, p in chunk_file.items() if p in kept}
    return {
        feature: {c for p in kept for c, f in edges.get(p, []) if f == feature} - other for feature in sorted(features)
    }


def prune_lazy_chunks(build: Path) -> dict[str, int]:
    """Remove the chunks of ``build`` that only the LAZY_FEATURES / LAZY_SHARED code loads; bytes cut by feature.

    The chunk graph: every ``X.e(<id>)`` in a file is an edge to chunk ``<id>`` (``<id>.<hash>.js``, or the
    ``jlab_core`` chunk that the runtime names). A chunk is removed when build/lab/bundle.js reaches it only
    through a feature's edges. Any chunk reached some other way, or not reached at all (loaded some way this
    does not model), stays. Every feature must be found: a JupyterLab that changed fails the build here.
    """
    entry, chunk_file, edges = chunk_edges(build)

    def reached(skip: frozenset[str]) -> set[Path]:
        return _reached(entry, chunk_file, edges, skip)

    features = frozenset(LAZY_FEATURES) | frozenset(LAZY_SHARED)
    found = {feature for targets in edges.values() for _, feature in targets if feature}
    if found != features:
        raise LiteBuildError(
            f"JupyterLab's build changed: no chunk load found for {', '.join(sorted(features - found))}; "
            "update LAZY_FEATURES / LAZY_SHARED in tools/lite/config.py"
        )
    everything = reached(frozenset())
    kept = reached(features)
    cut: dict[str, int] = {}
    for feature in sorted(features):
        only = everything - reached(frozenset({feature}))
        cut[feature] = sum(p.stat().st_size for p in only - kept)
    for path in everything - kept:
        path.unlink()
    return cut


def prune_feature_assets(build: Path) -> dict[str, int]:
    """Remove the files of ``build`` that only a disabled feature asks for (FEATURE_ASSETS); bytes cut by feature."""
    cut = dict.fromkeys(FEATURE_ASSETS, 0)
    for path in sorted(p for p in build.rglob("*") if p.is_file()):
        for feature, pattern in FEATURE_ASSETS.items():
            if pattern.fullmatch(path.name):
                cut[feature] += path.stat().st_size
                path.unlink()
                break
    return cut


SCHEMA_LISTS = ("all.json", "all_federated.json")


def prune_schemas(schemas: Path, disabled: tuple[str, ...]) -> int:
    """Leave the settings of the ``disabled`` plugins (a package name stands for all its plugins) out of
    ``schemas``/all.json, and remove the one-file-per-plugin copies of the schemas; returns bytes cut.

    JupyterLite's settings come from the two lists (SCHEMA_LISTS) alone: it fetches all.json (every
    plugin's schema and defaults, read whole each time a plugin's settings are asked for) and all_federated.json,
    never a plugin's own file.
    """
    lists = [schemas / name for name in SCHEMA_LISTS]
    if not all(path.is_file() for path in lists):
        raise LiteBuildError(f"{schemas} lacks {' or '.join(SCHEMA_LISTS)}: JupyterLite's settings changed")
    before = sum(p.stat().st_size for p in schemas.rglob("*") if p.is_file())
    for path in lists:
        entries = json.loads(path.read_text())
        kept = [e for e in entries if e["id"] not in disabled and e["id"].split(":")[0] not in disabled]
        if len(kept) != len(entries):
            path.write_text(json.dumps(kept, separators=(",", ":")))
    for path in sorted(schemas.iterdir()):
        if path.is_dir():
            shutil.rmtree(path)
    return before - sum(p.stat().st_size for p in schemas.rglob("*") if p.is_file())


# JupyterLite's settings service: ``_getAll(name)`` fetches and parses build/schemas/<name> (all.json, 0.12 MB) on every
# call, and every plugin's settings asked for is a call: six fetches of the same static file while JupyterLab starts.
_GET_ALL = re.compile(
    r"async _getAll\((?P<arg>\w)\)\{(?P<url>[^{}]*?)return await \(await fetch\((?P<target>[^;{}]*?)\)\)\.json\(\)\}"
)


def fetch_settings_once(build: Path) -> int:
    """Make JupyterLite's settings service fetch each schema list once per page: the text of the first answer is
    kept (the file is static) and parsed on every call, so each caller still gets objects of its own; a failed
    answer fails every call, as before. Returns the number of files patched (exactly one, else the build fails).
    """
    patched = []
    for path in sorted(build.glob("*.js")):
        text = path.read_text(errors="replace")
        found = list(_GET_ALL.finditer(text))
        if not found:
            continue
        if len(found) > 1:
            raise LiteBuildError(f"{path.name}: {len(found)} settings fetchers (_getAll); expected one")
        match = found[0]
        memo = (
            f"async _getAll({match['arg']}){{{match['url']}let __fvUrl={match['target']},"
            "__fvAll=this.__fvAll||(this.__fvAll=new Map);"
            "__fvAll.has(__fvUrl)||__fvAll.set(__fvUrl,fetch(__fvUrl).then("
            "r=>r.ok?r.text():Promise.reject(Error(`${r.status} ${r.statusText}: ${__fvUrl}`))));"
            "return JSON.parse(await __fvAll.get(__fvUrl))}"
        )
        path.write_text(text[: match.start()] + memo + text[match.end() :])
        patched.append(path)
    if len(patched) != 1:
        raise LiteBuildError(
            f"JupyterLite's settings service changed: {len(patched)} files hold its fetcher (_getAll), expected one; "
            "update fetch_settings_once in tools/lite/chunks.py"
        )
    return len(patched)


def drop_unreferenced_bundles(extensions: Path) -> int:
    """Remove an extension's ``<name>.<hash>.js`` that no other file of it names (by its hash); bytes cut.

    JupyterLab loads an extension from its remoteEntry, which loads its chunks by their hashes; a bundle whose
    hash appears nowhere (anywidget ships its standalone ``main`` bundle too) is never fetched.
    """
    cut = 0
    for static in sorted(extensions.glob("**/static")):
        bundles = [p for p in static.glob("*.js") if re.fullmatch(r"[\w-]+\.[0-9a-f]{8,}\.js", p.name)]
        texts = {p: p.read_text(errors="replace") for p in static.rglob("*") if p.is_file() and p.suffix == ".js"}
        meta = static.parent / "package.json"
        texts[meta] = meta.read_text() if meta.is_file() else ""
        for bundle in bundles:
            digest = bundle.name.split(".")[-2]
            if bundle.name.startswith("remoteEntry.") or any(digest in t for p, t in texts.items() if p != bundle):
                continue
            cut += bundle.stat().st_size
            bundle.unlink()
    return cut


def slim_favicon(path: Path, largest: int = 48) -> int:
    """Keep only the images of an .ico up to ``largest`` pixels (a tab shows 16-32); returns bytes cut."""
    data = path.read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", data)
    if reserved != 0 or kind != 1:
        return 0
    entries = [struct.unpack_from("<BBBBHHII", data, 6 + 16 * i) for i in range(count)]
    keep = [e for e in entries if 0 < e[0] <= largest and 0 < e[1] <= largest]
    if not keep or len(keep) == count:
        return 0
    head = struct.pack("<HHH", 0, 1, len(keep))
    offset = 6 + 16 * len(keep)
    table, images = b"", b""
    for w, h, colours, res, planes, bits, size, at in keep:
        table += struct.pack("<BBBBHHII", w, h, colours, res, planes, bits, size, offset + len(images))
        images += data[at : at + size]
    path.write_bytes(head + table + images)
    return len(data) - path.stat().st_size
