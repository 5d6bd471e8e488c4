"""The statistics of an evaluation, by hand with the standard library.

- `wilson`: the 95% Wilson score interval of a pass rate (good at small n and near 0 or 1).
- `bootstrap`: a 95% percentile interval of a mean, from resampling the values with a
  fixed seed (the same data always gives the same interval).
- `paired_test`: the exact two-sided binomial (sign) test on the pairs where two models
  differ; on pass/fail scores it is McNemar's exact test.
- `percentile`: nearest-rank percentiles (the median and p95 of latencies).
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

__all__ = ["Z95", "bootstrap", "paired_test", "percentile", "wilson"]

Z95 = 1.959963984540054  # the standard normal's 97.5th percentile
RESAMPLES = 2000
SEED = 0


def wilson(passed: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of `passed` out of `n` (n > 0)."""
    if n <= 0:
        raise ValueError("a Wilson interval needs at least one trial")
    p = passed / n
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    scale = 1 + z * z / n
    return max(0.0, (centre - spread) / scale), min(1.0, (centre + spread) / scale)


def bootstrap(values: Sequence[float], resamples: int = RESAMPLES) -> tuple[float, float]:
    """The 95% percentile-bootstrap interval of the mean of `values` (seeded)."""
    if not values:
        raise ValueError("a bootstrap interval needs at least one value")
    rng = random.Random(SEED)
    n = len(values)
    means = sorted(sum(rng.choices(values, k=n)) / n for _ in range(resamples))
    return means[int(0.025 * resamples)], means[int(0.975 * resamples) - 1]


def paired_test(first: Sequence[float], second: Sequence[float]) -> tuple[int, int, float]:
    """(first better, second better, two-sided p) over paired scores: the exact sign test."""
    better = sum(a > b for a, b in zip(first, second, strict=True))
    worse = sum(a < b for a, b in zip(first, second, strict=True))
    n = better + worse
    if n == 0:
        return 0, 0, 1.0
    tail = sum(math.comb(n, k) for k in range(min(better, worse) + 1)) / 2**n
    return better, worse, min(1.0, 2 * tail)


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank `q`th percentile (0 < q <= 100) of non-empty `values`."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]
