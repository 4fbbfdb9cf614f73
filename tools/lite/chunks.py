"""Surgery on JupyterLab's built bundles: the lazy chunks and assets of disabled features, the settings schemas of
disabled plugins, font twins, unreferenced bundles, the favicon. tests/lite/test_lite.py::
test_every_plugin_the_site_keeps_activates opens every plugin the site keeps."""

from __future__ import annotations

import json
import re
import shutil
import struct
from collections.abc import Callable
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


# webpack's __webpack_require__.e(id), minified or not; the minifier writes a round id as 6e3
_CHUNK_LOAD = re.compile(r"\b[\w$]+\.e\((\d+(?:e\d+)?)\)")
_CHUNK_FILE = re.compile(r"(\d+)\.[0-9a-f]+\.js")
_SHARED_NAME = re.compile(r'(?:name|shareKey):"([^"]+)"')


def _chunk_id(literal: str) -> int:
    """A chunk id as the bundle writes it: ``913``, or ``6e3`` for 6000."""
    digits, _, exponent = literal.partition("e")
    return int(digits) * 10 ** int(exponent or 0)


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
        edges[path] = [(_chunk_id(m[1]), _lazy_feature(text, m.start(), spans)) for m in _CHUNK_LOAD.finditer(text)]
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


# JupyterLab's language registry: EditorLanguageRegistry.getDefaultLanguages returns an array of language specs,
# each ``{name:"C",displayName:...,load:async()=>...}`` whose load() fetches the language's chunk(s) when a cell, a
# file or a Markdown fence first needs it.
_LANGUAGE_LIST = re.compile(r"\.getDefaultLanguages=function\(\w,\w\)\{let \w=[^;{}]*;return(?=\[\{name:)")
_LANGUAGE_NAME = re.compile(r'\{name:"([^"]+)",displayName:')
# Its SQL dialects share one loader of @codemirror/lang-sql, ``async function ea(n){...o.e(3481)...sql({dialect:...})}``
_SQL_LOADER = re.compile(
    r"async function (?P<name>[\w$]+)\(\w\)\{let \w=await [\w$]+\.e\(\d+\)[^{}]*?\.sql\(\{dialect:[^{}]*\}\)\}"
)


def _array_entries(text: str, start: int) -> tuple[list[tuple[int, int]], int]:
    """The top-level ``{...}`` entries of the array literal whose ``[`` is ``text[start]``, and the index of its
    ``]``. Strings are skipped; the caller checks that the entries and commas rebuild the array exactly."""
    depth, at, entries, opened = 0, start, [], 0
    while True:
        char = text[at]
        if char == '"':
            at = text.index('"', at + 1)
            while text[at - 1] == "\\":
                at = text.index('"', at + 1)
        elif char in "[{(":
            depth += 1
            if depth == 2 and char == "{":
                opened = at
        elif char in "]})":
            depth -= 1
            if depth == 1 and char == "}":
                entries.append((opened, at + 1))
            if depth == 0:
                return entries, at
        at += 1


def language_registry(text: str) -> tuple[int, int, list[tuple[str, str]]] | None:
    """Where JupyterLab's default language list is in ``text`` (the ``[`` and ``]``) and its entries as (name,
    code), or None if ``text`` has none; a list that does not parse as expected fails the build."""
    found = list(_LANGUAGE_LIST.finditer(text))
    if not found:
        return None
    if len(found) > 1:
        raise LiteBuildError(f"{len(found)} default language lists (getDefaultLanguages) in one file; expected one")
    start = found[0].end()
    spans, end = _array_entries(text, start)
    codes = [text[a:b] for a, b in spans]
    names = [_LANGUAGE_NAME.match(code) for code in codes]
    if "[" + ",".join(codes) + "]" != text[start : end + 1] or not all(names):
        raise LiteBuildError("JupyterLab's default language list (getDefaultLanguages) no longer parses as expected")
    return start, end, [(m[1], code) for m, code in zip(names, codes, strict=True) if m]


