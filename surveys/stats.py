"""Shares and means with 95 % confidence intervals that stay inside the scale (pure NumPy).

Sheets from one dialogue are few (often under 50) and their scores bounded (an index runs
0–6, a rating 0–3), so a normal or Student's t interval runs off the scale ("95 % KI
−0,42–4,99" on 0–6). Shares use Wilson's score interval, means a percentile bootstrap:
both stay inside the values that are possible, and every estimate says when n is small.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

Z95 = 1.959963984540054
SMALL_N = 30  # under this many answers an interval is rough; the results say so
BOOTSTRAP_RESAMPLES = 4000
_SEED = 20_261_114  # fixed: the same sheets always give the same interval


@dataclass(frozen=True)
class Estimate:
    value: float
    low: float
    high: float
    n: int

    @property
    def small(self) -> bool:
        """Whether n is too small for the interval to be more than a rough guide."""
        return self.n < SMALL_N


def share(hits: int, n: int) -> Estimate | None:
    """A proportion with Wilson's score interval (sound for small n and shares near 0 or 1)."""
    if n <= 0:
        return None
    p = hits / n
    centre = (p + Z95**2 / (2 * n)) / (1 + Z95**2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n)) / (1 + Z95**2 / n)
    return Estimate(p, max(0.0, centre - half), min(1.0, centre + half), n)


def mean(values: list[float]) -> Estimate | None:
    """A mean with a percentile bootstrap interval: never outside the smallest and largest
    value given, so never outside the scale. A single value has no interval (low = high)."""
    n = len(values)
    if n == 0:
        return None
    data = np.asarray(values, dtype=float)
    average = float(data.mean())
    if n == 1 or float(data.min()) == float(data.max()):
        return Estimate(average, average, average, n)
    rng = np.random.default_rng(_SEED)
    chunk = max(1, min(BOOTSTRAP_RESAMPLES, 2_000_000 // n))  # bounded memory for big periods
    means = np.concatenate(
        [
            data[rng.integers(0, n, size=(min(chunk, BOOTSTRAP_RESAMPLES - done), n))].mean(axis=1)
            for done in range(0, BOOTSTRAP_RESAMPLES, chunk)
        ]
    )
    low, high = np.quantile(means, [0.025, 0.975])
    return Estimate(average, min(float(low), average), max(float(high), average), n)
