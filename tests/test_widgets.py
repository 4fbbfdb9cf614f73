"""Widgets in Python: clicks, pastes and toggles change what is shown; bad input keeps state."""

from __future__ import annotations

import re

import pytest

from folioviz.kernel import FolioVizError, MappingKind
from folioviz.render import explain
from folioviz.widgets import KindQuiz, MappingWordWidget, NullHelperQuiz

FILE_WORD = 0xFFFF888003A1C000


def kind_shown(widget: MappingWordWidget) -> str:
    match = re.search(r'class="fv-kind" data-kind="([^"]+)"', widget._kind.value)
    assert match, widget._kind.value
    return match.group(1)


def test_click_on_bit_0_turns_a_file_word_into_an_anon_one():
    widget = MappingWordWidget(FILE_WORD)
    assert kind_shown(widget) == "file"
    widget._bits.word = "0xffff888003a1c001"  # what a click on bit 0 sends from the browser
    assert widget.result.kind is MappingKind.ANON
    assert kind_shown(widget) == "anon"
    assert "struct anon_vma" in widget._diagram.value
    assert widget._text.value == "0xffff888003a1c001"
    assert widget.word == 0xFFFF888003A1C001


def test_every_view_follows_one_click():
    widget = MappingWordWidget(FILE_WORD)
    widget.toggle_bit(1)
    assert widget.result.kind is MappingKind.MOVABLE
    assert "PAGE_MAPPING_MOVABLE" in widget._kind.value
    assert "struct movable_operations" in widget._diagram.value
    assert "They disagree" in widget._table.value
    widget.toggle_bit(1)
    assert widget.result.kind is MappingKind.FILE
    assert "They disagree" not in widget._table.value


def test_a_bad_paste_shows_an_error_and_keeps_the_last_good_state():
    widget = MappingWordWidget(FILE_WORD | 1)
    before = (widget.result, widget._diagram.value, widget._table.value)
    assert widget.paste("0xnot-a-word") is False
    assert "not a hexadecimal word" in widget.error
    assert 'role="alert"' in widget._error_box.value
    assert (widget.result, widget._diagram.value, widget._table.value) == before
    assert widget._text.value == "0xffff888003a1c001"
    assert widget.paste("ffff888003a1c003") is True
    assert widget.error == "" and widget._error_box.value == ""
    assert widget.result.kind is MappingKind.KSM


def test_pasting_a_drgn_value():
    widget = MappingWordWidget()
    assert widget.paste("(struct address_space *)0xffff888003a1c002")
    assert widget.result.kind is MappingKind.MOVABLE


def test_era_switch_changes_the_decode_of_the_movable_tag():
    widget = MappingWordWidget(FILE_WORD | 2, era="6.4")
    assert widget.result.kind is MappingKind.MOVABLE
    widget._era_picker.value = "v6.17+"
    assert widget.result.kind is MappingKind.INVALID
    assert "FOLIO_MAPPING_ANON_KSM" in widget._kind.value
    assert widget._movable_ops.disabled is False
    widget._era_picker.value = "pre-v6.0"
    assert widget.result.helper("folio_mapping").text == "0xffff888003a1c000"
    assert widget._movable_ops.disabled is True


def test_movable_ops_flag_is_dropped_when_leaving_v6_17():
    widget = MappingWordWidget(0, era="latest", movable_ops=True)
    assert widget.result.kind is MappingKind.MOVABLE
    widget._era_picker.value = "v6.0-v6.16"
    assert widget.result.folio.movable_ops is False
    assert widget._movable_ops.value is False
    assert widget.result.kind is MappingKind.NULL


def test_contradictory_toggle_is_refused_and_unticked():
    widget = MappingWordWidget(FILE_WORD, slab=True)
    widget._swapcache.value = True
    assert "slab and in the swap cache" in widget.error
    assert widget._swapcache.value is False
    assert widget.result.folio.swapcache is False
    assert widget.result.kind is MappingKind.SLAB


def test_swapcache_toggle_shows_the_swap_branch():
    widget = MappingWordWidget(FILE_WORD | 1)
    widget._swapcache.value = True
    assert "swap_address_space" in widget._table.value


