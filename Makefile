# folioviz: one command to open the workbook, one to run every test.
#   make lab    set up .venv and open the workbook in JupyterLab (127.0.0.1, token on)
#   make test   set up .venv (and Debian's chromium, if missing) and run the whole test suite
# Other targets: notebooks (re-execute the committed notebooks), provenance (check every kernel fact
# against the real source; downloads), site (offline static HTML in site/), bench, profile, lint, screenshot, clean,
# drgn-fixtures (remake the BTF fixtures of the drgn tests; downloads a Debian kernel package).
# The kernel lab (real Debian kernels under QEMU; see the README, "For mentors: the kernel lab"):
#   make kernels              fetch the pinned kernel images (cached; offline after the first run)
#   make vm KERNEL=6.17       boot one, run the scenarios, and open a drgn prompt on its dump (GUEST_SHELL=1: a guest shell)
#   make real-kernels         boot every kernel and re-record data/real_kernels/
# flag-tables (data/page_flags/ from each lab build's BTF; downloads the builds not cached yet).

# ---- Inputs, checked before any recipe or $(shell) sees them. ----------------------------------------------
# Each is read unexpanded ($(value ...)), so a value such as '$(shell ...)' is refused as text, never run. A
# refused value stops make with a message naming what is allowed.
#   ERA      an era id, a version or a name: letters, digits and . + - only (folioviz then checks the era itself)
#   NB       the name of a notebook in notebooks/ (without .ipynb)
#   KERNEL   one or more `short` versions of data/kernel_images.toml (6.17, 5.10, ...)
#   LAB_PORT, APP_PORT, LITE_PORT   a TCP port, 1-65535
APP_MAX_KERNELS ?= 4
APP_CULL_IDLE_S ?= 600
_digits = 0 1 2 3 4 5 6 7 8 9
_era_chars = $(_digits) a b c d e f g h i j k l m n o p q r s t u v w x y z A B C D E F G H I J K L M N O P Q R S T U V W X Y Z . + -
# $(call _strip_chars,TEXT,CHARS): TEXT with every character of CHARS removed (what is left was not allowed).
_strip_chars = $(if $(2),$(call _strip_chars,$(subst $(firstword $(2)),,$(1)),$(wordlist 2,$(words $(2)),$(2))),$(1))
# $(call _spread,TEXT,CHARS): TEXT with a space after each character of CHARS ($(words) then counts them).
_spread = $(if $(2),$(call _spread,$(subst $(firstword $(2)),$(firstword $(2)) ,$(1)),$(wordlist 2,$(words $(2)),$(2))),$(1))
# A port: digits only, no leading zero, at most 5 digits, and not above 65535 (equal-length digit strings sort
# as numbers do).
_is_port = $(and $(filter 1,$(words $(1))),$(if $(call _strip_chars,$(1),$(_digits)),,yes),$(filter-out 0%,$(1)),\
  $(filter 1 2 3 4 5,$(words $(call _spread,$(1),$(_digits)))),\
  $(if $(filter 5,$(words $(call _spread,$(1),$(_digits)))),$(filter $(1),$(firstword $(sort $(1) 65535))),yes))
define _check_port
ifneq ($$(origin $(1)),undefined)
ifeq ($$(call _is_port,$$(value $(1))),)
$$(error $(1)='$$(value $(1))' is not a TCP port: give a number from 1 to 65535)
endif
endif
endef
$(foreach v,LAB_PORT APP_PORT LITE_PORT APP_MAX_KERNELS APP_CULL_IDLE_S,$(eval $(call _check_port,$(v))))

ifneq ($(strip $(value ERA)),)
ifneq ($(words $(value ERA))$(call _strip_chars,$(value ERA),$(_era_chars)),1)
$(error ERA='$(value ERA)' is not an era: give pre-v6.0, v6.0-v6.16, v6.17+, a version such as 6.4, email or latest)
endif
endif

