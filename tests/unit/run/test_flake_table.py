"""The flake check's table: verdict counts, agreement and duration spread per case."""

from __future__ import annotations

from keywords.run.history.flake_check import table


def test_a_case_with_two_verdicts_is_flaky_and_its_agreement_is_the_share_of_the_commonest():
    shown = table(
        {"PZ-13806": ["PASS", "PASS", "PASS"], "PZ-13808": ["PASS", "FAIL", "PASS"]},
        {"PZ-13806": [0.1, 0.2, 0.3], "PZ-13808": [0.02, 0.5, 0.03]},
        3,
    )
    assert "| PZ-13806 | PASS 3 | 100% | 0.10 / 0.20 / 0.30 |" in shown
    assert "| PZ-13808 | PASS 2, FAIL 1 **flaky** | 67% | 0.02 / 0.03 / 0.50 |" in shown
