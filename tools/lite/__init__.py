"""Build the workbook as an offline JupyterLite site: JupyterLab and a Python kernel running in the browser.

Usage: python -m tools.lite [--out lite] [--cache-dir DIR] [--jupyter PATH]

Modules: ``config`` (what the site is made of, its JupyterLite config and the config checks), ``wheels`` (the
kernel's wheels through tools.pinned, slimmed, and the lock), ``bytecode`` (the wheels' modules compiled by the
site's own Pyodide under Node, ``pycompile.mjs``), ``chunks`` (surgery on JupyterLab's bundles), ``build``
(orchestration and the command line).

Output (``lite/`` by default, git-ignored): a folder of static files. Serve it on any static HTTP server
(``make lite-serve``; it does not work from file://) and open ``lab/index.html``. It holds

    lab/, build/, extensions/ ...   JupyterLab-in-the-browser (the ``lab`` app only) and four extensions:
                                    the Pyodide kernel, ipywidgets' manager, anywidget, plotly's renderer
    files/                          every notebook of notebooks/, with its stored outputs
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
  PyPI's own build for Pyodide's ABI. Five wheels are slimmed after the check (files the browser kernel never
  uses: plotly.js and FigureWidget's bundle, the labextensions that the site serves anyway, sample data sets,
  tests, jedi's stubs of Python 2, Django and third-party packages, pygments' lexers of languages nothing here
  highlights); the lock lists the slimmed wheel's own sha256. The site is held to a size budget
  (``SITE_BUDGET_BYTES``, checked by tests/lite). No nbformat is shipped: folioviz's figures display their
  own mime bundle (``FolioFigure``), so nothing in the kernel imports it.
* the kernel's own wheels (piplite, pyodide-kernel and the ipykernel/widgetsnbextension shims) from the
  ``jupyterlite-pyodide-kernel`` package of the build environment, checked against pinned sha256 too;
* folioviz: a wheel built from this checkout.
* bytecode: every module that the kernel and the notebooks' code cells import is compiled at build time by the
  site's own Pyodide (run under the machine's Node, which ``npm pack`` needs anyway) and written into its wheel as
  an unchecked hash-based pyc (``tools/lite/bytecode.py``; the lock lists the rewritten wheel's sha256). Pyodide
  never writes bytecode, so without it the browser compiled each of these modules on every page load (half of
  ``import IPython``). Library modules ship as .pyc only (their tracebacks show no source lines); folioviz keeps
  its sources beside its bytecode. The standard library modules those cells import are compiled into
  python_stdlib.zip the same way (.pyc in place of .py).

Downloads are cached in ``~/.cache/folioviz/lite`` (like ``make site``'s assets); later builds need no network.

The lock. Pyodide's own pyodide-lock.json names 356 packages on a CDN with Pyodide's rebuilt wheels, whose
hashes differ from PyPI's. It is rewritten to list exactly the wheels shipped in ``static/pyodide/``, each with
its real sha256, its top-level imports and its dependencies (from the wheel's metadata, evaluated for
Emscripten and Python 3.14, restricted to shipped packages). With it, ``import folioviz`` in a cell makes the
kernel load folioviz and everything it needs, from the site, by itself.

Start-up. The notebook shows as soon as JupyterLab has loaded; the kernel boots behind it, in its worker, one
Python thread: Pyodide starts, unpacks the kernel's wheels, imports the kernel, then runs the first cells. The kernel's
own packages (ipykernel, comm, pyodide-kernel, jedi, IPython, piplite, micropip) are fetched in parallel while Pyodide
starts (``loadPyodideOptions.packages``), instead of one after another. The rest is cut from that thread's path
(``tools/lite/patches.py``, each patch checked against the exact text it replaces, or the build stops):

* IPython's ``__init__`` imports its terminal shell (prompt_toolkit) only when ``IPython.embed`` is asked for, its
  completer imports jedi at the first completion (Tab), and piplite imports micropip only on the first ``%pip
  install``: none is used by a kernel starting (jedi still ships compiled, ``BYTECODE_IMPORTS``);
* ipywidgets recognises traitlets' class set-up by its code's file name, which stays right with traitlets shipped as
  bytecode only (it compared it with ``traitlets.pyc`` and warned eight times per widget class at import);
* folioviz's data files get a JSON twin in its wheel, which ``load_toml`` reads in place of the TOML when made from
  the same bytes (tomllib is pure Python, about 50 times slower);
* plotly (with narwhals and packaging, 21 MB unpacked) is left out of folioviz's dependencies in the lock
  (``config.DEFERRED``): a cell that imports folioviz no longer waits for it; folioviz's ``SiteWheelFinder``
  (folioviz/browser.py) installs it from the site, checked against the lock, when a module first imports it.

Together (2026-12-07, notebook 01's first two cells after Pyodide's start, the kernel under Node, median of 3): the
kernel's CPU time from 1.57 s to 0.85 s; in chromium, the kernel worker's CPU time until the first widget from 3.7 s
to 2.8 s (median of 4 alternated cold loads, load average 2-7). folioviz and its other dependencies load when a cell
first imports them (prefetching them too made the kernel ready later and the first widget no sooner: one thread does
all the work).

Cut from JupyterLab: the features no notebook uses, each of which one plugin loads on demand: mermaid diagrams
(with their layout engines), Vega outputs and the terminal. Their plugins are disabled in jupyter-lite.json
(``disabledExtensions``) and the chunks that only they load are left out (``prune_lazy_chunks``, about 5.8 MB).
A mermaid block in a Markdown cell then shows as code.

Exit status: 0 built; 1 build error; 3 a pinned download is neither cached nor downloadable (offline).
"""
