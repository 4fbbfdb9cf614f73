"""The glossary in a real browser: a term's first use in notebook 01 opens the primer at that term."""

from __future__ import annotations

from playwright.sync_api import expect

from tools.notebooks.glossary import PRIMER

NOTEBOOK = "01_the_mapping_word.ipynb"


def test_a_glossary_link_opens_the_primer_at_its_term(page, page_log, lab_server):
    lab_server.open_notebook(page, NOTEBOOK)
    link = page.locator(".jp-RenderedMarkdown a", has_text="page cache").first
    link.evaluate("el => el.scrollIntoView({block: 'center'})")
    expect(link).to_be_visible()
    link.click()
    tab = page.locator(".lm-TabBar-tab", has_text=f"{PRIMER}.ipynb")
    expect(tab).to_have_count(1, timeout=30_000)
    panel = page.locator(".jp-NotebookPanel:visible")
    # The link's fragment is #cell-id=glossary-page-cache: JupyterLab scrolls to that cell even if a windowed
    # notebook has not drawn it yet. Its heading keeps its id as data-jupyter-id (JupyterLab's sanitizer).
    heading = panel.locator('.jp-RenderedMarkdown h4[data-jupyter-id="page-cache"]')
    expect(heading).to_have_count(1, timeout=30_000)
    expect(heading).to_be_in_viewport(timeout=30_000)
    page_log.assert_no_errors()
