"""Markup escaped by construction (issue 20, item 4): the Markup type, the tag and SVG builders, every public
builder and widget parameter given hostile text, and the diagrams' own SVG ids."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from folioviz.kernel import decode
from folioviz.kernel.pagecache import truncation_scenario
from folioviz.kernel.races import RaceModel, explore
from folioviz.render.markup import DiagramIds, Markup, element, escape, tag

#: Everything HTML gives a meaning to, in text and in attribute values.
HOSTILE = "<script>alert(\"x\" & 'y')</script>"
ESCAPED = "&lt;script&gt;alert(&quot;x&quot; &amp; &#x27;y&#x27;)&lt;/script&gt;"


def assert_escaped(html: str, hostile: str = HOSTILE) -> None:
    assert "<script" not in html, html[:400]
    assert escape(hostile) in html, f"{escape(hostile)!r} not in {html[:400]!r}"


# --------------------------------------------------------------------------- the type and the builders


def test_escape_covers_every_character_html_gives_a_meaning_to():
    assert escape(HOSTILE) == ESCAPED
    assert isinstance(escape(HOSTILE), Markup)


def test_markup_is_not_escaped_again():
    bold = Markup("<b>x</b>")
    assert escape(bold) == bold
    assert escape(escape(HOSTILE)) == ESCAPED


def test_whatever_is_added_to_markup_is_escaped_unless_it_is_markup():
    p = Markup("<p>")
    assert p + HOSTILE == "<p>" + ESCAPED
    assert HOSTILE + p == ESCAPED + "<p>"
    assert p + Markup("<b>") == "<p><b>"
    assert isinstance(p + HOSTILE, Markup) and isinstance(HOSTILE + p, Markup)
    assert Markup("<br>") * 2 == "<br><br>"


def test_format_join_and_percent_escape_their_arguments():
    assert Markup("<b>{}</b>").format(HOSTILE) == f"<b>{ESCAPED}</b>"
    assert Markup("<b>{x}</b>").format(x=Markup("<i>ok</i>")) == "<b><i>ok</i></b>"
    assert Markup("{:#x}").format(255) == "0xff"
    assert Markup("<br>").join([HOSTILE, Markup("<i>ok</i>")]) == f"{ESCAPED}<br><i>ok</i>"
    assert Markup("<b>%s</b>") % HOSTILE == f"<b>{ESCAPED}</b>"
    assert Markup("<b>%s%s</b>") % (HOSTILE, Markup("<i>")) == f"<b>{ESCAPED}<i></b>"


def test_an_object_with_html_counts_as_markup():
    class Rich:
        def __html__(self) -> str:
            return "<em>rich</em>"

    assert escape(Rich()) == "<em>rich</em>"
    assert Markup("<p>{}</p>").format(Rich()) == "<p><em>rich</em></p>"
    assert Markup(Rich()) == "<em>rich</em>"


def test_markupsafe_markup_passes_through():
    markupsafe = pytest.importorskip("markupsafe")
    assert tag("p", markupsafe.Markup("<b>x</b>")) == "<p><b>x</b></p>"


def test_tag_escapes_children_and_attribute_values():
    out = tag("a", HOSTILE, Markup("<b>ok</b>"), href=HOSTILE, class_="c", aria_label="l", data_step=3)
    assert out == f'<a href="{ESCAPED}" class="c" aria-label="l" data-step="3">{ESCAPED}<b>ok</b></a>'
    assert tag("details", "x", open=True, hidden=False, title=None) == "<details open>x</details>"


def test_element_escapes_text_and_attributes_and_closes_empty_elements():
    assert element("rect", {"x": "1.0", "fill": HOSTILE}) == f'<rect x="1.0" fill="{ESCAPED}"/>'
    assert element("text", {"x": "1"}, [HOSTILE]) == f'<text x="1">{ESCAPED}</text>'
    inner = element("tspan", {}, ["b"])
    assert element("text", {"y": None}, ["a", inner]) == "<text>a<tspan>b</tspan></text>"


# --------------------------------------------------------------------------- public builders given hostile text


def test_error_box_and_snapshot_wrapper_escape_their_text():
    from folioviz.render.snapshot import snapshot_html
    from folioviz.render.tables import error_html

    assert_escaped(error_html(HOSTILE, HOSTILE))
    assert_escaped(snapshot_html(HOSTILE, HOSTILE))
    assert "<b>ok</b>" in snapshot_html("KindQuiz", Markup("<b>ok</b>"))


def test_data_table_takes_text_unless_given_markup():
    from folioviz.render.figures import data_table_html

    html = data_table_html(HOSTILE, (HOSTILE, "b"), [(HOSTILE, Markup("<i>kept</i>"))])
    assert_escaped(html)
    assert html.count(ESCAPED) == 3 and "<i>kept</i>" in html
    assert "<caption><b>bold</b></caption>" in data_table_html(Markup("<b>bold</b>"), (), [])


def test_figure_bundle_escapes_the_summary_and_a_plain_fallback():
    import plotly.graph_objects as go

    from folioviz.render.figures import figure_bundle

    bundle = figure_bundle(go.Figure(), HOSTILE, HOSTILE)
    assert_escaped(bundle["text/html"])
    assert "<table>" in figure_bundle(go.Figure(), "s", Markup("<table></table>"))["text/html"]


def _quiz_views(quiz) -> str:
    def walk(widget):
        value = getattr(widget, "value", None)
        yield value if isinstance(value, str) else ""
        for child in getattr(widget, "children", ()):
            yield from walk(child)

    return "".join(walk(quiz)) + quiz.snapshot


def test_quiz_questions_are_text_unless_given_markup():
    from folioviz.widgets.exercises import ChoiceQuiz, KindQuiz, NumberQuiz

    quizzes = [
        NumberQuiz(HOSTILE, 3, HOSTILE),
        ChoiceQuiz(HOSTILE, [(HOSTILE, 1), ("b", 2)], 1, HOSTILE),
        KindQuiz("0xffff88810a2b3c41", "6.4", prompt=HOSTILE),
    ]
    quizzes[0].check(3)
    quizzes[1].check(1)
    quizzes[2].check("anon")
    for quiz in quizzes:
        html = _quiz_views(quiz)
        assert_escaped(html)
        assert f"<p>{ESCAPED}</p>" in quiz.snapshot
    asked = NumberQuiz(Markup("Which <code>x</code>?"), 1, "")
    assert "<p>Which <code>x</code>?</p>" in asked.snapshot


def test_quiz_helpers_escape_their_question_and_hint():
    from folioviz.widgets.exercises import history_year_quiz, old_school_quiz, orders_quiz

    for quiz in (
        orders_quiz("kernel", "MISSED", HOSTILE, hint=HOSTILE),
        old_school_quiz("v6.1.4", HOSTILE),
        history_year_quiz("locked-return-2009", HOSTILE),
    ):
        quiz.check(-1)
        assert_escaped(_quiz_views(quiz))


def test_snapshot_renderers_escape_what_they_are_given():
    from folioviz.render.snapshot import (
        code_listing_html,
        mkwrite_pane_html,
        options_html,
        quiz_html,
        step_html,
        steps_table_html,
    )

    source = SimpleNamespace(url=HOSTILE, label=HOSTILE)
    step = SimpleNamespace(function=HOSTILE, caption=HOSTILE, rule=HOSTILE, source=source, state=None)
    for html in (
        step_html(step, 0, 2),
        steps_table_html([step, step], 1),
        steps_table_html([step], 0, describe=lambda state: HOSTILE),
        code_listing_html([SimpleNamespace(number=1, text=HOSTILE)], 1),
        options_html([HOSTILE]),
        quiz_html(HOSTILE, [HOSTILE], answer_box=True),
    ):
        assert_escaped(html)
    from folioviz.kernel.mkwrite import MkwriteInputs, do_page_mkwrite_scenario, mkwrite_outcome, pseudo_code

    inputs = MkwriteInputs(handler="old-school", folio="truncated")
    scenario = do_page_mkwrite_scenario(inputs)
    pane = mkwrite_pane_html(
        pseudo_code(inputs.kernel, inputs.check), mkwrite_outcome(inputs), scenario.steps[0], (), final=False,
        title=HOSTILE, last=scenario.steps[-1],
    )  # fmt: skip
    assert_escaped(pane)


def test_mkwrite_code_panel_escapes_line_text_comments_and_links():
    from folioviz.render.mkwrite import code_panel_html

    line = SimpleNamespace(number=1, text=HOSTILE, comment=HOSTILE, source=SimpleNamespace(url=HOSTILE, label=HOSTILE))
    assert_escaped(code_panel_html((line,), 1))
    assert_escaped(code_panel_html((line,), None, comments=False))


def test_page_cache_views_escape_the_function_the_sequence_and_the_walk():
    from folioviz.render.cards import SequenceCard
    from folioviz.render.pagecache import pagecache_table_html
    from folioviz.render.svg import pagecache_svg

    state = truncation_scenario().steps[-1].state
    assert_escaped(pagecache_svg(state, function=HOSTILE))
    assert_escaped(SequenceCard([HOSTILE])._repr_html_())
    entries = (
        SimpleNamespace(kind="folio", summary=HOSTILE, refcount=1, order=0, index=0, entry=0x1000),
        SimpleNamespace(kind="value", note=HOSTILE, value=0x2, index=1, entry=0x5),
    )
    assert_escaped(pagecache_table_html(entries, selected=1))


def test_widgets_escape_a_refused_value_in_their_error_box():
    from folioviz.widgets.mapping_word import MappingWordWidget
    from folioviz.widgets.mkwrite import MkwriteWidget

    word = MappingWordWidget("0xffff88810a2b3c41", "6.4")
    assert not word.update(word=HOSTILE)
    assert_escaped(word._error_box.value, word.error)
    mkwrite = MkwriteWidget()
    assert not mkwrite.update(handler=HOSTILE)
    assert "<script" not in mkwrite._error_box.value and "&lt;script&gt;" in mkwrite._error_box.value


def test_every_renderer_returns_markup():
    from folioviz.render import cards, primer, tables, workbook
    from folioviz.render.svg import kind_badge_svg, mapping_svg, race_timeline_svg

    r = decode("0xffff88810a2b3c42", "6.4")
    replay = explore(RaceModel()).replay(explore(RaceModel()).outcomes[0].name)
    for html in (
        mapping_svg(r),
        kind_badge_svg("anon"),
        race_timeline_svg(replay),
        primer.folio_map_svg(),
        tables.helpers_table_html(r),
        tables.helpers_table_html(r, static=True),
        tables.kind_line_html(r),
        tables.era_table_html("0x2"),
        workbook.rules_map_html(),
        cards.explain("0x2", "6.4")._repr_html_(),
    ):
        assert isinstance(html, Markup)


# --------------------------------------------------------------------------- SVG ids


def _ids_and_refs(svg: str) -> tuple[list[str], list[str]]:
    ids = re.findall(r'\bid="([^"]+)"', svg)
    refs = re.findall(r"url\(#([^)]+)\)", svg) + re.findall(r'href="#([^"]+)"', svg)
    return ids, refs


def test_three_diagrams_on_one_page_share_no_id_and_each_points_into_itself():
    from folioviz.render.primer import folio_map_svg, write_fault_svg
    from folioviz.render.svg import mapping_svg, pagecache_svg

    diagrams = [
        mapping_svg(decode("0xffff88810a2b3c42", "6.4")),  # arrow and hatch
        mapping_svg(decode("0xffff88810a2b3c43", "6.4")),
        mapping_svg(decode("0xffff88810a2b3c42", "6.17")),  # invalid: the hatch is used
        pagecache_svg(truncation_scenario().steps[1].state, function="filemap_add_folio"),
        folio_map_svg(),
        write_fault_svg(),
    ]
    page = "".join(diagrams)
    all_ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(all_ids) == len(set(all_ids)), "two diagrams on one page share an id"
    for svg in diagrams:
        ids, refs = _ids_and_refs(svg)
        assert ids and all(re.fullmatch(r"fv-[0-9a-f]{8}-[a-z-]+", i) for i in ids), ids
        assert refs and set(refs) <= set(ids), f"a reference leaves its diagram: {set(refs) - set(ids)}"
    assert "url(#" in diagrams[2] and any("hatch" in ref for ref in _ids_and_refs(diagrams[2])[1])


def test_a_diagram_s_ids_are_the_same_on_every_rebuild():
    from folioviz.render.svg import mapping_svg

    r = decode("0xffff88810a2b3c42", "6.4")
    assert mapping_svg(r) == mapping_svg(r)
    assert re.search(r'id="(fv-[0-9a-f]{8})-arrow"', mapping_svg(r))


def test_diagram_ids_are_prefixed_when_sealed():
    ids = DiagramIds()
    svg = ids.seal(
        element("svg", {}, [element("marker", {"id": ids.id("m")}), element("use", {"href": ids.href("m")})])
    )
    prefix = re.search(r'id="(fv-[0-9a-f]{8})-m"', svg)
    assert prefix and f'href="#{prefix.group(1)}-m"' in svg and "\x00" not in svg


def _page_html(widget) -> str:
    """Every HTML a widget puts on the page: the values of its HTML children, then its snapshot."""
    import ipywidgets as w

    parts, todo = [], [widget]
    while todo:
        node = todo.pop()
        if isinstance(node, w.HTML | w.HTMLMath):
            parts.append(node.value)
        todo += list(getattr(node, "children", ()))
    return "".join(parts) + str(widget.snapshot)


def test_two_identical_widgets_on_one_page_share_no_id():
    """Two copies of one drawing used to share ids: hiding the first (a closed tab) took the second's arrows."""
    from folioviz import render
    from folioviz.widgets import MappingWordWidget
    from folioviz.widgets.history import HistoryExplorer
    from folioviz.widgets.pagecache import PageCacheWidget

    pairs = [
        (MappingWordWidget("0xffff88810a2b3c42"), MappingWordWidget("0xffff88810a2b3c42")),
        (PageCacheWidget(), PageCacheWidget()),
        (HistoryExplorer(), HistoryExplorer()),
    ]
    for first, second in pairs:
        page = _page_html(first) + _page_html(second)
        ids = re.findall(r'\bid="([^"]+)"', page)
        assert ids and len(ids) == len(set(ids)), f"two {type(first).__name__}s share ids on one page"
        for widget in (first, second):
            own_ids, refs = _ids_and_refs(_page_html(widget))
            assert set(refs) <= set(own_ids), "a reference points into the other widget"
    cards = (
        render.explain("0xffff88810a2b3c42", "6.4")._repr_html_()
        + render.explain("0xffff88810a2b3c42", "6.4")._repr_html_()
    )
    ids = re.findall(r'\bid="([^"]+)"', cards)
    assert ids and len(ids) == len(set(ids)), "two explain() cards of one word share ids"