NOTEBOOK_NAMES := $(sort $(basename $(notdir $(wildcard notebooks/*.ipynb))))
ifneq ($(origin NB),undefined)
ifneq ($(words $(value NB))$(filter $(value NB),$(NOTEBOOK_NAMES)),1$(value NB))
$(error NB='$(value NB)' is not a notebook: give one of $(NOTEBOOK_NAMES))
endif
endif

ifneq ($(strip $(value KERNEL)),)
# The lab's kernels by their `short` name (major.minor of each `version = "..."`); the command reads the pins
# file only, and runs only when KERNEL is given.
KERNEL_NAMES := $(sort $(shell sed -n 's/^version = "\([0-9]*\.[0-9]*\)\.[0-9]*"$$/\1/p' data/kernel_images.toml))
ifneq ($(strip $(call _strip_chars,$(value KERNEL),$(_era_chars))),)
$(error KERNEL='$(value KERNEL)' is not a kernel of the lab: give one of $(KERNEL_NAMES))
endif
ifneq ($(filter-out $(KERNEL_NAMES),$(value KERNEL)),)
$(error KERNEL='$(value KERNEL)' is not a kernel of the lab: give one of $(KERNEL_NAMES))
endif
endif

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.folioviz-installed
# JupyterLab refuses to start as root unless told it may.
LAB_PORT ?= 8888
ROOT_FLAG := $(shell [ "$$(id -u)" = "0" ] && echo --allow-root)

.PHONY: kernels vm real-kernels test-real-kernels lab-deps system-deps lab app test test-lite test-fast lint notebooks bench bench-lite figures profile screenshot browser-deps provenance site lite lite-serve clean drgn-fixtures flag-tables

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "folioviz needs Python 3.11 or newer; set PYTHON=python3.11 (or newer)")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[lab,dev]'
	$(PY) tools/lab_settings.py $(VENV)
	@touch $@

# make lab ERA=latest starts every notebook in another kernel era (see 00_start_here).
# JUPYTER_PATH: folioviz's lab extension (folioviz-lazy-figures: a plotly figure is drawn once it scrolls into view).
lab: $(STAMP)
	$(if $(ERA),FOLIOVIZ_ERA='$(ERA)') env JUPYTER_PATH='$(CURDIR)/folioviz/_jupyter' $(VENV)/bin/jupyter lab $(ROOT_FLAG) --ServerApp.ip=127.0.0.1 --ServerApp.port=$(LAB_PORT) \
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
	--VoilaConfiguration.extension_denylist=jupyterlab-plotly \
	--VoilaConfiguration.extension_denylist=jupyterlab-jupytext
# tools/voila_app.py runs Voila on 127.0.0.1 only, with a new token per run (printed in the URL), a Host check,
# at most APP_MAX_KERNELS kernels (the pre-heated one included; past it a page gets 503) and kernels idle
# APP_CULL_IDLE_S seconds with no page open shut down. The pre-heated kernel is never culled.
APP_PORT ?= 8866
app: $(STAMP)
	$(PY) tools/app_assets.py $(VENV)/share/jupyter
	$(if $(ERA),FOLIOVIZ_ERA='$(ERA)') JUPYTER_PATH='$(CURDIR)/folioviz/_jupyter' $(PY) tools/voila_app.py \
		--port=$(APP_PORT) $(APP_FLAGS) --CappedKernelManager.max_kernels=$(APP_MAX_KERNELS) \
		--MappingKernelManager.cull_idle_timeout=$(APP_CULL_IDLE_S) 'notebooks/$(NB).ipynb'

browser-deps:
	@tools/ensure_chromium.sh

# chromium and the lab's packages, one after the other (apt-get takes one lock): what `make test` installs.
system-deps:
	@tools/ensure_chromium.sh
	@tools/ensure_lab.sh

# The kernel lab's Debian packages (QEMU, busybox-static, zstd, gcc): installed with apt-get as root.
lab-deps:
	@tools/ensure_lab.sh

kernels: $(STAMP) lab-deps
	$(PY) -m lab kernels $(KERNEL)

vm: $(STAMP) lab-deps
	@test -n "$(KERNEL)" || { echo "make vm KERNEL=<version>: one of $$($(PY) -c 'from lab import kernels; print(" ".join(i.short for i in kernels.images()))')"; exit 2; }
	$(PY) -m lab vm $(KERNEL) $(if $(GUEST_SHELL),--shell)

real-kernels: $(STAMP) lab-deps
	$(PY) -m lab real-kernels $(KERNEL)

# The booted-kernel tests alone (every kernel of data/kernel_images.toml; `make test` runs them too).
test-real-kernels: $(STAMP) lab-deps
	$(PY) -m pytest tests/real_kernels -q

# Every test, the lite site's (tests/lite, in a pytest run of their own: one Playwright per process) too, so the
# site is built first: on every core (pytest-xdist,
# one worker per core, at most 4; PYTEST_XDIST_AUTO_NUM_WORKERS=1 for one), each worker with its own JupyterLab
# server and chromium; the tests that share a kernel, a server or a build run on one worker (tests/conftest.py,
# xdist_scope).
# The two environments and the system packages are set up side by side first (the pip installs wait on the
# network, the lite build's pip on wheels only).
TEST_PARALLEL := -n auto --maxprocesses=4 --dist loadscope
test:
	@$(MAKE) --no-print-directory -j3 $(STAMP) $(LITE_STAMP) system-deps
	@$(MAKE) --no-print-directory lite
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	FOLIOVIZ_ERA= $(PY) -m pytest $(TEST_PARALLEL) tests notebooks --ignore=tests/lite --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg
	$(PY) -m pytest $(TEST_PARALLEL) tests/lite -q

test-fast: $(STAMP)
	$(PY) -m pytest tests --ignore=tests/lite -m "not browser"

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check folioviz tests tools benchmarks lab
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

notebooks: $(STAMP)
	FOLIOVIZ_ERA= $(PY) -m tools.notebooks

# Fetches each pinned kernel release from Debian's archive (about 140 MB each, cached in
# ~/.cache/folioviz/ksrc) and checks every identifier, line and constant folioviz states.
provenance: $(STAMP)
	$(PY) tools/provenance.py

# An offline static site of the workbook: site/index.html opens from file:// with no network.
site: $(STAMP)
	$(PY) -m tools.site

# Every issue-22 target in one table, with the commit and the load average (benchmarks/bench/), after the older
# benchmark scripts. make bench CI=1 also times a fresh clone's .ci/run (~15 min); BENCH='--only clicks' re-measures
# one row; BENCH=--record adds the table to docs/performance.md's History.
bench: $(STAMP) lab-deps browser-deps
	$(PY) -m benchmarks.bench $(if $(filter command line,$(origin CI)),--ci) $(BENCH)

# JupyterLab and a Python kernel (Pyodide) in the browser, as a folder of static files: lite/ (see README,
# "Try it in your browser"). The builder and the front-end extensions live in their own env (.venv-lite);
# Pyodide (npm) and the kernel's wheels (PyPI) are pinned by hash and cached in ~/.cache/folioviz/lite.
LITE_VENV  ?= .venv-lite
LITE_STAMP := $(LITE_VENV)/.folioviz-lite-installed
LITE_PORT  ?= 8000

$(LITE_STAMP): tools/lite-build-requirements.txt
	$(PYTHON) -m venv $(LITE_VENV)
	$(LITE_VENV)/bin/python -m pip install --quiet --require-hashes --only-binary=:all: -r tools/lite-build-requirements.txt
	@touch $@

lite: $(STAMP) $(LITE_STAMP)
	$(PY) -m tools.lite --jupyter $(LITE_VENV)/bin/jupyter

# Serves the site built last (`make lite` rebuilds it); builds it only when there is none yet.
lite-serve: $(if $(wildcard lite/lab/index.html),$(STAMP),lite)
	$(PY) tools/serve_lite.py --port $(LITE_PORT)

# The browser tests of the lite site (built first); `make test` runs them with the other tests.
test-lite: lite browser-deps
	$(PY) -m pytest tests/lite -q

bench-lite: lite browser-deps
	$(PY) benchmarks/lite.py

# Browser figures: time from Run All to every widget (median of 3 per notebook), animation paint rate;
# the speaker's view: `make app` (Voila) from page request to the first widget (benchmarks/voila_first_widget.py).
figures: $(STAMP) browser-deps
	FOLIOVIZ_FIGURES=1 $(PY) -m pytest tests/browser/test_figures.py -q -s
	$(PY) benchmarks/voila_first_widget.py

# Where Run All's time goes in JupyterLab (Chrome traces: kernel, comm messages, widget views, plotly, layout and
# paint, other script, idle; median of 3 per notebook) and what a slow bit click waits for (30 clicks in notebook
# 01). Prints the tables; per-run summaries in benchmarks/results/ (docs/performance.md, "Profile").
profile: $(STAMP) browser-deps
	$(PY) -m benchmarks.profile

screenshot: $(STAMP) browser-deps
	FOLIOVIZ_UPDATE_SCREENSHOTS=1 $(PY) -m pytest tests/browser/test_readme_screenshot.py -q

clean:
	rm -rf $(VENV) $(LITE_VENV) build dist site lite .pytest_cache .hypothesis

# Opt-in: remake the BTF fixtures the drgn tests use (downloads a ~70 MB Debian kernel package).
drgn-fixtures: $(STAMP)
	$(PY) tools/btf_fixtures.py

# data/page_flags/<release>.toml for every build of data/kernel_images.toml, from the build's own BTF
# (extracted by the kernel lab into ~/.cache/folioviz/kernels; builds not there yet are fetched: downloads).
flag-tables: $(STAMP)
	$(PY) tools/flag_tables.py --fetch
