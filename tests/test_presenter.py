"""Presenter mode: one call makes every widget and figure created afterwards projector-sized."""

from __future__ import annotations

import re

import pytest

import folioviz
from folioviz.kernel.pagecache import truncation_scenario
from folioviz.render import refcount_figure
from folioviz.render.tables import style_html
from folioviz.widgets import MappingWordWidget, MkwriteWidget, PageCacheWidget


def _svg_width(svg: str) -> float:
    return float(re.search(r'width="(\d+)"', svg).group(1))


def test_one_call_switches_every_widget():
    normal = (MappingWordWidget(), PageCacheWidget(), refcount_figure(truncation_scenario()))
    assert folioviz.presenter_mode(True) is True
    big = (MappingWordWidget(), PageCacheWidget(), refcount_figure(truncation_scenario()))
    assert "fv-presenter" in big[0]._dom_classes and "fv-presenter" in big[1]._dom_classes
    assert "fv-presenter" in MkwriteWidget()._dom_classes
    assert _svg_width(big[0]._diagram.value) > _svg_width(normal[0]._diagram.value)
    assert _svg_width(big[1]._diagram.value) > _svg_width(normal[1]._diagram.value)
    assert big[2].layout.height > normal[2].layout.height and big[2].layout.font.size > normal[2].layout.font.size
    assert "font-size: 20px" in style_html() and "font-size: 13px" in style_html(False)


def test_an_explicit_choice_wins_and_bad_values_are_refused():
    folioviz.presenter_mode(True)
    assert "fv-presenter" not in MappingWordWidget(presenter=False)._dom_classes
    with pytest.raises(ValueError, match="True or False"):
        folioviz.presenter_mode("yes")
    assert folioviz.presenter_mode() is True


def test_a_with_block_sets_presenter_mode_for_its_context_only():
    assert folioviz.presenter_mode() is False
    with folioviz.presenter(True):
        assert folioviz.presenter_mode() is True
        assert "fv-presenter" in MappingWordWidget()._dom_classes
        with folioviz.presenter(False):
            assert "fv-presenter" not in MappingWordWidget()._dom_classes
        assert MappingWordWidget(presenter=False)._dom_classes.count("fv-presenter") == 0
    assert folioviz.presenter_mode() is False
    assert "fv-presenter" not in MappingWordWidget()._dom_classes
    with pytest.raises(ValueError, match="True or False"), folioviz.presenter("yes"):
        pass


def test_the_with_block_wins_over_the_process_wide_switch_inside_it():
    folioviz.presenter_mode(True)
    with folioviz.presenter(False):
        assert folioviz.presenter_mode() is False
    assert folioviz.presenter_mode() is True


def test_a_thread_sees_the_process_wide_switch_but_not_anothers_with_block():
    import threading

    seen = {}
    folioviz.presenter_mode(True)
    with folioviz.presenter(False):
        thread = threading.Thread(target=lambda: seen.update(other=folioviz.presenter_mode()))
        thread.start()
        thread.join(timeout=30)
        seen["here"] = folioviz.presenter_mode()
    assert seen == {"other": True, "here": False}


def test_presenter_mode_holds_from_one_cell_to_the_next_in_a_real_ipykernel(tmp_path):
    """A notebook cell may run in its own context; presenter_mode() set in one cell still holds in the next,
    and a ``with presenter(True):`` block ends with its cell."""
    import os
    from pathlib import Path

    import nbformat
    from nbclient import NotebookClient

    cells = [
        "import folioviz\nfolioviz.presenter_mode(True)",
        "print('next cell', folioviz.presenter_mode())",
        "folioviz.presenter_mode(False)\n"
        "with folioviz.presenter(True):\n    print('in block', folioviz.presenter_mode())",
        "print('after block', folioviz.presenter_mode())",
        "import asyncio\nasync def later():\n    await asyncio.sleep(0)\n    return folioviz.presenter_mode()\n"
        "folioviz.presenter_mode(True)\nprint('async cell', await later())",
        "print('last cell', folioviz.presenter_mode(), folioviz.render.theme.is_presenter(None))",
    ]
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    root = str(Path(__file__).resolve().parents[1])
    env_path = os.pathsep.join([root, os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    previous = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = env_path  # the kernel imports this checkout's folioviz
    try:
        NotebookClient(
            nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
        ).execute()
    finally:
        if previous is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = previous
    printed = "".join(out.get("text", "") for cell in nb.cells for out in cell.outputs)
    assert printed.splitlines() == [
        "next cell True",
        "in block True",
        "after block False",
        "async cell True",
        "last cell True True",
    ]
