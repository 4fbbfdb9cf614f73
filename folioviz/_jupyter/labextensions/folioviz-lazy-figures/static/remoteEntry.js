// folioviz-lazy-figures: a JupyterLab / Notebook 7 extension, written by hand (no build step, no bundled code).
//
// jupyterlab-plotly draws every plotly output as soon as it arrives, on or off screen, and then renders it a
// second time into a PNG (Plotly.toImage) to cache in the output: during Run All that is the page's longest
// work. This extension wraps jupyterlab-plotly's own renderer so that an output out of view keeps a
// placeholder of the figure's height and is drawn, by jupyterlab-plotly, when it first comes within 200 px
// of the view (an IntersectionObserver). plotly.js is not shipped here: it is jupyterlab-plotly's copy,
// taken from the shared module scope. Where jupyterlab-plotly is absent (make app's Voila denies it), this
// does nothing.
//
// It is a module-federation container as JupyterLab loads one (window._JUPYTERLAB[name] with init and get).
var _JUPYTERLAB;
(function () {
  "use strict";
  var NAME = "folioviz-lazy-figures";
  var MIME = "application/vnd.plotly.v1+json";
  var scope = null;

  // A module shared by JupyterLab or another extension, as the highest version the share scope holds.
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

  // plotly.js is evaluated on jupyterlab-plotly's first draw (a few hundred ms). Once a figure waits, do that
  // when the page is idle, with an empty figure in a node that is never shown, so the first figure scrolled to
  // does not wait for it.
  var warmed = false;
  function warm(inner) {
    if (warmed) return;
    warmed = true;
    var idle = window.requestIdleCallback || function (f) { return setTimeout(f, 500); };
    idle(function () {
      var model = {data: {}, setData: function () {}};
      model.data[MIME] = {data: [], layout: {}};
      Promise.resolve(inner.createRenderer({mimeType: MIME}).renderModel(model)).catch(function () {});
    }, {timeout: 3000});
  }

  function lazyFactory(inner) {
    return {
      safe: inner.safe,
      mimeTypes: inner.mimeTypes,
      defaultRank: inner.defaultRank,
      createRenderer: function (options) {
        var renderer = inner.createRenderer(options);
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
          warm(inner);
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
        // jupyterlab-plotly registers its factory as a mime extension, before or after this plugin.
        var add = registry.addFactory.bind(registry);
        registry.addFactory = function (factory, rank) {
          if (factory.mimeTypes.indexOf(MIME) >= 0 && !wrapped.has(factory)) factory = wrap(factory);
          return add(factory, rank);
        };
        var current = registry.getFactory(MIME);
        if (current && !wrapped.has(current)) add(wrap(current), registry.getRank(MIME));
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