def test_a_salt_changes_the_ids_and_nothing_else():
    from folioviz.render.svg import mapping_svg

    r = decode("0xffff88810a2b3c42", "6.4")
    plain, salted = mapping_svg(r), mapping_svg(r, id_salt="MappingWordWidget-1")
    assert salted == mapping_svg(r, id_salt="MappingWordWidget-1") != plain
    assert re.sub(r"fv-[0-9a-f]{8}-", "fv-", salted) == re.sub(r"fv-[0-9a-f]{8}-", "fv-", plain)


# --------------------------------------------------------------------------- static snapshots: the renderers' own form


def test_static_forms_carry_no_classes_aria_or_targets():
    from folioviz.kernel.mkwrite import MkwriteInputs, do_page_mkwrite_scenario
    from folioviz.render.mkwrite import state_html
    from folioviz.render.tables import helpers_table_html, outcome_banner_html

    r = decode("0xffff88810a2b3c42", "6.4")
    state = do_page_mkwrite_scenario(MkwriteInputs(handler="old-school", folio="movable-tagged")).steps[-1].state
    exploration = explore(RaceModel())
    report = exploration.outcomes[0]
    for live, static in (
        (helpers_table_html(r), helpers_table_html(r, static=True)),
        (state_html(state), state_html(state, static=True)),
        (outcome_banner_html(report, exploration.model), outcome_banner_html(report, exploration.model, static=True)),
    ):
        assert re.search(r' (class|aria-[a-z]+|data-[a-z]+|role|target)="', live)
        assert not re.search(r' (class|aria-[a-z]+|data-[a-z]+|role|target|scope|rel)="', static), static
        assert "<svg" not in static
    # the static helpers table names the release once, in its caption, not in every link
    static = helpers_table_html(r, static=True)
    assert static.count(f"({r.era.release})") == 0 and f"links to {r.era.release}" in static


def test_more_widget_inputs_show_hostile_text_as_text():
    from folioviz.widgets.pagecache import PageCacheWidget
    from folioviz.widgets.races import RaceExplorer
    from folioviz.widgets.survey import SurveyExplorer

    survey = SurveyExplorer()
    survey.filter(search=HOSTILE)
    assert_escaped(survey.snapshot)  # "Filtered by search ..." echoes the search text
    cache = PageCacheWidget()
    assert not cache.compose([HOSTILE])
    assert "<script" not in cache._error_box.value and "&lt;script&gt;" in cache._error_box.value
    races = RaceExplorer()
    assert not races.update(variant=HOSTILE)
    assert "<script" not in races._error_box.value and "&lt;script&gt;" in races._error_box.value
