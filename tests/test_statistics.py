"""Intervals, paired differences, verdicts and the power calculations behind the gate and the study."""

import numpy as np
import pytest

from msnet.report.statistics import (detectable_drop, direction_verdict, drop_threshold, interval, learned,
                                     paired_difference, paired_power, seeds_for_difference)


def test_interval_is_the_student_t_interval():
    summary = interval([1.0, 2.0, 3.0, 4.0])
    # mean 2.5, sd 1.291, t(0.975, 3) = 3.182 -> half width 2.054
    assert summary.mean == 2.5 and summary.n == 4
    assert summary.low == pytest.approx(0.446, abs=1e-3) and summary.high == pytest.approx(4.554, abs=1e-3)
    assert summary.text() == "2.5 [0.4, 4.6] n=4"
    single = interval([7.0])
    assert single.low is None and single.text() == "7.0 n=1" and not learned(single, 6.25)


def test_paired_difference_uses_common_seeds_only():
    a = {0: 80.0, 1: 82.0, 2: 81.0, 3: 99.0}
    b = {0: 70.0, 1: 73.0, 2: 71.0}
    d = paired_difference(a, b)
    assert d.n == 3 and d.mean == pytest.approx(29 / 3)
    with pytest.raises(ValueError, match="no seed in common"):
        paired_difference({0: 1.0}, {1: 2.0})


def test_verdicts_follow_the_interval_and_the_claimed_sign():
    above = interval([2.0, 2.5, 3.0])
    across = interval([-1.0, 2.0, 0.5])
    assert direction_verdict(above) == "holds on synthetic"
    assert direction_verdict(above, sign=-1) == "contradicted on synthetic"
    assert direction_verdict(across) == "inconclusive"
    assert direction_verdict(interval([1.0])) == "inconclusive"
    assert learned(interval([10.0, 11.0, 12.0]), chance=6.25)
    assert not learned(interval([5.0, 7.0, 6.0]), chance=6.25)


def test_seeds_for_a_paired_difference_grow_with_noise_and_shrink_with_the_effect():
    assert seeds_for_difference(2.0, 1.0) < seeds_for_difference(2.0, 2.0) < seeds_for_difference(1.0, 2.0)
    n = seeds_for_difference(2.0, 1.5)
    assert paired_power(n, 2.0, 1.5) >= 0.8 > paired_power(n - 1, 2.0, 1.5)


def test_gate_threshold_and_detectable_drop_hold_their_rates_in_simulation():
    """Monte Carlo: with sd 1 and 10 reference seeds, one new run falls below the threshold in ~5 % of unchanged
    runs, and in ~95 % of runs whose true mean dropped by the detectable drop."""
    rng = np.random.default_rng(0)
    trials, n, sd = 20000, 10, 1.0
    reference = rng.normal(0, sd, size=(trials, n))
    means, sds = reference.mean(1), reference.std(1, ddof=1)
    thresholds = np.array([drop_threshold(s, n) for s in sds])
    unchanged = rng.normal(0, sd, size=trials)
    assert abs(np.mean(unchanged - means < -thresholds) - 0.05) < 0.01
    drop = detectable_drop(sd, n)
    assert 3.0 < drop < 4.5
    # power is computed with the true sd; the simulation's thresholds use the sample sd, as the gate does
    dropped = rng.normal(-drop, sd, size=trials)
    assert abs(np.mean(dropped - means < -thresholds) - 0.95) < 0.02
    assert detectable_drop(sd, 20) < drop and detectable_drop(sd, n, runs=3) < drop
