"""``mitchell.matmul(..., variant=...)`` against the sequential sum of the variant's products.

docs/semantics.md ("Matrix products") and the ``matmul`` docstring: every
scalar product is the variant's ``mul`` of the two elements (in the products'
format: float16 and bfloat16 products are exact in their format) and the sum
of one output element is ``c = +0; c = c + p_k`` in increasing ``k``, in the
accumulator's format (float32 for float16/bfloat16 products by default); int8
and uint8 operands give the variant's integer products before any saturation
to 16 bits, added in int32.  The expected values are built from the
elementwise ufuncs ``mitchell.variants[name].mul`` (held to mitchell.reference
bit for bit in test_variants.py) and, for one small case per format, from
mitchell.reference directly.  Every instruction set, one and two threads, the
fast path (normal products) and the fallback (products leaving the format's
normal range, infinities and NaNs).
"""

import numpy as np
import pytest

import mitchell
from mitchell import _isa, reference
from mitchell.linalg import get_num_threads, set_num_threads

VARIANTS = [name for name in mitchell.variants if not name.startswith("ilm")]


@pytest.fixture(params=_isa.available())
def isa(request):
    previous = _isa.active()
    assert _isa.set_isa(request.param) == request.param
    yield request.param
    _isa.set_isa(previous)


@pytest.fixture(params=[1, 2], ids=lambda n: f"threads{n}")
def threads(request):
    previous = get_num_threads()
    set_num_threads(request.param)
    yield request.param
    set_num_threads(previous)


def product_dtype(name):
    if name == "bfloat16":
        return np.dtype(pytest.importorskip("ml_dtypes").bfloat16)
    return np.dtype(name)


def sequential(a, b, variant, acc):
    """sum_k mul_variant(a[i, k], b[k, j]), in increasing k from +0, in ``acc``."""
    mul = mitchell.variants[variant].mul
    with np.errstate(all="ignore"):
        if a.dtype.kind in "iu":  # the integer products before saturation: int32 operands never saturate
            products = mul(a.astype(np.int32)[:, :, None], b.astype(np.int32)[None, :, :])
        else:
            products = mul(a[:, :, None], b[None, :, :])
            assert products.dtype == a.dtype
        total = np.zeros((a.shape[0], b.shape[1]), acc)
        for k in range(a.shape[1]):
            total = total + products[:, k, :].astype(acc)
    return total


def assert_same_bits(actual, expected):
    """Equal bits; a NaN may be any NaN (docs/matmul.md: inf + (-inf) gives the hardware's NaN)."""
    assert actual.dtype == expected.dtype and actual.shape == expected.shape
    if actual.dtype.kind == "f":
        nan = np.isnan(actual)
        assert np.array_equal(nan, np.isnan(expected)), "NaNs in different places"
        actual, expected = np.where(nan, 0, actual), np.where(nan, 0, expected)
    width = f"u{actual.dtype.itemsize}"
    bad = np.flatnonzero(actual.view(width).ravel() != expected.view(width).ravel())
    assert not bad.size, (f"{bad.size} of {actual.size} differ, e.g. [{bad[0]}] got {actual.ravel()[bad[0]]!r}, "
                          f"expected {expected.ravel()[bad[0]]!r}")


def data(rng, shape, dtype, kind):
    """float data: 'normal' keeps every product well inside the format's normal range (the fast
    path); 'wide' spans the range, so products overflow and underflow; 'special' adds zeros,
    infinities and NaNs."""
    info = np.finfo(np.float32 if dtype.name == "bfloat16" else dtype)
    if kind == "normal":
        x = rng.uniform(0.5, 2.0, shape) * rng.choice([-1.0, 1.0], shape)
    else:
        half = np.log2(float(info.max)) * 0.6
        x = np.exp2(rng.uniform(-half, half, shape)) * rng.choice([-1.0, 1.0], shape)
    with np.errstate(all="ignore"):
        x = x.astype(dtype)
    if kind == "special":
        where = rng.random(shape)
        x[where < 0.03] = np.inf
        x[(where >= 0.03) & (where < 0.05)] = np.nan
        x[(where >= 0.05) & (where < 0.15)] = 0
    return x


SHAPES = [(1, 7, 1), (5, 16, 9), (37, 53, 29), (64, 33, 70)]


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "x".join(map(str, s)))
@pytest.mark.parametrize("kind", ["normal", "wide", "special"])
@pytest.mark.parametrize("name, acc", [("float32", "float32"), ("float64", "float64"), ("float32", "float64"),
                                       ("float16", "float32"), ("bfloat16", "float32"), ("float16", "float64")],
                         ids=lambda x: x if isinstance(x, str) else None)
