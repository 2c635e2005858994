"""Every rule of docs/semantics.md, one row each, and all pairs of an edge-value table.

The hand table records where each expected value comes from; the all-pairs
sweep compares the C loops with mitchell.reference bit for bit, flags included.
"""

import math

import numpy as np
import pytest

import mitchell
from mitchell import reference

from conftest import FLOAT_DTYPES, OPS, as_bits, check_against_reference, reference_bits_array
from fpflags import raised_flags

MUL, DIV = OPS

INF, NAN = math.inf, math.nan

# (op, dtype, x, y, expected, flags raised, where the expected value comes from)
# Values are written as Python floats; expected is compared bit for bit
# (NaN: the canonical positive quiet NaN; zeros by sign).
RULES = [
    # --- normal range: the formula, no rounding
    (MUL, "float32", 1.5, 1.5, 2.0, set(), "f1=f2=1/2: L=1, 2^1(1+0) = 2 (worst case, 1/9 low)"),
    (MUL, "float32", 3.0, 5.0, 14.0, set(), "L=(1+1/2)+(2+1/4)=3.75: 2^3(1.75) = 14"),
    (MUL, "float64", -3.0, 5.0, -14.0, set(), "as above, sign 1 xor 0"),
    (MUL, "float16", -3.0, -5.0, 14.0, set(), "as above, sign 1 xor 1"),
    (MUL, "float32", 1.75, 1.75, 3.0, set(), "L=0.75+0.75=1.5: carry, 2^1(1.5) = 3"),
    (MUL, "float32", 1.0, 0.3125, 0.3125, set(), "1 is an exact identity: L = 0 + L2"),
    (DIV, "float32", 1.0, 1.5, 0.75, set(), "L=0-0.5=-0.5: borrow, 2^-1(1.5) = 0.75 (worst case, 1/8 high)"),
    (DIV, "float32", 14.0, 5.0, 3.0, set(), "L=(3+3/4)-(2+1/4)=1.5: 2^1(1.5) = 3"),
    (DIV, "float64", 1.0, 3.0, 0.375, set(), "L=0-(1+1/2)=-1.5: 2^-2(1.5) = 0.375"),
    (DIV, "float32", 7.0, 7.0, 1.0, set(), "L=0: x/x = 1 exactly"),
    # --- subnormal operands are normalised exactly, not flushed
    (MUL, "float32", 2.0 ** -149, 2.0 ** 127, 2.0 ** -22, set(), "2^-149 is e=-149, f=0: L=-22"),
    (MUL, "float32", 1.5 * 2.0 ** -140, 2.0, 1.5 * 2.0 ** -139, set(), "subnormal 1.5*2^-140 (f=1/2) times 2: exact subnormal result"),
    (DIV, "float64", 2.0 ** -1074, 2.0 ** -1074, 1.0, set(), "smallest subnormal / itself: L=0"),
    (MUL, "float16", 2.0 ** -24, 2.0 ** 15, 2.0 ** -9, set(), "float16 smallest subnormal 2^-24 times 2^15"),
    # --- overflow: floor(L) > emax gives inf with the XOR sign
    (MUL, "float32", 2.0 ** 127, 2.0, INF, {"overflow"}, "L=128 > emax=127"),
    (MUL, "float32", -(2.0 ** 127), 2.0, -INF, {"overflow"}, "L=128, sign 1"),
    (MUL, "float32", 1.5 * 2.0 ** 126, 1.5, 2.0 ** 127, set(), "L=126.5+0.5=127: carry lands exactly on emax"),
    (MUL, "float32", 1.5 * 2.0 ** 127, 1.5, INF, {"overflow"}, "L=127.5+0.5=128: the carry overflows"),
    (MUL, "float16", 65504.0, 1.0, 65504.0, set(), "largest float16 times the identity"),
    (DIV, "float64", 2.0 ** 1023, 0.5, INF, {"overflow"}, "L=1023-(-1)=1024 > emax"),
    (DIV, "float32", 2.0 ** 127, 1.5, 1.5 * 2.0 ** 126, set(), "L=127-0.5=126.5: borrow, no overflow"),
    # --- underflow: round to nearest even on the subnormal grid
    (MUL, "float32", 2.0 ** -126, 0.5, 2.0 ** -127, set(), "exact subnormal result: no flag"),
    (MUL, "float32", 2.0 ** -126, 0.75, 0.75 * 2.0 ** -126, set(), "L=-126-0.5: 2^-127*1.5, exact on the grid"),
    (MUL, "float32", 2.0 ** -149, 0.5, 0.0, {"underflow"}, "2^-150 is a tie between 0 and 2^-149: even is 0"),
    (MUL, "float32", -(2.0 ** -149), 0.5, -0.0, {"underflow"}, "as above, sign kept on the zero"),
    (MUL, "float32", 2.0 ** -149, 0.75, 2.0 ** -149, {"underflow"}, "L=-149-0.5=-149.5: 2^-150*1.5 = 0.75 units, nearest is 1 unit"),
    (MUL, "float32", 2.0 ** -149, 1.5, 2.0 ** -148, {"underflow"}, "L=-148.5: 2^-149*1.5 = 1.5 units, tie, even is 2 units"),
    (MUL, "float32", 3 * 2.0 ** -149, 1.5, 4 * 2.0 ** -149, set(), "3 units = 2^-148(1.5): L=-148.5+0.5=-147, 2^-147 = 4 units exactly"),
    (MUL, "float32", 2.0 ** -100, 2.0 ** -100, 0.0, {"underflow"}, "L=-200: far below half the smallest subnormal"),
    (MUL, "float32", 1.75 * 2.0 ** -127, 1.75, 1.5 * 2.0 ** -126, set(), "L=-127+1.5=-125.5: carry back into the normal range"),
    (DIV, "float32", 2.0 ** -126, 4.0, 2.0 ** -128, set(), "exact subnormal quotient"),
    (DIV, "float64", 2.0 ** -1074, 2.0, 0.0, {"underflow"}, "2^-1075: tie, even is 0"),
    (DIV, "float64", 2.0 ** -1074, 1.5, 2.0 ** -1074, {"underflow"}, "L=-1074.5: 2^-1075*1.5 = 0.75 units, rounds to 1 unit"),
    # --- specials, as IEEE multiply
    (MUL, "float32", NAN, 1.0, NAN, set(), "NaN in, NaN out, quiet: no flag"),
    (MUL, "float64", 0.0, NAN, NAN, set(), "NaN in wins over 0"),
    (MUL, "float32", 0.0, INF, NAN, {"invalid"}, "0 * inf"),
    (MUL, "float16", -INF, 0.0, NAN, {"invalid"}, "inf * 0"),
    (MUL, "float32", 0.0, 3.0, 0.0, set(), "0 * finite = 0"),
    (MUL, "float32", -0.0, 3.0, -0.0, set(), "signed zero: 1 xor 0"),
    (MUL, "float32", -0.0, -(2.0 ** -149), 0.0, set(), "signed zero times a subnormal: 1 xor 1"),
    (MUL, "float64", INF, -2.0, -INF, set(), "inf * nonzero finite"),
    (MUL, "float32", -INF, -INF, INF, set(), "inf * inf"),
    (MUL, "float32", INF, 2.0 ** -149, INF, set(), "inf * subnormal"),
    # --- specials, as IEEE divide
    (DIV, "float32", 1.0, 0.0, INF, {"divide"}, "finite nonzero / 0"),
    (DIV, "float32", -1.0, 0.0, -INF, {"divide"}, "sign 1 xor 0"),
    (DIV, "float32", 1.0, -0.0, -INF, {"divide"}, "sign 0 xor 1"),
    (DIV, "float64", 2.0 ** -1074, 0.0, INF, {"divide"}, "subnormal / 0"),
    (DIV, "float32", INF, 0.0, INF, set(), "inf / 0 is exact: no divide flag"),
    (DIV, "float32", 0.0, 0.0, NAN, {"invalid"}, "0 / 0"),
    (DIV, "float16", INF, -INF, NAN, {"invalid"}, "inf / inf"),
    (DIV, "float32", 0.0, 5.0, 0.0, set(), "0 / finite"),
    (DIV, "float32", -0.0, 5.0, -0.0, set(), "signed zero"),
    (DIV, "float32", 0.0, INF, 0.0, set(), "0 / inf"),
    (DIV, "float64", 5.0, -INF, -0.0, set(), "finite / inf, sign 0 xor 1"),
    (DIV, "float32", -INF, 2.0, -INF, set(), "inf / finite"),
    (DIV, "float32", NAN, 0.0, NAN, set(), "NaN / 0: NaN, no flag"),
]


