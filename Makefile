# folioviz: one command to open the workbook, one to run every test.
#   make lab    set up .venv and open the workbook in JupyterLab (127.0.0.1, token on)
#   make test   set up .venv (and Debian's chromium, if missing) and run the whole test suite
# Other targets: notebooks (re-execute the committed notebooks), provenance (check every kernel fact
# against the real source; downloads), site (offline static HTML in site/), bench, lint, screenshot, clean,
# drgn-fixtures (remake the BTF fixtures of the drgn tests; downloads a Debian kernel package).

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.folioviz-installed
# JupyterLab refuses to start as root unless told it may.
LAB_PORT ?= 8888
ROOT_FLAG := $(shell [ "$$(id -u)" = "0" ] && echo --allow-root)

# The kernel lab (lab/, README's section for mentors): kernels fetches and extracts the pinned Debian images
# (data/kernel_images.toml); vm KERNEL=6.17 boots one, runs the scenarios and opens drgn on its dump
# (GUEST_SHELL=1: a shell in the guest instead); real-kernels [KERNEL=...] re-records data/real_kernels/.
.PHONY: kernels vm real-kernels
kernels: $(STAMP)
	$(PY) -m lab kernels $(KERNEL)

vm: $(STAMP)
	@test -n "$(KERNEL)" || { echo 'make vm KERNEL=6.17 (a version or release from data/kernel_images.toml)'; exit 2; }
	$(PY) -m lab vm $(KERNEL) $(if $(GUEST_SHELL),--shell)

real-kernels: $(STAMP)
	$(PY) -m lab real-kernels $(KERNEL)

.PHONY: lab app test test-lite test-fast lint notebooks bench bench-lite figures screenshot browser-deps provenance site lite lite-serve clean drgn-fixtures

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "folioviz needs Python 3.11 or newer; set PYTHON=python3.11 (or newer)")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	$(PY) tools/lab_settings.py $(VENV)
	@touch $@

# make lab ERA=latest starts every notebook in another kernel era (see 00_start_here).
lab: $(STAMP)
	$(if $(ERA),FOLIOVIZ_ERA=$(ERA)) $(VENV)/bin/jupyter lab $(ROOT_FLAG) --ServerApp.ip=127.0.0.1 --ServerApp.port=$(LAB_PORT) \
		--ServerApp.root_dir=$(CURDIR)/notebooks $(CURDIR)/notebooks/00_start_here.ipynb

# make app [NB=01_the_mapping_word]: one notebook as a standalone page (Voila), for a demo. The
# folioviz-offline template drops the stock template's two CDN stylesheets, so nothing leaves the
# machine; Notebook 7's lab extension, which fails to load inside Voila, is left out.
# Speed (benchmarks/voila_first_widget.py): a kernel is kept pre-heated (it has already run the
# notebook when the page is asked for; after a request the next one heats up 10 s later), and the
# jupyterlab-plotly extension is left out: the template draws the figures itself, loading the
# installed plotly's plotly.js (tools/app_assets.py) after the first widget is up.
NB ?= demo_10_minutes
APP_FLAGS := --template=folioviz-offline --VoilaConfiguration.preheat_kernel=True \
	--VoilaKernelManager.fill_delay=10 \
	--VoilaConfiguration.extension_denylist=@jupyter-notebook/lab-extension \
	--VoilaConfiguration.extension_denylist=jupyterlab-plotly
app: $(STAMP)
	$(PY) tools/app_assets.py $(VENV)/share/jupyter
	$(if $(ERA),FOLIOVIZ_ERA=$(ERA)) JUPYTER_PATH=$(CURDIR)/folioviz/_jupyter $(VENV)/bin/voila \
		--Voila.ip=127.0.0.1 --port=$(or $(APP_PORT),8866) $(APP_FLAGS) notebooks/$(NB).ipynb

browser-deps:
	@tools/ensure_chromium.sh

test: $(STAMP) browser-deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	FOLIOVIZ_ERA= $(PY) -m pytest tests notebooks --ignore=tests/lite --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg
	$(MAKE) test-lite

test-fast: $(STAMP)
	$(PY) -m pytest tests --ignore=tests/lite -m "not browser"

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check folioviz tests tools benchmarks
	$(VENV)/bin/mypy

notebooks: $(STAMP)
	FOLIOVIZ_ERA= $(PY) tools/build_notebooks.py

# Fetches each pinned kernel release from Debian's archive (about 140 MB each, cached in
# ~/.cache/folioviz/ksrc) and checks every identifier, line and constant folioviz states.
provenance: $(STAMP)
	$(PY) tools/provenance.py

# An offline static site of the workbook: site/index.html opens from file:// with no network.
site: $(STAMP)
	$(PY) tools/build_site.py

bench: $(STAMP)
	$(PY) benchmarks/run.py
	$(PY) benchmarks/races.py
	$(PY) benchmarks/lean.py
	$(PY) benchmarks/real_kernel.py
	$(PY) benchmarks/kernel_times.py

# JupyterLab and a Python kernel (Pyodide) in the browser, as a folder of static files: lite/ (see README,
# "Try it in your browser"). The builder and the front-end extensions live in their own env (.venv-lite);
# Pyodide (npm) and the kernel's wheels (PyPI) are pinned by hash and cached in ~/.cache/folioviz/lite.
LITE_VENV  ?= .venv-lite
LITE_STAMP := $(LITE_VENV)/.folioviz-lite-installed
LITE_PORT  ?= 8000

$(LITE_STAMP): tools/lite-build-requirements.txt
	$(PYTHON) -m venv $(LITE_VENV)
	$(LITE_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(LITE_VENV)/bin/python -m pip install --quiet -r tools/lite-build-requirements.txt
	@touch $@

lite: $(STAMP) $(LITE_STAMP)
	$(PY) tools/build_lite.py --jupyter $(LITE_VENV)/bin/jupyter

lite-serve: lite
	$(PY) tools/serve_lite.py --port $(LITE_PORT)

# The browser tests of the lite site (built first); `make test` runs them after the other tests.
test-lite: lite browser-deps
	$(PY) -m pytest tests/lite -q

bench-lite: lite browser-deps
	$(PY) benchmarks/lite.py

# Browser figures: time from Run All to every widget (median of 3 per notebook), animation paint rate;
# the speaker's view: `make app` (Voila) from page request to the first widget (benchmarks/voila_first_widget.py).
figures: $(STAMP) browser-deps
	FOLIOVIZ_FIGURES=1 $(PY) -m pytest tests/browser/test_figures.py -q -s
	$(PY) benchmarks/voila_first_widget.py

screenshot: $(STAMP) browser-deps
	FOLIOVIZ_UPDATE_SCREENSHOTS=1 $(PY) -m pytest tests/browser/test_readme_screenshot.py -q

clean:
	rm -rf $(VENV) $(LITE_VENV) build dist site lite .pytest_cache .hypothesis

# Opt-in: remake the BTF fixtures the drgn tests use (downloads a ~70 MB Debian kernel package).
drgn-fixtures: $(STAMP)
	$(PY) tools/btf_fixtures.py
