"""Build the workbook as a static HTML site that works offline, opened from file://.

Usage: python -m tools.site [--out site] [--notebooks NAME ...] [--execute] [--cache-dir DIR]

Modules: ``assets`` (layout, errors, where each asset comes from; npm through tools.pinned), ``pages`` (plotly
figures, the index, links, the no-outside-loads check), ``exporter`` (nbconvert's exporter and the page template),
``build`` (orchestration and the command line). ``--execute`` runs tools.notebooks.build.execute, the very
function ``python -m tools.notebooks`` runs.

Output (``site/`` by default, git-ignored)::

    index.html                  the notebooks in reading order (data/workbook.toml, "ready" ones only)
    00_start_here.html ...      one page per notebook: outputs and widget state embedded
    static/plotly.min.js        plotly.js, one copy for the whole site (from the installed plotly package)
    static/require.js           require.js (npm ``requirejs``, pinned below)
    static/widgets/embed-amd.js the ipywidgets HTML manager (npm ``@jupyter-widgets/html-manager``, pinned)
    static/widgets/*.woff2      its icon fonts (Font Awesome), for the Play widget's buttons
    static/widgets/anywidget.js anywidget's front-end (AMD), from the installed anywidget package, for
                                folioviz's anywidget-based widgets (the bit field)
    static/notebook/*.css       JupyterLab's notebook CSS (from nbconvert's lab template), shared by the pages
    static/NOTICE.txt           where each asset came from, its version, integrity and licence

Nothing on a page refers to anything outside the site: MathJax and mermaid are left out (the notebooks
use neither), the widget manager and plotly.js load by relative URLs, and a check after the build
refuses any page that would load a script, stylesheet, image or font from another host.

Assets. plotly.js ships inside the plotly Python package. The widget manager and require.js do not
ship in any installed Python package, so the build runs ``npm pack NAME@VERSION`` once into a cache
directory (default ``~/.cache/folioviz/site-assets``) and checks each tarball against the sha512
integrity pinned in ``NPM_ASSETS``; later builds reuse the verified tarballs and need no network.

anywidget. A widget built on anywidget names the AMD module ``anywidget``; the html-manager asks
require.js for it and, when require.js cannot find it, falls back to a CDN. The site maps ``anywidget``
to ``static/widgets/anywidget.js``: the AMD build the anywidget Python package itself ships
(``anywidget/nbextension/index.js``), so no download is needed; each widget's own ES module is in its
stored state (``_esm``). A page whose widgets need any other third-party module is refused (it would
reach for a CDN).

Plotly. The committed notebooks keep plotly's ``plotly_mimetype`` output, which nbconvert's HTML does
not render. Each such output becomes a div with a deterministic id (``plotly-<notebook>-c<cell>-o<output>``)
and a script that calls ``Plotly.newPlot`` then ``Plotly.addFrames``, so the figure's own play button
and slider animate without a kernel.

Exit status: 0 built; 1 build error; 3 the npm assets are neither cached nor downloadable (offline).
"""
