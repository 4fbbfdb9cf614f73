// folioviz-plotly: the lite site's renderer of plotly figures (application/vnd.plotly.v1+json), written by hand
// (no build step, no bundled code). It stands in for jupyterlab-plotly in the browser build only; JupyterLab
// proper (make lab) keeps jupyterlab-plotly and the full plotly.js.
//
// jupyterlab-plotly's one chunk carries the full plotly.js (every trace type: 3-D, maps, ...; 4.8 MB), fetched
// when the page loads. This renderer draws with Plotly's official cartesian bundle (plotly-cartesian.min.js, npm
// plotly.js-cartesian-dist-min, pinned by tools/lite/config.py and copied beside this file by tools.lite): 2-D
// charts only. That file is fetched once, when the first figure is about to be drawn.
//
// Each output keeps a placeholder of the figure's height and is drawn when it first comes within 200 px of the
// view (an IntersectionObserver), as folioviz-lazy-figures does in JupyterLab. Frames are added with the figure, so
// its Play button and slider animate. No PNG copy is rendered into the output (jupyterlab-plotly's Plotly.toImage
// after every draw was the longest work of Run All). A figure with a trace type the bundle lacks shows a message
// naming it, instead of a blank box.
//
// It is a module-federation container as JupyterLab loads one (window._JUPYTERLAB[name] with init and get) and a
// mime extension; @lumino/widgets comes from the share scope.
var _JUPYTERLAB;
(function () {
  "use strict";
  var NAME = "folioviz-plotly";
  var MIME = "application/vnd.plotly.v1+json";
  var BUNDLE = "plotly-cartesian.min.js";
  var DEFAULT_HEIGHT = 360; // as jupyterlab-plotly
  var MARGIN = "200px 0px 200px 0px"; // drawn when within 200 px of the view
  var scope = null;

  // This file's folder: plotly-cartesian.min.js sits beside it. JupyterLab loads a container with a <script>.
  var here = (document.currentScript && document.currentScript.src) || (function () {
    var script = document.querySelector('script[src*="/' + NAME + '/static/remoteEntry"]');
    return script ? script.src : "";
  })();
  var BUNDLE_URL = here ? new URL(BUNDLE, here).href : "";

  // A module shared by JupyterLab, as the highest version the share scope holds.
  // shared() and the container object at the end are also in folioviz-early-kernel (tools/lite) and folioviz-lazy-figures (folioviz/_jupyter):
  // each hand-written container loads on its own, with no bundler to share code, so keep them in step.
  function shared(name) {
    var versions = scope && scope[name];
    if (!versions) return Promise.reject(new Error(NAME + ": " + name + " is not in the shared scope"));
    var newest = Object.keys(versions).sort(function (a, b) {
      var x = a.split(".").map(Number), y = b.split(".").map(Number);
      for (var i = 0; i < 3; i++) if ((x[i] || 0) !== (y[i] || 0)) return (x[i] || 0) - (y[i] || 0);
      return 0;
    }).pop();
    return Promise.resolve(versions[newest].get()).then(function (factory) { return factory(); });
  }

  // plotly.js, loaded once (a classic script: it sets window.Plotly).
  var loading = null;
  function loadPlotly() {
    if (loading) return loading;
    loading = new Promise(function (resolve, reject) {
      if (!BUNDLE_URL) {
        reject(new Error("cannot tell where " + BUNDLE + " is (this script's URL is unknown)"));
        return;
      }
      var script = document.createElement("script");
      script.src = BUNDLE_URL;
      script.async = true;
      script.dataset.folioviz = NAME;
      script.onload = function () {
        if (window.Plotly && window.Plotly.react) resolve(window.Plotly);
        else reject(new Error(BUNDLE + " loaded but defined no Plotly"));
      };
      script.onerror = function () { reject(new Error("could not load " + BUNDLE_URL)); };
      document.head.appendChild(script);
    });
    loading.catch(function () { loading = null; }); // a later figure tries again
    return loading;
  }

  // Once a figure waits, fetch and evaluate plotly.js when the page is idle, so the first figure scrolled to
  // does not wait for it.
  var warmed = false;
  function warm() {
    if (warmed) return;
    warmed = true;
    var idle = window.requestIdleCallback || function (f) { return setTimeout(f, 500); };
    idle(function () { loadPlotly().then(drawable).catch(function () {}); }, {timeout: 3000});
  }

  // The trace types this Plotly draws (its registry, as its schema lists it; ~50 ms, so worked out once).
  var traceTypes = null;
  function drawable(Plotly) {
    if (traceTypes === null) {
      try {
        traceTypes = Object.keys(Plotly.PlotSchema.get().traces).sort();
      } catch (error) {
        traceTypes = [];
      }
    }
    return traceTypes;
  }

  // The trace types of ``figure`` (its data and its frames' data) that ``Plotly`` cannot draw.
  function unsupported(Plotly, figure) {
    var known = drawable(Plotly);
    if (!known.length) return []; // no schema to tell: plotly draws what it can
    var missing = [];
    function check(traces) {
      (Array.isArray(traces) ? traces : []).forEach(function (trace) {
        var type = (trace && trace.type) || "scatter";
        if (known.indexOf(type) < 0 && missing.indexOf(type) < 0) missing.push(type);
      });
    }
    check(figure.data);
    (Array.isArray(figure.frames) ? figure.frames : []).forEach(function (frame) { check(frame && frame.data); });
    return missing.sort();
  }

  function note(className, lines) {
    var div = document.createElement("div");
    div.className = "fv-plotly-note " + className;
    div.setAttribute("role", "note");
    div.style.cssText = "padding:0.6em 0.8em;border:1px solid var(--jp-warn-color1,#f57c00);" +
      "background:var(--jp-warn-color3,#fff3e0);color:var(--jp-content-font-color1,#000);" +
      "font-size:var(--jp-content-font-size1,14px);line-height:1.4;white-space:normal;";
    lines.forEach(function (text, i) {
      var p = document.createElement("p");
      p.style.margin = i ? "0.4em 0 0 0" : "0";
      p.textContent = text;
      div.appendChild(p);
    });
    return div;
  }

  function unsupportedNote(missing, types) {
    var which = missing.length === 1 ? "trace type " + missing[0] : "trace types " + missing.join(", ");
    return note("fv-plotly-unsupported", [
      "This figure is not drawn here: it uses the plotly " + which + ", which the browser build does not draw.",
      "The browser build draws 2-D charts only: " + types.join(", ") + ".",
      "Run the workbook in full JupyterLab (make lab) to see this figure.",
    ]);
  }

  function makeFactory(widgets) {
    class RenderedPlotly extends widgets.Widget {
      constructor(options) {
        super();
        this.addClass("jp-RenderedPlotly");
        this.addClass("fv-plotly");
        this._mimeType = options.mimeType;
        this._figure = null;
        this._observer = null;
        this._drawn = false;
        this._plot = document.createElement("div");
        this._plot.className = "fv-plotly-plot";
        this.node.appendChild(this._plot);
      }

      renderModel(model) {
        var figure = model.data[this._mimeType] || {};
        // A copy: plotly writes into the objects it draws (zoom, pan), and the model's data must stay as stored.
        this._figure = JSON.parse(JSON.stringify(figure));
        this._fallback = model.trusted ? model.data["text/html"] : null;
        if (this._observer !== null) this._observer.disconnect();
        this._observer = null;
        if (this._drawn || typeof IntersectionObserver === "undefined") return this._draw();
        var layout = this._figure.layout || {};
        this.node.style.minHeight = (layout.height || DEFAULT_HEIGHT) + "px";
        this.node.dataset.fvLazy = "waiting";
        warm();
        var self = this;
        this._observer = new IntersectionObserver(function (entries) {
          if (!entries.some(function (e) { return e.isIntersecting; })) return;
          self._observer.disconnect();
          self._observer = null;
          self._draw().catch(function () {});
        }, {rootMargin: MARGIN});
        this._observer.observe(this.node);
        return Promise.resolve();
      }

      _draw() {
        var self = this;
        var figure = this._figure;
        this.node.dataset.fvLazy = "drawing";
        return loadPlotly().then(function (Plotly) {
          if (self.isDisposed || figure !== self._figure) return;
          self._clearNotes();
          var missing = unsupported(Plotly, figure);
          if (missing.length) {
            if (self._drawn) Plotly.purge(self._plot);
            self._drawn = false;
            self.node.style.minHeight = "";
            self.node.insertBefore(unsupportedNote(missing, drawable(Plotly)), self._plot);
            self._showFallback();
            self.node.dataset.fvLazy = "unsupported";
            return;
          }
          var layout = figure.layout || {};
          if (!layout.height) layout.height = DEFAULT_HEIGHT;
          var shown = {data: figure.data || [], layout: layout, config: figure.config || {}};
          if (Array.isArray(figure.frames) && figure.frames.length) shown.frames = figure.frames;
          return Plotly.react(self._plot, shown).then(function () {
            self._drawn = true;
            self.node.style.minHeight = "";
            self.node.dataset.fvLazy = "drawn";
            self._resize();
          });
        }).catch(function (error) {
          if (self.isDisposed) return;
          console.error("folioviz: a plotly figure could not be drawn", error);
          self._clearNotes();
          self.node.style.minHeight = "";
          self.node.insertBefore(note("fv-plotly-error", [
            "This figure could not be drawn: " + (error && error.message ? error.message : String(error)),
          ]), self._plot);
          self._showFallback();
          self.node.dataset.fvLazy = "failed";
        });
      }

      // The bundle's static HTML fallback (folioviz's: a sentence and a table of the figure's data), when trusted.
      _showFallback() {
        if (typeof this._fallback !== "string" || !this._fallback) return;
        var div = document.createElement("div");
        div.className = "fv-plotly-fallback";
        div.innerHTML = this._fallback;
        div.querySelectorAll("script").forEach(function (s) { s.remove(); });
        this.node.insertBefore(div, this._plot);
      }

      _clearNotes() {
        this.node.querySelectorAll(":scope > .fv-plotly-note, :scope > .fv-plotly-fallback")
          .forEach(function (n) { n.remove(); });
      }

      _resize() {
        var Plotly = window.Plotly;
        if (this._drawn && Plotly && this.isVisible && this._plot.offsetWidth > 0) {
          Plotly.Plots.resize(this._plot);
        }
      }

      onAfterShow(msg) { this._resize(); }

      onResize(msg) { this._resize(); }

      dispose() {
        if (this.isDisposed) return;
        if (this._observer !== null) this._observer.disconnect();
        this._observer = null;
        if (this._drawn && window.Plotly) window.Plotly.purge(this._plot);
        super.dispose();
      }
    }

    var rendererFactory = {
      safe: true,
      mimeTypes: [MIME],
      defaultRank: 2,
      createRenderer: function (options) { return new RenderedPlotly(options); },
    };
    return [{
      id: NAME + ":factory",
      rendererFactory: rendererFactory,
      rank: 2, // as jupyterlab-plotly: above text/html, so the figure, not its static fallback, shows
      dataType: "json",
      fileTypes: [{
        name: "plotly",
        mimeTypes: [MIME],
        extensions: [".plotly", ".plotly.json"],
        iconClass: "jp-MaterialIcon jp-PlotlyIcon",
      }],
      documentWidgetFactoryOptions: {
        name: "Plotly",
        primaryFileType: "plotly",
        fileTypes: ["plotly", "json"],
        defaultFor: ["plotly"],
      },
    }];
  }

  _JUPYTERLAB = _JUPYTERLAB || {};
  _JUPYTERLAB[NAME] = {
    init: function (shareScope) {
      scope = shareScope;
    },
    get: function (module) {
      if (module !== "./mimeExtension") {
        return Promise.reject(new Error("Module " + module + " does not exist in container " + NAME));
      }
      return shared("@lumino/widgets").then(function (widgets) {
        var extensions = makeFactory(widgets);
        return function () { return {__esModule: true, default: extensions}; };
      });
    },
  };
})();