@pytest.mark.parametrize("variant", VARIANTS)
def test_float_matmul_is_the_sequential_sum(variant, name, acc, kind, shape, isa, threads):
    dtype = product_dtype(name)
    m, k, n = shape
    rng = np.random.default_rng([m, k, n, len(kind), VARIANTS.index(variant)])
    a, b = data(rng, (m, k), dtype, kind), data(rng, (k, n), dtype, kind)
    with np.errstate(all="ignore"):
        got = mitchell.matmul(a, b, variant=variant, acc_dtype=None if acc == name else np.dtype(acc))
    assert_same_bits(got, sequential(a, b, variant, np.dtype(acc)))


@pytest.mark.parametrize("name", ["int8", "uint8"])
@pytest.mark.parametrize("variant", VARIANTS)
def test_integer_matmul_is_the_int32_sum(variant, name, isa, threads):
    """The variant's integer products (the float64 product rounded to nearest, not saturated
    to 16 bits: uint8 255 * 255 with lmul is 68608) added in int32, over every int8/uint8
    value and the extremes in long rows."""
    info = np.iinfo(name)
    rng = np.random.default_rng(VARIANTS.index(variant))
    every = np.arange(info.min, info.max + 1).astype(name)
    a = np.concatenate([every.reshape(4, 64), np.full((1, 64), info.max, name), np.full((1, 64), info.min, name)])
    b = np.concatenate([rng.permutation(every).reshape(64, 4), np.full((64, 1), info.max, name),
                        np.full((64, 1), info.min, name)], axis=1)
    for x, y in ((a, b), (rng.integers(info.min, info.max, (33, 300), name, endpoint=True),
                          rng.integers(info.min, info.max, (300, 17), name, endpoint=True))):
        got = mitchell.matmul(x, y, variant=variant)
        assert got.dtype == np.int32
        assert np.array_equal(got, sequential(x, y, variant, np.dtype(np.int32)))


@pytest.mark.parametrize("variant", VARIANTS)
def test_dtype_converts_float64_data_to_float32_products(variant, isa):
    rng = np.random.default_rng(4)
    a, b = rng.standard_normal((19, 40)), rng.standard_normal((40, 23))
    got = mitchell.matmul(a, b, variant=variant, dtype=np.float32)
    expected = sequential(a.astype(np.float32), b.astype(np.float32), variant, np.dtype(np.float32))
    assert_same_bits(got, expected)


@pytest.mark.parametrize("name", ["float16", "bfloat16", "float32", "float64"])
@pytest.mark.parametrize("variant", VARIANTS)
def test_products_are_the_oracle_products(variant, name):
    """One small case per format with products from mitchell.reference itself (no ufunc involved)."""
    dtype = product_dtype(name)
    fmt = reference.FORMATS[name]
    rng = np.random.default_rng(9)
    a, b = data(rng, (3, 6), dtype, "special"), data(rng, (6, 4), dtype, "wide")
    acc = np.dtype(np.float64 if name == "float64" else np.float32)
    bits, _ = reference.mul_bits_array(a.view(fmt.uint_dtype)[:, :, None], b.view(fmt.uint_dtype)[None, :, :],
                                       fmt, variant)
    products = bits.view(dtype)
    expected = np.zeros((3, 4), acc)
    with np.errstate(all="ignore"):
        for k in range(6):
            expected = expected + products[:, k, :].astype(acc)
        got = mitchell.matmul(a, b, variant=variant)
    assert_same_bits(got, expected)


def test_ilm_has_no_matrix_product():
    x = np.ones((2, 2), np.int8)
    with pytest.raises(ValueError, match="elementwise"):
        mitchell.matmul(x, x, variant="ilm1")


@pytest.mark.parametrize("name", ["float16", "bfloat16"])
@pytest.mark.parametrize("variant", VARIANTS)
def test_products_below_the_normal_range(variant, name, isa):
    """Normal operands whose product is subnormal in the products' format, rounds to its smallest
    normal, or to zero: each product is mul's value in that format (gradual underflow), then
    converted to float32 and summed.  bfloat16: 2^-63 * 2^-64 = 2^-127, 2^-64 * 2^-64 = 2^-128;
    float16: 2^-7 * 2^-8 = 2^-15, 2^-8 * 2^-8 = 2^-16."""
    dtype = product_dtype(name)
    fmt = reference.FORMATS[name]
    exponents = np.arange(fmt.emin - fmt.frac_bits - 2, fmt.emin + 1)  # from below the grid to 2^emin
    x = np.concatenate([np.exp2(exponents // 2) * f for f in (1.0, 1.5, -1.25)]).astype(dtype)
    y = np.concatenate([np.exp2(-(-exponents // 2)) * f for f in (1.0, 1.75)]).astype(dtype)
    for k in (1, 3):  # outer products; then each entry the sum of three equal products
        a = np.ascontiguousarray(np.repeat(x[:, None], k, axis=1))
        b = np.ascontiguousarray(np.repeat(y[None, :], k, axis=0))
        with np.errstate(all="ignore"):
            got = mitchell.matmul(a, b, variant=variant)
        assert_same_bits(got, sequential(a, b, variant, np.dtype(np.float32)))
