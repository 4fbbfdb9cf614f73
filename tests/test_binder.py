"""Binder: repo2docker (from PyPI; no Docker needed with --no-build) builds from binder/environment.yml."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.timeout(600)  # repo2docker is given 300 s
def test_repo2docker_uses_the_binder_environment_file():
    exe = shutil.which("repo2docker", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.fail("repo2docker is missing: it is a dev dependency (pip install -e '.[dev]')")
    out = subprocess.run(
        [exe, "--no-build", "--debug", str(ROOT)], capture_output=True, text=True, timeout=300, check=False
    )
    text = out.stdout + out.stderr
    assert out.returncode == 0, text[-3000:]
    assert "Building conda environment for python=3.11" in text
    # binder/ comes first: the runtime-only environment, never the developers' one at the root
    assert '--file "binder/environment.yml"' in text, "the generated build does not install binder/environment.yml"
    assert '--file "environment.yml"' not in text
    # the environment is built before the repository is copied in (a cached layer), folioviz after it
    copied = text.index("src/ ${REPO_DIR}/")
    assert text.index('--file "binder/environment.yml"') < copied < text.index("./binder/postBuild")
