"""The functions that replaced logic in notebook cells (04, 05, 00_start_here): rules in the kernel model,
views and quizzes in the widgets, each answer and explanation taken from the data."""

from __future__ import annotations

import pytest

from folioviz.kernel.errors import FolioVizError
from folioviz.kernel.mkwrite import history_event, mkwrite_history
from folioviz.kernel.survey import RELEASES, implementations, old_school, row_counts, survey
from folioviz.kernel.versions import eras, get_era, set_default_era
from folioviz.render.survey import row_counts_html, survey_differences_html
from folioviz.render.workbook import eras_table_html
from folioviz.widgets.exercises import history_release_quiz, history_year_quiz, livelock_era_quiz, old_school_quiz


def test_row_counts_split_every_release_into_handlers_and_helpers():
    counts = row_counts()
    assert [c.release for c in counts] == list(RELEASES)
    for c in counts:
        assert c.rows == len(survey(c.release)) and c.handlers == len(implementations(c.release))
        assert c.rows == c.handlers + c.helpers and c.helpers > 0
    assert row_counts("7.2.8") == (counts[0],)
    html = row_counts_html()
    assert all(f"<td>{c.rows}</td><td>{c.handlers}</td><td>{c.helpers}</td>" in html for c in counts)


def test_the_differences_table_lists_every_difference():
    from folioviz.kernel.survey import differences

    html = survey_differences_html()
    assert all(f"<code>{d.handler}</code>" in html for d in differences())


@pytest.mark.parametrize("release", RELEASES)
def test_old_school_quiz_takes_its_answer_and_conditions_from_the_survey(release):
    rows = old_school(release)
    assert rows and all(row.old_school_when.startswith("only ") for row in rows), "each says when it returns 0"
    quiz = old_school_quiz(release)
    assert quiz.answer == len(rows)
    for row in rows:
        assert row.handler in quiz._explanation and row.old_school_when in quiz._explanation
    assert not quiz.check(len(rows) + 1) and quiz.check(len(rows))


def test_a_folio_mapping_check_livelocks_only_in_the_emails_era():
    assert [era.id for era in eras() if era.folio_mapping_check_livelocks] == ["v6.0-v6.16"]
    quiz = livelock_era_quiz()
    assert quiz.answer == "v6.0-v6.16" and quiz._explanation == get_era("v6.0-v6.16").summary


def test_history_event_finds_an_event_or_names_the_ones_there_are():
    assert history_event("swapfile-2019") is next(e for e in mkwrite_history() if e.id == "swapfile-2019")
    with pytest.raises(FolioVizError, match="swapfile-2019"):
        history_event("no-such-event")


def test_history_quizzes_answer_from_the_history():
    event = history_event("locked-return-2009")
    assert history_year_quiz("locked-return-2009", "q").answer == event.year == 2009
    quiz = history_release_quiz("swapfile-2019", "q", ("v2.6.30", "v5.4", "v6.0"))
    assert quiz.answer == history_event("swapfile-2019").version and history_event("swapfile-2019").commit[:12] in (
        quiz._explanation
    )
    with pytest.raises(FolioVizError, match="not among the choices"):
        history_release_quiz("swapfile-2019", "q", ("v2.6.30", "v6.0"))


def test_the_eras_table_marks_the_default_era():
    set_default_era("latest")  # tests/conftest.py puts the default back
    html = eras_table_html()
    latest = get_era("latest").id
    assert f"<code>{latest}</code> <b>(default)</b>" in html and html.count("(default)") == 1
    assert all(era.release in html for era in eras())
