"""A cited web answer in a real JupyterLab: clickable citation links and the Sources list,
still there after the notebook is saved and reopened."""

from __future__ import annotations

from helpers.lab import (
    cell_output,
    notebook_after_setup,
    open_notebook,
    run_cell,
    save_notebook,
    wait_for_idle,
)
from playwright.sync_api import expect

WEB = """\
%%responses -m emulator/assistant --web --web-max-results 2
What is new in streaming?
"""


def test_citation_links_and_sources_are_clickable_and_survive_a_reopen(page, jupyterlab):
    notebook_after_setup(page, jupyterlab, "web.ipynb", WEB)
    run_cell(page, 1)
    wait_for_idle(page)

    output = cell_output(page, 1)
    expect(output.locator("details.orj-server-item summary")).to_contain_text("2 results")
    cites = output.locator(".orj-cite a")
    expect(cites).to_have_count(2)
    hrefs = cites.evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert all(href.startswith("https://") for href in hrefs), hrefs
    expect(cites.first).to_be_visible()
    sources = output.locator(".orj-sources")
    expect(sources).to_contain_text("Sources")
    expect(sources.locator("a")).to_have_count(2)
    expect(sources).to_contain_text("docs.example.com")
    expect(output.locator(".orj-footer")).to_contain_text("1 web search")

    save_notebook(page)
    page.reload()
    open_notebook(page, jupyterlab, "web.ipynb")
    reopened = cell_output(page, 1)
    expect(reopened.locator(".orj-cite a")).to_have_count(2)
    expect(reopened.locator(".orj-sources a")).to_have_count(2)
