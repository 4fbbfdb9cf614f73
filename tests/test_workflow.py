"""The Pages workflow holds only what each job needs: read-only by default, the Pages and OIDC grants on the deploy
job alone, every action pinned by a full commit SHA, the container by digest, and checkout's token not kept."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

yaml = pytest.importorskip("yaml")

WORKFLOW = Path(__file__).resolve().parents[1] / ".github" / "workflows" / "lite-pages.yml"
WRITE_GRANTS = {"pages", "id-token"}
SHA = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")
DIGEST = re.compile(r"^[\w./-]+(:[\w.-]+)?@sha256:[0-9a-f]{64}$")


def load(path: Path = WORKFLOW) -> dict[str, Any]:
    # PyYAML reads the key `on` as True (YAML 1.1); nothing here needs it.
    return yaml.safe_load(Path(os.environ.get("FOLIOVIZ_WORKFLOW", path)).read_text())


def steps(workflow: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(name, step) for name, job in workflow["jobs"].items() for step in job.get("steps", [])]


def test_top_level_permissions_are_read_only():
    assert load()["permissions"] == {"contents": "read"}


def test_write_grants_only_on_the_deploy_job():
    jobs = load()["jobs"]
    for name, job in jobs.items():
        granted = {k for k, v in (job.get("permissions") or {}).items() if v == "write"}
        if name == "deploy":
            assert granted == WRITE_GRANTS, granted
            assert not any("run" in step for step in job["steps"]), "the deploy job runs only the deploy action"
        else:
            assert not granted, f"job {name} holds {granted}"
            assert job.get("permissions") in (None, {"contents": "read"}), job.get("permissions")


def test_every_action_is_pinned_by_commit():
    text = WORKFLOW.read_text()
    used = [step["uses"] for _, step in steps(load()) if "uses" in step]
    assert used, "no action found"
    loose = [u for u in used if not SHA.match(u)]
    assert not loose, f"actions not pinned by a full commit SHA: {loose}"
    for use in used:  # each pin says which tag it is, for the reader who renews it
        assert re.search(re.escape(use) + r" # v\d+(\.\d+)*\s*$", text, re.M), f"{use}: name its tag in a comment"


def test_containers_are_pinned_by_digest():
    for name, job in load()["jobs"].items():
        container = job.get("container")
        if container is None:
            continue
        image = container if isinstance(container, str) else container["image"]
        assert DIGEST.match(image), f"job {name}: container {image} is not pinned by digest"


def test_checkout_keeps_no_credentials():
    checkouts = [step for _, step in steps(load()) if step.get("uses", "").startswith("actions/checkout@")]
    assert checkouts
    for step in checkouts:
        assert (step.get("with") or {}).get("persist-credentials") is False, step
