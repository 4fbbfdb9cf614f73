"""The README's picture of the widget, taken from a real JupyterLab session.

Every run saves ``test-artifacts/mapping-word-widget-{light,dark}.png``. With
``FOLIOVIZ_UPDATE_SCREENSHOTS=1`` (``make screenshot``) the light one also replaces
``docs/images/mapping-word-widget.png``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from conftest import DARK, LIGHT
from playwright.sync_api import expect

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"


@pytest.mark.parametrize("theme", [LIGHT, DARK], ids=["light", "dark"])
def test_widget_screenshot(page, page_log, run_all, theme):
    page.set_viewport_size({"width": 1500, "height": 2000})
    run_all(page, "01_the_mapping_word.ipynb", theme=theme)
    widget = page.locator(".folioviz-mapping-word").first
    widget.scroll_into_view_if_needed()
    widget.locator(".fv-bit-1").first.click()  # tag 10: the email's movable page
    expect(widget.locator(".fv-kind").first).to_have_text("movable")
    expect(widget.locator(".fv-checks").first).to_contain_text("They disagree")
    ARTIFACTS.mkdir(exist_ok=True)
    name = "light" if theme == LIGHT else "dark"
    shot = ARTIFACTS / f"mapping-word-widget-{name}.png"
    widget.screenshot(path=str(shot))
    assert shot.stat().st_size > 20_000, "the widget screenshot is suspiciously small"
    if theme == LIGHT and os.environ.get("FOLIOVIZ_UPDATE_SCREENSHOTS") == "1":
        target = ROOT / "docs" / "images" / "mapping-word-widget.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, target)
    page_log.assert_no_errors()
