"""Latency statistics and the spec's bands (PZ-13808)."""

from keywords.mongodb.latency import band, percentile, summarize


def test_bands_follow_the_spec_boundaries():
    assert band(49.9) == "excellent"
    assert band(50) == "acceptable"
    assert band(99.9) == "acceptable"
    assert band(100) == "warning"
    assert band(200) == "warning"
    assert band(200.1) == "critical"


def test_median_resists_one_slow_sample():
    stats = summarize([1.0, 1.2, 250.0, 0.9, 1.1])
    assert stats.median_ms == 1.1
    assert stats.band == "excellent"
    assert stats.max_ms == 250.0
    assert stats.p95_ms == 250.0


def test_percentile_is_nearest_rank():
    assert percentile([5, 1, 3, 2, 4], 0.5) == 3
    assert percentile(list(range(1, 101)), 0.95) == 95
