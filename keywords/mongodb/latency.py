"""Round-trip samples to statistics, and the spec's latency bands (PZ-13808)."""

from __future__ import annotations

import math
import statistics
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class LatencyStats:
    samples_ms: tuple[float, ...]
    min_ms: float
    median_ms: float
    p95_ms: float
    max_ms: float
    band: str

    def as_dict(self) -> dict:
        stats = asdict(self)
        stats["samples_ms"] = list(self.samples_ms)
        return stats

    def summary(self) -> str:
        return (
            f"median {self.median_ms:.2f} ms ({self.band}), min {self.min_ms:.2f}, p95 {self.p95_ms:.2f}, "
            f"max {self.max_ms:.2f} over {len(self.samples_ms)} samples"
        )


def band(milliseconds: float, acceptable_ms: float = 50.0, max_ms: float = 100.0) -> str:
    """excellent < 50 ms, acceptable 50–100 ms, warning 100–200 ms, critical above (spec PZ-13808)."""
    if milliseconds < acceptable_ms:
        return "excellent"
    if milliseconds < max_ms:
        return "acceptable"
    if milliseconds <= 2 * max_ms:
        return "warning"
    return "critical"


def percentile(samples: list[float], fraction: float) -> float:
    """Nearest-rank percentile: with few samples it is an observed value, not an interpolation."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def summarize(samples_ms: list[float], acceptable_ms: float = 50.0, max_ms: float = 100.0) -> LatencyStats:
    if not samples_ms:
        raise ValueError("no latency samples")
    median = statistics.median(samples_ms)
    return LatencyStats(
        samples_ms=tuple(samples_ms),
        min_ms=min(samples_ms),
        median_ms=median,
        p95_ms=percentile(samples_ms, 0.95),
        max_ms=max(samples_ms),
        band=band(median, acceptable_ms, max_ms),
    )
