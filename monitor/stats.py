"""The few tests the alerts and the data-quality panel state in their messages (no scipy needed)."""

from __future__ import annotations

import math


def _log_term(k: int, mean: float) -> float:
    """log P(X = k) for X ~ Poisson(mean)."""
    return -mean + k * math.log(mean) - math.lgamma(k + 1)


def poisson_upper(k: int, mean: float) -> float:
    """P(X >= k) for X ~ Poisson(mean): how surprising k or more events are when `mean` were expected."""
    if k <= 0:
        return 1.0
    if mean <= 0:
        return 0.0
    if k <= mean:  # the bulk: 1 - P(X < k) loses no precision that matters here
        return max(0.0, 1.0 - poisson_lower(k - 1, mean))
    total, term_log, i = 0.0, _log_term(k, mean), k
    while True:  # terms fall from k on (k > mean): sum until they stop counting
        term = math.exp(term_log)
        total += term
        if term < total * 1e-15 or term == 0.0:  # 0.0: underflowed, as every later term will
            return min(1.0, total)
        i += 1
        term_log += math.log(mean) - math.log(i)


def poisson_lower(k: int, mean: float) -> float:
    """P(X <= k) for X ~ Poisson(mean): how surprising so few events are."""
    if k < 0:
        return 0.0
    if mean <= 0:
        return 1.0
    if k >= mean:  # the bulk
        return max(0.0, 1.0 - poisson_upper(k + 1, mean))
    total, term_log, i = 0.0, _log_term(k, mean), k
    while True:  # terms fall from k down (k < mean): a few hundred at most, not k + 1 of them
        term = math.exp(term_log)
        total += term
        if term < total * 1e-15 or i == 0:
            return min(1.0, total)
        term_log += math.log(i) - math.log(mean)
        i -= 1


def normal_two_sided(z: float) -> float:
    """Two-sided p-value of a z score."""
    return math.erfc(abs(z) / math.sqrt(2))
