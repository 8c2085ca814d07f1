"""Statistics of accuracies over seeds: intervals, paired differences, verdicts and power.

An accuracy is a mean over seeds with a 95 % Student-t interval and its n; two rows are compared by the mean of their
per-seed differences (paired: the same seed gives both rows the same data order and the same initial weights in the
layers they share), again with a t interval. A verdict is read off the interval: a difference whose interval lies
above zero *holds*, below zero *contradicts*, across zero is *inconclusive*. Power calculations use the noncentral t
distribution, so they are exact for normal seed-to-seed noise at small n.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

from scipy import stats

CONFIDENCE = 0.95


@dataclass(frozen=True)
class Interval:
    """A mean over ``n`` values with its two-sided ``confidence`` interval (``low``/``high`` None when n < 2)."""

    mean: float
    low: float | None
    high: float | None
    n: int
    sd: float | None

    def excludes(self, value: float) -> bool:
        return self.low is not None and (self.low > value or self.high < value)

    def text(self, digits: int = 1) -> str:
        """``78.4 [77.1, 79.7] n=5``; ``78.4 n=1`` without an interval."""
        if self.low is None:
            return f"{self.mean:.{digits}f} n={self.n}"
        return f"{self.mean:.{digits}f} [{self.low:.{digits}f}, {self.high:.{digits}f}] n={self.n}"


def interval(values: list[float], confidence: float = CONFIDENCE) -> Interval:
    """Mean and t interval of ``values`` (seeds); no interval from one value."""
    if not values:
        raise ValueError("an interval needs at least one value")
    mean = statistics.fmean(values)
    if len(values) < 2:
        return Interval(mean, None, None, len(values), None)
    sd = statistics.stdev(values)
    half = stats.t.ppf(0.5 + confidence / 2, len(values) - 1) * sd / math.sqrt(len(values))
    return Interval(mean, mean - half, mean + half, len(values), sd)


def paired_difference(a: dict[int, float], b: dict[int, float], confidence: float = CONFIDENCE) -> Interval:
    """``a - b`` over the seeds both have (per-seed differences, then their t interval)."""
    seeds = sorted(set(a) & set(b))
    if not seeds:
        raise ValueError("no seed in common: a paired difference needs runs of both rows with the same seeds")
    return interval([a[s] - b[s] for s in seeds], confidence)


VERDICTS = ("holds on synthetic", "contradicted on synthetic", "inconclusive")


def direction_verdict(difference: Interval, sign: int = 1) -> str:
    """Whether the claimed direction (``sign`` +1: a > b; -1: a < b) holds, is contradicted or is undecided."""
    if difference.low is None:
        return "inconclusive"
    if sign * difference.low > 0 and sign * difference.high > 0:
        return "holds on synthetic"
    if sign * difference.low < 0 and sign * difference.high < 0:
        return "contradicted on synthetic"
    return "inconclusive"


def learned(accuracy: Interval, chance: float) -> bool:
    """A row learned when its interval lies above chance (one seed: its value above chance + 3 binomial-free points
    is not evidence, so n = 1 never counts as learned)."""
    return accuracy.low is not None and accuracy.low > chance


def paired_power(n: int, effect: float, sd_difference: float, alpha: float = 0.05) -> float:
    """Power of the two-sided paired t test on ``n`` seeds to detect a true difference ``effect``."""
    if n < 2:
        return 0.0
    df, shift = n - 1, abs(effect) * math.sqrt(n) / sd_difference
    critical = stats.t.ppf(1 - alpha / 2, df)
    return float(stats.nct.sf(critical, df, shift) + stats.nct.cdf(-critical, df, shift))


def seeds_for_difference(effect: float, sd_difference: float, power: float = 0.8, alpha: float = 0.05,
                         most: int = 100) -> int | None:
    """The fewest seeds for which the paired t test detects ``effect`` with ``power`` (None if more than ``most``)."""
    for n in range(2, most + 1):
        if paired_power(n, effect, sd_difference, alpha) >= power:
            return n
    return None


def drop_threshold(sd: float, reference_seeds: int, runs: int = 1, alpha: float = 0.05) -> float:
    """How far below the reference mean the mean of ``runs`` new runs may fall before the one-sided t test at level
    ``alpha`` calls it a regression (reference: ``reference_seeds`` runs with sample sd ``sd``)."""
    return stats.t.ppf(1 - alpha, reference_seeds - 1) * sd * math.sqrt(1 / runs + 1 / reference_seeds)


def detectable_drop(sd: float, reference_seeds: int, runs: int = 1, alpha: float = 0.05, power: float = 0.95) -> float:
    """The smallest true drop the gate detects with ``power`` at false-alarm rate ``alpha`` (noncentral t)."""
    df, scale = reference_seeds - 1, sd * math.sqrt(1 / runs + 1 / reference_seeds)
    critical = stats.t.ppf(1 - alpha, df)
    low, high = 0.0, 100 * scale + 1
    for _ in range(60):  # bisection on the noncentrality: power rises with the drop
        mid = (low + high) / 2
        if stats.nct.sf(critical, df, mid / scale) >= power:
            high = mid
        else:
            low = mid
    return high
