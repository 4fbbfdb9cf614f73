"""The Makefile's inputs (ERA, NB, KERNEL, the ports) are checked before any shell sees them.

Each case runs the real Makefile for real (not ``make -n``), in a scratch copy of the repository's layout whose
tools are stubs: the virtualenv's python and jupyter, ensure_lab.sh and ensure_chromium.sh only exit 0. A hostile
value tries to create a marker file; the test passes only when make refuses the value and the marker is absent.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def _stub(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """The Makefile, the files it reads, and stubs for every program its recipes run."""
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "data").mkdir()
    shutil.copy(ROOT / "data" / "kernel_images.toml", tmp_path / "data" / "kernel_images.toml")
    (tmp_path / "notebooks").mkdir()
    for notebook in (ROOT / "notebooks").glob("*.ipynb"):
        (tmp_path / "notebooks" / notebook.name).write_text("{}")
    (tmp_path / "tools").mkdir()
    (tmp_path / "tools" / "lite-build-requirements.txt").write_text("")
    for name in ("ensure_lab.sh", "ensure_chromium.sh"):
        _stub(tmp_path / "tools" / name)
    for name in ("python", "jupyter", "voila"):
        _stub(tmp_path / "venv" / "bin" / name)
    stamp = tmp_path / "venv" / ".folioviz-installed"
    stamp.touch()
    earlier = stamp.stat().st_mtime - 100
    os.utime(tmp_path / "pyproject.toml", (earlier, earlier))
    os.utime(tmp_path / "tools" / "lite-build-requirements.txt", (earlier, earlier))
    return tmp_path


def _make(checkout: Path, target: str, *assignments: str, env: dict[str, str] | None = None):
    cmd = ["make", "--no-print-directory", "-C", str(checkout), target, "VENV=venv", "PYTHON=venv/bin/python"]
    full_env = {k: v for k, v in os.environ.items() if k not in {"ERA", "NB", "KERNEL", "MAKEFLAGS", "MFLAGS"}}
    full_env.update(env or {})
    return subprocess.run([*cmd, *assignments], capture_output=True, text=True, timeout=60, env=full_env, check=False)


HOSTILE = [
    ("lab", "ERA", "x; touch {marker} #"),
    ("lab", "ERA", "$(shell touch {marker})"),
    ("lab", "ERA", "`touch {marker}`"),
    ("lab", "ERA", "latest$$(touch {marker})"),
    ("app", "NB", "x; touch {marker} #"),
    ("app", "NB", "../notebooks/01_the_mapping_word"),
    ("app", "ERA", "6.4 && touch {marker} #"),
    ("kernels", "KERNEL", "6.17; touch {marker} #"),
    ("vm", "KERNEL", "$(shell touch {marker})"),
    ("real-kernels", "KERNEL", "6.99"),
    ("lab", "LAB_PORT", "8888; touch {marker} #"),
    ("lab", "LAB_PORT", "65536"),
    ("lab", "LAB_PORT", "0"),
    ("app", "APP_PORT", "1 --ip=0.0.0.0"),
    ("lite-serve", "LITE_PORT", "-1"),
]


@pytest.mark.parametrize(
    ("target", "name", "value"), HOSTILE, ids=[f"{t}-{n}-{i}" for i, (t, n, _) in enumerate(HOSTILE)]
)
def test_hostile_value_is_refused_before_a_shell(checkout: Path, target: str, name: str, value: str) -> None:
    marker = checkout / "MARKER"
    done = _make(checkout, target, f"{name}={value.format(marker=marker)}")
    assert not marker.exists(), f"make {target} {name}=... ran the injected command"
    assert done.returncode != 0, f"make {target} accepted {name}={value!r}:\n{done.stdout}{done.stderr}"
    assert f"{name}=" in done.stderr and "give" in done.stderr, done.stderr


def test_hostile_value_from_the_environment_is_refused(checkout: Path) -> None:
    marker = checkout / "MARKER"
    done = _make(checkout, "lab", env={"ERA": f"$(shell touch {marker})"})
    assert not marker.exists()
    assert done.returncode != 0 and "ERA=" in done.stderr


@pytest.mark.parametrize(
    ("target", "assignments"),
    [
        ("lab", ("ERA=latest",)),
        ("lab", ("ERA=v6.17+", "LAB_PORT=8890")),
        ("lab", ("ERA=6.4",)),
        ("app", ("NB=01_the_mapping_word", "APP_PORT=65535")),
        ("kernels", ("KERNEL=6.17",)),
        ("kernels", ("KERNEL=6.17 5.10",)),
        ("vm", ("KERNEL=7.3",)),
    ],
)
def test_allowed_values_pass(checkout: Path, target: str, assignments: tuple[str, ...]) -> None:
    done = _make(checkout, target, *assignments)
    assert done.returncode == 0, done.stderr


def test_lite_serve_serves_the_existing_build(checkout: Path) -> None:
    """`make lite-serve` builds the site only when there is none: a built lite/ is served as it is."""
    done = _make(checkout, "-n", "lite-serve")
    assert "-m tools.lite" in done.stdout, done.stdout + done.stderr
    (checkout / "lite" / "lab").mkdir(parents=True)
    (checkout / "lite" / "lab" / "index.html").write_text("")
    done = _make(checkout, "-n", "lite-serve")
    assert done.returncode == 0, done.stderr
    assert "-m tools.lite" not in done.stdout and "serve_lite.py" in done.stdout, done.stdout