def test_programmatic_bad_input_raises_and_keeps_state():
    widget = MappingWordWidget()
    with pytest.raises(FolioVizError, match="does not fit"):
        widget.update(word=1 << 64, raise_errors=True)
    assert widget.word == 0xFFFF888003A1C000
    with pytest.raises(FolioVizError, match="bit must be"):
        widget.toggle_bit(64)
    with pytest.raises(FolioVizError, match="unknown kernel era"):
        MappingWordWidget(era="linux")


def test_the_bit_field_gets_each_bits_role_from_the_model():
    widget = MappingWordWidget()
    bits = widget._bits
    assert (bits.width, bits.word) == (64, "0xffff888003a1c000")
    assert bits.roles[:2] == ["tag", "tag"] and set(bits.roles[2:]) == {"pointer"} and len(bits.roles) == 64
    widget.slab = True
    assert bits.roles == ["slab data"] * 64


def test_a_refused_click_puts_the_bits_back():
    widget = MappingWordWidget(FILE_WORD | 1, swapcache=True)
    widget._bits.word = "0xffff888003a1c002"  # a driver's movable page is never in the swap cache
    assert "never in the swap cache" in widget.error
    assert widget._bits.word == "0xffff888003a1c001" and widget.word == FILE_WORD | 1


def test_the_bit_field_front_end_ships_in_the_package():
    from folioviz.widgets.bitfield import BitField

    text, css = str(BitField._esm), str(BitField._css)
    assert "export default" in text and "import " not in text  # self-contained: nothing from a CDN
    assert len(text.encode()) < 6000, "the front-end is stored in every notebook's widget state: keep it small"
    assert len(css.encode()) < 2500
    assert "aria-label" in text and "ArrowLeft" in text and "Home" in text


def test_32_bit_widget_has_32_buttons():
    widget = MappingWordWidget(0xC0000000, word_bits=32)
    assert widget._bits.width == 32 and len(widget._bits.roles) == 32
    widget.toggle_bit(0)
    assert widget.result.word_text == "0xc0000001"


def test_repr_is_short_and_deterministic():
    assert repr(MappingWordWidget()) == ("MappingWordWidget(word=0xffff888003a1c000, era='v6.0-v6.16', kind='file')")


def test_presenter_mode_scales_the_views():
    normal, big = MappingWordWidget(), MappingWordWidget(presenter=True)
    assert "fv-presenter" in big._dom_classes
    size = lambda svg: float(re.search(r'width="(\d+)"', svg).group(1))  # noqa: E731
    assert size(big._diagram.value) > size(normal._diagram.value)


def test_kind_quiz_gives_immediate_feedback_from_the_model():
    quiz = KindQuiz("0xffff888003a1c002", "6.4")
    assert quiz.check("anon") is False
    assert "Not quite" in quiz._out.value
    assert quiz.check("movable") is True
    assert "Right" in quiz._out.value
    # "invalid" is offered exactly in the era where a bare movable tag is no encoding (v6.17+)
    assert "invalid" not in [v for _, v in quiz._choices.options]
    late = KindQuiz("0xffff888003a1c002", "6.17")
    assert "invalid" in [v for _, v in late._choices.options]
    assert late.check("invalid") is True


def test_null_helper_quiz():
    quiz = NullHelperQuiz("0xffff888003a1c002", "6.4")
    assert quiz.expected == {
        "folio_mapping(folio)",
        "folio_test_anon(folio)",
        "folio_test_ksm(folio)",
        "folio_anon_vma(folio)",
    }
    assert quiz.check({"folio_mapping(folio)"}) is False
    assert quiz.check(set(quiz.expected)) is True
    with pytest.raises(ValueError, match="no such helper"):
        quiz.check({"page_mapping(page)"})


def test_explain_card_renders_html_and_text():
    card = explain("0xffff888003a1c001", "6.4", swapcache=True)
    html = card._repr_html_()
    assert "<svg" in html and "swap_address_space" in html
    assert "0x" in repr(card) and "Traceback" not in repr(card)
    assert "0x7f" not in html  # no memory addresses leak into stored outputs
