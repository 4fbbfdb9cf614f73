"""Real-browser tests: JupyterLab driven by Debian's chromium through Playwright.

One JupyterLab server per session (``lab_server``), started on 127.0.0.1 with a random token, hermetic
Jupyter dirs and a temporary copy of ``notebooks/`` as its root, so JupyterLab's autosave never touches the
committed notebooks. One chromium per session (``browser``), one context/page per test (``page``).

Fixtures
  lab_server           session  LabServer: base_url, token, root_dir, open_notebook(), write_notebook(), api()
  browser              session  playwright Browser (Debian's /usr/bin/chromium; never ``playwright install``)
  page_log             test     PageLog: requests, external_requests, console_errors, page_errors,
                                assert_no_errors()
  page                 test     playwright Page in a fresh context. Teardown saves a screenshot to
                                test-artifacts/<test>.png and fails the test if any request left loopback.
  run_all              test     run_all(page, name, theme=LIGHT) -> page: open with a fresh kernel,
                                clear outputs, Run > Run All Cells, wait until it has finished
  restart_and_run_all  test     restart_and_run_all(page, name=None) -> page: Kernel > Restart Kernel and
                                Run All Cells... on the open notebook (or open ``name`` first)
  run_all_nb7          test     run_all_nb7(page, name, theme=LIGHT) -> page: the same as run_all, in
                                Notebook 7 (``/notebooks/<name>`` on the same server)

Notebook 7 shares JupyterLab's user settings (theme, notifications): the server is told to read the same
settings directory for both. Helpers for the cross-frontend suite: ``ready_notebooks()`` (from
data/workbook.toml), ``committed_widget_outputs(name)``, ``widget_outputs(page)``,
``wait_for_widgets(page, expected)``, ``split_known_errors(page_log, lab)``, ``switch_theme(page, theme)``.

Chromium, the page and its log, the offline check, the waits and Run All come from tests/playwright_harness.py,
shared with the JupyterLite suite (tests/lite). Every wait is on a condition, never a fixed time.

Everything in this directory is marked ``browser`` (deselect with ``-m "not browser"``) and, unless it says
otherwise, may take 10 minutes (``@pytest.mark.timeout``: the first test pays for Lab and chromium).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from playwright_harness import (
    ARTIFACTS_DIR,
    CODE_PROMPTS,
    KERNEL_IDLE,
    KERNEL_NAME,
    KERNEL_READY,
    REPO_ROOT,
    VIEWPORT,
    PageLog,
    artifact_name,
    click_menu,
    launch_chromium,
    open_page,
    require_browser,
    run_all_and_wait,
    wait_for_function,
    wait_for_selector,
    wait_until,
)
from servers import child_pids, free_port, jupyterlab_command, stop_process

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

__all__ = ["ARTIFACTS_DIR", "CODE_PROMPTS", "KERNEL_IDLE", "REPO_ROOT", "VIEWPORT", "PageLog"]  # tests import these

BROWSER_DIR = Path(__file__).resolve().parent
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
BROWSER_TEST_TIMEOUT_S = 600  # Lab's start, chromium's, a notebook opened and run (pyproject's default is 300)

LIGHT = "JupyterLab Light"
DARK = "JupyterLab Dark"

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
LOCAL_SCHEMES = frozenset({"data", "blob", "about"})

SERVER_START_TIMEOUT_S = 60.0
SERVER_STOP_TIMEOUT_S = 15.0
NOTEBOOK_OPEN_TIMEOUT_MS = 60_000  # page load + kernel start on a cold, 2-core machine
RUN_START_TIMEOUT_MS = 15_000
RUN_ALL_TIMEOUT_MS = 180_000

# Settings that keep JupyterLab quiet and off the network during tests.
NOTIFICATION_PLUGIN = "@jupyterlab/apputils-extension:notification"
THEMES_PLUGIN = "@jupyterlab/apputils-extension:themes"
QUIET_SETTINGS = {NOTIFICATION_PLUGIN: {"fetchNews": "false", "checkForUpdates": False}}

ERROR_TEXT = re.compile(r"Traceback \(most recent call last\)|^\s*\w*(Error|Exception)\b", re.MULTILINE)


# --------------------------------------------------------------------------------------------- markers


@pytest.hookimpl(tryfirst=True)  # before `-m` deselection looks at the markers
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # No test is re-run on failure: a wait that can time out on a busy machine waits for the state it
    # needs (kernel idle, widget rendered, animation queue empty), never for a fixed time.
    for item in items:
        if item.path.parent == BROWSER_DIR or BROWSER_DIR in item.path.parents:
            item.add_marker(pytest.mark.browser)
            if item.get_closest_marker("timeout") is None:
                item.add_marker(pytest.mark.timeout(BROWSER_TEST_TIMEOUT_S))


# -------------------------------------------------------------------------------------- lab server


#: folioviz's Jupyter data dir in the checkout (labextensions/, voila/), shipped in the wheel's share/jupyter.
JUPYTER_DATA = REPO_ROOT / "folioviz" / "_jupyter"


def hermetic_jupyter_env(base: Path) -> dict[str, str]:
    """The environment for a test server: per-test Jupyter and IPython dirs under ``base``.

    JUPYTER_DATA_DIR only replaces the *user* data dir: the kernelspec and the prebuilt lab extensions
    in <sys.prefix>/share/jupyter stay on the search path (and <sys.prefix>/etc/jupyter on the config path).
    Kernels inherit PYTHONPATH, so notebooks can ``import folioviz`` from the checkout without an install.
    """
    env = os.environ.copy()
    for var, sub in {
        "JUPYTER_CONFIG_DIR": "config",
        "JUPYTER_RUNTIME_DIR": "runtime",
        "JUPYTER_DATA_DIR": "data",
        "IPYTHONDIR": "ipython",
    }.items():
        (base / sub).mkdir(exist_ok=True)
        env[var] = str(base / sub)
    env.pop("JUPYTER_TOKEN", None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    # The checkout's jupyter_server_config.d (what the package installs into <sys.prefix>/etc/jupyter): the server
    # loads folioviz.server_extension (TCP_NODELAY on kernel websockets) even from a venv installed before it shipped.
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(
        filter(None, [str(REPO_ROOT / "jupyter-config"), env.get("JUPYTER_CONFIG_PATH")])
    )
    # As `make lab` and `make app`: folioviz's Jupyter data (the folioviz-lazy-figures lab extension, the Voila
    # template) is on the search path, as an installed wheel puts it in <sys.prefix>/share/jupyter.
    env["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(JUPYTER_DATA), env.get("JUPYTER_PATH")]))
    return env


def write_settings(settings_dir: Path, plugin_id: str, values: dict[str, Any]) -> None:
    package, plugin = plugin_id.split(":")
    target = settings_dir / package / f"{plugin}.jupyterlab-settings"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(values, indent=2) + "\n")


@dataclass
class LabServer:
    """A running JupyterLab server. ``root_dir`` is a scratch copy of ``notebooks/``."""

    base_url: str
    token: str
    root_dir: Path
    settings_dir: Path
    log_path: Path
    proc: subprocess.Popen[bytes]
    theme: str = LIGHT
    opened: dict[str, int] = field(default_factory=dict)

    # -- URLs and REST
    def url(self, path: str, **query: str) -> str:
        query = {"token": self.token, **query}
        return f"{self.base_url}/{path.lstrip('/')}?{urllib.parse.urlencode(query)}"

    def notebook_url(self, name: str) -> str:
        """``/lab/tree/<name>?token=...&reset``: ``reset`` drops the saved workspace layout."""
        quoted = urllib.parse.quote(name)
        return f"{self.base_url}/lab/tree/{quoted}?{urllib.parse.urlencode({'token': self.token})}&reset"

    def notebook7_url(self, name: str) -> str:
        """``/notebooks/<name>?token=...``: the same notebook in Notebook 7."""
        quoted = urllib.parse.quote(name)
        return f"{self.base_url}/notebooks/{quoted}?{urllib.parse.urlencode({'token': self.token})}"

    def api(self, method: str, path: str, body: Any = None, timeout: float = 10.0) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.base_url}/{path.lstrip('/')}",
            data=data,
            method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            text = response.read()
        return json.loads(text) if text else None

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError as exc:
            return f"(no server log: {exc})"

    # -- files and settings
    def write_notebook(self, name: str, notebook: Any) -> Path:
        """Write an ``nbformat`` notebook into the server's root (for tests that build their own)."""
        import nbformat

        path = self.root_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, str(path))
        return path

    def write_user_settings(self, plugin_id: str, values: dict[str, Any]) -> None:
        """Write JupyterLab user settings; pages opened afterwards use them."""
        write_settings(self.settings_dir, plugin_id, values)

    def set_theme(self, theme: str) -> None:
        """Theme for pages opened from now on (LIGHT or DARK; any installed theme's name works)."""
        self.write_user_settings(THEMES_PLUGIN, {"theme": theme})
        self.theme = theme

    # -- kernels
    def shutdown_session(self, name: str) -> bool:
        """Shut down the kernel session of notebook ``name`` (if any): the next open gets a fresh kernel."""
        found = False
        for session in self.api("GET", "api/sessions"):
            if session.get("path") == name:
                self.api("DELETE", f"api/sessions/{session['id']}")
                found = True
        return found

    def shutdown_kernels(self) -> None:
        for session in self.api("GET", "api/sessions"):
            self.api("DELETE", f"api/sessions/{session['id']}")
        for kernel in self.api("GET", "api/kernels"):
            self.api("DELETE", f"api/kernels/{kernel['id']}")

    # -- pages
    def open_notebook(self, page: Page, name: str, *, theme: str = LIGHT, fresh_kernel: bool = True) -> Page:
        """Open ``name`` (relative to ``root_dir``) in JupyterLab and wait until its kernel is idle.

        With ``fresh_kernel`` (the default) any kernel session left from an earlier test is shut down
        first, so every test starts from a new kernel even when a notebook is opened twice.
        """
        return self._open(page, name, self.notebook_url(name), "lab", theme=theme, fresh_kernel=fresh_kernel)

    def open_notebook7(self, page: Page, name: str, *, theme: str = LIGHT, fresh_kernel: bool = True) -> Page:
        """Open ``name`` in Notebook 7 (``/notebooks/<name>``) and wait until its kernel is idle.

        Notebook 7 is built from the same JupyterLab components: the notebook panel, its toolbar with the
        kernel name and the execution indicator, and the Run/Edit/Kernel menus carry the same classes and
        labels, so KERNEL_READY and the run helpers work unchanged.
        """
        return self._open(page, name, self.notebook7_url(name), "nb7", theme=theme, fresh_kernel=fresh_kernel)

    def _open(self, page: Page, name: str, url: str, frontend: str, *, theme: str, fresh_kernel: bool) -> Page:
        if not (self.root_dir / name).exists():
            raise FileNotFoundError(f"{name} is not in the lab root {self.root_dir}")
        self.set_theme(theme)
        if fresh_kernel:
            self.shutdown_session(name)
        self.opened[name] = self.opened.get(name, 0) + 1
        started = time.monotonic()
        page.goto(url)
        _wait_for_selector(page, ".jp-NotebookPanel .jp-Notebook", f"the notebook {name} to render", self)
        rendered = time.monotonic()
        what = f"the kernel of {name} to start and become idle"
        _wait_for_function(page, KERNEL_READY, what, self, NOTEBOOK_OPEN_TIMEOUT_MS)
        print(
            f"[{frontend}] {name} (open #{self.opened[name]}, {theme}): rendered {rendered - started:.1f} s, "
            f"kernel idle {time.monotonic() - started:.1f} s"
        )
        return page


