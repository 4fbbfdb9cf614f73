// Run a Python script in the site's own Pyodide, under Node, with every wheel of the site's lock installed
// (tools/lite/cuts.py runs tools/lite/smoke_cuts.py this way). Usage: node pysmoke.mjs PYODIDE_DIR
// SCRIPT. Prints what the script prints (its last line is its JSON verdict).
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [pyodideDir, script] = process.argv.slice(2).map((p) => path.resolve(p));
const { loadPyodide } = await import(pathToFileURL(path.join(pyodideDir, "pyodide.mjs")).href);
const pyodide = await loadPyodide({
  indexURL: pyodideDir + "/",
  lockFileURL: path.join(pyodideDir, "pyodide-lock.json"),
  env: { HOME: "/home/pyodide", PLOTLY_RENDERER: "plotly_mimetype" },
  stdout: (line) => console.log(line),
  stderr: () => {},
});
const lock = JSON.parse(fs.readFileSync(path.join(pyodideDir, "pyodide-lock.json"), "utf8"));
await pyodide.loadPackage(Object.keys(lock.packages), { messageCallback: () => {}, errorCallback: (s) => console.error(s) });
pyodide.runPython(fs.readFileSync(script, "utf8"));
