"""folioviz.browser: the notes a notebook prints only in the browser build (Pyodide), and nothing natively."""

from __future__ import annotations

import pytest

import folioviz
from folioviz import browser


def test_native_python_is_not_the_browser():
    assert folioviz.in_browser() is False


@pytest.mark.parametrize("topic", sorted(browser.BROWSER_NOTES))
def test_notes_print_nothing_natively(topic, capsys):
    folioviz.browser_note(topic)
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("topic", sorted(browser.BROWSER_NOTES))
def test_notes_print_in_pyodide(topic, capsys, monkeypatch):
    monkeypatch.setattr(browser.sys, "platform", "emscripten")
    assert folioviz.in_browser() is True
    folioviz.browser_note(topic)
    out = capsys.readouterr().out
    assert out.startswith("In the browser:")
    assert out.strip() == browser.BROWSER_NOTES[topic]


def test_the_era_note_says_how_to_switch_inside_a_notebook(monkeypatch, capsys):
    monkeypatch.setattr(browser.sys, "platform", "emscripten")
    folioviz.browser_note("era")
    out = capsys.readouterr().out
    assert "set_default_era(" in out and "FOLIOVIZ_ERA" in out and "make lab ERA=" in out


def test_the_cli_note_gives_the_same_decode_in_python(monkeypatch, capsys):
    monkeypatch.setattr(browser.sys, "platform", "emscripten")
    folioviz.browser_note("cli")
    assert "decode(" in capsys.readouterr().out


def test_an_unknown_topic_names_the_known_ones():
    with pytest.raises(ValueError, match="no browser note about 'terminal'; the topics are cli, era"):
        folioviz.browser_note("terminal")


def test_in_the_browser_any_plotly_figure_displays_its_json_without_nbformat():
    import plotly.graph_objects as go
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    from folioviz.render.figures import PLOTLY_MIME, folio_figure

    shell = InteractiveShell.instance()
    formatter = shell.display_formatter.ipython_display_formatter
    saved = (dict(formatter.type_printers), dict(formatter.deferred_printers))
    try:
        assert browser.show_figures_without_nbformat() is True
        with capture_output() as plain:
            assert shell.display_formatter.format(go.Figure(go.Bar(y=[1, 2]))) == ({}, {})
        ((bundle, _),) = [(out.data, out.metadata) for out in plain.outputs]
        assert set(bundle) == {PLOTLY_MIME, "text/plain"}
        assert bundle[PLOTLY_MIME]["data"][0]["y"] == [1, 2]
        with capture_output() as ours:  # a FolioFigure keeps its own bundle, with the static fallback
            shell.display_formatter.format(folio_figure(go.Figure(go.Bar(y=[3])), "One bar."))
        assert set(ours.outputs[0].data) == {PLOTLY_MIME, "text/html", "text/plain"}
    finally:
        formatter.type_printers.clear()
        formatter.type_printers.update(saved[0])
        formatter.deferred_printers.clear()
        formatter.deferred_printers.update(saved[1])
