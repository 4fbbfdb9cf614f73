"""Every ``>>>`` example in the model's docstrings runs, so the documentation cannot drift from the code."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import folioviz.kernel

MODULES = sorted(info.name for info in pkgutil.walk_packages(folioviz.kernel.__path__, prefix="folioviz.kernel."))


def _examples(name: str) -> int:
    return sum(len(test.examples) for test in doctest.DocTestFinder().find(importlib.import_module(name)))


def test_the_model_has_examples():
    assert len([name for name in MODULES if _examples(name)]) >= 9


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    failures, _ = doctest.testmod(importlib.import_module(name), verbose=False, optionflags=doctest.ELLIPSIS)
    assert failures == 0, f"{name}: {failures} docstring example(s) failed (run python -m doctest -v)"
