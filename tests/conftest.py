"""Shared fixtures: the float dtypes with native loops and the two operations."""

from dataclasses import dataclass

import numpy as np
import pytest

import mitchell
from mitchell import reference

FLOAT_DTYPES = [np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64)]

# The unsigned type holding each float format's bit pattern.
BITS_DTYPE = {np.dtype(np.float16): np.dtype(np.uint16),
              np.dtype(np.float32): np.dtype(np.uint32),
              np.dtype(np.float64): np.dtype(np.uint64)}


@dataclass(frozen=True)
class Op:
    name: str
    ufunc: np.ufunc          # the shipped ufunc under test
    exact: np.ufunc          # the IEEE operation it approximates
    reference_bits: object   # reference.mul_bits / reference.div_bits

    def __repr__(self):
        return self.name


OPS = [Op("mul", mitchell.mul, np.multiply, reference.mul_bits),
       Op("div", mitchell.div, np.divide, reference.div_bits)]


@pytest.fixture(params=FLOAT_DTYPES, ids=lambda d: d.name)
def float_dtype(request):
    return request.param


@pytest.fixture(params=OPS, ids=lambda op: op.name)
def op(request):
    return request.param


def as_bits(x):
    """The array's bit patterns as unsigned integers (a view, no copy)."""
    x = np.asarray(x)
    return x.view(BITS_DTYPE[x.dtype])


def reference_bits_array(op, a, b):
    """Apply the pure-Python oracle element by element; returns (bits, flags per element)."""
    a, b = np.broadcast_arrays(np.asarray(a), np.asarray(b))
    fmt = reference.FORMATS[a.dtype.name]
    out = np.empty(a.shape, BITS_DTYPE[a.dtype])
    flags = []
    for i, (x, y) in enumerate(zip(as_bits(a).ravel().tolist(), as_bits(b).ravel().tolist())):
        bits, f = op.reference_bits(x, y, fmt)
        out.flat[i] = bits
        flags.append(f)
    return out, flags


def assert_bits_equal(actual, expected_bits, a=None, b=None):
    """Bit-for-bit comparison with a readable report of the first mismatches."""
    actual_bits = as_bits(actual)
    bad = np.flatnonzero(actual_bits.ravel() != np.asarray(expected_bits).ravel())
    if bad.size:
        width = actual_bits.dtype.itemsize * 2
        lines = []
        for i in bad[:10]:
            operands = ""
            if a is not None:
                operands = (f"a={as_bits(a).ravel()[i]:0{width}x} ({a.ravel()[i]!r}) "
                            f"b={as_bits(b).ravel()[i]:0{width}x} ({b.ravel()[i]!r}): ")
            lines.append(f"  [{i}] {operands}got {actual_bits.ravel()[i]:0{width}x}, "
                         f"expected {np.asarray(expected_bits).ravel()[i]:0{width}x}")
        pytest.fail(f"{bad.size} of {actual_bits.size} results differ:\n" + "\n".join(lines))


def check_against_reference(op, a, b):
    """The shipped ufunc on float arrays a, b equals the oracle bit for bit."""
    with np.errstate(all="ignore"):
        got = op.ufunc(a, b)
    expected, _ = reference_bits_array(op, a, b)
    assert_bits_equal(got, expected, a, b)
