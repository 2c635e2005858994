"""The guarantee of docs/semantics.md on random normal pairs, with exact arithmetic.

float16 and float32 products and quotients are judged against float64 and
Fraction arithmetic respectively (a float32 product is exact in float64);
float64 against Fractions.
"""

from fractions import Fraction

import numpy as np
import pytest

from conftest import FLOAT_DTYPES

CEILING = {"mul": Fraction(1, 9), "div": Fraction(1, 8)}


def normal_pairs(dtype, n, rng):
    """Normal operands whose exact result is safely inside the normal range."""
    fi = np.finfo(dtype)
    span = min(fi.maxexp, -fi.minexp) // 2 - 2
    def draw():
        mant = rng.uniform(1, 2, n)
        return (mant * 2.0 ** rng.integers(-span, span, n) * rng.choice([-1, 1], n)).astype(dtype)
    return draw(), draw()


def relative_errors(op, a, b):
    """(approx - exact) / exact for each pair, as exact Fractions."""
    approx = op.ufunc(a, b)
    errors = []
    for x, y, z in zip(a.tolist(), b.tolist(), approx.tolist()):
        exact = Fraction(x) * Fraction(y) if op.name == "mul" else Fraction(x) / Fraction(y)
        errors.append((Fraction(z) - exact) / exact)
    return errors


@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=lambda d: d.name)
def test_bound_on_random_normal_pairs(op, dtype):
    rng = np.random.default_rng(5)
    a, b = normal_pairs(dtype, 20_000, rng)
    errors = relative_errors(op, a, b)
    if op.name == "mul":   # never above the exact product, at most 1/9 below
        assert all(-CEILING["mul"] <= e <= 0 for e in errors), min(errors)
    else:                  # never below the exact quotient, at most 1/8 above
        assert all(0 <= e <= CEILING["div"] for e in errors), max(errors)
    # the ceiling is tight: random pairs come close to it
    worst = max(abs(e) for e in errors)
    assert worst > CEILING[op.name] * Fraction(95, 100)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=lambda d: d.name)
def test_worst_cases_attain_the_ceiling(dtype):
    one, half = dtype.type(1), dtype.type(1.5)
    from mitchell import div, mul
    # f1 = f2 = 1/2: exact 2.25, Mitchell 2 -> 1/9 below
    assert Fraction(float(mul(half, half))) == Fraction(2)
    # f1 = 0, f2 = 1/2: exact 2/3, Mitchell 3/4 -> 1/8 above
    assert Fraction(float(div(one, half))) == Fraction(3, 4)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=lambda d: d.name)
def test_error_depends_only_on_the_fractions(op, dtype):
    """Scaling an operand by a power of two scales the result exactly."""
    rng = np.random.default_rng(9)
    a, b = normal_pairs(dtype, 2_000, rng)
    base = op.ufunc(a, b)
    for k in (-3, 1, 5):
        scaled = op.ufunc(a * dtype.type(2.0 ** k), b)
        np.testing.assert_array_equal(scaled, base * dtype.type(2.0 ** k))