def prune_languages(build: Path, kept: frozenset[str]) -> tuple[int, list[str]]:
    """Leave CodeMirror's languages other than ``kept`` out of JupyterLab's language registry, and their chunks out
    of ``build``; returns the bytes cut and the names dropped.

    The registry then does not know them: a Markdown fence or a file in one of them shows as plain text and
    nothing is fetched (a language it knew but whose chunk were missing would fail to load, with a 404). A
    language not in ``kept`` whose chunks ship anyway (Markdown's own code loads HTML, CSS and JavaScript) stays
    in the registry. The SQL dialects' shared loader is emptied when no SQL dialect stays. A chunk is removed
    when build/lab/bundle.js reached it before the registry was cut and does not after (the chunk graph of
    ``prune_lazy_chunks``). The list must be found exactly once and must hold every kept language, else the
    build fails.
    """
    entry, chunk_file, edges = chunk_edges(build)
    before = _reached(entry, chunk_file, edges, frozenset())
    found = [(path, path.read_text(errors="replace")) for path in sorted(build.glob("*.js"))]
    found = [(path, text, registry) for path, text in found if (registry := language_registry(text))]
    if len(found) != 1:
        raise LiteBuildError(
            f"JupyterLab's language registry changed: {len(found)} files hold its default list "
            "(getDefaultLanguages), expected one; update prune_languages in tools/lite/chunks.py"
        )
    path, text, (start, end, languages) = found[0]
    missing = kept - {name for name, _ in languages}
    if missing:
        raise LiteBuildError(f"JupyterLab's language registry lacks {', '.join(sorted(missing))} (KEPT_LANGUAGES)")

    def write(names: set[str]) -> None:
        array = "[" + ",".join(code for name, code in languages if name in names) + "]"
        path.write_text(text[:start] + array + text[end + 1 :])

    write(set(kept))
    entry, chunk_file, edges = chunk_edges(build)
    after = _reached(entry, chunk_file, edges, frozenset())
    shipped = {c for c, p in chunk_file.items() if p in after}
    loads = {name: {_chunk_id(m[1]) for m in _CHUNK_LOAD.finditer(code)} for name, code in languages}
    names = set(kept) | {name for name, ids in loads.items() if ids and ids <= shipped}
    dropped = [name for name, _ in languages if name not in names]
    write(names)
    text = path.read_text()
    sql = list(_SQL_LOADER.finditer(text))
    if len(sql) != 1:
        raise LiteBuildError(f"{len(sql)} loaders of the SQL dialects in JupyterLab's registry; expected one")
    loader = sql[0]
    if not any(f"{loader['name']}(" in code for name, code in languages if name in names):
        empty = f"async function {loader['name']}(n){{return null}}"
        path.write_text(text[: loader.start()] + empty + text[loader.end() :])
    entry, chunk_file, edges = chunk_edges(build)
    gone = before - _reached(entry, chunk_file, edges, frozenset())
    cut = sum(p.stat().st_size for p in gone)
    for gone_path in gone:
        gone_path.unlink()
    return cut, dropped


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

    def memo(match: re.Match[str]) -> str:
        return (
            f"async _getAll({match['arg']}){{{match['url']}let __fvUrl={match['target']},"
            "__fvAll=this.__fvAll||(this.__fvAll=new Map);"
            "__fvAll.has(__fvUrl)||__fvAll.set(__fvUrl,fetch(__fvUrl).then("
            "r=>r.ok?r.text():Promise.reject(Error(`${r.status} ${r.statusText}: ${__fvUrl}`))));"
            "return JSON.parse(await __fvAll.get(__fvUrl))}"
        )

    return _patch_one_site(
        build, _GET_ALL, memo, "settings fetchers (_getAll)", "JupyterLite's settings service", "fetch_settings_once"
    )


def _patch_one_site(
    build: Path, pattern: re.Pattern[str], replace: Callable[[re.Match[str]], str], what: str, owner: str, fixer: str
) -> int:
    """Replace the one match of ``pattern`` in the one chunk of ``build`` that holds it; the build fails (naming
    ``owner``, and ``fixer`` to update) when a chunk holds it twice or the chunks hold it other than once."""
    patched = []
    for path in sorted(build.glob("*.js")):
        text = path.read_text(errors="replace")
        found = list(pattern.finditer(text))
        if not found:
            continue
        if len(found) > 1:
            raise LiteBuildError(f"{path.name}: {len(found)} {what}; expected one")
        match = found[0]
        path.write_text(text[: match.start()] + replace(match) + text[match.end() :])
        patched.append(path)
    if len(patched) != 1:
        raise LiteBuildError(
            f"{owner} changed: {len(patched)} files hold its {what}, expected one; "
            f"update {fixer} in tools/lite/chunks.py"
        )
    return len(patched)