def _dialog_text(page: Page) -> str:
    try:
        texts = page.locator(".jp-Dialog").all_inner_texts()
    except Exception:  # the page may be gone
        return ""
    return " | ".join(" ".join(text.split()) for text in texts)


def _describe_state(page: Page, lab: LabServer | None) -> str:
    parts = []
    try:
        indicator = page.locator(".jp-Notebook-ExecutionIndicator").first
        status = indicator.get_attribute("data-status", timeout=500)
        kernel = page.locator(KERNEL_NAME).first
        parts.append(f"kernel indicator: {status}, kernel: {kernel.inner_text(timeout=500).strip()!r}")
        prompts = page.locator(".jp-CodeCell .jp-InputPrompt").all_inner_texts()
        parts.append(f"prompts: {[p.strip() for p in prompts]}")
    except Exception:
        parts.append("kernel indicator: (not found)")
    dialogs = _dialog_text(page)
    if dialogs:
        parts.append(f"open dialog(s): {dialogs}")
    parts.append(f"url: {page.url}")
    if lab is not None:
        parts.append(f"server log tail:\n{lab.log_tail(15)}")
    return "\n  ".join(parts)


def _wait_for_selector(
    page: Page, selector: str, what: str, lab: LabServer | None, timeout_ms: int = NOTEBOOK_OPEN_TIMEOUT_MS
) -> None:
    wait_for_selector(page, selector, what, timeout_ms, describe=lambda: _describe_state(page, lab))


