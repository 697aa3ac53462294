"""The traceability report as a manager opens it: a real headless Chromium renders the table of a fault run, every
key links to Jira, and each verdict cell has its colour."""

from __future__ import annotations

import pytest

from keywords.run.traceability import VERDICT_COLOURS
from tests.helpers import NO_CHROMIUM, headless_chromium, run_suites_against_lab

pytestmark = pytest.mark.skipif(bool(NO_CHROMIUM), reason=NO_CHROMIUM)
JIRA = "https://jira.prisma.local/browse/"


def rgba(colour: str) -> str:
    red, green, blue = (int(colour[index : index + 2], 16) for index in (1, 3, 5))
    return f"rgba({red}, {green}, {blue}, 1)"


@pytest.fixture(scope="module")
def browser():
    with headless_chromium() as driver:
        yield driver


@pytest.fixture(scope="module")
def fault_run(tmp_path_factory):
    return run_suites_against_lab(tmp_path_factory.mktemp("crashloop"), ("pod-crashloop",))


def test_the_traceability_page_of_a_fault_run_renders_links_and_verdict_colours(browser, fault_run):
    from selenium.webdriver.common.by import By

    run = fault_run
    browser.get((run.output_dir / "traceability.html").as_uri())

    assert browser.title == "Focus Server Infrastructure — traceability"
    rows = browser.find_elements(By.CSS_SELECTOR, "#cases tbody tr")
    shown = {}
    for row in rows:
        cells = row.find_elements(By.TAG_NAME, "td")
        assert row.is_displayed() and row.size["height"] > 0
        key, verdict = cells[0].text, cells[4].text
        assert cells[0].find_element(By.TAG_NAME, "a").get_attribute("href") == JIRA + key
        assert cells[4].value_of_css_property("background-color") == rgba(VERDICT_COLOURS[verdict])
        shown[key] = verdict
    assert shown == {key: ("FAIL" if key == "PZ-13899" else "PASS") for key in run.verdicts}
    epic = browser.find_element(By.CSS_SELECTOR, "dl a")
    assert (epic.text, epic.get_attribute("href")) == ("PZ-13756", JIRA + "PZ-13756")
    assert "Kubernetes orchestration problem" in browser.find_element(By.ID, "PZ-13899").text


def test_the_report_is_named_for_the_product_and_links_each_jira_key(browser, fault_run):
    from selenium.webdriver.common.by import By

    browser.get((fault_run.output_dir / "report.html").as_uri())
    assert browser.title == "Focus Server Infrastructure Report"
    links = {link.get_attribute("href") for link in browser.find_elements(By.CSS_SELECTOR, "a")}
    assert {JIRA + key for key in fault_run.verdicts} <= links
    page = browser.find_element(By.TAG_NAME, "body").text
    assert "critical or high priority" in page and "deployment gate" in page
    assert "traceability.html" in page
