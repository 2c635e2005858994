"""Mitchell's integer algorithm: type rules, values, saturation, lut.

Expected values come from `mitchell_product` below, written from Mitchell's
definition with exact fractions (not from the C or numba code): for
|a| = 2^k1 (1 + x1) and |b| = 2^k2 (1 + x2), the product is
2^(k1+k2) (1 + x1 + x2), or 2^(k1+k2+1) (x1 + x2) when x1 + x2 >= 1.
"""

from fractions import Fraction

import numpy as np
import pytest

import mitchell
from conftest import BACKENDS
from fpflags import raised_flags

# (input type, mul output type): twice as wide, so no product wraps
WIDENING = [(np.int8, np.int16), (np.uint8, np.uint16), (np.int16, np.int32),
            (np.uint16, np.uint32), (np.int32, np.int64), (np.uint32, np.uint64)]


def mitchell_product(a, b):
    """Mitchell's product of two Python ints, exactly."""
    if a == 0 or b == 0:
        return 0
    k1, k2 = abs(a).bit_length() - 1, abs(b).bit_length() - 1
    x1 = Fraction(abs(a), 2 ** k1) - 1
    x2 = Fraction(abs(b), 2 ** k2) - 1
    magnitude = 2 ** (k1 + k2) * (1 + x1 + x2) if x1 + x2 < 1 else 2 ** (k1 + k2 + 1) * (x1 + x2)
    assert magnitude.denominator == 1  # 2^(k1+k2) x1 = (|a| - 2^k1) 2^k2 is an integer
    return int(magnitude) * (-1 if (a < 0) != (b < 0) else 1)


@pytest.fixture(params=sorted(BACKENDS))
def backend(request):
    return BACKENDS[request.param]


def test_formula_spot_values():
    # by hand: 3 = 2(1 + 1/2), so 3*3 -> 2^(1+1+1)(1/2 + 1/2) = 8; 3*5 -> 2^3(1 + 1/2 + 1/4) = 14
    assert mitchell_product(3, 3) == 8
    assert mitchell_product(-3, 5) == -14
    assert mitchell_product(127, 127) == 16128  # 127 = 64(1 + 63/64): 2^13 * 63/64
    assert mitchell_product(-128, -128) == 16384  # powers of two are exact


@pytest.mark.parametrize("in_type, out_type", WIDENING[:2], ids=lambda t: np.dtype(t).name)
def test_all_8bit_pairs(backend, in_type, out_type):
    values = np.arange(256, dtype=np.uint8).view(in_type)
    a, b = np.meshgrid(values, values, indexing="ij")
    got = backend.mul(a, b)
    assert got.dtype == out_type
    products = {}
    expected = np.array([[products.setdefault((x, y), mitchell_product(x, y)) for y in values.tolist()]
                         for x in values.tolist()], dtype=out_type)
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("in_type, out_type", WIDENING[2:], ids=lambda t: np.dtype(t).name)
def test_random_wider_pairs(backend, in_type, out_type):
    info = np.iinfo(in_type)
    rng = np.random.default_rng(np.dtype(in_type).itemsize)
    # uniform values, plus values with few significant bits (all magnitudes)
    uniform = rng.integers(info.min, info.max, 3000, dtype=in_type, endpoint=True)
    shifted = (uniform >> rng.integers(0, info.bits - 1, 3000).astype(in_type)).astype(in_type)
    a = np.concatenate([uniform, shifted, [info.min, info.max, 0, 1, info.max]]).astype(in_type)
    b = np.concatenate([shifted, uniform, [info.min, info.max, info.min, info.min, 1]]).astype(in_type)
    got = backend.mul(a, b)
    assert got.dtype == out_type
    expected = [mitchell_product(x, y) for x, y in zip(a.tolist(), b.tolist())]
    assert got.tolist() == expected


def test_products_never_exceed_the_exact_product(backend):
    info = np.iinfo(np.int32)
    a = np.array([info.min, info.min, info.max, -1, 46341], np.int32)
    b = np.array([info.min, info.max, info.max, info.min, 46341], np.int32)
    got = backend.mul(a, b).astype(object)
    exact = a.astype(object) * b.astype(object)
    assert all(abs(g) <= abs(e) and (g < 0) == (e < 0) for g, e in zip(got, exact))
    assert got[0] == 2 ** 62  # (-2^31)^2: exact for powers of two, fits int64


