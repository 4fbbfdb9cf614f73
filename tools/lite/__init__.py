"""Build the workbook as an offline JupyterLite site: JupyterLab and a Python kernel running in the browser.

Usage: python -m tools.lite [--out lite] [--cache-dir DIR] [--jupyter PATH]

Modules: ``config`` (what the site is made of, its JupyterLite config and the config checks), ``wheels`` (the
kernel's wheels through tools.pinned, slimmed, and the lock), ``plotly_slim`` (plotly cut to the trace types the
site draws; its stand-ins, ``plotly_browser_build.py``), ``bytecode`` (the wheels' modules compiled by the site's
own Pyodide under Node, ``pycompile.mjs``), ``cuts`` (the standard library's cuts, and the check in Pyodide of
everything cut, ``smoke_cuts.py`` through ``pysmoke.mjs``), ``chunks`` (surgery on JupyterLab's bundles), ``build``
(orchestration and the command line).

Output (``lite/`` by default, git-ignored): a folder of static files. Serve it on any static HTTP server
(``make lite-serve``; it does not work from file://) and open ``lab/index.html``. It holds

    lab/, build/, extensions/ ...   JupyterLab-in-the-browser (the ``lab`` app only) and five extensions:
                                    the Pyodide kernel, ipywidgets' manager, anywidget, folioviz-plotly
                                    (the site's own plotly renderer, with plotly.js's cartesian bundle) and
                                    folioviz-early-kernel (starts the URL's notebook's kernel early)
    files/                          every notebook of notebooks/, without its outputs (Run All makes them)
    static/pyodide/                 Pyodide's runtime (npm ``pyodide``) and every wheel the kernel may load,
                                    with a pyodide-lock.json that lists exactly those wheels
    jupyter-lite.json               the kernel points at static/pyodide/; the PyPI fallback is off
    NOTICE-folioviz.txt             where every shipped file came from, with versions and hashes
    serve.py                        ``python3 serve.py`` serves the folder it is in on 127.0.0.1 (a USB stick)

Where each piece comes from, all by pinned version and hash (a mismatch stops the build):

* Pyodide's runtime: the npm tarball ``pyodide@PYODIDE_VERSION`` (sha512 integrity pinned), via ``npm pack``.
  It holds no package wheels, so:
* the wheels (``tools/lite-wheels.txt``): from PyPI with ``pip download``, each checked against its pinned sha256.
  bitstring is pinned to 4.4 because bitstring 5 needs ``tibs``, which has no WebAssembly wheel; bitarray is
  PyPI's own build for Pyodide's ABI. Eight wheels are slimmed after the check (files the browser kernel
  never uses: plotly.js and FigureWidget's bundle, the labextensions that the site serves anyway, sample data sets,
  tests, pygments' lexers of languages nothing here highlights, narwhals' code for the data-frame libraries the site
  does not ship, IPython's Sphinx extension, desktop GUI event-loop hooks and terminal shell); the lock lists the
  slimmed wheel's own sha256. Not shipped although IPython declares them: jedi and parso (1.2 MB; Tab completes
  with IPython's own completer, which offers the names of modules and live objects, keys and arguments but infers
  nothing from code not yet run; ``tools/lite/patches.py`` makes the kernel leave ``use_jedi`` to IPython and its
  worker stop installing jedi) and prompt_toolkit with wcwidth (0.5 MB; IPython's terminal shell, for
  ``IPython.embed()`` and the terminal debugger: a browser kernel has no terminal, and ``IPython/terminal``'s
  modules are stand-ins that say so, ``STAND_INS``; the kernel imports only the package and its list of event-loop
  hooks, and ``%debug`` is IPython.core's debugger). plotly keeps the Python classes of the trace types the site's
  plotly.js draws (``PLOTLY_TRACES``, plotly.js's cartesian bundle: 2-D charts) and of the layout parts they use; the
  other trace types, the 3-D, map, polar and Smith subplots, ``plotly.express`` and ``plotly.figure_factory`` (both
  need numpy, which the site does not ship) and ``FigureWidget`` are stand-ins that raise an ImportError saying they
  are not in the browser build and that ``make lab`` has them (``tools/lite/plotly_slim.py``: 3.7 MB of wheel to 1.4
  MB). The graph objects' property getters ship without docstrings (0.3 MB): each
  repeated what the constructor's docstring says of that argument, so ``go.Scatter?`` and ``help(go.Scatter)``, the
  only plotly reference a reader has offline, still document every argument (``go.Scatter.cliponaxis?`` shows none).
  The site is held to a size budget (``SITE_BUDGET_BYTES``, checked by tests/lite). No nbformat is shipped: folioviz's
  figures display their own mime bundle (``FolioFigure``), so nothing in the kernel imports it.
* the kernel's own wheels (piplite, pyodide-kernel and the ipykernel/widgetsnbextension shims) from the
  ``jupyterlite-pyodide-kernel`` package of the build environment, checked against pinned sha256 too;
* folioviz: a wheel built from this checkout.
* plotly.js: the npm tarball ``plotly.js-cartesian-dist-min@4.1.1`` (sha512 integrity pinned; the file's own sha256
  too), Plotly's official bundle of the 2-D trace types (``PLOTLY_TRACES``): 1.5 MB instead of the full 4.8 MB.
* bytecode: every module that the kernel and the notebooks' code cells import is compiled at build time by the
  site's own Pyodide (run under the machine's Node, which ``npm pack`` needs anyway) and written into its wheel as
  an unchecked hash-based pyc (``tools/lite/bytecode.py``; the lock lists the rewritten wheel's sha256). Pyodide
  never writes bytecode, so without it the browser compiled each of these modules on every page load (half of
  ``import IPython``). Library modules ship as .pyc only (their tracebacks show no source lines), compiled with
  ``-X no_debug_ranges`` (no column ranges, which only mark a traceback's line of source: 1.1 MB less bytecode);
  folioviz keeps its sources beside its bytecode, with its column ranges. The standard library modules those cells
  import are compiled into python_stdlib.zip the same way (.pyc in place of .py, without column ranges).
* the standard library: Pyodide's python_stdlib.zip without the codecs of legacy code pages
  (``STDLIB_KEPT_CODECS``) and with the modules that cannot run in a browser (processes; mail, FTP, WSGI and
  XML-RPC clients and servers; Python's own interactive prompt) or that Python never uses there (the pure-Python
  twins of io and datetime; the pickle disassembler) cut to stand-ins that say so when imported (``STDLIB_CUT``,
  ``tools/lite/cuts.py``).
* the cuts' check: the build then runs ``smoke_cuts.py`` in the site's Pyodide under Node, every wheel installed
  (every kept trace type and template builds, folioviz's figures build, each cut part of plotly says so, the kept
  codecs and modules work) and stops if it finds a problem; tests/lite runs it on the built site too.

Downloads are cached in ``~/.cache/folioviz/lite`` (like ``make site``'s assets); later builds need no network.

The lock. Pyodide's own pyodide-lock.json names 356 packages on a CDN with Pyodide's rebuilt wheels, whose
hashes differ from PyPI's. It is rewritten to list exactly the wheels shipped in ``static/pyodide/``, each with
its real sha256, its top-level imports and its dependencies (from the wheel's metadata, evaluated for
Emscripten and Python 3.14, restricted to shipped packages). With it, ``import folioviz`` in a cell makes the
kernel load folioviz and everything it needs, from the site, by itself.

Start-up. The kernel of the notebook the URL names (``lab/index.html?path=...``) starts while JupyterLab is still
starting, not once the notebook shows: JupyterLite asks for a notebook's kernel only after it has restored its layout,
opened, loaded and shown the notebook (the worker was made 1-2 s after the notebook showed, while the page's second
core idled). ``folioviz-early-kernel`` (``tools/lite/labextensions/``, a plugin written by hand, no build step) starts,
as JupyterLab activates it, the kernel JupyterLab would pick for that notebook (its kernelspec and language, as the
notebook's context reads them), in the notebook's folder, once the service worker controls the page (the kernel's
drive goes through it). The notebook's session then adopts that kernel instead of starting one: JupyterLite's session
client is patched (``chunks.adopt_early_kernels``, anchored on its kernel start, found exactly once or the build
stops) to ask the plugin first, with the kernel it was about to start and the session's name and path; the plugin
answers the early kernel for that notebook only, once, and only with the same kernel name and folder (otherwise it
shuts it down and the session starts its own, as before). One kernel per notebook, the same id for the session's
life, restarts and other notebooks as before; a URL without a notebook starts nothing, and an early kernel no session
took within 60 s (the notebook never opened) is shut down. Then the kernel boots in its worker, one
Python thread: Pyodide starts, unpacks the kernel's wheels, imports the kernel, then runs the first cells. The kernel's
own packages (ipykernel, comm, pyodide-kernel, IPython, piplite, micropip) are fetched in parallel while Pyodide
starts (``loadPyodideOptions.packages``), instead of one after another. The rest is cut from that thread's path
(``tools/lite/patches.py``, each patch checked against the exact text it replaces, or the build stops):

* IPython's ``__init__`` imports its terminal shell only when ``IPython.embed`` is asked for (a stand-in in the
  site), and piplite imports micropip only on the first ``%pip install``: neither is used by a kernel starting;
* the kernel neither installs nor imports jedi (not shipped; IPython's completer imported it as the kernel started,
  and its import is also deferred to the first completion that asks jedi, ``lazy_completer_jedi``);
* ipywidgets recognises traitlets' class set-up by its code's file name, which stays right with traitlets shipped as
  bytecode only (it compared it with ``traitlets.pyc`` and warned eight times per widget class at import);
* folioviz's data files get a JSON twin in its wheel, which ``load_toml`` reads in place of the TOML when made from
  the same bytes (tomllib is pure Python, about 50 times slower);
* the kernel works in the notebook's folder on JupyterLite's drive, whose every request is a synchronous round trip
  through the page's main thread; Python's path finder stat'ed that folder once per module imported (93 requests
  during notebook 01's first cells). pyodide-kernel's start gives the drive's folders a finder that lists each once
  per cell and answers "not here" from that listing (22 requests); it also finds a learner's module written after
  the kernel started, from the next cell on (the drive gives folders no modification time, so Python's own finder
  never noticed one until ``importlib.invalidate_caches()``);
* plotly (with narwhals and packaging, 21 MB unpacked) is left out of folioviz's dependencies in the lock
  (``config.DEFERRED``): a cell that imports folioviz no longer waits for it; folioviz's ``SiteWheelFinder``
  (folioviz/browser.py) installs it from the site, checked against the lock, when a module first imports it.

Together (2026-12-07, notebook 01's first two cells after Pyodide's start, the kernel under Node, median of 3): the
kernel's CPU time from 1.57 s to 0.85 s; in chromium, the kernel worker's CPU time until the first widget from 3.7 s
to 2.8 s (median of 4 alternated cold loads, load average 2-7). folioviz and its other dependencies load when a cell
first imports them (prefetching them too made the kernel ready later and the first widget no sooner: one thread does
all the work).

Figures. jupyterlab-plotly is not shipped: its one chunk, fetched with the page, bundles the full plotly.js (every
trace type, 3-D and maps included). folioviz's figures draw only scatter and bar traces and their animation frames,
so the site draws ``application/vnd.plotly.v1+json`` with its own renderer, ``folioviz-plotly``
(``tools/lite/labextensions/``: a mime extension written by hand, no build step, taking @lumino/widgets from the
share scope). It loads the cartesian bundle from its own folder once, when the first figure is about to show;
draws each figure when it comes within 200 px of the view (its output keeps the figure's height until then), with
its frames, so animations play; resizes it with its output; and renders no PNG copy into the output (as
jupyterlab-plotly did after every draw). A figure with a trace type the bundle lacks shows a message naming it and
saying that ``make lab`` draws it. JupyterLab proper (``make lab``) keeps jupyterlab-plotly and the full plotly.js.
``check_config`` refuses a site that ships jupyterlab-plotly or a bundle that is not the pinned one.

Cut from JupyterLab: the plugins of features no notebook uses and a learner has no use for in the browser, disabled
in jupyter-lite.json (``disabledExtensions``, DISABLED_EXTENSIONS in tools/lite/config.py): mermaid diagrams, Vega
outputs, the terminal, MathJax (no notebook writes LaTeX; it was loaded as every notebook showed, 1 MB of code), the
viewers of CSV/TSV, JSON, JSON lines, PDF, audio, video, image and HTML files and of JavaScript outputs (the site
ships notebooks only), the contextual-help panel (Shift+Tab's tooltip shows the same docstrings) and the language
server plugins (no server to talk to). 197 plugins are kept (218 before MathJax, the viewers, the inspector and LSP
went). The code some of them load on demand is left out of build/ (``prune_lazy_chunks``, about 6.9 MB), and so are
MathJax's fonts (0.3 MB), the disabled plugins' settings and the per-plugin copies of the settings schemas (0.2 MB;
JupyterLite reads only schemas/all.json and all_federated.json). A mermaid block in a Markdown cell then shows as
code, ``$x$`` as the text typed, a JSON output as text. Kept: the notebook with its toolbar, menus and keyboard
shortcuts, the file browser, the table of contents, saving, the code console, the text editor, the settings editor,
the light, dark and high-contrast themes, tooltips, the log console and the licenses (tests/lite opens each kept
plugin, and uses the file browser, the table of contents, the themes, a tooltip, saving and the settings editor as a
learner would).

CodeMirror's languages: JupyterLab's registry knows 150 and loads each one's code when a cell, a file or a Markdown
fence first needs it. The site keeps Python (the code cells), Markdown (GFM, the Markdown cells), C and C++ (a
workbook about kernel C: one parser, 0.1 MB), JSON, the shell, diff, YAML, TOML and LaTeX (``KEPT_LANGUAGES``), and
HTML, CSS and JavaScript/TypeScript, whose code Markdown's own loads anyway; the build takes the other 122 (Rust,
PHP, Java, SQL, XML and the legacy modes) out of the registry and their chunks out of build/ (``prune_languages``,
0.7 MB). A fence or a file in one of them shows as plain code and nothing is fetched; the notebooks' own fences are
```console and ```text, plain text either way (tests/lite renders a ```c fence highlighted and a ```rust one plain).
The language list is patched in place, and the build fails unless it is found
exactly once, with every kept language.

Stored outputs: the site's notebooks are the repository's without outputs, execution counts or saved widget state
(``site_notebook``; 1.0 MB of files/ to 0.17 MB). The browser build always has a kernel, and a notebook opened
with its outputs rendered them (HTML snapshots, restored widgets, figures) while the kernel started, competing with it
for the CPU; Run All makes every output, widget and figure. Measured with and without them (benchmarks/lite.py's cold
loads, interleaved, 2026-12-07): the first widget of notebook 01 no later at a load average of 2-4 (medians 6.0 s and
6.1 s), 1.7 s sooner at 9-14 (16.5 s and 14.8 s). The repository's notebooks keep theirs (``make site``, GitHub and
JupyterLab proper show them).

Other files never fetched: anywidget's three bundles carried their source maps inline (0.2 MB of base64 that only a
browser's developer tools read; ``strip_inline_source_maps``), and jupyter lite build copied rspack's configs and
jupyter-lite.json's schema to the site's root (``drop_build_leftovers``). Fetched, so kept: ipywidgets' manager's
chunks 121 and 718 (@jupyter-widgets/controls, loaded with every notebook) and anywidget's two chunks (solid-js with
uuid, and anywidget's own front end: no duplicate). Never fetched but kept: the kernel extension's pypi/ index and its
wheels (``pipliteUrls``: ``%pip install`` reads the index), its coincident worker (the kernel's worker when the page
is cross-origin isolated), JupyterLab's third-party licenses (Help > Licenses) and Font Awesome's brand icons.

Settings: JupyterLite's settings service fetched and parsed schemas/all.json anew each time a plugin's settings were
asked for, six times while JupyterLab started; the build patches it (``fetch_settings_once``) to fetch each schema
list once per page and parse that text for every caller (8 requests and 0.5 MB fewer before the notebook shows).

Exit status: 0 built; 1 build error; 3 a pinned download is neither cached nor downloadable (offline).
"""