def _wait_for_function(page: Page, script: str, what: str, lab: LabServer | None, timeout_ms: int) -> None:
    wait_for_function(page, script, what, timeout_ms, describe=lambda: _describe_state(page, lab))


STATIC_LOOKUP_UNCACHED = """\
from jupyter_server.base.handlers import FileFindHandler


class _Uncached(dict):
    def __setitem__(self, key, value):
        pass


FileFindHandler._static_paths = _Uncached()
"""


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    require_browser("browser")  # no point starting Lab when the browser tests will be skipped
    base = tmp_path_factory.mktemp("lab")
    root = base / "notebooks"
    if NOTEBOOKS_DIR.is_dir():
        shutil.copytree(NOTEBOOKS_DIR, root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    else:
        root.mkdir()
    settings_dir = base / "user-settings"
    workspaces_dir = base / "workspaces"
    workspaces_dir.mkdir()
    for plugin_id, values in QUIET_SETTINGS.items():
        write_settings(settings_dir, plugin_id, values)
    write_settings(settings_dir, THEMES_PLUGIN, {"theme": LIGHT})

    env = hermetic_jupyter_env(base)
    # The static-path cache bug (STATIC_CACHE_403 below) depends on which front-end loaded a font first; under
    # pytest-xdist a worker's order of JupyterLab and Notebook 7 tests varies, so this server never caches a
    # lookup across handlers: each request searches its own handler's roots (tests only; upstream unchanged).
    (base / "config" / "jupyter_server_config.py").write_text(STATIC_LOOKUP_UNCACHED)

    token = secrets.token_hex(16)
    port = free_port()
    # Notebook 7 is its own server extension with its own settings dir (default:
    # $JUPYTER_CONFIG_DIR/lab/user-settings): point it at Lab's, as on a normal install where both share
    # ~/.jupyter/lab/user-settings, so the theme and the quiet notification settings apply to it too.
    # (Its workspaces dir stays the default, under the hermetic JUPYTER_CONFIG_DIR.)
    notebook7 = (f"--JupyterNotebookApp.user_settings_dir={settings_dir}",)
    cmd = jupyterlab_command(
        port=port, token=token, root=root, settings_dir=settings_dir, workspaces_dir=workspaces_dir, extra=notebook7
    )
    log_path = base / "server.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=base, start_new_session=True)
    lab = LabServer(f"http://127.0.0.1:{port}", token, root, settings_dir, log_path, proc)
    try:
        wait_until_ready(lab)
        yield lab
    finally:
        stop_server(lab)


def wait_until_ready(lab: LabServer) -> None:
    def answered() -> bool:
        if lab.proc.poll() is not None:
            raise RuntimeError(
                f"JupyterLab exited with code {lab.proc.returncode} before answering /api/status\n"
                f"--- server log tail ---\n{lab.log_tail()}"
            )
        lab.api("GET", "api/status", timeout=2)  # URLError (an OSError) until the server answers
        return True

    try:
        wait_until(answered, f"JupyterLab to answer {lab.base_url}/api/status with 200", SERVER_START_TIMEOUT_S)
    except TimeoutError as exc:
        raise RuntimeError(f"{exc}\n--- server log tail ---\n{lab.log_tail()}") from None
    specs = lab.api("GET", "api/kernelspecs").get("kernelspecs", {})
    if "python3" not in specs:
        raise RuntimeError(f"JupyterLab sees no python3 kernelspec (found {sorted(specs)}): is share/jupyter hidden?")


def stop_server(lab: LabServer) -> None:
    if lab.proc.poll() is None:
        try:
            lab.shutdown_kernels()
        except Exception as exc:  # best effort: SIGTERM shuts kernels down too
            print(f"[lab_server] shutting kernels down over REST failed: {exc}")
    stop_process(lab.proc, child_pids(lab.proc.pid), wait_s=SERVER_STOP_TIMEOUT_S, note="lab_server")


# ------------------------------------------------------------------------------------ browser, page


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with launch_chromium("browser") as chromium:
        yield chromium


@pytest.fixture
def page_log() -> PageLog:
    return PageLog()


@pytest.fixture
def page(browser: Browser, page_log: PageLog, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A page in a fresh context; teardown saves a screenshot and fails the test if a request left loopback."""
    with open_page(browser, page_log, screenshot=ARTIFACTS_DIR / f"{artifact_name(request.node)}.png") as new_page:
        yield new_page
    if page_log.external_requests:
        pytest.fail(
            f"{len(page_log.external_requests)} request(s) went to a host other than 127.0.0.1/localhost:\n  "
            + "\n  ".join(page_log.external_requests),
            pytrace=False,
        )


# -------------------------------------------------------------------------------------- run helpers


_click_menu = click_menu  # the name the tests of this folder use


def _error_outputs(page: Page) -> list[str]:
    texts = page.locator(
        ".jp-NotebookPanel .jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
    ).all_inner_texts()
    return [text for text in texts if ERROR_TEXT.search(text)]


def _execute_and_wait(page: Page, lab: LabServer, name: str, start: Callable[[], None], *, check: bool) -> Page:
    seconds = run_all_and_wait(
        page,
        name,
        start=start,
        start_timeout_ms=RUN_START_TIMEOUT_MS,
        finish_timeout_ms=RUN_ALL_TIMEOUT_MS,
        describe=lambda: _describe_state(page, lab),
    )
    print(f"[lab] {name}: run finished {seconds:.1f} s after the click")
    if check:
        errors = _error_outputs(page)
        if errors:
            pytest.fail(
                f"running {name} raised in the kernel:\n" + "\n---\n".join(e[-2000:] for e in errors),
                pytrace=False,
            )
    return page


@pytest.fixture
def run_all(lab_server: LabServer) -> Callable[..., Page]:
    """``run_all(page, name, theme=LIGHT, check=True)``: open ``name`` with a fresh kernel, run all, wait.

    Outputs are cleared first (Edit > Clear Outputs of All Cells) so stale outputs stored in the notebook
    never stand in for fresh ones. With ``check`` a traceback in any output fails the test.
    """

    def _run_all(page: Page, name: str, *, theme: str = LIGHT, check: bool = True) -> Page:
        lab_server.open_notebook(page, name, theme=theme)
        return _execute_and_wait(page, lab_server, name, lambda: _click_menu(page, "Run", "Run All Cells"), check=check)

    return _run_all


@pytest.fixture
def restart_and_run_all(lab_server: LabServer) -> Callable[..., Page]:
    """``restart_and_run_all(page, name=None, theme=LIGHT, check=True)``: Kernel > Restart Kernel and Run
    All Cells... on the notebook open in ``page`` (or open ``name`` first), accept the dialog, wait."""

    def _restart_and_run_all(page: Page, name: str | None = None, *, theme: str = LIGHT, check: bool = True) -> Page:
        if name is not None:
            lab_server.open_notebook(page, name, theme=theme)
        label = name or urllib.parse.unquote(urllib.parse.urlsplit(page.url).path.rpartition("/lab/tree/")[2])

        def start() -> None:
            _click_menu(page, "Kernel", "Restart Kernel and Run All Cells…")
            dialog = page.locator(".jp-Dialog")
            try:
                dialog.locator(".jp-mod-accept").click(timeout=10_000)
            except Exception:
                pytest.fail(
                    "no 'Restart Kernel?' dialog to confirm after "
                    "Kernel > Restart Kernel and Run All Cells…\n  " + _describe_state(page, lab_server),
                    pytrace=False,
                )

        return _execute_and_wait(page, lab_server, label, start, check=check)

    return _restart_and_run_all


@pytest.fixture
def run_all_nb7(lab_server: LabServer) -> Callable[..., Page]:
    """``run_all_nb7(page, name, theme=LIGHT, check=True)``: ``run_all`` in Notebook 7 (same menus there)."""

    def _run_all_nb7(page: Page, name: str, *, theme: str = LIGHT, check: bool = True) -> Page:
        lab_server.open_notebook7(page, name, theme=theme)
        return _execute_and_wait(page, lab_server, name, lambda: _click_menu(page, "Run", "Run All Cells"), check=check)

    return _run_all_nb7


def switch_theme(page: Page, theme: str) -> None:
    """Settings > Theme > ``theme`` on the open page (Lab or Notebook 7): the theme changes without a reload.

    The frontend saves the choice in the user settings, like ``LabServer.set_theme``; ``open_notebook`` sets
    the theme again on every open, so no later test inherits it.
    """
    page.get_by_role("menuitem", name="Settings", exact=True).click()
    # a submenu item: its accessible name is not just "Theme", so find it by its label
    page.locator(".lm-Menu-item[data-type='submenu']:has(.lm-Menu-itemLabel:text-is('Theme'))").click()
    page.locator(f".lm-Menu-item:has(.lm-Menu-itemLabel:text-is({json.dumps(theme)}))").click()
    page.wait_for_function(
        "name => document.body.dataset.jpThemeName === name", arg=theme, timeout=RUN_START_TIMEOUT_MS
    )


# ------------------------------------------------------------------------- the workbook, every frontend

WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json"
WIDGETS_TIMEOUT_MS = 60_000

# Every top-level output of the notebook panel that is a widget output, in one of three states: a widget
# view (the renderer holds a `.jupyter-widgets` child), "Loading widget..." (the model has not arrived), or
# "Error displaying widget[: model not found]" (the renderer marks itself `.jupyter-widgets`). Outputs nested
# in an Output widget are part of their parent's view and are not counted.
WIDGET_OUTPUTS_JS = """(root) => {
  const state = {outputs: 0, views: 0, loading: 0, errors: [], errorViews: 0, folioviz: 0};
  for (const out of document.querySelectorAll(root + " .jp-OutputArea-output")) {
    if (out.parentElement.closest(".jupyter-widgets")) continue;
    const text = (out.textContent || "").trim();
    const view = out.querySelector(":scope > .jupyter-widgets");
    if (out.classList.contains("jupyter-widgets") || text.startsWith("Error displaying widget")) {
      state.outputs++; state.errors.push(text.slice(0, 200));
    } else if (view) {
      state.outputs++;
      if (view.classList.contains("jupyter-widgets-error-widget")) state.errors.push(text.slice(0, 200));
      else state.views++;
      if (view.classList.contains("folioviz")) state.folioviz++;
    } else if (text === "Loading widget...") {
      state.outputs++; state.loading++;
    }
  }
  state.errorViews = document.querySelectorAll(root + " .jupyter-widgets-error-widget").length;
  return state;
}"""


def ready_notebooks() -> list[str]:
    """File names of the notebooks data/workbook.toml marks ``status = "ready"``, in reading order."""
    from folioviz.kernel.datafiles import workbook_notebooks

    return [f"{entry.id}.ipynb" for entry in workbook_notebooks("ready")]


def committed_widget_outputs(name: str) -> int | None:
    """How many widget outputs the committed, executed ``notebooks/<name>`` holds (None: never executed)."""
    notebook = json.loads((NOTEBOOKS_DIR / name).read_text())
    code = [cell for cell in notebook.get("cells", []) if cell.get("cell_type") == "code"]
    if not any(cell.get("execution_count") for cell in code):
        return None
    return sum(WIDGET_VIEW_MIME in out.get("data", {}) for cell in code for out in cell.get("outputs", []))


def widget_outputs(page: Page, root: str = ".jp-NotebookPanel") -> dict[str, Any]:
    """The state of the widget outputs under ``root`` (see WIDGET_OUTPUTS_JS); Voilà: ``root="body"``."""
    return page.evaluate(WIDGET_OUTPUTS_JS, root)


# The state of the widget outputs when they are all drawn (``expected`` views, when known) or one has failed;
# false while any is still loading.
_WIDGETS_SETTLED = f"""([root, expected]) => {{
  const state = ({WIDGET_OUTPUTS_JS})(root);
  const failed = state.errors.length > 0 || state.errorViews > 0;
  const drawn = state.loading === 0 && (expected === null || state.views === expected);
  return failed || drawn ? state : false;
}}"""


def wait_for_widgets(
    page: Page, expected: int | None, what: str, timeout_ms: int = WIDGETS_TIMEOUT_MS, root: str = ".jp-NotebookPanel"
) -> dict:
    """Wait until every widget output shows a widget view (``expected`` of them, when known); fail on an
    "Error displaying widget" box or a widget still "Loading widget..." at the timeout."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    try:
        handle = page.wait_for_function(_WIDGETS_SETTLED, arg=[root, expected], timeout=timeout_ms, polling=100)
    except PlaywrightTimeoutError:
        state = widget_outputs(page, root)
        pytest.fail(
            f"{what}: after {timeout_ms / 1000:.0f} s, {state['views']} widget view(s) rendered, "
            f"{state['loading']} still 'Loading widget...', expected {expected} (the committed notebook's "
            f"widget outputs): {state}",
            pytrace=False,
        )
    state = handle.json_value()
    if state["errors"] or state["errorViews"]:
        pytest.fail(f"{what}: a widget failed to display: {state}", pytrace=False)
    return state


def stderr_outputs(page: Page) -> list[str]:
    """Every stderr output of the open notebook (tracebacks, warnings, anything printed to stderr)."""
    selector = ".jp-NotebookPanel .jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
    return [text.strip() for text in page.locator(selector).all_text_contents()]


# Errors of the Jupyter frontends themselves, not of folioviz, that the cross-frontend suite tolerates when
# (and only when) their cause is confirmed. Each is matched narrowly; anything else still fails.
#
# 1. jupyter_server 2.x caches static-file lookups by relative path only, across handlers
#    (FileFindHandler._static_paths in jupyter_server/base/handlers.py). JupyterLab and Notebook 7 ship
#    files with the same hashed names (fonts): once one frontend has loaded /static/lab/X, the other's
#    request for /static/notebook/X resolves to the cached path in Lab's static dir and is refused ("403 GET
#    /static/notebook/X ... X is not in root static directory"), so the page logs a console error. It only
#    happens when both frontends are used on one server; tolerated only if the server log shows that cause.
STATIC_CACHE_403 = re.compile(
    r"^Failed to load resource: the server responded with a status of 403 \(Forbidden\) "
    r"\((?P<url>https?://[^/]+(?P<path>/static/(?:lab|notebook)/[\w.-]+))\)$"
)
# 2. Notebook 7.6 throws these two on page load, from its own bundle (notebook_core.*.js), with no
#    folioviz code involved: the shortcuts plugin's pluginChanged handler reads the schema of a plugin the
#    registry does not hold (every load, even with every lab extension disabled and no user settings); and
#    the file browser's restore step (restoreBrowser) executes filebrowser:open-path, a command Notebook 7's
#    notebook page does not register (seen once a JupyterLab page has used the same server). Tolerated only
#    with that message *and* a stack inside notebook_core.
NB7_CORE_STACK = re.compile(r"^\s+at .*/static/notebook/notebook_core\.[0-9a-f]+\.js")
NB7_PAGE_ERRORS = (
    re.compile(r"^Cannot read properties of undefined \(reading 'schema'\)$"),
    re.compile(r"^Command 'filebrowser:open-path' not registered\.$"),
)


def split_known_errors(page_log: PageLog, lab: LabServer | None) -> tuple[list[str], list[str]]:
    """``(unexplained, known)``: the page's errors, minus the known upstream ones above, each only when its
    cause is confirmed (server log for the static 403; message and stack frames for Notebook 7's)."""
    log = lab.log_path.read_text(errors="replace") if lab is not None else ""
    unexplained, known = [], []
    for error in page_log.console_errors:
        match = STATIC_CACHE_403.match(error)
        path = match and match["path"]
        if path and re.search(rf"403 GET {re.escape(path)}\b.*is not in root static directory", log):
            known.append(f"console: {error} [jupyter_server static-path cache]")
        else:
            unexplained.append(f"console: {error}")
    stacks = page_log.page_error_stacks + [""] * (len(page_log.page_errors) - len(page_log.page_error_stacks))
    for error, stack in zip(page_log.page_errors, stacks, strict=True):
        frames = stack.splitlines()[1:]
        in_nb7_core = bool(frames) and all(NB7_CORE_STACK.match(frame) for frame in frames if "at async" not in frame)
        if in_nb7_core and any(pattern.match(error) for pattern in NB7_PAGE_ERRORS):
            known.append(f"page error: {error} [Notebook 7 core]")
        else:
            unexplained.append(f"page error: {error}" + (f"\n    {stack}" if stack else ""))
    return unexplained, known


# ----------------------------------------------------------------------------------------- timings

_DURATIONS: dict[str, float] = {}
_SKIPPED: set[str] = set()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    path = Path(str(report.fspath)).resolve()
    if path.parent == BROWSER_DIR or BROWSER_DIR in path.parents:
        _DURATIONS[report.nodeid] = _DURATIONS.get(report.nodeid, 0.0) + report.duration
        if report.skipped and not hasattr(report, "wasxfail"):  # an xfail ran: keep its time in the summary
            _SKIPPED.add(report.nodeid)


# Figures measured by tests/browser/test_figures.py (FOLIOVIZ_FIGURES=1): section title -> lines to print.
FIGURES_SUMMARY: dict[str, list[str]] = {}


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for title, lines in FIGURES_SUMMARY.items():
        terminalreporter.write_sep("-", title)
        for line in lines:
            terminalreporter.write_line(line)
    timed = {nodeid: s for nodeid, s in _DURATIONS.items() if nodeid not in _SKIPPED}
    if not timed:
        return
    terminalreporter.write_sep("-", "browser test timings (setup + call + teardown)")
    for nodeid, seconds in sorted(timed.items(), key=lambda kv: -kv[1]):
        terminalreporter.write_line(f"{seconds:7.2f} s  {nodeid}")
    total = sum(timed.values())
    terminalreporter.write_line(f"{total:7.2f} s  total (the first test pays for Lab + chromium)")
