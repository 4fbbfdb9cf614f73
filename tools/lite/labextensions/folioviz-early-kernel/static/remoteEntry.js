// folioviz-early-kernel: the lite site's early start of a notebook's kernel, written by hand (no build step, no
// bundled code). The browser build only.
//
// JupyterLite asks for a notebook's kernel late: JupyterLab starts, restores its layout, opens the notebook named in
// the URL (?path=...), loads it, shows it, and only then does the notebook's session ask for a kernel, whose worker
// then boots Pyodide for seconds. The page has a second core doing nothing meanwhile. This plugin, activated while
// JupyterLab starts, starts the kernel of each notebook the URL names at once, in its worker, and hands it to that
// notebook's session when the session asks for one. The notebook gets the kernel it would have got (same name, same
// place, one kernel), only started sooner.
//
// The hand-over: JupyterLite's session client (LiteSessionClient.startNew) is patched at build time
// (tools/lite/chunks.py, adopt_early_kernels) to ask ``kernelClient.foliovizEarlyKernels.adopt(kernel, session)``
// before it starts a kernel, where ``kernel`` is what it was about to start ({id, name, location}) and ``session`` is
// the session's {path, name}. This plugin sets that object. ``adopt`` answers the early kernel's model for the notebook
// it was started for, at most once; otherwise null, and the session client starts a kernel as it always did.
//
// What the early kernel is, so that it is the one the notebook would have started:
// * its name: JupyterLab's own choice for the notebook (SessionContext.getDefaultKernel, given the notebook's
//   kernelspec name and language_info, as the notebook's context gives them), among the kernels registered; a
//   notebook that names no kernel JupyterLab would pick starts nothing early (the notebook then asks the reader);
// * its location (the kernel's working directory in the drive): the notebook's folder, as the session client sets it;
// * it starts once JupyterLite's service worker controls the page, as the notebook's kernel always did: through it,
//   the kernel's files are the notebook's folder (its drive). A page with no service worker starts the kernel without
//   the drive, as JupyterLite would; a service worker that never takes control (10 s) means no early start.
// A notebook the URL names that does not exist, is not a notebook, or is on another drive starts nothing. An early
// kernel no session adopted within 60 s (the notebook never opened) is shut down. ``adopt`` refuses, and shuts the
// early kernel down, when the session asks for a different kernel name or place.
//
// The page records what happened as performance marks (read by tests/lite): folioviz-early-kernel:none (the URL
// names no notebook), :started, :adopted, :refused, :dropped, :skipped, each with a detail {path, kernel, ...}.
//
// It is a module-federation container as JupyterLab loads one (window._JUPYTERLAB[name] with init and get) and a
// JupyterLab plugin; its tokens and helpers come from the share scope.
var _JUPYTERLAB;
(function () {
  "use strict";
  var NAME = "folioviz-early-kernel";
  var HOOK = "foliovizEarlyKernels"; // the kernel client's property the patched session client asks
  var UNCLAIMED_MS = 60000; // an early kernel no session adopted by then is shut down
  var CONTROL_MS = 10000; // how long the early start waits for the service worker to control the page
  var scope = null;

  // A module shared by JupyterLab, as the highest version the share scope holds.
  // shared() and the container object at the end are also in folioviz-plotly (tools/lite) and folioviz-lazy-figures (folioviz/_jupyter):
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

  function mark(what, detail) {
    try {
      performance.mark(NAME + ":" + what, {detail: detail || null});
    } catch (error) {
      // a browser without performance.mark's detail: nothing to record
    }
  }

  // The notebooks JupyterLite's opener (@jupyterlite/application-extension:opener) opens from this page's URL: the
  // lab opens every ``path``; the notebook and editor pages the first, with ``factory`` if given; tree and consoles
  // pages open no notebook.
  function notebooksInUrl(PageConfig) {
    var params = new URLSearchParams(window.location.search);
    var paths = params.getAll("path").map(function (path) {
      try {
        return decodeURIComponent(path); // as the opener does
      } catch (error) {
        return path;
      }
    });
    var page = PageConfig.getOption("notebookPage");
    if (page === "tree" || page === "consoles") return [];
    if (page === "notebooks" || page === "edit") {
      var factory = params.get("factory");
      if (factory && factory !== "Notebook") return [];
      paths = paths.slice(0, 1);
    }
    return paths.filter(function (path, i) {
      return /\.ipynb$/i.test(path) && paths.indexOf(path) === i;
    });
  }

  // Settles when the kernel can start as the notebook's would: once JupyterLite's service worker controls the page
  // (rejects if it takes no control within CONTROL_MS), or at once when the page has none.
  function serviceWorkerSettled(manager) {
    if (!manager || !navigator.serviceWorker) return Promise.resolve();
    return manager.ready.then(
      function () {
        if (navigator.serviceWorker.controller) return undefined;
        return new Promise(function (resolve, reject) {
          var timer = setTimeout(function () {
            reject(new Error("the service worker took no control of the page within " + CONTROL_MS / 1000 + " s"));
          }, CONTROL_MS);
          navigator.serviceWorker.addEventListener("controllerchange", function () {
            clearTimeout(timer);
            resolve();
          }, {once: true});
        });
      },
      function () {
        return undefined; // no service worker: the kernel starts without the drive, as JupyterLite's would
      }
    );
  }

  function makePlugin(services, liteApputils, apputils, coreutils) {
    var PathExt = coreutils.PathExt;
    var SessionContext = apputils.SessionContext;

    function activate(app, kernelClient, kernelSpecs, serviceWorkers) {
      var contents = app.serviceManager.contents;
      var paths = notebooksInUrl(coreutils.PageConfig).filter(function (path) {
        return contents.driveName(path) === "";
      });
      if (!paths.length) {
        mark("none", {search: window.location.search});
        return;
      }
      var early = new Map(); // session name -> {path, location, kernel: Promise<model | null>, timer, dropped}
      var settled = serviceWorkerSettled(serviceWorkers);

      // The notebook's kernel preference, as its document context sets it once the notebook has loaded.
      function preferenceOf(path) {
        return contents.get(path, {type: "notebook", content: true}).then(function (model) {
          if (!model || model.type !== "notebook" || !model.content) throw new Error(path + " is not a notebook");
          var metadata = model.content.metadata || {};
          var spec = metadata.kernelspec || {};
          var info = metadata.language_info || {};
          return {
            name: spec.name || undefined,
            language: info.name != null ? info.name : "",
            shouldStart: true,
            canStart: true,
            autoStartDefault: false,
          };
        });
      }

      // The kernel JupyterLab picks for ``preference`` once one that matches is registered (kernels register while
      // JupyterLab starts); null if none matches once it has started.
      function chooseKernel(preference) {
        return new Promise(function (resolve) {
          var done = false;
          function finish(name) {
            if (done) return;
            done = true;
            kernelSpecs.changed.disconnect(attempt);
            resolve(name);
          }
          function attempt() {
            var name = SessionContext.getDefaultKernel({specs: kernelSpecs.specs, sessions: [], preference: preference});
            if (name && kernelSpecs.factories.has(name)) finish(name);
          }
          kernelSpecs.changed.connect(attempt);
          attempt();
          app.started.then(function () {
            attempt();
            finish(null);
          });
        });
      }

      function drop(name, entry) {
        entry.dropped = true;
        if (early.get(name) === entry) early.delete(name);
        entry.kernel.then(function (model) {
          if (!model) return;
          mark("dropped", {path: entry.path, kernel: model.id});
          return kernelClient.shutdown(model.id);
        }).catch(function () {});
      }

      function start(path) {
        // The session the notebook's context will ask for: named after the file, its kernel in the file's folder.
        var name = PathExt.basename(contents.localPath(path));
        var entry = {path: path, location: PathExt.dirname(path), kernel: null, timer: 0, dropped: false};
        entry.kernel = Promise.all([settled, preferenceOf(path)])
          .then(function (both) { return chooseKernel(both[1]); })
          .then(function (kernelName) {
            if (!kernelName) throw new Error("no kernel JupyterLab would start for it is registered");
            if (entry.dropped) return null;
            return kernelClient.startNew({name: kernelName, location: entry.location});
          })
          .then(function (model) {
            if (!model) return null;
            mark("started", {path: path, kernel: model.id, name: model.name, location: entry.location});
            return {id: model.id, name: model.name};
          })
          .catch(function (error) {
            console.warn(NAME + ": no early kernel for " + path + ": " + (error && error.message ? error.message : error));
            mark("skipped", {path: path, reason: String(error && error.message ? error.message : error)});
            return null;
          });
        entry.timer = setTimeout(function () { drop(name, entry); }, UNCLAIMED_MS);
        early.set(name, entry);
      }

      kernelClient[HOOK] = {
        // ``kernel``: the kernel the session client was about to start, {id, name, location}; ``session``: {path, name}.
        adopt: function (kernel, session) {
          var entry = early.get(session && session.name);
          if (!entry || entry.location !== kernel.location) return Promise.resolve(null);
          early.delete(session.name);
          clearTimeout(entry.timer);
          return entry.kernel.then(function (model) {
            if (!model) return null;
            return kernelClient.getModel(model.id).then(function (running) {
              if (!running) return null;
              if (model.name !== kernel.name) {
                mark("refused", {path: entry.path, kernel: model.id, name: model.name, asked: kernel.name});
                return kernelClient.shutdown(model.id).then(function () { return null; });
              }
              mark("adopted", {path: entry.path, kernel: model.id, session: session.path});
              return model;
            });
          });
        },
      };
      paths.forEach(start);
    }

    return {
      id: NAME + ":plugin",
      description: "Starts the kernel of the notebook named in the page's URL while JupyterLab is still starting.",
      autoStart: true,
      requires: [services.IKernelClient, services.IKernelSpecs],
      optional: [liteApputils.IServiceWorkerManager],
      activate: activate,
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
      var names = ["@jupyterlite/services", "@jupyterlite/apputils", "@jupyterlab/apputils", "@jupyterlab/coreutils"];
      return Promise.all(names.map(shared)).then(function (modules) {
        var plugin = makePlugin(modules[0], modules[1], modules[2], modules[3]);
        return function () { return {__esModule: true, default: [plugin]}; };
      });
    },
  };
})();