@pytest.mark.parametrize("int_type", [np.int64, np.uint64], ids=lambda t: np.dtype(t).name)
def test_64bit_products_saturate_with_the_overflow_flag(backend, int_type):
    info = np.iinfo(int_type)
    big = np.array([info.max, 2 ** 32, 3 << 30], int_type)
    result, flags = raised_flags(lambda: backend.mul(big, big))
    assert result.dtype == int_type
    # 3<<30 = 2^31 (1 + 1/2): 2^(31+31+1)(1/2 + 1/2) = 2^63 fits uint64 only
    expected_last = 2 ** 63 if int_type == np.uint64 else info.max
    assert result.tolist() == [info.max, info.max, expected_last]
    assert flags == {"overflow"}
    fits, flags = raised_flags(lambda: backend.mul(np.array([3, 1 << 40], int_type), np.array([5, 1 << 20], int_type)))
    assert fits.tolist() == [14, 1 << 60] and flags == set()
    if int_type == np.int64:
        negative, flags = raised_flags(lambda: backend.mul(np.int64([info.min, info.min]), np.int64([1, -2])))
        assert negative.tolist() == [info.min, info.max] and flags == {"overflow"}


@pytest.mark.parametrize("int_type", [t for t, _ in WIDENING], ids=lambda t: np.dtype(t).name)
def test_integer_div_is_float64_of_exact_operands(backend, int_type):
    info = np.iinfo(int_type)
    rng = np.random.default_rng(7)
    a = rng.integers(info.min, info.max, 500, dtype=int_type, endpoint=True)
    b = rng.integers(info.min, info.max, 500, dtype=int_type, endpoint=True)
    b[b == 0] = 1
    got = backend.div(a, b)
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got.view(np.uint64),
                                  backend.div(a.astype(np.float64), b.astype(np.float64)).view(np.uint64))
    _, flags = raised_flags(lambda: backend.div(np.array([1], int_type), np.array([0], int_type)))
    assert flags == {"divide"}


@pytest.mark.parametrize("a_type, b_type, expected", [
    (np.int8, np.int8, np.int16), (np.int8, np.uint8, np.int32), (np.uint8, np.uint16, np.uint32),
    (np.int8, np.float32, np.float32), (np.int32, np.float32, np.float64),
    (np.int16, np.float16, np.float32), (np.bool_, np.bool_, np.int16),
    (np.int64, np.uint64, np.float64)],
    ids=lambda t: np.dtype(t).name)
def test_type_resolution(backend, a_type, b_type, expected):
    """Mixed inputs take the first loop both cast to safely, as NumPy resolves types."""
    assert backend.mul(np.ones(2, a_type), np.ones(2, b_type)).dtype == expected


def test_python_scalars():
    assert mitchell.mul(3, 5) == 14 and mitchell.mul(3, 5).dtype == np.int64
    assert mitchell.mul(np.int8([3]), 5).dtype == np.int16  # NEP 50: the Python int is weak
    assert mitchell.mul(np.int8([3]), 2.5).dtype == np.float64  # as np.multiply


@pytest.mark.parametrize("dtype, out_type", WIDENING[:2], ids=lambda t: np.dtype(t).name)
def test_lut(dtype, out_type):
    table = mitchell.lut(dtype)
    assert table.shape == (256, 256) and table.dtype == out_type
    values = np.arange(256, dtype=np.uint8).view(dtype).tolist()
    for i in (0, 1, 3, 100, 127, 128, 200, 255):  # rows spot-checked against the definition
        assert table[i].tolist() == [mitchell_product(values[i], y) for y in values]
    a = np.array([-128, -3, 5, 127], np.int8).astype(dtype)
    b = np.array([7, -3, 0, 127], np.int8).astype(dtype)
    np.testing.assert_array_equal(table[a.view(np.uint8), b.view(np.uint8)], mitchell.mul(a, b))


@pytest.mark.parametrize("dtype", [np.int16, np.float32, np.uint64])
def test_lut_rejects_other_types(dtype):
    with pytest.raises(ValueError, match="8-bit"):
        mitchell.lut(dtype)


def test_reductions_of_narrow_integers_need_a_wide_dtype(backend):
    """Each product widens, so (int8, int8) -> int16 cannot be chained by
    reduce; with dtype=int64 the int64 loop runs (as documented)."""
    x = np.int8([3, 5, 7])
    with pytest.raises(TypeError, match="reduce"):
        backend.mul.reduce(x)
    # 3*5 -> 14 (by hand above); 14 = 8(1 + 3/4), 7 = 4(1 + 3/4): 2^(3+2+1)(3/4 + 3/4) = 96
    assert backend.mul.reduce(x, dtype=np.int64) == 96 == mitchell_product(14, 7)
    assert backend.mul.accumulate(x, dtype=np.int64).tolist() == [3, 14, 96]
