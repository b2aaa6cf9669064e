"""Run-duration percentiles: exact ones, and a log-bucket histogram for the daily aggregates.

The daily aggregate table cannot keep every duration, yet the Trends tab wants p50/p95 over
months. A histogram with geometric buckets (ratio 1.1) keeps a fixed relative error: a bucket's
geometric middle is within 1.1 ** 0.5 (about 4.9 %) of every value in it, whatever the scale, and
histograms of different days merge by adding counts.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

RATIO = 1.1
MAX_BUCKET = 300  # 1.1 ** 300 ms is about 83 years; everything longer shares this bucket
_LOG_RATIO = math.log(RATIO)

Histogram = dict[int, int]


def bucket_of(duration_ms: float) -> int:
    """Bucket 0 holds durations <= 1 ms; bucket k >= 1 holds (1.1 ** (k-1), 1.1 ** k] ms."""
    if duration_ms <= 1:
        return 0
    k = math.ceil(math.log(duration_ms) / _LOG_RATIO)
    # The logarithm can land a hair off an exact bucket edge; settle it with the powers.
    while k > 1 and duration_ms <= RATIO ** (k - 1):
        k -= 1
    while duration_ms > RATIO**k:
        k += 1
    return min(k, MAX_BUCKET)


def bucket_upper_ms(k: int) -> float:
    """The inclusive upper edge of bucket k (1.0 for bucket 0)."""
    return float(RATIO ** max(k, 0))


def bucket_mid_ms(k: int) -> float:
    """The geometric middle of bucket k; bucket 0 (sub-millisecond noise) reports 1.0 ms."""
    if k <= 0:
        return 1.0
    return float(RATIO ** (k - 0.5))


def hist_add(h: Histogram, duration_ms: float, count: int = 1) -> None:
    """Count one duration (or `count` equal ones) into h, in place."""
    k = bucket_of(duration_ms)
    h[k] = h.get(k, 0) + count


def hist_merge(a: Mapping[int, int], b: Mapping[int, int]) -> Histogram:
    """A new histogram holding the counts of both."""
    merged = dict(a)
    for k, c in b.items():
        merged[k] = merged.get(k, 0) + c
    return merged


def hist_encode(h: Mapping[int, int]) -> str:
    """Compact text for a database column: "k:c,k:c" in bucket order, empty buckets left out."""
    return ",".join(f"{k}:{c}" for k, c in sorted(h.items()) if c)


def hist_decode(s: str) -> Histogram:
    """The inverse of hist_encode; raises ValueError on text it did not make."""
    h: Histogram = {}
    if not s.strip():
        return h
    for item in s.split(","):
        key, sep, value = item.partition(":")
        if not sep:
            raise ValueError(f"histogram item {item!r} is not 'bucket:count'")
        k, c = int(key), int(value)
        if k < 0 or c < 0:
            raise ValueError(f"histogram item {item!r} has a negative number")
        if c:
            h[k] = h.get(k, 0) + c
    return h


def hist_count(h: Mapping[int, int]) -> int:
    return sum(h.values())


def hist_percentile(h: Mapping[int, int], q: float) -> float | None:
    """The q-th percentile (0..100) in ms, as the geometric middle of the bucket holding it.

    The rank is the sorted position numpy's 'linear' method starts from, rounded to the nearest
    run, so the answer is within about 5 % of `percentile` on the same durations.
    """
    _check_q(q)
    n = hist_count(h)
    if n == 0:
        return None
    index = round(q / 100.0 * (n - 1))  # 0-based position in the sorted durations
    seen = 0
    for k in sorted(h):
        seen += h[k]
        if seen > index:
            return bucket_mid_ms(k)
    return bucket_mid_ms(max(h))  # not reached: seen ends at n > index


def percentile(values: Sequence[float], q: float) -> float | None:
    """Exact q-th percentile (0..100), interpolating between the closest ranks like numpy's
    default 'linear' method; None when there are no values."""
    _check_q(q)
    if not values:
        return None
    ordered = sorted(values)
    pos = q * (len(ordered) - 1) / 100.0
    lo = math.floor(pos)
    hi = min(lo + 1, len(ordered) - 1)
    low_value = float(ordered[lo])
    return low_value + (float(ordered[hi]) - low_value) * (pos - lo)


def _check_q(q: float) -> None:
    if not 0.0 <= q <= 100.0:
        raise ValueError(f"percentile must be within 0..100, got {q}")