# JupyterLite's session client (LiteSessionClient.startNew, @jupyterlite/services 0.8) starts a session's kernel, then
# makes the session's model: ``_=await this._kernelClient.startNew({id:c,name:h,location:f}),y={id:c,path:a,
# name:null!=i?i:a,type:"notebook",...`` (its other kernel start, in update(), passes expressions, not names).
_SESSION_KERNEL_START = re.compile(
    r"(?P<kernel>[\w$]+)=await this\._kernelClient\.startNew\((?P<options>\{id:(?P<id>[\w$]+),name:[\w$]+,"
    r"location:[\w$]+\})\),(?P<session>[\w$]+)=\{id:(?P=id),path:(?P<path>[\w$]+),"
    r"name:(?P<name>null!=(?P<given>[\w$]+)\?(?P=given):(?P=path)),type:\"notebook\""
)
# The kernel client's property that tools/lite/labextensions/folioviz-early-kernel sets (its HOOK).
EARLY_KERNELS_HOOK = "foliovizEarlyKernels"


def adopt_early_kernels(build: Path) -> int:
    """Make JupyterLite's session client take the kernel that folioviz-early-kernel started for a notebook before
    starting one: it asks ``this._kernelClient.foliovizEarlyKernels.adopt(kernel, session)`` (``kernel``: the
    {id, name, location} it was about to start; ``session``: the session's {path, name}) and starts the kernel as
    before when there is no such object, or it answers null or fails. Returns the number of files patched (exactly
    one, holding the kernel start exactly once, else the build fails)."""

    def adopt(match: re.Match[str]) -> str:
        return (
            f"{match['kernel']}=await(async(__fvKernel,__fvSession)=>{{"
            f"let __fvEarly=this._kernelClient.{EARLY_KERNELS_HOOK};"
            "return(__fvEarly&&await __fvEarly.adopt(__fvKernel,__fvSession).catch(()=>null))"
            "||this._kernelClient.startNew(__fvKernel)})"
            f"({match['options']},{{path:{match['path']},name:{match['name']}}}),"
            f'{match["session"]}={{id:{match["id"]},path:{match["path"]},name:{match["name"]},type:"notebook"'
        )

    return _patch_one_site(
        build,
        _SESSION_KERNEL_START,
        adopt,
        "session kernel starts (LiteSessionClient.startNew)",
        "JupyterLite's session client",
        "adopt_early_kernels",
    )


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


INLINE_SOURCE_MAP = re.compile(r"\n?//# sourceMappingURL=data:[^\n]*\n?$")


def strip_inline_source_maps(root: Path) -> int:
    """Remove the source map that a .js file under ``root`` carries inline at its end (a base64 ``data:`` URL, read
    only by a browser's developer tools); returns bytes cut. anywidget ships its three bundles so (0.2 MB of maps)."""
    cut = 0
    for path in sorted(root.rglob("*.js")):
        text = path.read_text(errors="surrogateescape")
        stripped = INLINE_SOURCE_MAP.sub("\n", text) if "sourceMappingURL=data:" in text else text
        if stripped != text:
            path.write_text(stripped, errors="surrogateescape")
            cut += len(text.encode(errors="surrogateescape")) - len(stripped.encode(errors="surrogateescape"))
    return cut


# jupyter lite build copies the app's build set-up (rspack's configs) and the schema of jupyter-lite.json to the
# site's root: nothing fetches them.
BUILD_LEFTOVERS = (
    "rspack.config.js",
    "rspack.config.analyze.js",
    "rspack.config.watch.js",
    "jupyterlite.schema.v0.json",
)


def drop_build_leftovers(site: Path) -> int:
    """Remove BUILD_LEFTOVERS from the site's root; returns bytes cut (a missing one is fine: nothing to cut)."""
    cut = 0
    for name in BUILD_LEFTOVERS:
        path = site / name
        if path.is_file():
            cut += path.stat().st_size
            path.unlink()
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
