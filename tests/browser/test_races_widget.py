"""Notebook 06 in a real browser: pick a variant and an outcome, replay its interleaving step by step."""

from __future__ import annotations

from playwright.sync_api import expect

from folioviz.kernel.races import RaceModel, explore

NOTEBOOK = "06_races.ipynb"


def test_replay_a_write_on_a_truncated_folio(page, page_log, run_all):
    run_all(page, NOTEBOOK)
    widget = page.locator(".folioviz-races").first
    widget.scroll_into_view_if_needed()
    banner = widget.locator(".fv-race-banner").first
    expect(banner).to_have_attribute("data-outcome", "WRITE_OK")

    # the check before the lock, and its bad outcome
    widget.locator(".fv-race-variant button", has_text="check before lock").click()
    report = explore(RaceModel(variant="check-before-lock")).report("WRITE_ON_TRUNCATED")
    widget.locator(".fv-race-outcome-picker select").select_option(
        label=f"✘ WRITE_ON_TRUNCATED · {report.interleavings} orders"
    )
    expect(banner).to_have_attribute("data-outcome", "WRITE_ON_TRUNCATED")
    expect(widget.locator(".fv-race-cell-current")).to_have_attribute("data-variant", "check-before-lock")
    last = len(report.shortest)
    caption = widget.locator(".fv-step-count").first
    expect(caption).to_have_text(f"step 0 of {last}")

    timeline = widget.locator(".fv-race-timeline").first
    current = timeline.locator(".fv-race-current")
    widget.locator("button.fv-last").first.click()
    expect(caption).to_have_text(f"step {last} of {last}")
    expect(current).to_have_attribute("data-step", str(last))
    expect(current).to_contain_text("finish_fault")
    expect(current).to_contain_text("maps a truncated folio!")
    expect(current).to_contain_text("mapping NULL")  # the folio column between the lanes
    # earlier rows: truncation deleted the folio while the fault waited for the lock
    deleted = timeline.locator(".fv-race-row", has_text="deletes: mapping NULL")
    expect(deleted).to_have_count(1)
    expect(deleted).to_contain_text("waits for the lock (truncate)")

    widget.locator("button.fv-back").first.click()
    expect(caption).to_have_text(f"step {last - 1} of {last}")
    expect(current).to_have_attribute("data-step", str(last - 1))
    expect(current).to_contain_text("takes the folio lock")
    widget.locator("button.fv-first").first.click()
    expect(current).to_have_attribute("data-step", "0")
    expect(current).to_contain_text("start")
    page_log.assert_no_errors()


def test_the_livelock_loops_and_a_refused_kernel_keeps_it(page, page_log, run_all):
    run_all(page, NOTEBOOK)
    widget = page.locator(".folioviz-races").nth(3)  # the driver page with folio_mapping()
    widget.scroll_into_view_if_needed()
    expect(widget.locator(".fv-race-banner").first).to_have_attribute("data-outcome", "LIVELOCK")
    replay = explore(RaceModel(folio="driver", variant="folio_mapping")).replay("LIVELOCK")
    widget.locator("button.fv-last").first.click()
    timeline = widget.locator(".fv-race-timeline").first
    looped = timeline.locator(f'.fv-race-row[data-step="{replay.loops_to}"]')
    expect(looped).to_contain_text("is this state again")

    # v6.17+ has no movable tag: refused, with the reason, and the livelock stays on screen
    widget.locator(".fv-race-kernel select").select_option(label="v6.17+ (movable tag gone)")
    alert = widget.locator(".fv-error[role=alert]").first
    expect(alert).to_contain_text("movable tag")
    expect(widget.locator(".fv-race-banner").first).to_have_attribute("data-outcome", "LIVELOCK")
    # v5.10: page_mapping() masked the tag, so every order finishes
    widget.locator(".fv-race-kernel select").select_option(label="v5.10 (before v6.0; page form)")
    expect(widget.locator(".fv-race-banner").first).to_have_attribute("data-outcome", "WRITE_OK")
    expect(widget.locator(".fv-error")).to_have_count(0)
    page_log.assert_no_errors()
