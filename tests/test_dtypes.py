"""ml_dtypes' bfloat16, float8_e4m3fn and float8_e5m2: every backend against the oracle.

The 8-bit formats are swept exhaustively (all 256 x 256 pairs); bfloat16 on
random bit patterns.  Expected values come from mitchell.reference (written
from docs/semantics.md); the e4m3fn table rows are derived by hand.
"""

import numpy as np
import pytest

from conftest import BACKENDS
from fpflags import raised_flags
from mitchell import reference

ml_dtypes = pytest.importorskip("ml_dtypes")

FORMATS = ["bfloat16", "float8_e4m3fn", "float8_e5m2"]
OPS = ["mul", "div"]


@pytest.fixture(params=sorted(BACKENDS))
def backend(request):
    return BACKENDS[request.param]


def edge_bits(fmt):
    """Zeros, subnormal and normal extremes, values around 1, infinity, NaN; both signs."""
    one = fmt.bias << fmt.frac_bits
    half = 1 << (fmt.frac_bits - 1)  # fraction 1/2: the worst cases
    magnitudes = [0, 1, 2, 3, fmt.frac_mask, fmt.min_normal_bits, fmt.min_normal_bits | half,
                  one, one | half, one | fmt.frac_mask, one - 1, fmt.max_finite_bits,
                  fmt.max_finite_bits - 1, (fmt.emax // 2 + fmt.bias) << fmt.frac_bits, fmt.qnan_bits]
    if fmt.has_inf:
        magnitudes.append(fmt.inf_bits)
    return np.array(magnitudes + [m | fmt.sign_mask for m in magnitudes], fmt.uint_dtype)


def operand_bits(fmt):
    """All pairs for 8-bit formats; for bfloat16 all pairs of its edge values
    plus random bit patterns."""
    if fmt.width == 8:
        a, b = np.meshgrid(np.arange(256, dtype=np.uint8), np.arange(256, dtype=np.uint8))
        return a.ravel(), b.ravel()
    edges = edge_bits(fmt)
    ea, eb = np.meshgrid(edges, edges)
    rng = np.random.default_rng(16)
    a = rng.integers(0, 1 << 16, 20000).astype(np.uint16)
    b = rng.integers(0, 1 << 16, 20000).astype(np.uint16)
    return np.concatenate([ea.ravel(), a]), np.concatenate([eb.ravel(), b])


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("name", FORMATS)
def test_bits_equal_reference(backend, op, name):
    fmt = reference.FORMATS[name]
    dtype = np.dtype(getattr(ml_dtypes, name))
    a, b = operand_bits(fmt)
    expected, expected_flags = getattr(reference, f"{op}_bits_array")(a, b, fmt)
    got, flags = raised_flags(lambda: getattr(backend, op)(a.view(dtype), b.view(dtype)))
    assert got.dtype == dtype
    np.testing.assert_array_equal(got.view(a.dtype), expected)
    assert flags == set(expected_flags)


E4M3FN_NAN = 0x7F  # S.1111.111 with S = 0: the canonical (positive) NaN

# (op, x, y, expected value or "nan", flags, why)
E4M3FN_RULES = [
    ("mul", 448.0, 1.0, 448.0, set(), "largest finite (S.1111.110) times the identity"),
    ("mul", 256.0, 1.75, 448.0, set(), "L = 8 + 0.75: the top binade is finite in e4m3fn"),
    ("mul", 448.0, 2.0, "nan", {"overflow"}, "L = 9.75 > emax = 8: no infinity, NaN as ml_dtypes gives"),
    ("mul", 256.0, 1.875, "nan", {"overflow"}, "L = 8 + 0.875 is the NaN pattern S.1111.111: overflow"),
    ("mul", -448.0, 2.0, "nan", {"overflow"}, "NaN results are positive, whatever the sign"),
    ("div", 1.0, 0.0, "nan", {"divide"}, "x / 0 would be infinite: NaN with the divide flag"),
    ("div", 0.0, 0.0, "nan", {"invalid"}, "0 / 0"),
    ("mul", "nan", 0.0, "nan", set(), "NaN in, NaN out, quiet"),
    ("mul", 2.0 ** -9, 0.5, 0.0, {"underflow"}, "2^-10 is a tie between 0 and the smallest subnormal 2^-9"),
    ("div", 2.0 ** -6, 4.0, 2.0 ** -8, set(), "exact subnormal quotient"),
]


@pytest.mark.parametrize("op, x, y, expected, flags, why", E4M3FN_RULES,
                         ids=[f"{r[0]}-{r[1]}-{r[2]}" for r in E4M3FN_RULES])
def test_e4m3fn_special_values(backend, op, x, y, expected, flags, why):
    dtype = np.dtype(ml_dtypes.float8_e4m3fn)

    def encode(v):
        return np.array([E4M3FN_NAN], np.uint8).view(dtype) if v == "nan" else np.array([v], dtype)

    a, b = encode(x), encode(y)
    assert x == "nan" or float(a[0]) == x
    got, raised = raised_flags(lambda: getattr(backend, op)(a, b))
    want = E4M3FN_NAN if expected == "nan" else int(np.array([expected], dtype).view(np.uint8)[0])
    assert int(got.view(np.uint8)[0]) == want, why
    assert raised == flags, why


def test_e4m3fn_overflow_convention_is_ml_dtypes():
    """ml_dtypes converts values beyond the largest finite to NaN, not to 448."""
    dtype = ml_dtypes.float8_e4m3fn
    assert np.isnan(float(np.float32(1e4).astype(dtype)))
    assert np.isnan(float(np.float32(np.inf).astype(dtype)))
    assert float(np.float32(448).astype(dtype)) == 448


def test_e5m2_overflows_to_infinity(backend):
    dtype = np.dtype(ml_dtypes.float8_e5m2)
    got, flags = raised_flags(lambda: backend.mul(np.array([57344.0], dtype), np.array([2.0], dtype)))
    assert np.isinf(float(got[0])) and flags == {"overflow"}


@pytest.mark.parametrize("other", ["float16", "float32", "int8", "python float", "float8_e5m2"])
@pytest.mark.parametrize("name", FORMATS)
def test_mixed_types_promote_like_numpy(backend, name, other):
    x = np.array([1.5, 3.0], getattr(ml_dtypes, name))
    y = 2.0 if other == "python float" else np.array([1.5, 2.0], getattr(ml_dtypes, other, other))
    assert backend.mul(x, y).dtype == np.multiply(x, y).dtype
    assert backend.mul(y, x).dtype == np.multiply(y, x).dtype
    assert backend.div(y, x).dtype == np.divide(y, x).dtype


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("name", ["float16", "bfloat16"])
def test_float32_route_gives_the_same_bits(backend, op, name):
    """docs/semantics.md argues that widening to float32, applying the float32
    semantics and rounding back (NumPy / ml_dtypes casts, nearest-even) gives
    the native result for these formats; check it on random bit patterns."""
    dtype = np.dtype(np.float16 if name == "float16" else getattr(ml_dtypes, name))
    rng = np.random.default_rng(32)
    a = rng.integers(0, 1 << 16, 100_000).astype(np.uint16).view(dtype)
    b = rng.integers(0, 1 << 16, 100_000).astype(np.uint16).view(dtype)
    ufunc = getattr(backend, op)
    with np.errstate(all="ignore"):
        native = ufunc(a, b)
        route = ufunc(a.astype(np.float32), b.astype(np.float32)).astype(dtype)
    numbers = ~np.isnan(native.astype(np.float32))  # NaN payloads differ by design
    np.testing.assert_array_equal(native.view(np.uint16)[numbers], route.view(np.uint16)[numbers])
    assert np.isnan(route.astype(np.float32)[~numbers]).all()


@pytest.mark.parametrize("name", sorted(BACKENDS))
def test_loops_arrive_when_ml_dtypes_is_imported_after_mitchell(name):
    """import mitchell does not import ml_dtypes (most of a second); the loops
    and the Python-float promotion appear the moment the user imports it."""
    import os
    import subprocess
    import sys

    code = """if True:
        import sys
        import numpy as np
        if sys.argv[1] == "c":
            from mitchell import _ufuncs as ufuncs
        else:
            import mitchell.numba as ufuncs
        ufuncs.mul  # the numba ufuncs exist before ml_dtypes does
        assert "ml_dtypes" not in sys.modules, "import mitchell imported ml_dtypes"
        import ml_dtypes
        x = np.array([1.5, 3.0], ml_dtypes.bfloat16)
        assert ufuncs.mul(x, x).dtype == x.dtype, ufuncs.mul(x, x).dtype
        assert ufuncs.mul(2.0, x).dtype == np.multiply(2.0, x).dtype
        assert float(ufuncs.mul(x, x)[1]) == 8.0      # Mitchell: 3 * 3 -> 8
        assert type(ml_dtypes.__loader__).__module__ != "mitchell._ml_dtypes"
    """
    subprocess.run([sys.executable, "-c", code, name], check=True, env=os.environ.copy())