def _canonical(dtype, value):
    if math.isnan(value):
        finfo = np.finfo(dtype)
        bits = ((1 << finfo.nexp) - 1) << finfo.nmant | 1 << (finfo.nmant - 1)
        return np.array(bits, dtype=as_bits(np.zeros(1, dtype)).dtype)
    return as_bits(np.array(value, dtype))


@pytest.mark.parametrize("op, dtype, x, y, expected, flags, why", RULES,
                         ids=[f"{r[0].name}-{r[1]}-{r[2]!r}-{r[3]!r}" for r in RULES])
def test_rule(op, dtype, x, y, expected, flags, why):
    a, b = np.array(x, dtype), np.array(y, dtype)
    assert float(a) == x and float(b) == y or math.isnan(x) or math.isnan(y), "operand not representable"
    result, raised = raised_flags(lambda: op.ufunc(a, b))
    assert as_bits(result) == _canonical(dtype, expected), why
    assert raised == flags, why
    # the oracle agrees with the hand-derived row
    ref_bits, ref_flags = op.reference_bits(int(as_bits(a)), int(as_bits(b)), reference.FORMATS[dtype])
    assert ref_bits == int(_canonical(dtype, expected)) and set(ref_flags) == flags, why


def edge_values(dtype):
    """One table per format: zeros, infinities, NaN, the subnormal and normal
    extremes, values around 1 (the worst cases) and around the square roots
    of the range limits (products that land on the overflow and underflow
    boundaries)."""
    fi = np.finfo(dtype)
    tiny, smallest, big = float(fi.tiny), float(fi.smallest_subnormal), float(fi.max)
    half_emax, half_emin = 2.0 ** (fi.maxexp // 2), 2.0 ** (fi.minexp // 2)
    magnitudes = [0.0, INF, smallest, 2 * smallest, 3 * smallest, tiny - smallest, tiny / 2,
                  tiny, tiny * 1.5, big, big / 2, 1.0, 1.5, 1.75, 2.0, 0.5, 0.75, 3.0,
                  float(np.nextafter(dtype.type(1), dtype.type(2))),
                  float(np.nextafter(dtype.type(1), dtype.type(0))),
                  half_emax, half_emax * 1.5, half_emax * 1.99, half_emin, half_emin * 1.5,
                  half_emin * 0.75]
    values = [m for m in magnitudes] + [-m for m in magnitudes] + [NAN]
    return np.array(values, dtype)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=lambda d: d.name)
