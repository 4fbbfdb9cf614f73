"""Packaging: environment.yml mirrors pyproject.toml; the wheel carries data/ and works outside the repo."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _name_spec(requirement: str) -> tuple[str, str]:
    requirement = requirement.split(";")[0]  # environment markers: conda has none (Binder is Linux x86-64)
    match = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", requirement)
    assert match, requirement
    return match.group(1).lower().replace("_", "-"), match.group(2).replace(" ", "")


def test_environment_yml_mirrors_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = dict(_name_spec(r) for r in [*project["dependencies"], *project["optional-dependencies"]["dev"]])
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = dict(
        _name_spec(d) for d in env["dependencies"] if isinstance(d, str) and not d.startswith(("python", "pip"))
    )
    assert conda == wanted, "environment.yml and pyproject.toml list different dependencies"
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python"))
    pinned = re.fullmatch(r"python=(\d+)\.(\d+)", python)
    assert pinned, f"environment.yml should pin python=X.Y for repo2docker, has {python!r}"
    minimum = re.fullmatch(r">=(\d+)\.(\d+)", project["requires-python"])
    assert (int(pinned[1]), int(pinned[2])) >= (int(minimum[1]), int(minimum[2]))
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "-e ." in pip_section


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
