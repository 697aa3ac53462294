"""Three lab runs (healthy, mongo-slow, healthy) make a trend page that a real headless Chromium renders: the
PZ-13808 failure in the verdict timeline, the latency spike in the warning band, the numbers of the history."""

from __future__ import annotations

import os
import subprocess

import pytest

from keywords.run.history.store import HistoryStore
from keywords.run.history.trends import VERDICT_CODES
from tests.helpers import FOCUS_INFRA, NO_CHROMIUM, REPO_ROOT, headless_chromium, run_suites_against_lab

pytestmark = pytest.mark.skipif(bool(NO_CHROMIUM), reason=NO_CHROMIUM)
SCREENSHOT = REPO_ROOT / "results" / "screenshots" / "trends.png"


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    folder = tmp_path_factory.mktemp("trends")
    url = f"sqlite:///{folder / 'history.sqlite'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FOCUS_HISTORY_URL", url)
        for number, faults in enumerate(((), ("mongo-slow",), ())):
            run_suites_against_lab(folder / f"run-{number}", faults, "--include", "component:mongodb")
        page = folder / "trends.html"
        subprocess.run(
            [
                FOCUS_INFRA,
                "history",
                "report",
                "--results",
                str(folder),
                "--output",
                str(page),
            ],
            cwd=REPO_ROOT,
            env={**os.environ, "FOCUS_HISTORY_URL": url},
            check=True,
            capture_output=True,
        )
    return HistoryStore(url), page


def test_the_trend_page_renders_the_history_of_three_runs(history):
    store, page = history
    with headless_chromium() as browser:
        browser.get(page.as_uri())
        plots = browser.execute_script("return document.querySelectorAll('.js-plotly-plot .main-svg').length")
        heatmap = browser.execute_script("return document.getElementById('verdicts').data[0]")
        latency = browser.execute_script("return document.getElementById('latency').data")
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(str(SCREENSHOT))
    assert plots >= 3  # every chart drew its SVG
    row = heatmap["y"].index("PZ-13808")
    assert heatmap["z"][row] == [VERDICT_CODES["PASS"], VERDICT_CODES["FAIL"], VERDICT_CODES["PASS"]]
    medians = next(trace for trace in latency if trace["name"].startswith("PZ-13808 ping median"))
    stored = [m["value"] for m in store.measurements() if m["name"] == "mongodb.ping_ms" and m["statistic"] == "median"]
    assert medians["y"] == pytest.approx(stored)
    assert 100 <= medians["y"][1] < 200 and medians["y"][0] < 50 and medians["y"][2] < 50  # the spike, in its band
    assert SCREENSHOT.stat().st_size > 10_000


def test_the_flaky_list_names_the_case_that_changed_its_verdict(history):
    _, page = history
    text = page.read_text(encoding="utf-8")
    flaky = text[text.index("<h2>Flaky cases</h2>") :]
    assert "PZ-13808" in flaky and "PASS → FAIL → PASS" in flaky
    assert "PZ-13806" not in flaky
