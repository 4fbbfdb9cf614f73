// Compile the modules a reader's first cells import to bytecode, with the Pyodide the site ships, under Node
// (tools/lite/bytecode.py runs this). Usage: node pycompile.mjs PYODIDE_DIR WORK_DIR
// WORK_DIR/job.json: {"packages": [names in the site's pyodide-lock.json], "imports": [modules], "cells": [code]}.
// The packages are installed from the site, the modules imported, the cells run in an IPython shell (the kernel's
// own shell when pyodide_kernel is among the imports, as in the browser), and every module then
// imported from site-packages is compiled by py_compile to WORK_DIR/pyc/<its path in site-packages>c as an
// unchecked hash-based pyc (PEP 552), so no file time can invalidate it. Prints one line of JSON:
// {"magic": "<hex>", "cache_tag": "cpython-3XX", "version": "3.X.Y", "compiled": [paths], "failed_cells": N}.
// The standard library's modules then imported (from its zip) are compiled too, to WORK_DIR/stdlib/<path>c, and
// listed as "stdlib". Only the modules under job.keep_ranges (folders of site-packages: the projects shipped with
// their sources) are compiled by that Pyodide; the others, shipped as bytecode alone, by a second one started with
// -X no_debug_ranges, so their code carries line numbers but no column ranges (a traceback's ^^^ markers under a
// line of source, which a module shipped without its source never shows): about a fifth less bytecode.
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [pyodideDir, workDir] = process.argv.slice(2).map((p) => path.resolve(p));
const job = JSON.parse(fs.readFileSync(path.join(workDir, "job.json"), "utf8"));
const { loadPyodide } = await import(pathToFileURL(path.join(pyodideDir, "pyodide.mjs")).href);
async function start(args) {
  const pyodide = await loadPyodide({
    indexURL: pyodideDir + "/",
    lockFileURL: path.join(pyodideDir, "pyodide-lock.json"),
    env: { HOME: "/home/pyodide", PLOTLY_RENDERER: "plotly_mimetype" },
    args,
    stdout: () => {},
    stderr: () => {},
  });
  await pyodide.loadPackage(job.packages, { messageCallback: () => {}, errorCallback: (s) => console.error(s) });
  pyodide.FS.mkdirTree("/work");
  pyodide.FS.mount(pyodide.FS.filesystems.NODEFS, { root: workDir }, "/work");
  return pyodide;
}

// Compile site-packages' modules (paths relative to it) to /work/pyc and the zip's (relative to it) to /work/stdlib.
const COMPILE = `
import os, py_compile, sys, sysconfig, zipfile

def compile_all(site_modules, zip_modules):
    site = "/" + sysconfig.get_paths()["purelib"].lstrip("/") + "/"
    for module in site_modules:
        target = "/work/pyc/" + module + "c"
        os.makedirs(os.path.dirname(target), exist_ok=True)
        py_compile.compile(site + module, cfile=target, dfile=site + module, doraise=True,
                           invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
    # The standard library is a zip on sys.path; its modules' pycs go beside their sources in it (zipimport's order).
    (stdlib,) = [p for p in sys.path if p.endswith(".zip")]
    with zipfile.ZipFile(stdlib) as archive:
        for module in zip_modules:
            with open("/tmp/module.py", "wb") as copy:
                copy.write(archive.read(module))
            target = "/work/stdlib/" + module + "c"
            os.makedirs(os.path.dirname(target), exist_ok=True)
            py_compile.compile("/tmp/module.py", cfile=target, dfile=stdlib + "/" + module, doraise=True,
                               invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
`;

const pyodide = await start([]);
pyodide.globals.set("cells", pyodide.toPy(job.cells));
pyodide.globals.set("imports", pyodide.toPy(job.imports));
pyodide.globals.set("keep_ranges", pyodide.toPy(job.keep_ranges || []));
pyodide.runPython(COMPILE);
const result = pyodide.runPython(`
import importlib.util, json, os, py_compile, sys, sysconfig, zipfile
import importlib
from IPython.core.interactiveshell import InteractiveShell

failed = []
for name in imports:
    try:
        importlib.import_module(name)
    except Exception as error:
        failed.append(f"import {name}: {error!r}")
shell = InteractiveShell.instance()
shell.send_comm = lambda *args, **kwargs: None  # pyodide_kernel's comms send through the kernel; none here
failed += [cell.split(chr(10))[0] for cell in cells if not shell.run_cell(cell).success]
site = "/" + sysconfig.get_paths()["purelib"].lstrip("/") + "/"
modules = sorted({f for m in list(sys.modules.values())
                  if isinstance(f := getattr(m, "__file__", None), str) and f.startswith(site) and f.endswith(".py")})
(stdlib,) = [p for p in sys.path if p.endswith(".zip")]
prefix = stdlib + "/"
zipped = sorted({f for m in list(sys.modules.values())
                 if isinstance(f := getattr(m, "__file__", None), str) and f.startswith(prefix) and f.endswith(".py")})
site_modules = [m[len(site):] for m in modules]
ranged = [m for m in site_modules if m.startswith(tuple(keep_ranges))]
compile_all(ranged, [])
json.dumps({"magic": importlib.util.MAGIC_NUMBER.hex(), "cache_tag": sys.implementation.cache_tag,
            "version": ".".join(map(str, sys.version_info[:3])), "failed_cells": failed,
            "compiled": site_modules, "ranged": ranged,
            "stdlib": [m[len(prefix):] for m in zipped]})
`);
// The rest, without column ranges, by a second Pyodide (the first one's imports cannot be undone).
const done = JSON.parse(result);
const bare = await start(["-X", "no_debug_ranges"]);
bare.runPython(COMPILE);
bare.globals.set("site_modules", bare.toPy(done.compiled.filter((m) => !done.ranged.includes(m))));
bare.globals.set("zip_modules", bare.toPy(done.stdlib));
bare.runPython(`
import sys
assert sys._xoptions.get("no_debug_ranges"), "Pyodide ignored -X no_debug_ranges"
compile_all(site_modules, zip_modules)
`);
console.log(result);
