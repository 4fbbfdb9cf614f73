"""Packaging: environment.yml mirrors pyproject.toml; the wheel carries data/ and works outside the repo."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def _name_spec(requirement: str) -> tuple[str, str]:
    requirement = requirement.split(";")[0]  # environment markers: conda has none (Binder is Linux x86-64)
    match = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", requirement)
    assert match, requirement
    return match.group(1).lower().replace("_", "-"), match.group(2).replace(" ", "")


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _wanted(*extras: str) -> dict[str, str]:
    project = _project()
    requirements = [*project["dependencies"], *(r for extra in extras for r in project["optional-dependencies"][extra])]
    return dict(_name_spec(r) for r in requirements)


def _conda(path: Path) -> tuple[dict[str, str], list]:
    """The conda dependencies of an environment file (name -> spec, without python and pip), and the rest."""
    env = yaml.safe_load(path.read_text())
    conda = dict(
        _name_spec(d) for d in env["dependencies"] if isinstance(d, str) and not d.startswith(("python", "pip"))
    )
    return conda, env["dependencies"]


def _assert_python_pin(dependencies: list, where: str) -> None:
    python = next(d for d in dependencies if isinstance(d, str) and d.startswith("python"))
    pinned = re.fullmatch(r"python=(\d+)\.(\d+)", python)
    assert pinned, f"{where} should pin python=X.Y for repo2docker, has {python!r}"
    minimum = re.fullmatch(r">=(\d+)\.(\d+)", _project()["requires-python"])
    assert (int(pinned[1]), int(pinned[2])) >= (int(minimum[1]), int(minimum[2]))


def test_environment_yml_mirrors_pyproject():
    """The developers' environment (root): the runtime, the `lab` extra and the `dev` extra."""
    conda, dependencies = _conda(ROOT / "environment.yml")
    assert conda == _wanted("lab", "dev"), "environment.yml and pyproject.toml list different dependencies"
    _assert_python_pin(dependencies, "environment.yml")
    pip_section = next(d["pip"] for d in dependencies if isinstance(d, dict))
    assert "-e ." in pip_section


def test_the_runtime_pulls_in_no_jupyter_server():
    """Installing folioviz into VS Code, Voila or a hub brings the widgets, not a JupyterLab server."""
    servers = {"jupyterlab", "notebook", "jupyter-server", "voila", "jupyterhub"}
    assert not servers & set(_wanted()), f"runtime dependencies hold a server: {sorted(servers & set(_wanted()))}"
    assert set(_wanted("lab")) - set(_wanted()) == {"jupyterlab"}
    # `make lab` and `make test` install JupyterLab with the test tools
    assert "pip install --quiet -e '.[lab,dev]'" in (ROOT / "Makefile").read_text()


def test_binder_environment_is_the_runtime_and_jupyterlab_only():
    conda, dependencies = _conda(ROOT / "binder" / "environment.yml")
    assert conda == _wanted("lab"), "binder/environment.yml should hold pyproject's runtime and `lab` extra, no more"
    _assert_python_pin(dependencies, "binder/environment.yml")
    # no pip section: repo2docker builds (and caches) the environment before it copies the repository in
    assert not [d for d in dependencies if isinstance(d, dict)], "binder/environment.yml should have no pip section"
    post_build = ROOT / "binder" / "postBuild"
    assert post_build.stat().st_mode & 0o111, "binder/postBuild is not executable"
    assert "pip install --no-deps --no-cache-dir ." in post_build.read_text()


@pytest.mark.timeout(600)  # pip builds the wheel (up to 300 s on a loaded machine), then imports it
def test_wheel_carries_the_data_and_works_outside_the_repo(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    wheel = next(tmp_path.glob("folioviz-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    data_files = sorted(p.name for p in (ROOT / "data").glob("*.toml"))
    assert data_files, "data/ has no TOML files"
    for name in data_files:
        assert f"folioviz/_data/{name}" in names
    # build-time tools stay out of the runtime package (the glossary linker lives in tools/notebooks/)
    assert not [n for n in names if n.endswith("glossary.py") or n.startswith("tools/")]
    # the bit field's front-end ships in the wheel (anywidget loads it from there, never from a CDN)
    assert {"folioviz/widgets/static/bitfield.js", "folioviz/widgets/static/bitfield.css"} <= set(names)
    # every Jupyter server of the environment loads folioviz.server_extension (TCP_NODELAY on kernel websockets)
    shipped = ".data/data/etc/jupyter/jupyter_server_config.d/folioviz.json"  # pip puts it in <prefix>/etc/jupyter
    config_name = next((n for n in names if n.startswith("folioviz-") and n.endswith(shipped)), None)
    assert config_name, f"the wheel ships no {shipped}"
    config = json.loads(zipfile.ZipFile(wheel).read(config_name))
    assert config["ServerApp"]["jpserver_extensions"] == {"folioviz.server_extension": True}
    assert "folioviz/server_extension.py" in names
    # folioviz's lab extension lands in <prefix>/share/jupyter/labextensions, where JupyterLab and Notebook 7 look
    share = "share/jupyter/labextensions/folioviz-lazy-figures"
    for part in ("package.json", "static/remoteEntry.js"):
        assert any(n.endswith(f".data/data/{share}/{part}") for n in names), f"the wheel has no {share}/{part}"
    # Import from the wheel alone, from a directory that is not the repository.
    code = (
        "import folioviz.kernel as k, folioviz.kernel.datafiles as d;"
        "assert '_data' in d.data_location(), d.data_location();"
        "print(k.decode('0xffff888003a1c002', '6.4').kind.value)"
    )
    out = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(wheel)!r}); {code}"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "movable"


def test_the_version_number_is_written_in_one_place():
    import tomllib
    from importlib import metadata

    import folioviz

    root = Path(__file__).resolve().parents[1]
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    assert "version" not in project and "version" in project["dynamic"]
    assert metadata.version("folioviz") == folioviz.__version__
