"""Duration buckets and percentiles: exact values for known inputs, bounded error for the rest."""

from __future__ import annotations

import random

import numpy as np
import pytest

from taskrun_gui.core.durations import (
    MAX_BUCKET,
    bucket_mid_ms,
    bucket_of,
    bucket_upper_ms,
    hist_add,
    hist_decode,
    hist_encode,
    hist_merge,
    hist_percentile,
    percentile,
)


@pytest.mark.parametrize("ms", [-5, 0, 1])
def test_durations_up_to_one_ms_share_bucket_zero(ms: int) -> None:
    assert bucket_of(ms) == 0


@pytest.mark.parametrize("ms", [2, 3, 7, 10, 99, 100, 101, 1000, 12_345, 3_600_000, 86_400_000])
def test_bucket_k_covers_the_half_open_geometric_range(ms: int) -> None:
    k = bucket_of(ms)
    assert 1.1 ** (k - 1) < ms <= 1.1**k
    assert bucket_upper_ms(k) == pytest.approx(1.1**k)


def test_known_buckets() -> None:
    assert [bucket_of(ms) for ms in (2, 3, 10, 100, 1000)] == [8, 12, 25, 49, 73]


def test_huge_durations_are_capped() -> None:
    assert bucket_of(10**20) == MAX_BUCKET == 300


def test_bucket_mid_is_within_five_percent_of_every_value_in_it() -> None:
    for ms in range(2, 5000):
        mid = bucket_mid_ms(bucket_of(ms))
        assert abs(mid - ms) / ms < 0.05


def test_hist_add_and_merge_add_counts() -> None:
    a: dict[int, int] = {}
    for ms in (100, 100, 1000):
        hist_add(a, ms)
    assert a == {49: 2, 73: 1}
    b = {49: 1, 8: 4}
    merged = hist_merge(a, b)
    assert merged == {8: 4, 49: 3, 73: 1}
    assert a == {49: 2, 73: 1}  # inputs untouched


def test_encode_decode_round_trip() -> None:
    h = {73: 1, 8: 4, 49: 3}
    text = hist_encode(h)
    assert text == "8:4,49:3,73:1"
    assert hist_decode(text) == h
    assert hist_encode({}) == ""
    assert hist_decode("") == {}


@pytest.mark.parametrize("bad", ["8", "8:x", "a:1", "-1:2", "3:-1"])
def test_decode_rejects_malformed_text(bad: str) -> None:
    with pytest.raises(ValueError):
        hist_decode(bad)


def test_exact_percentiles_of_1_to_100() -> None:
    values = list(range(1, 101))
    assert percentile(values, 50) == 50.5
    assert percentile(values, 95) == 95.05
    assert percentile(values, 0) == 1
    assert percentile(values, 100) == 100


def test_percentile_matches_numpy_linear() -> None:
    rng = random.Random(7)
    values = [rng.uniform(0, 1000) for _ in range(257)]
    for q in (0, 1, 12.5, 50, 90, 95, 99, 100):
        assert percentile(values, q) == pytest.approx(float(np.percentile(values, q)), rel=1e-12)


def test_percentile_of_nothing_is_none_and_q_is_checked() -> None:
    assert percentile([], 50) is None
    assert hist_percentile({}, 50) is None
    assert percentile([3.0], 95) == 3.0
    with pytest.raises(ValueError):
        percentile([1.0], 101)
    with pytest.raises(ValueError):
        hist_percentile({1: 1}, -1)


def test_hist_percentile_within_five_percent_on_10k_random_durations() -> None:
    rng = random.Random(12345)
    values = [int(rng.lognormvariate(8, 1.2)) + 2 for _ in range(10_000)]
    h: dict[int, int] = {}
    for v in values:
        hist_add(h, v)
    for q in (50, 90, 95, 99):
        exact = percentile(values, q)
        approx = hist_percentile(h, q)
        assert exact is not None and approx is not None
        assert abs(approx - exact) / exact < 0.05, (q, exact, approx)


def test_hist_percentile_of_single_bucket_is_its_middle() -> None:
    assert hist_percentile({49: 10}, 95) == pytest.approx(1.1**48.5)
