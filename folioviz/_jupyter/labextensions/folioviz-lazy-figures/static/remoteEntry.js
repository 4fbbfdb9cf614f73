// folioviz-lazy-figures: a JupyterLab / Notebook 7 extension, written by hand (no build step, no bundled code).
//
// jupyterlab-plotly draws every plotly output as soon as it arrives, on or off screen, and then renders it a
// second time into a PNG (Plotly.toImage) to cache in the output: during Run All that is the page's longest
// work. This extension wraps jupyterlab-plotly's own renderer so that
// - an output out of view keeps a placeholder of the figure's height and is drawn, by jupyterlab-plotly, when
//   it first comes within 200 px of the view (an IntersectionObserver);
// - the PNG copy is still made and stored, but when the page is idle (requestIdleCallback), not in the same
//   task as the draw: it costs about as much as the draw itself and the reader never sees it.
// plotly.js is not shipped here: it is jupyterlab-plotly's copy, taken from the shared module scope. Where
// jupyterlab-plotly is absent (make app's Voila denies it), this does nothing.
//
// It is a module-federation container as JupyterLab loads one (window._JUPYTERLAB[name] with init and get).
var _JUPYTERLAB;
(function () {
  "use strict";
  var NAME = "folioviz-lazy-figures";
  var MIME = "application/vnd.plotly.v1+json";
  var scope = null;

  // A module shared by JupyterLab or another extension, as the highest version the share scope holds.
  // shared() and the container object at the end are also in folioviz-plotly and folioviz-early-kernel (tools/lite/labextensions):
  // each hand-written container loads on its own, with no bundler to share code, so keep them in step.
  function shared(name) {
    var versions = scope && scope[name];
    if (!versions) return Promise.resolve(null);
    var newest = Object.keys(versions).sort(function (a, b) {
      var x = a.split(".").map(Number), y = b.split(".").map(Number);
      for (var i = 0; i < 3; i++) if ((x[i] || 0) !== (y[i] || 0)) return (x[i] || 0) - (y[i] || 0);
      return 0;
    }).pop();
    return Promise.resolve(versions[newest].get()).then(function (factory) { return factory(); });
  }

  // The figure is drawn when it comes within 200 px of the view, so a reader scrolling to it rarely sees it undrawn.
  var MARGIN = "200px 0px 200px 0px";

  // plotly.js is evaluated on jupyterlab-plotly's first draw (a few hundred ms of the main thread). Do that
  // when the page is idle, with an empty figure in a node that is never shown, so that the first figure does
  // not wait for it: once a figure waits for the view, and as soon as a notebook that draws figures opens
  // (before the reader asks for Run All). A notebook without figures never loads it.
  var warmed = false;
  var plotlyFactory = null;
  function warm() {
    if (warmed || plotlyFactory === null) return;
    warmed = true;
    var inner = plotlyFactory;
    var marks = document.documentElement.dataset;  // data-fv-plotly on <html>: "warming", then "ready"
    marks.fvPlotly = "warming";
    idle(function () {
      var model = {data: {}, setData: function () {}};
      model.data[MIME] = {data: [], layout: {}};
      Promise.resolve(inner.createRenderer({mimeType: MIME}).renderModel(model)).then(function () {
        marks.fvPlotly = "ready";
      }, function () {});
    }, {timeout: 3000});
  }

  // Does this notebook draw plotly figures? Its stored outputs say so, or its code names plotly or calls a
  // figure function (folioviz's are named *_figure).
  var USES_PLOTLY = /plotly|_figure\(/;
  function usesPlotly(notebook) {
    var cells = (notebook && notebook.cells) || [];
    return cells.some(function (cell) {
      if (cell.cell_type !== "code") return false;
      var source = Array.isArray(cell.source) ? cell.source.join("") : String(cell.source || "");
      if (USES_PLOTLY.test(source)) return true;
      return (cell.outputs || []).some(function (output) { return Boolean(output.data && output.data[MIME]); });
    });
  }

  function warmForNotebooks(tracker) {
    if (!tracker || !tracker.widgetAdded) return;
    tracker.widgetAdded.connect(function (sender, panel) {
      if (!panel || !panel.context) return;
      panel.context.ready.then(function () {
        var uses = usesPlotly(panel.context.model.toJSON());
        panel.node.dataset.fvUsesPlotly = uses ? "yes" : "no";  // what was decided, for the tests
        if (uses) warm();
      }).catch(function () {});
    });
  }

  function idle(callback, options) {
    if (typeof requestIdleCallback === "function") return requestIdleCallback(callback, options);
    return setTimeout(callback, 200);
  }

  // jupyterlab-plotly's renderer class keeps plotly.js in a static field (Plotly) once loaded, and calls
  // Plotly.toImage through it after each draw. Give that class a view of plotly.js whose toImage waits for an
  // idle moment (at most 5 s); everything else is plotly.js itself. A figure removed meanwhile gets no PNG.
  var snapshotsDeferred = new WeakSet();
  function deferSnapshots(cls) {
    if (typeof cls !== "function" || snapshotsDeferred.has(cls) || !cls.loadingPlotly) return;
    snapshotsDeferred.add(cls);
    Promise.resolve(cls.loadingPlotly).then(function () {
      var plotly = cls.Plotly;
      if (!plotly || typeof plotly.toImage !== "function" || plotly.fvIdleSnapshots) return;
      // plotly.js's module object has getters only: define the two own properties, do not assign them
      var view = Object.create(plotly);
      Object.defineProperty(view, "fvIdleSnapshots", {value: true});
      Object.defineProperty(view, "toImage", {value: function (graph, options) {
        if (graph && graph.dataset) graph.dataset.fvSnapshot = "waiting";
        return new Promise(function (resolve, reject) {
          idle(function () {
            if (!graph || !graph.isConnected || !graph._fullLayout) return;  // re-run or closed meanwhile
            plotly.toImage(graph, options).then(function (image) {
              if (graph.dataset) graph.dataset.fvSnapshot = "made";
              resolve(image);
            }, reject);
          }, {timeout: 5000});
        });
      }});
      cls.Plotly = view;
    });
  }

  function lazyFactory(inner) {
    plotlyFactory = inner;
    return {
      safe: inner.safe,
      mimeTypes: inner.mimeTypes,
      defaultRank: inner.defaultRank,
      createRenderer: function (options) {
        var renderer = inner.createRenderer(options);
        deferSnapshots(renderer.constructor);
        var render = renderer.renderModel.bind(renderer);
        var observer = null;
        renderer.node.classList.add("fv-lazy-figure");
        renderer.renderModel = function (model) {
          var data = model.data || {};
          if (observer !== null) observer.disconnect();
          // Already drawn, a cached PNG to show, or no IntersectionObserver: jupyterlab-plotly as it is.
          if (data["image/png"] || typeof IntersectionObserver === "undefined" ||
              renderer.node.querySelector(".plot-container")) {
            return render(model);
          }
          var figure = data[MIME] || {};
          var height = (figure.layout && figure.layout.height) || 360;
          renderer.node.style.minHeight = height + "px";
          renderer.node.dataset.fvLazy = "waiting";
          warm();
          observer = new IntersectionObserver(function (entries) {
            if (!entries.some(function (e) { return e.isIntersecting; })) return;
            observer.disconnect();
            observer = null;
            renderer.node.dataset.fvLazy = "drawing";
            Promise.resolve(render(model)).then(function () {
              renderer.node.style.minHeight = "";
              renderer.node.dataset.fvLazy = "drawn";
            }, function (error) { console.error("folioviz: a plotly figure could not be drawn", error); });
          }, {rootMargin: MARGIN});
          observer.observe(renderer.node);
          return Promise.resolve();
        };
        var dispose = renderer.dispose.bind(renderer);
        renderer.dispose = function () {
          if (observer !== null) observer.disconnect();
          dispose();
        };
        return renderer;
      },
    };
  }

  function plugin(tokens) {
    return {
      id: NAME + ":plugin",
      description: "Draw plotly figures once they scroll into view.",
      autoStart: true,
      requires: [tokens.IRenderMimeRegistry],
      activate: function (app, registry) {
        var wrapped = new WeakSet();
        function wrap(factory) {
          var lazy = lazyFactory(factory);
          wrapped.add(lazy);
          return lazy;
        }
        // The notebooks opened, to warm plotly.js for those that draw figures: only where jupyterlab-plotly is,
        // and @jupyterlab/notebook is asked of the share scope only then (Voila, which denies jupyterlab-plotly,
        // would otherwise load it for nothing while its first widget waits).
        var watching = false;
        function watchNotebooks() {
          if (watching || typeof app.resolveOptionalService !== "function") return;
          watching = true;
          shared("@jupyterlab/notebook").then(function (notebook) {
            return notebook && notebook.INotebookTracker ? app.resolveOptionalService(notebook.INotebookTracker) : null;
          }).then(warmForNotebooks).catch(function () {});
        }
        // jupyterlab-plotly registers its factory as a mime extension, before or after this plugin.
        var add = registry.addFactory.bind(registry);
        registry.addFactory = function (factory, rank) {
          if (factory.mimeTypes.indexOf(MIME) >= 0 && !wrapped.has(factory)) {
            factory = wrap(factory);
            watchNotebooks();
          }
          return add(factory, rank);
        };
        var current = registry.getFactory(MIME);
        if (current && !wrapped.has(current)) {
          add(wrap(current), registry.getRank(MIME));
          watchNotebooks();
        }
      },
    };
  }

  _JUPYTERLAB = _JUPYTERLAB || {};
  _JUPYTERLAB[NAME] = {
    init: function (shareScope) {
      scope = shareScope;
    },
    get: function (module) {
      if (module !== "./extension") {
        return Promise.reject(new Error("Module " + module + " does not exist in container " + NAME));
      }
      return shared("@jupyterlab/rendermime").then(function (rendermime) {
        var plugins = rendermime && rendermime.IRenderMimeRegistry ? [plugin(rendermime)] : [];
        return function () { return {__esModule: true, default: plugins}; };
      });
    },
  };
})();
