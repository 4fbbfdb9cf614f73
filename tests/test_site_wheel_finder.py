"""folioviz.browser.SiteWheelFinder: in the lite build, a package the site's lock lists but Pyodide has not installed
is installed when a module first imports it (tools/lite/config.py DEFERRED). Tested natively with a fake site: a
dict for the lock, a function for the fetch, a temporary folder for site-site.packages."""

from __future__ import annotations

import hashlib
import importlib
import io
import sys
import zipfile
from types import SimpleNamespace

import pytest

from folioviz.browser import SiteWheelFinder, install_site_packages_on_import


def _wheel(name: str, files: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as whl:
        for member, text in files.items():
            whl.writestr(member, text)
        whl.writestr(f"{name}-1.0.dist-info/METADATA", f"Name: {name}\nVersion: 1.0\n")
    return buf.getvalue()


@pytest.fixture
def site(tmp_path, monkeypatch):
    """A lock of three pure wheels (figs needs lowdep) and one compiled, its files, and a finder over them."""
    wheels = {
        "figs-1.0-py3-none-any.whl": _wheel("figs", {"figs/__init__.py": "import lowdep\nKIND = 'figure'\n"}),
        "lowdep-1.0-py3-none-any.whl": _wheel("lowdep", {"lowdep.py": "VALUE = 42\n"}),
        "native-1.0-cp314-cp314-pyemscripten_2026_0_wasm32.whl": _wheel("native", {"native.py": ""}),
    }
    packages = {
        "figs": {"imports": ["figs"], "depends": ["lowdep"]},
        "lowdep": {"imports": ["lowdep"], "depends": []},
        "native": {"imports": ["native"], "depends": []},
    }
    for name, entry in packages.items():
        (file_name,) = [f for f in wheels if f.startswith(name + "-")]
        entry.update(file_name=file_name, sha256=hashlib.sha256(wheels[file_name]).hexdigest())
    target = tmp_path / "site-packages"
    target.mkdir()
    fetched: list[str] = []
    loaded: set[str] = set()

    def fetch(file_name: str) -> bytes:
        fetched.append(file_name)
        return wheels[file_name]

    finder = SiteWheelFinder(packages, fetch, target, lambda: set(loaded), loaded.add)
    monkeypatch.syspath_prepend(str(target))
    monkeypatch.setattr(sys, "meta_path", [*sys.meta_path, finder])
    yield SimpleNamespace(finder=finder, fetched=fetched, loaded=loaded, target=target, packages=packages)
    for name in ("figs", "lowdep", "native"):
        sys.modules.pop(name, None)
    importlib.invalidate_caches()


def test_a_first_import_installs_the_package_and_its_dependencies_once(site):
    module = importlib.import_module("figs")
    assert module.KIND == "figure" and sys.modules["lowdep"].VALUE == 42
    assert site.fetched == ["lowdep-1.0-py3-none-any.whl", "figs-1.0-py3-none-any.whl"]  # dependencies first
    assert site.loaded == {"figs", "lowdep"} and (site.target / "figs" / "__init__.py").is_file()
    del sys.modules["figs"]
    importlib.import_module("figs")  # found on the path now: nothing fetched again
    assert len(site.fetched) == 2


def test_an_installed_dependency_is_not_fetched_again(site):
    importlib.import_module("lowdep")
    assert site.fetched == ["lowdep-1.0-py3-none-any.whl"]
    importlib.import_module("figs")
    assert site.fetched == ["lowdep-1.0-py3-none-any.whl", "figs-1.0-py3-none-any.whl"]


def test_names_the_lock_does_not_provide_are_left_to_python(site):
    with pytest.raises(ModuleNotFoundError, match="no_such_module"):
        importlib.import_module("no_such_module")
    assert site.finder.find_spec("figs.sub", path=["x"]) is None  # submodules: the package's own path finds them
    assert site.fetched == []


def test_a_wheel_that_does_not_match_the_lock_is_refused(site):
    site.packages["lowdep"]["sha256"] = "0" * 64
    with pytest.raises(ImportError, match="does not match the sha256 of the site's lock"):
        importlib.import_module("figs")
    assert not (site.target / "lowdep.py").exists() and site.loaded == set()


def test_a_compiled_wheel_is_left_to_pyodide(site):
    with pytest.raises(ImportError, match="not a pure-Python wheel"):
        importlib.import_module("native")


def test_natively_no_finder_is_installed():
    before = list(sys.meta_path)
    assert install_site_packages_on_import() is False
    assert sys.meta_path == before and not any(isinstance(f, SiteWheelFinder) for f in sys.meta_path)
