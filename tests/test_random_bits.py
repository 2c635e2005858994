"""The C loops agree bit for bit with mitchell.reference on random inputs.

Bit patterns are drawn over the whole space (so overflow, underflow,
subnormals, infinities and NaNs all occur), then concentrated where the
kernels have boundaries: results near the smallest normal and near the
overflow threshold, and subnormal operands.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mitchell import reference

from conftest import BITS_DTYPE, FLOAT_DTYPES, OPS, assert_bits_equal, check_against_reference, reference_bits_array

N_RANDOM = 100_000
N_TARGETED = 20_000


def random_bits(dtype, n, rng):
    bits = BITS_DTYPE[dtype]
    return rng.integers(0, np.iinfo(bits).max, n, dtype=bits, endpoint=True)


def check_bits_against_reference(op, a_bits, b_bits, dtype):
    check_against_reference(op, a_bits.view(dtype), b_bits.view(dtype))


@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=lambda d: d.name)
def test_uniform_bit_patterns(op, dtype):
    rng = np.random.default_rng(20261123)
    check_bits_against_reference(op, random_bits(dtype, N_RANDOM, rng),
                            random_bits(dtype, N_RANDOM, rng), dtype)


def _results_near(op, dtype, target_bits, rng):
    """Operand pairs whose one-addition result lands within a few binades of target_bits."""
    fmt = reference.FORMATS[dtype.name]
    uint = BITS_DTYPE[dtype]
    one = fmt.bias << fmt.frac_bits
    spread = 4 << fmt.frac_bits
    a = rng.integers(fmt.min_normal_bits, fmt.inf_bits, N_TARGETED, dtype=np.uint64)
    result = (np.int64(target_bits) + rng.integers(-spread, spread, N_TARGETED)).astype(np.int64)
    if op.name == "mul":
        b = result - a.astype(np.int64) + one   # result = a + b - one
    else:
        b = a.astype(np.int64) + one - result   # result = a - b + one
    keep = (b >= fmt.min_normal_bits) & (b < fmt.inf_bits)
    a, b = a[keep].astype(uint), b[keep].astype(uint)
    signs = rng.integers(0, 2, (2, a.size), dtype=uint) << uint.type(fmt.width - 1)
    return a | signs[0], b | signs[1]


@pytest.mark.parametrize("boundary", ["underflow", "overflow"])
@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=lambda d: d.name)
def test_results_near_range_limits(op, dtype, boundary):
    rng = np.random.default_rng(7)
    fmt = reference.FORMATS[dtype.name]
    target = fmt.min_normal_bits if boundary == "underflow" else fmt.inf_bits
    a, b = _results_near(op, dtype, target, rng)
    assert a.size > N_TARGETED // 3  # about half the draws give a representable partner
    check_bits_against_reference(op, a, b, dtype)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=lambda d: d.name)
def test_subnormal_operands(op, dtype):
    rng = np.random.default_rng(11)
    fmt = reference.FORMATS[dtype.name]
    uint = BITS_DTYPE[dtype]
    sub = rng.integers(1, fmt.min_normal_bits, N_TARGETED, dtype=np.uint64).astype(uint)
    other = random_bits(dtype, N_TARGETED, rng)
    check_bits_against_reference(op, sub, other, dtype)
    check_bits_against_reference(op, other, sub, dtype)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=lambda d: d.name)
def test_scalar_operand_broadcast(op, dtype):
    """The stride-0 loops (one operand a scalar) against the oracle."""
    rng = np.random.default_rng(3)
    values = random_bits(dtype, 5_000, rng)
    for scalar in random_bits(dtype, 4, rng):
        check_bits_against_reference(op, values, np.full_like(values, scalar), dtype)
        check_against_reference(op, np.asarray(scalar).view(dtype), values.view(dtype))


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_hypothesis_floats(data):
    """Hypothesis' float strategy favours the awkward values (signed zeros, the
    extremes, values next to powers of two)."""
    dtype = data.draw(st.sampled_from(FLOAT_DTYPES), label="dtype")
    width = dtype.itemsize * 8
    x = data.draw(st.floats(width=width, allow_nan=True), label="x")
    y = data.draw(st.floats(width=width, allow_nan=True), label="y")
    for op in OPS:
        a, b = np.array([x], dtype), np.array([y], dtype)
        with np.errstate(all="ignore"):
            got = op.ufunc(a, b)
        expected, _ = reference_bits_array(op, a, b)
        assert_bits_equal(got, expected, a, b)
