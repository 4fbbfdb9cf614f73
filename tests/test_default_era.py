"""One workbook-wide era: set_default_era() / FOLIOVIZ_ERA pick the era every model and widget starts in."""

from __future__ import annotations

import subprocess
import sys

import pytest

import folioviz
from folioviz.kernel import MappingKind, UnknownEraError, decode, default_era, set_default_era
from folioviz.widgets import MappingWordWidget, MkwriteWidget, PageCacheWidget


def test_the_email_era_is_the_default():
    assert default_era().id == "v6.0-v6.16" == folioviz.DEFAULT_ERA


def test_every_widget_follows_the_workbook_default():
    set_default_era("latest")
    assert decode("0xffff888003a1c002").kind is MappingKind.INVALID
    assert MappingWordWidget("0xffff888003a1c002").era == "v6.17+"
    assert PageCacheWidget("truncation").era == "v6.17+"
    assert PageCacheWidget("truncation").scenario[3].source.release == "v7.2.8"
    assert MkwriteWidget().inputs.kernel == "6.17"
    set_default_era("email")
    assert MkwriteWidget().inputs.kernel == "6.4"
    assert MappingWordWidget().era == "v6.0-v6.16"


def test_explicit_eras_win_over_the_default():
    set_default_era("5.10")
    assert decode("2", "6.4").kind is MappingKind.MOVABLE
    assert MkwriteWidget(kernel="6.12").inputs.kernel == "6.12"


def test_page_cache_widget_explains_its_fallback_before_v6_0():
    set_default_era("pre-v6.0")
    widget = PageCacheWidget("email")
    assert widget.era == "v6.0-v6.16"
    assert "starts at v6.0" in widget._era_label.value


def test_a_bad_default_is_refused_and_the_old_one_kept():
    set_default_era("latest")
    with pytest.raises(UnknownEraError, match="unknown kernel era"):
        set_default_era("linux-2.4")
    assert default_era().id == "v6.17+"


def test_the_environment_variable_sets_it_for_a_whole_session():
    code = "import folioviz; print(folioviz.default_era().id)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={"FOLIOVIZ_ERA": "latest", "PATH": ""},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert out.stdout.strip() == "v6.17+"
    bad = subprocess.run(
        [sys.executable, "-c", code],
        env={"FOLIOVIZ_ERA": "nope", "PATH": ""},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert bad.stdout.strip() == "v6.0-v6.16" and "FOLIOVIZ_ERA ignored" in bad.stderr


def test_page_cache_era_menu_switches_and_refuses_pre_v6_0():
    widget = PageCacheWidget("truncation")
    widget._era_picker.value = "v6.17+"
    assert widget.era == "v6.17+" and widget.scenario[3].source.release == "v7.2.8"
    widget._era_picker.value = "pre-v6.0"
    assert "modelled from v6.0" in widget.error
    assert widget.era == "v6.17+" and widget._era_picker.value == "v6.17+"


def test_default_means_the_same_era_for_every_model():
    """'default' (and no kernel at all) is the workbook's default era everywhere, not the email's kernel."""
    from folioviz.kernel import MkwriteInputs, get_era
    from folioviz.kernel.races import RaceModel

    set_default_era("latest")
    wanted = get_era("default")
    assert wanted.id == "v6.17+"
    for inputs in (MkwriteInputs(), MkwriteInputs(kernel="default")):
        assert inputs.era == wanted, inputs.kernel
    assert RaceModel().kernel == MkwriteInputs().kernel == wanted.example_kernel
    assert MkwriteInputs(kernel="email").kernel == get_era("email").example_kernel == "6.4"


def test_with_era_holds_inside_the_block_only():
    set_default_era("5.10")
    with folioviz.era("6.17") as chosen:
        assert chosen.id == default_era().id == "v6.17+"
        assert decode("0x2").kind is MappingKind.INVALID  # 0b10 alone is no encoding from v6.17
        with folioviz.kernel.era("email"):
            assert default_era().id == "v6.0-v6.16"
        assert default_era().id == "v6.17+"
    assert default_era().id == "pre-v6.0"


def test_with_era_is_left_even_on_an_error():
    with pytest.raises(ZeroDivisionError), folioviz.era("latest"):
        1 / 0  # noqa: B018
    assert default_era().id == "v6.0-v6.16"


def test_with_era_refuses_an_unknown_era_before_the_block():
    with pytest.raises(UnknownEraError, match="unknown kernel era"), folioviz.era("linux-2.4"):
        pytest.fail("the block must not run")


def test_with_era_is_per_thread_and_set_default_era_is_process_wide():
    import threading

    seen: list[str] = []
    with folioviz.era("6.17"):
        thread = threading.Thread(target=lambda: seen.append(default_era().id))
        thread.start()
        thread.join(timeout=30)
    assert seen == ["v6.0-v6.16"]  # a new thread starts from the process-wide default
    set_default_era("latest")
    thread = threading.Thread(target=lambda: seen.append(default_era().id))
    thread.start()
    thread.join(timeout=30)
    assert seen[-1] == "v6.17+"


def test_set_default_era_inside_a_with_block_holds_there_and_after():
    with folioviz.era("5.10"):
        set_default_era("latest")
        assert default_era().id == "v6.17+"
    assert default_era().id == "v6.17+"


def test_a_default_set_in_one_notebook_cell_holds_in_the_next(tmp_path):
    """ipykernel may run each cell in its own copy of the context: the choice must survive the cell."""
    import os

    import nbformat
    from nbclient import NotebookClient

    cells = [
        "import folioviz\nfolioviz.set_default_era('latest')\nprint(folioviz.default_era().id)",
        "print(folioviz.default_era().id)",
        "with folioviz.era('5.10'):\n    print(folioviz.default_era().id)\nprint(folioviz.default_era().id)",
        "async def later():\n    return folioviz.default_era().id\nprint(await later())",
        "print(folioviz.default_era().id)",
    ]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in cells])
    env_path = os.pathsep.join([str(folioviz.__file__).rsplit("/folioviz/", 1)[0], os.environ.get("PYTHONPATH", "")])
    os.environ["PYTHONPATH"], old = env_path, os.environ.get("PYTHONPATH")
    try:
        NotebookClient(
            notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
        ).execute()
    finally:
        if old is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = old
    printed = ["".join(o.get("text", "") for o in cell.outputs).split() for cell in notebook.cells]
    assert printed == [["v6.17+"], ["v6.17+"], ["pre-v6.0", "v6.17+"], ["v6.17+"], ["v6.17+"]]
