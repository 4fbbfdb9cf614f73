"""The widget's paste box shows every outcome of issue 18 in its error box or its result, and keeps its
last good state (Python-side; the browser tests drive the same box)."""

from __future__ import annotations

from folioviz.render.tables import helpers_table_html, kind_line_html
from folioviz.widgets import MappingWordWidget
from tests.test_paste import DUMP_PAGE_61_FILE, DUMP_PAGE_REAL_ANON
from tests.test_paste_evidence import HASHED_NO_EVIDENCE, S390_TAIL

GOOD = 0xFFFF888003A1C001


def _widget() -> MappingWordWidget:
    return MappingWordWidget(GOOD, era="6.1")


def test_kind_unknown_is_shown_with_its_reason():
    w = _widget()
    assert w.paste(HASHED_NO_EVIDENCE)
    assert w.result.kind.value == "unknown" and not w.error
    assert 'data-kind="unknown"' in kind_line_html(w.result)
    assert "hashed" in helpers_table_html(w.result) and "unknown" in helpers_table_html(w.result)


def test_poison_is_shown_as_poison():
    w = _widget()
    assert w.paste(S390_TAIL)
    assert 'data-kind="poison"' in kind_line_html(w.result)
    assert "TAIL page" in helpers_table_html(w.result)


def test_two_reports_are_counted_in_the_result():
    w = _widget()
    assert w.paste(DUMP_PAGE_61_FILE + DUMP_PAGE_REAL_ANON)
    assert "2 reports" in helpers_table_html(w.result)


def test_refusals_are_short_and_keep_the_last_good_state():
    for bad in ("mapping = " + "9" * 5000 + ",", "x" * (9 << 20), "mapping = ١٢٣,", "mapping = \x1b[2Jx,"):
        w = _widget()
        assert not w.paste(bad)
        assert w.word == GOOD and w.result.word == GOOD
        assert 0 < len(w.error) < 700 and len(w._error_box.value) < 1200
        assert "\x1b" not in w._error_box.value
        assert w._text.value == w.result.word_text  # the box is put back


def test_a_huge_number_in_the_word_trait_is_shown_and_raised():
    import pytest

    from folioviz.kernel import FolioVizError

    w = _widget()
    with pytest.raises(FolioVizError):
        w.update(word="f" * 5000, raise_errors=True)
    assert "longer than any" in w.error and w.word == GOOD