def test_all_pairs_of_edge_values(op, dtype):
    values = edge_values(dtype)
    a, b = np.meshgrid(values, values, indexing="ij")
    check_against_reference(op, a, b)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=lambda d: d.name)
def test_flags_of_edge_pairs_match_reference(op, dtype):
    values = edge_values(dtype)
    for x in values:
        for y in values[::3]:
            _, raised = raised_flags(lambda: op.ufunc(x, y))
            _, (ref_flags,) = reference_bits_array(op, np.array([x]), np.array([y]))
            assert raised == set(ref_flags), (x, y)


def test_flags_union_over_an_array(op):
    # one call, several exceptions: all of them reach np.errstate
    a = np.float32([0.0, 2.0 ** 127, 2.0 ** -149, 1.0])
    b = np.float32([INF, 4.0, 0.5, 0.0])
    _, raised = raised_flags(lambda: op.ufunc(a, b))
    _, per_element = reference_bits_array(op, a, b)
    assert raised == set().union(*per_element)


def test_errstate_raise_and_warnings():
    with np.errstate(divide="raise"):
        with pytest.raises(FloatingPointError, match="divide by zero encountered in div"):
            mitchell.div(np.float32(1), np.float32(0))
    with pytest.warns(RuntimeWarning, match="overflow encountered in mul"):
        mitchell.mul(np.float32(3e38), np.float32(3e38))
    with np.errstate(all="ignore"):  # ignoring loses nothing: the values are still right
        assert np.isinf(mitchell.mul(np.float32(3e38), np.float32(3e38)))


def test_flags_persist_across_calls_are_not_cleared():
    """mitchell never clears the FP status: an exception raised before the call is not hidden."""
    seen = []
    with np.errstate(all="call", call=lambda kind, bits: seen.append(bits)):
        np.float32(1) / np.float32(0)
        mitchell.mul(np.float32(1), np.float32(2))
    assert seen and seen[0] & 1
