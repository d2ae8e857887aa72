"""Shares and means with 95 % confidence intervals (pure Python with SciPy)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats

Z95 = 1.959963984540054


@dataclass(frozen=True)
class Estimate:
    value: float
    low: float
    high: float
    n: int


def share(hits: int, n: int) -> Estimate | None:
    """A proportion with Wilson's score interval (sound for small n and shares near 0 or 1)."""
    if n <= 0:
        return None
    p = hits / n
    centre = (p + Z95**2 / (2 * n)) / (1 + Z95**2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n)) / (1 + Z95**2 / n)
    return Estimate(p, max(0.0, centre - half), min(1.0, centre + half), n)


def mean(values: list[float]) -> Estimate | None:
    """A mean with Student's t interval; a single value has no interval (low = high)."""
    n = len(values)
    if n == 0:
        return None
    average = sum(values) / n
    if n == 1:
        return Estimate(average, average, average, 1)
    sd = math.sqrt(sum((v - average) ** 2 for v in values) / (n - 1))
    half = float(stats.t.ppf(0.975, n - 1)) * sd / math.sqrt(n)
    return Estimate(average, average - half, average + half, n)
