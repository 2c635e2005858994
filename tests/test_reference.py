"""Tests of the pure-Python oracle ``mitchell/reference.py`` itself.

Expected values are derived by hand from docs/semantics.md (the derivation is in
the comment next to each value) or recomputed independently with
``fractions.Fraction`` arithmetic that does not use ``reference.decode`` /
``reference.encode``.
"""

import importlib.util
import random
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

try:
    import mitchell.reference as ref
except ImportError:  # the compiled extension imported by mitchell/__init__ is not built
    _path = Path(__file__).resolve().parents[1] / "mitchell" / "reference.py"
    _spec = importlib.util.spec_from_file_location("mitchell_reference", _path)
    ref = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(ref)

FORMAT_NAMES = ["float16", "bfloat16", "float32", "float64"]  # IEEE formats, with infinities
FINITE_FORMAT_NAMES = ["float8_e4m3fn"]  # tested in test_dtypes.py
OTHER_FORMAT_NAMES = ["float8_e5m2"]  # IEEE-like, swept exhaustively in test_dtypes.py
NONE = frozenset()


# ---------------------------------------------------------------- helpers
# These go through NumPy's own conversions, not through the oracle.


def bits_of(value, fmt):
    """Bit pattern of the float ``value`` (must be exactly representable)."""
    if fmt.name == "bfloat16":  # bfloat16 is the top half of float32
        b32 = int(np.array(value, dtype=np.float32).view(np.uint32))
        assert b32 & 0xFFFF == 0 or np.isnan(value), f"{value} is not a bfloat16"
        return b32 >> 16
    arr = np.array(value, dtype=fmt.name)
    assert np.isnan(value) or float(arr) == value, f"{value} is not a {fmt.name}"
    return int(arr.view(fmt.uint_dtype))


def float_of(bits, fmt):
    """Python float of a bit pattern (NumPy conversion)."""
    if fmt.name == "bfloat16":
        return float(np.array(bits << 16, dtype=np.uint32).view(np.float32))
    return float(np.array(bits, dtype=fmt.uint_dtype).view(fmt.name))


def fraction_of(bits, fmt):
    return Fraction(float_of(bits, fmt))


def floor_log2(v):
    """floor(log2(v)) for a positive Fraction, by integer comparisons."""
    e = v.numerator.bit_length() - v.denominator.bit_length()
    while Fraction(2) ** e > v:
        e -= 1
    while Fraction(2) ** (e + 1) <= v:
        e += 1
    return e


def mitchell_log(v):
    """e + f for |v| = 2^e (1 + f), exact, from the value alone."""
    v = abs(v)
    e = floor_log2(v)
    return e + (v / Fraction(2) ** e - 1)


def slow_kernel(op, a, b, fmt, correction=Fraction(0)):
    """Independent Fraction oracle for finite nonzero a, b: (bits, flags).

    ``correction`` is added to the log sum (a variant's kappa / 2^p)."""
    va, vb = fraction_of(a, fmt), fraction_of(b, fmt)
    L = mitchell_log(va) + mitchell_log(vb) if op == "mul" else mitchell_log(va) - mitchell_log(vb)
    L += correction
    E = L.numerator // L.denominator  # floor
    F = L - E
    sign = int((va < 0) != (vb < 0))
    sign_bit = sign << (fmt.width - 1)
    value = Fraction(2) ** E * (1 + F)
    if E > fmt.emax:
        return sign_bit | fmt.exp_mask, frozenset({"overflow"})
    if E >= fmt.emin:
        scaled = F * 2**fmt.frac_bits
        assert scaled.denominator == 1  # frac(L) fits the fraction field exactly
        return sign_bit | ((E + fmt.bias) << fmt.frac_bits) | int(scaled), NONE
    quantum = Fraction(2) ** (fmt.emin - fmt.frac_bits)
    n = round(value / quantum)  # Fraction.__round__ is round-half-even
    return sign_bit | n, (frozenset({"underflow"}) if n * quantum != value else NONE)


def random_finite_nonzero(rng, fmt):
    while True:
        b = rng.getrandbits(fmt.width)
        if b & fmt.exp_mask != fmt.exp_mask and b & ~fmt.sign_mask:
            return b


def random_normal(rng, fmt, exponents=None):
    lo, hi = exponents if exponents else (fmt.emin, fmt.emax)
    e = rng.randint(lo, hi)
    return (rng.getrandbits(1) << (fmt.width - 1)) | ((e + fmt.bias) << fmt.frac_bits) | rng.getrandbits(fmt.frac_bits)


@pytest.fixture(params=FORMAT_NAMES)
def fmt(request):
    return ref.FORMATS[request.param]


# ---------------------------------------------------------------- formats


@pytest.mark.parametrize(
    "name, bias, emin, emax, qnan",
    [
        # bias = 2^(exp_bits-1) - 1; qnan = exponent all ones | top fraction bit
        ("float16", 15, -14, 15, 0x7E00),
        ("bfloat16", 127, -126, 127, 0x7FC0),
        ("float32", 127, -126, 127, 0x7FC00000),
        ("float64", 1023, -1022, 1023, 0x7FF8000000000000),
        # no infinity: the top binade is finite (emax = bias + 1), NaN = S.1111.111
        ("float8_e4m3fn", 7, -6, 8, 0x7F),
        ("float8_e5m2", 15, -14, 15, 0x7E),
    ],
)
def test_format_constants(name, bias, emin, emax, qnan):
    fmt = ref.FORMATS[name]
    assert (fmt.bias, fmt.emin, fmt.emax, fmt.qnan_bits) == (bias, emin, emax, qnan)
    assert sorted(ref.FORMATS) == sorted(FORMAT_NAMES + FINITE_FORMAT_NAMES + OTHER_FORMAT_NAMES)


def test_format_constants_match_numpy():
    for name in ["float16", "float32", "float64"]:
        fmt, info = ref.FORMATS[name], np.finfo(name)
        assert (fmt.frac_bits, fmt.emin, fmt.emax + 1) == (info.nmant, info.minexp, info.maxexp)
        assert float_of(fmt.max_finite_bits, fmt) == float(info.max)
        assert float_of(fmt.min_normal_bits, fmt) == float(info.smallest_normal)
        assert np.isnan(float_of(fmt.qnan_bits, fmt))


# ---------------------------------------------------------------- decode

F16 = ref.FORMATS["float16"]


@pytest.mark.parametrize(
    "bits, kind, sign, e, m",
    [
        (0x3C00, "normal", 0, 0, 0),  # 1.0 = 2^0 (1 + 0)
        (0x3E00, "normal", 0, 0, 512),  # 1.5 = 2^0 (1 + 1/2), m = 512/1024
        (0xC200, "normal", 1, 1, 512),  # -3.0 = -2^1 (1 + 1/2)
        (0x7BFF, "normal", 0, 15, 1023),  # 65504 = 2^15 (1 + 1023/1024)
        (0x0400, "normal", 0, -14, 0),  # smallest normal 2^-14
        (0x0001, "subnormal", 0, -24, 0),  # 1 * 2^-24 = 2^-24 (1 + 0)
        (0x0003, "subnormal", 0, -23, 512),  # 3 * 2^-24 = 2^-23 (1 + 1/2)
        (0x03FF, "subnormal", 0, -15, 1022),  # 1023 * 2^-24 = 2^-15 (1 + 511/512)
        (0x8200, "subnormal", 1, -15, 0),  # -512 * 2^-24 = -2^-15
        (0x0000, "zero", 0, 0, 0),
        (0x8000, "zero", 1, 0, 0),
        (0x7C00, "inf", 0, 0, 0),
        (0xFC00, "inf", 1, 0, 0),
        (0x7E00, "nan", 0, 0, 0),
        (0x7C01, "nan", 0, 0, 0),  # signalling NaN
        (0xFE00, "nan", 1, 0, 0),
    ],
    ids=lambda v: f"{v:#06x}" if isinstance(v, int) and v > 255 else None,
)
def test_decode_float16(bits, kind, sign, e, m):
    d = ref.decode(bits, F16)
    assert (d.kind, d.sign, d.e, d.m) == (kind, sign, e, m)


@pytest.mark.parametrize("name", ["float16", "bfloat16"])
def test_decode_exhaustive(name):
    # Every 16-bit pattern: the decoded value equals NumPy's conversion, and
    # (e, f) is the normalised form 2^e <= |x| < 2^(e+1), f = |x|/2^e - 1.
    fmt = ref.FORMATS[name]
    patterns = np.arange(1 << 16, dtype=np.uint32)
    if name == "bfloat16":
        floats = (patterns << 16).view(np.float32).tolist()
    else:
        floats = patterns.astype(np.uint16).view(np.float16).tolist()
    for bits, x in enumerate(floats):
        d = ref.decode(bits, fmt)
        assert d.sign == (bits >> 15)
        if np.isnan(x):
            assert d.kind == "nan"
        elif np.isinf(x):
            assert d.kind == "inf"
        elif x == 0:
            assert d.kind == "zero" and d.value == 0
        else:
            v = Fraction(x)
            assert d.value == v
            assert d.e == floor_log2(abs(v))
            assert d.f == abs(v) / Fraction(2) ** d.e - 1
            assert d.kind == ("normal" if abs(x) >= 2.0**fmt.emin else "subnormal")


# ---------------------------------------------------------------- encode


@pytest.mark.parametrize(
    "sign, E, F, expected, flags",
    [
        # float16: p = 10, emin = -14, emax = 15, subnormal quantum 2^-24.
        (0, 0, 0, 0x3C00, NONE),  # 2^0 * 1 = 1.0
        (0, 0, 512, 0x3E00, NONE),  # 2^0 * 1.5
        (1, 15, 1023, 0xFBFF, NONE),  # -2^15 (2 - 2^-10) = -65504, largest finite
        (0, 16, 0, 0x7C00, {"overflow"}),  # floor(L) = 16 > emax
        (1, 40, 77, 0xFC00, {"overflow"}),  # sign kept on overflow
        (0, -14, 0, 0x0400, NONE),  # 2^-14, smallest normal
        (0, -15, 0, 0x0200, NONE),  # 2^-15 = 512 * 2^-24, exact subnormal
        (0, -15, 1022, 0x03FF, NONE),  # 2^-15 (1 + 1022/1024) = 1023 * 2^-24, exact
        (0, -15, 1, 0x0200, {"underflow"}),  # (1024+1)/2 = 512.5 quanta, tie -> 512 (even)
        (0, -15, 3, 0x0202, {"underflow"}),  # 1027/2 = 513.5, tie -> 514 (even)
        (0, -15, 1023, 0x0400, {"underflow"}),  # 2047/2 = 1023.5, tie -> 1024 = 2^-14 normal; tiny before rounding
        (0, -24, 0, 0x0001, NONE),  # 2^-24, smallest subnormal
        (0, -24, 512, 0x0002, {"underflow"}),  # 1.5 quanta, tie -> 2 (even)
        (0, -23, 256, 0x0002, {"underflow"}),  # 2^-23 * 1.25 = 2.5 quanta, tie -> 2 (even)
        (0, -24, 256, 0x0001, {"underflow"}),  # 1.25 quanta -> 1
        (0, -25, 0, 0x0000, {"underflow"}),  # 0.5 quanta, tie -> 0 (even)
        (1, -25, 0, 0x8000, {"underflow"}),  # same, sign kept: -0
        (0, -25, 1, 0x0001, {"underflow"}),  # 0.5 (1 + 2^-10) quanta > half -> 1
        (0, -26, 1023, 0x0000, {"underflow"}),  # 0.25 (2 - 2^-10) < 0.5 quanta -> 0
        (1, -5000, 5, 0x8000, {"underflow"}),  # far below the grid
    ],
)
def test_encode_float16(sign, E, F, expected, flags):
    assert ref.encode(sign, E, F, F16) == (expected, frozenset(flags))


def test_encode_accepts_fraction():
    # frac(L) = 1/2 -> fraction field 512: 1.5
    assert ref.encode(0, 0, Fraction(1, 2), F16) == (0x3E00, NONE)
    with pytest.raises(ValueError):
        ref.encode(0, 0, Fraction(1, 3), F16)  # not a multiple of 2^-10
    with pytest.raises(ValueError):
        ref.encode(0, 0, 1024, F16)  # F must be < 2^p


def test_encode_round_trips_decode(fmt):
    # encode(decode(x)) == x for every finite nonzero x: no rounding is needed.
    rng = random.Random(1)
    for _ in range(2000):
        b = random_finite_nonzero(rng, fmt)
        d = ref.decode(b, fmt)
        assert ref.encode(d.sign, d.e, d.m, fmt) == (b, NONE)


# ---------------------------------------------------------------- hand values

MUL_CASES = [
    # (x, y, mitchell result, derivation)
    (1.5, 1.5, 2.0),  # 1.5 = 2^0(1+1/2); L = 1/2 + 1/2 = 1 -> 2^1 * 1 = 2 (exact 2.25, error 1/9)
    (3.0, 3.0, 8.0),  # 3 = 2^1(1+1/2); L = 3 -> 2^3 = 8 (exact 9, error 1/9)
    (2.0, 3.0, 6.0),  # f1 = 0: L = 1 + 1.5 = 2.5 -> 2^2 * 1.5 = 6, exact
    (1.25, 1.25, 1.5),  # L = 0.25 + 0.25 = 0.5 -> 1.5 (exact 1.5625)
    (1.75, 1.75, 3.0),  # L = 0.75 + 0.75 = 1.5 -> 2 * 1.5 = 3 (exact 3.0625)
    (1.5, 1.25, 1.75),  # L = 0.75 -> 1.75 (exact 1.875)
    (0.75, 0.75, 0.5),  # 0.75 = 2^-1(1+1/2); L = -1 -> 0.5 (exact 0.5625)
    (5.0, 7.0, 32.0),  # 5 = 2^2(1+1/4), 7 = 2^2(1+3/4); L = 5 -> 32 (exact 35)
    (-1.5, 1.5, -2.0),  # sign 1 xor 0
    (-3.0, -3.0, 8.0),  # sign 1 xor 1
]

DIV_CASES = [
    (1.0, 1.5, 0.75),  # L = 0 - 0.5 -> floor -1, frac 1/2: 2^-1 * 1.5 = 0.75 (exact 2/3, error 1/8)
    (1.0, 3.0, 0.375),  # L = 0 - 1.5 = -1.5 -> 2^-2 * 1.5 = 0.375 (exact 1/3, error 1/8)
    (3.0, 1.5, 2.0),  # equal fractions: L = 1.5 - 0.5 = 1 -> 2, exact
    (6.0, 2.0, 3.0),  # f2 = 0: L = 2.5 - 1 = 1.5 -> 3, exact
    (1.5, 1.25, 1.25),  # L = 0.25 -> 1.25 (exact 1.2)
    (1.75, 1.5, 1.25),  # L = 0.25 -> 1.25 (exact 7/6)
    (1.25, 1.75, 0.75),  # L = -0.5 -> 2^-1 * 1.5 = 0.75 (exact 5/7)
    (-1.0, 1.5, -0.75),  # sign 1 xor 0
    (1.0, -3.0, -0.375),  # sign 0 xor 1
]


@pytest.mark.parametrize("x, y, expected", MUL_CASES, ids=[f"{x}*{y}" for x, y, _ in MUL_CASES])
def test_mul_hand_values(fmt, x, y, expected):
    assert ref.mul_bits(bits_of(x, fmt), bits_of(y, fmt), fmt) == (bits_of(expected, fmt), NONE)


@pytest.mark.parametrize("x, y, expected", DIV_CASES, ids=[f"{x}/{y}" for x, y, _ in DIV_CASES])
def test_div_hand_values(fmt, x, y, expected):
    assert ref.div_bits(bits_of(x, fmt), bits_of(y, fmt), fmt) == (bits_of(expected, fmt), NONE)


def test_float16_overflow_thresholds():
    # 368 = 2^8(1+7/16), 184 = 2^7(1+7/16): L = 15 + 7/8 -> 2^15 * 1.875 = 61440,
    # finite although the exact product 67712 overflows float16.
    assert ref.mul_bits(bits_of(368.0, F16), bits_of(184.0, F16), F16) == (bits_of(61440.0, F16), NONE)
    # 256 * 256: L = 8 + 8 = 16 > emax = 15 -> +inf with overflow.
    assert ref.mul_bits(0x5C00, 0x5C00, F16) == (0x7C00, frozenset({"overflow"}))
    # -32768 / 0.5: L = 15 - (-1) = 16 -> -inf with overflow.
    assert ref.div_bits(bits_of(-32768.0, F16), bits_of(0.5, F16), F16) == (0xFC00, frozenset({"overflow"}))


def test_float16_underflow_examples():
    # 2^-14 * 0.5: L = -15 -> 2^-15, an exact subnormal, no flag.
    assert ref.mul_bits(0x0400, 0x3800, F16) == (0x0200, NONE)
    # smallest subnormal squared: 2^-48 -> rounds to +0, underflow.
    assert ref.mul_bits(0x0001, 0x0001, F16) == (0x0000, frozenset({"underflow"}))
    # -2^-24 * 2^-24 keeps the sign: -0.
    assert ref.mul_bits(0x8001, 0x0001, F16) == (0x8000, frozenset({"underflow"}))
    # 3 * 2^-24 (= 2^-23 * 1.5, L = -22.5) times 0.75 (= 2^-1 * 1.5, L = -0.5):
    # L = -23 -> 2^-23 = 2 quanta, on the grid, no flag (exact product 2.25 quanta).
    assert ref.mul_bits(0x0003, 0x3A00, F16) == (0x0002, NONE)
    # (2^-14 (2 - 2^-10)) * 0.5 rounds up to the smallest normal: L = -15 + 1023/1024
    # -> 1023.5 quanta, tie -> 1024 = 2^-14; tiny before rounding -> underflow.
    assert ref.mul_bits(0x07FF, 0x3800, F16) == (0x0400, frozenset({"underflow"}))


# ---------------------------------------------------------------- special values

INF, NAN = float("inf"), float("nan")
SPECIAL_CASES = [
    # (op, x, y, expected, flags) -- IEEE rules, signs by xor, NaN canonical.
    ("mul", NAN, 1.0, NAN, NONE),
    ("mul", 1.0, NAN, NAN, NONE),
    ("mul", NAN, INF, NAN, NONE),
    ("mul", NAN, 0.0, NAN, NONE),
    ("mul", 0.0, INF, NAN, {"invalid"}),
    ("mul", -INF, 0.0, NAN, {"invalid"}),
    ("mul", -0.0, -INF, NAN, {"invalid"}),
    ("mul", 0.0, 3.0, 0.0, NONE),
    ("mul", -0.0, 3.0, -0.0, NONE),
    ("mul", 3.0, -0.0, -0.0, NONE),
    ("mul", -0.0, -0.0, 0.0, NONE),
    ("mul", 0.0, -0.0, -0.0, NONE),
    ("mul", INF, 2.0, INF, NONE),
    ("mul", INF, -2.0, -INF, NONE),
    ("mul", -INF, -INF, INF, NONE),
    ("mul", INF, -INF, -INF, NONE),
    ("div", NAN, 1.0, NAN, NONE),
    ("div", 1.0, NAN, NAN, NONE),
    ("div", NAN, 0.0, NAN, NONE),
    ("div", 0.0, 0.0, NAN, {"invalid"}),
    ("div", -0.0, 0.0, NAN, {"invalid"}),
    ("div", INF, INF, NAN, {"invalid"}),
    ("div", -INF, INF, NAN, {"invalid"}),
    ("div", 1.0, 0.0, INF, {"divide"}),
    ("div", 1.0, -0.0, -INF, {"divide"}),
    ("div", -3.0, -0.0, INF, {"divide"}),
    ("div", INF, 0.0, INF, NONE),
    ("div", INF, -0.0, -INF, NONE),
    ("div", -INF, 2.0, -INF, NONE),
    ("div", 0.0, 2.0, 0.0, NONE),
    ("div", -0.0, 2.0, -0.0, NONE),
    ("div", 0.0, -INF, -0.0, NONE),
    ("div", 2.0, INF, 0.0, NONE),
    ("div", -2.0, INF, -0.0, NONE),
    ("div", -2.0, -INF, 0.0, NONE),
]


@pytest.mark.parametrize(
    "op, x, y, expected, flags",
    SPECIAL_CASES,
    ids=[f"{op}({x!r},{y!r})" for op, x, y, _, _ in SPECIAL_CASES],
)
def test_special_values(fmt, op, x, y, expected, flags):
    kernel = ref.mul_bits if op == "mul" else ref.div_bits
    want = fmt.qnan_bits if np.isnan(expected) else bits_of(expected, fmt)
    assert kernel(bits_of(x, fmt), bits_of(y, fmt), fmt) == (want, frozenset(flags))


def test_nan_inputs_give_canonical_nan(fmt):
    # Negative NaNs, payloads and signalling NaNs all give the canonical NaN, no flag.
    nans = [fmt.qnan_bits, fmt.sign_mask | fmt.qnan_bits, fmt.exp_mask | 1, fmt.sign_mask | fmt.exp_mask | 5]
    others = [0, fmt.sign_mask, fmt.inf_bits, bits_of(1.5, fmt), 1, fmt.max_finite_bits]
    for n in nans:
        for o in others + nans:
            for kernel in (ref.mul_bits, ref.div_bits):
                assert kernel(n, o, fmt) == (fmt.qnan_bits, NONE)
                assert kernel(o, n, fmt) == (fmt.qnan_bits, NONE)


# ---------------------------------------------------------------- identities


@pytest.mark.parametrize("name", ["float16", "bfloat16"])
def test_one_is_identity_exhaustive(name):
    # 1 = 2^0(1+0): L = e + f, so the result is x itself (subnormals included).
    fmt = ref.FORMATS[name]
    one = bits_of(1.0, fmt)
    for b in range(1 << 16):
        want = fmt.qnan_bits if ref.decode(b, fmt).kind == "nan" else b
        assert ref.mul_bits(one, b, fmt) == (want, NONE)
        assert ref.mul_bits(b, one, fmt) == (want, NONE)
        assert ref.div_bits(b, one, fmt) == (want, NONE)


@pytest.mark.parametrize("name", ["float32", "float64"])
def test_one_is_identity_sampled(name):
    fmt = ref.FORMATS[name]
    one = bits_of(1.0, fmt)
    rng = random.Random(2)
    samples = [random_finite_nonzero(rng, fmt) for _ in range(3000)]
    samples += [rng.getrandbits(fmt.frac_bits) | s for s in (0, fmt.sign_mask) for _ in range(500)]  # subnormals
    samples += [1, fmt.frac_mask, fmt.min_normal_bits, fmt.max_finite_bits, 0, fmt.sign_mask, fmt.inf_bits]
    for b in samples:
        assert ref.mul_bits(one, b, fmt) == (b, NONE)
        assert ref.div_bits(b, one, fmt) == (b, NONE)


def test_mul_commutes_and_signs(fmt):
    rng = random.Random(3)
    for _ in range(2000):
        a, b = rng.getrandbits(fmt.width), rng.getrandbits(fmt.width)
        assert ref.mul_bits(a, b, fmt) == ref.mul_bits(b, a, fmt)
        bits, _ = ref.mul_bits(a, b, fmt)
        if bits != fmt.qnan_bits:
            assert ref.mul_bits(a ^ fmt.sign_mask, b, fmt)[0] == bits ^ fmt.sign_mask
            assert ref.div_bits(a, b ^ fmt.sign_mask, fmt)[0] == ref.div_bits(a, b, fmt)[0] ^ fmt.sign_mask


# ---------------------------------------------------------------- Fraction cross-checks


@pytest.mark.parametrize("op", ["mul", "div"])
def test_against_fraction_oracle_random_bits(fmt, op):
    # Uniform random finite nonzero bit patterns: covers normal, subnormal,
    # overflowing and underflowing results.
    kernel = ref.mul_bits if op == "mul" else ref.div_bits
    rng = random.Random(4)
    for _ in range(1500):
        a, b = random_finite_nonzero(rng, fmt), random_finite_nonzero(rng, fmt)
        assert kernel(a, b, fmt) == slow_kernel(op, a, b, fmt), (hex(a), hex(b))


@pytest.mark.parametrize("op", ["mul", "div"])
def test_against_fraction_oracle_near_subnormal_boundary(fmt, op):
    # Choose exponents so that floor(L) lands in [emin - p - 3, emin + 1],
    # where the gradual-underflow rounding happens.
    kernel = ref.mul_bits if op == "mul" else ref.div_bits
    rng = random.Random(5)
    p = fmt.frac_bits
    seen = set()
    for _ in range(1500):
        a = random_normal(rng, fmt)
        ea = ((a & fmt.exp_mask) >> p) - fmt.bias
        target = rng.randint(fmt.emin - p - 3, fmt.emin + 1)
        eb = target - ea if op == "mul" else ea - target
        if not fmt.emin <= eb <= fmt.emax:
            continue
        b = random_normal(rng, fmt, (eb, eb))
        got = kernel(a, b, fmt)
        assert got == slow_kernel(op, a, b, fmt), (hex(a), hex(b))
        seen.add(got[1])
    assert frozenset({"underflow"}) in seen and NONE in seen


def test_normal_results_equal_antilog_formula(fmt):
    # Fraction value of result == 2^floor(L) (1 + frac(L)), L from Fractions.
    rng = random.Random(6)
    half = (fmt.emin // 2 + 1, fmt.emax // 2 - 1)  # keeps products in range
    for _ in range(1000):
        a, b = random_normal(rng, fmt, half), random_normal(rng, fmt, half)
        va, vb = fraction_of(a, fmt), fraction_of(b, fmt)
        for op, L in (("mul", mitchell_log(va) + mitchell_log(vb)), ("div", mitchell_log(va) - mitchell_log(vb))):
            kernel = ref.mul_bits if op == "mul" else ref.div_bits
            bits, flags = kernel(a, b, fmt)
            E = L.numerator // L.denominator
            magnitude = Fraction(2) ** E * (1 + (L - E))
            assert flags == NONE
            assert fraction_of(bits, fmt) == (magnitude if (va < 0) == (vb < 0) else -magnitude)


# ---------------------------------------------------------------- error bounds


def test_error_bounds_random(fmt):
    # 0 <= (exact - mul)/exact <= 1/9 and 0 <= (div - exact)/exact <= 1/8.
    rng = random.Random(7)
    half = (fmt.emin // 2 + 1, fmt.emax // 2 - 1)
    for _ in range(2000):
        a, b = random_normal(rng, fmt, half), random_normal(rng, fmt, half)
        va, vb = fraction_of(a, fmt), fraction_of(b, fmt)
        exact = va * vb
        got = fraction_of(ref.mul_bits(a, b, fmt)[0], fmt)
        assert 0 <= (exact - got) / exact <= Fraction(1, 9)
        exact = va / vb
        got = fraction_of(ref.div_bits(a, b, fmt)[0], fmt)
        assert 0 <= (got - exact) / exact <= Fraction(1, 8)


def test_error_bounds_exhaustive_bfloat16_significands():
    # All 128 x 128 significand pairs in [1, 2): the maximum 1/9 of mul is
    # attained only at f1 = f2 = 1/2, the maximum 1/8 of div only at
    # f1 = 0, f2 = 1/2; for f1 >= f2 the div error stays below 1/8, its grid
    # maximum being 1/8 - 3u/(16 - 8u), u = 2^-7, at f1 = 1 - u, f2 = 1/2 or 1/2 - u.
    fmt = ref.FORMATS["bfloat16"]
    one = bits_of(1.0, fmt)
    n = 1 << fmt.frac_bits
    u = Fraction(1, n)
    mul_err, div_err, div_err_hi = {}, {}, {}
    for i in range(n):
        for j in range(n):
            a, b = one | i, one | j
            va, vb = fraction_of(a, fmt), fraction_of(b, fmt)
            mul_err[i, j] = (va * vb - fraction_of(ref.mul_bits(a, b, fmt)[0], fmt)) / (va * vb)
            div_err[i, j] = (fraction_of(ref.div_bits(a, b, fmt)[0], fmt) - va / vb) / (va / vb)
            if i >= j:
                div_err_hi[i, j] = div_err[i, j]
    assert min(mul_err.values()) == 0 and min(div_err.values()) == 0

    def argmax(errors):
        top = max(errors.values())
        return top, sorted(k for k, v in errors.items() if v == top)

    assert argmax(mul_err) == (Fraction(1, 9), [(n // 2, n // 2)])
    assert argmax(div_err) == (Fraction(1, 8), [(0, n // 2)])
    assert argmax(div_err_hi) == (Fraction(1, 8) - 3 * u / (16 - 8 * u), [(n - 1, n // 2 - 1), (n - 1, n // 2)])
    # exactness: mul iff f1 = 0 or f2 = 0; div iff f2 = 0 or f1 = f2
    assert {k for k, v in mul_err.items() if v == 0} == {(i, j) for i in range(n) for j in range(n) if i == 0 or j == 0}
    assert {k for k, v in div_err.items() if v == 0} == {(i, j) for i in range(n) for j in range(n) if j == 0 or i == j}


# ---------------------------------------------------------------- array wrappers


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_array_wrappers_match_scalar_kernels(dtype):
    fmt = ref.FORMATS[dtype]
    rng = np.random.default_rng(8)
    x = rng.standard_normal((7, 1)).astype(dtype)
    y = rng.standard_normal((1, 5)).astype(dtype)
    for wrapper, kernel in ((ref.mul, ref.mul_bits), (ref.div, ref.div_bits)):
        out = wrapper(x, y)
        assert out.dtype == np.dtype(dtype) and out.shape == (7, 5)
        xb, yb = np.broadcast_arrays(x.view(fmt.uint_dtype), y.view(fmt.uint_dtype))
        want = [kernel(int(a), int(b), fmt)[0] for a, b in zip(xb.ravel(), yb.ravel())]
        assert out.view(fmt.uint_dtype).ravel().tolist() == want


def test_array_wrappers_hand_values():
    # Same derivations as MUL_CASES / DIV_CASES.
    np.testing.assert_array_equal(ref.mul(np.float32([1.5, 3, 5]), np.float32([1.5, 3, 7])), np.float32([2, 8, 32]))
    np.testing.assert_array_equal(ref.div(np.float64([1, 1]), np.float64([1.5, 3])), [0.75, 0.375])
    scalar = ref.mul(np.float16(1.5), np.float16(1.5))
    assert isinstance(scalar, np.float16) and scalar == 2


def test_bits_array_flags_union():
    bits, flags = ref.div_bits_array(np.array([0x3C00, 0x0000, 0x7C00], np.uint16), np.uint16(0x0000), F16)
    # 1/0 -> +inf (divide), 0/0 -> NaN (invalid), inf/0 -> +inf (no flag)
    assert bits.dtype == np.uint16 and bits.tolist() == [0x7C00, 0x7E00, 0x7C00]
    assert flags == frozenset({"divide", "invalid"})


def test_array_wrappers_reject_mixed_or_unsupported_dtypes():
    with pytest.raises(TypeError):
        ref.mul(np.float32([1.0]), np.float64([1.0]))
    with pytest.raises(TypeError):
        ref.div(np.int32([1]), np.int32([1]))
    with pytest.raises(TypeError):
        ref.mul(np.complex128([1]), np.complex128([1]))


@pytest.mark.parametrize(
    "op, x, y, category, message",
    [
        ("div", 1.0, 0.0, "divide", "divide by zero encountered in div"),
        ("mul", 0.0, INF, "invalid", "invalid value encountered in mul"),
        ("mul", 1e38, 1e38, "over", "overflow encountered in mul"),
        ("mul", 1e-38, 1e-38, "under", "underflow encountered in mul"),
    ],
)
def test_array_wrappers_report_through_errstate(op, x, y, category, message):
    wrapper = ref.mul if op == "mul" else ref.div
    x, y = np.float32(x), np.float32(y)
    with np.errstate(all="ignore"):
        wrapper(x, y)  # silent
    with np.errstate(all="ignore", **{category: "raise"}):
        with pytest.raises(FloatingPointError, match=message):
            wrapper(x, y)
    with np.errstate(all="ignore", **{category: "warn"}):
        with pytest.warns(RuntimeWarning, match=message):
            wrapper(x, y)


def test_array_wrappers_report_in_numpy_order():
    # NumPy checks divide, overflow, underflow, invalid in that order.
    with np.errstate(all="raise"):
        with pytest.raises(FloatingPointError, match="divide by zero"):
            ref.div(np.float32([0.0, 1.0]), np.float32([0.0, 0.0]))


# ---------------------------------------------------------------- variants (semantics.md, "Variants")
# The constants are checked against their derivations in tests/test_variants.py; here the
# oracle's arithmetic around them.

VARIANT_CASES = [(v, op, name) for (v, op), table in ref.KAPPA.items() for name in table
                 if name in FORMAT_NAMES] + [("realm", "mul", name) for name in ref.REALM_FORMATS]


def realm_correction(a, b, fmt):
    """kappa / 2^p for realm from the values: T[floor(8 f1)][floor(8 f2)] 2^(p-16), rounded half-even."""
    f1 = mitchell_log(fraction_of(a, fmt)) % 1
    f2 = mitchell_log(fraction_of(b, fmt)) % 1
    t = REALM_T[int(8 * f1)][int(8 * f2)]
    return Fraction(round(Fraction(t) * Fraction(2) ** (fmt.frac_bits - 16)), 2**fmt.frac_bits)


# REALM's table as printed in semantics.md (row i, column j), typed again for this test.
REALM_T = [
    [246, 749, 1251, 1753, 2255, 2758, 3185, 1561],
    [749, 2277, 3805, 5333, 6861, 7422, 4973, 1684],
    [1251, 3805, 6359, 8912, 9455, 7066, 4246, 1425],
    [1753, 5333, 8912, 10072, 8092, 5784, 3475, 1166],
    [2255, 6861, 9455, 8092, 6296, 4500, 2703, 907],
    [2758, 7422, 7066, 5784, 4500, 3216, 1932, 648],
    [3185, 4973, 4246, 3475, 2703, 1932, 1161, 390],
    [1561, 1684, 1425, 1166, 907, 648, 390, 131],
]


def test_realm_table_transcribed():
    assert [list(row) for row in ref.REALM_TABLE] == REALM_T


@pytest.mark.parametrize("case", VARIANT_CASES, ids="-".join)
def test_variants_against_fraction_oracle(case):
    """Random finite nonzero operands (normal, subnormal, overflowing and underflowing results),
    normal operands near carries, against the Fraction oracle with the correction added to L."""
    variant, op, name = case
    fmt = ref.FORMATS[name]
    kernel = ref.mul_bits if op == "mul" else ref.div_bits
    rng = random.Random(hash(case) & 0xFFFF)
    for _ in range(400):
        a, b = random_finite_nonzero(rng, fmt), random_finite_nonzero(rng, fmt)
        if variant == "realm":
            correction = realm_correction(a, b, fmt)
        else:
            correction = Fraction(ref.KAPPA[(variant, op)][name], 2**fmt.frac_bits)
        assert kernel(a, b, fmt, variant) == slow_kernel(op, a, b, fmt, correction), (hex(a), hex(b))


@pytest.mark.parametrize(
    "variant, op, name, x, y, expected",
    [
        # lmul float16: kappa = 64 = 2^-4: L = 0.5 + 0.5 + 1/16 -> 2 (1 + 1/16)
        ("lmul", "mul", "float16", 1.5, 1.5, 2.125),
        # lmul bfloat16, f1 = f2 = 127/128: 254/128 + 8/128 = 2 + 6/128 carries two binades: 4 (1 + 6/128)
        ("lmul", "mul", "bfloat16", 1.9921875, 1.9921875, 4.1875),
        # minimax div float16, kappa = -77: L = -1023/1024 - 77/1024 = -2 + 948/1024 borrows two binades
        ("minimax", "div", "float16", 1.0, 1.9990234375, 0.25 * (1 + 948 / 1024)),
        # biasfree div float32 kappa = -486498: 1/1 -> 2^-1 (1 + (2^23 - 486498)/2^23)
        ("biasfree", "div", "float32", 1.0, 1.0, 0.5 * (1 + (2**23 - 486498) / 2**23)),
        # realm float16 region (0, 0): T = 246, 246/64 = 3.84 -> kappa 4: 1 + 4/1024
        ("realm", "mul", "float16", 1.0, 1.0, 1 + 4 / 1024),
        # realm float32 region (3, 3) (f = 3/8): 10072 * 2^7 = 1289216: L = 3/4 + 1289216/2^23 < 1
        ("realm", "mul", "float32", 1.375, 1.375, 1 + 0.75 + 1289216 / 2**23),
        # the special values are plain mul's: 0 * inf is NaN, inf * x is inf
        ("lmul", "mul", "float32", 0.0, INF, NAN),
        ("minimax", "div", "float64", 1.0, 0.0, INF),
    ],
)
def test_variant_hand_values(variant, op, name, x, y, expected):
    fmt = ref.FORMATS[name]
    kernel = ref.mul_bits if op == "mul" else ref.div_bits
    bits, _ = kernel(bits_of(x, fmt), bits_of(y, fmt), fmt, variant)
    if np.isnan(expected):
        assert bits == fmt.qnan_bits
    else:
        assert bits == bits_of(expected, fmt)


def test_realm_kappa_rounds_to_nearest():
    # p = 7: kappa = T / 2^9; p = 10: T / 2^6.  Hand-computed from the table: T[4][4] = 6296,
    # 6296 / 64 = 98.375 -> 98; T[0][0] = 246 / 512 = 0.48 -> 0; T[3][3] = 10072 / 512 = 19.67 -> 20.
    # (No entry of the table is an exact half at p = 7 or 10, so ties to even never decide.)
    f16, bf16 = ref.FORMATS["float16"], ref.FORMATS["bfloat16"]
    assert ref.kappa("realm", "mul", f16, 4 << 7, 4 << 7) == 98
    assert ref.kappa("realm", "mul", bf16, 0, 0) == 0
    assert ref.kappa("realm", "mul", bf16, 3 << 4, 3 << 4) == 20
    assert ref.kappa("realm", "mul", ref.FORMATS["float64"], 7 << 49, 7 << 49) == 131 << 36


def test_unsupported_variants_raise():
    f32, e5m2 = ref.FORMATS["float32"], ref.FORMATS["float8_e5m2"]
    one = bits_of(1.0, f32)
    with pytest.raises(ValueError):
        ref.div_bits(one, one, f32, "lmul")  # mul only
    with pytest.raises(ValueError):
        ref.mul_bits(0x3C, 0x3C, e5m2, "realm")  # float16 ... float64 only
    with pytest.raises(ValueError):
        ref.mul_bits(one, one, f32, "ilm1")  # integers only
    with pytest.raises(ValueError):
        ref.imul(3, 3, "int64", "lmul")  # 64-bit integers have no variant loop
    with pytest.raises(ValueError):
        ref.imul(300, 3, "int8")  # not an int8
    with pytest.raises(ValueError):
        ref.mul_bits_array(np.zeros(0, np.uint32), np.zeros(0, np.uint32), f32, "nonesuch")


@pytest.mark.parametrize(
    "a, b, name, variant, expected, flags",
    [
        # lmul adds 1/16 to the fraction sum: 8 * 1 -> 8 (1 + 1/16) = 8.5, a tie -> 8 (even)
        (8, 1, "int8", "lmul", 8, NONE),
        # 9 = 8 (1 + 1/8): 8 (1 + 1/8 + 1/16) = 9.5 -> 10 (even); sign-magnitude
        (9, 1, "int8", "lmul", 10, NONE),
        (-9, 1, "int8", "lmul", -10, NONE),
        # 255 = 2^7 (1 + 127/128): 254/128 + 1/16 = 2 + 6/128: 2^16 (1 + 6/128) = 68608 > 65535
        (255, 255, "uint8", "lmul", 65535, frozenset({"overflow"})),
        # -128 * -128 = 2^14 (1 + kappa/2^52), kappa = 310106774581225: 16384 + kappa/2^38 = 17512.17
        (-128, -128, "int8", "minimax", 17512, NONE),
        # plain Mitchell's integer algorithm: 3 * 3 = 2^2 (1 + 1/2 + 1/2) -> 2^3 (0.5 + 0.5) = 8
        (3, 3, "int8", "mitchell", 8, NONE),
        (-5, 3, "int8", "mitchell", -14, NONE),
        # 64-bit mitchell saturates: 2^62 * 4 = 2^64 exactly (power of two) -> INT64_MIN for a negative
        (-(2**62), 4, "int64", "mitchell", -(2**63), frozenset({"overflow"})),
        (2**62, 2, "int64", "mitchell", 2**63 - 1, frozenset({"overflow"})),
        (2**32, 2**32, "uint64", "mitchell", 2**64 - 1, frozenset({"overflow"})),
        # ilm: the basic block without the carry case, then corrections
        (255, 255, "uint8", "ilm0", 48896, NONE),
        (255, 255, "uint8", "ilm1", 48896 + 12160, NONE),
        (0, -7, "int8", "ilm3", 0, NONE),
    ],
)
def test_imul_hand_values(a, b, name, variant, expected, flags):
    assert ref.imul(a, b, name, variant) == (expected, flags)


def test_integer_mitchell_is_the_float64_product():
    """semantics.md: for mitchell, the float64 variant product of the operands is the integer
    algorithm (its products are integers): every int8 pair."""
    f64 = ref.FORMATS["float64"]
    for a in range(-128, 128):
        for b in range(-128, 128):
            bits, _ = ref.mul_bits(bits_of(float(a), f64), bits_of(float(b), f64), f64)
            value = fraction_of(bits, f64)
            assert value.denominator == 1 and ref.imul(a, b, "int8")[0] == value, (a, b)


def test_ilm_reaches_the_exact_product():
    # each block removes the leading one of both residues: with T + 1 >= the smaller number of
    # one bits the product is exact; and it never exceeds it
    rng = random.Random(12)
    for _ in range(2000):
        a, b = rng.randint(-(2**31), 2**31 - 1), rng.randint(-(2**31), 2**31 - 1)
        fewest = min(bin(abs(a)).count("1"), bin(abs(b)).count("1"))
        for t in range(4):
            r = ref.ilm(a, b, t)
            assert abs(r) <= abs(a * b)
            if fewest <= t + 1:
                assert r == a * b


def test_integer_arrays():
    values, flags = ref.imul_array(np.array([3, -128, 127], np.int8), np.int8(-128), "realm")
    assert values.dtype == np.int16
    assert values.tolist() == [ref.imul(x, -128, "int8", "realm")[0] for x in (3, -128, 127)]
    assert flags == NONE
    q, flags = ref.idiv_array(np.array([1, 0], np.uint16), np.array([0, 0], np.uint16), "biasfree")
    assert q.dtype == np.float64 and q[0] == np.inf and np.isnan(q[1])
    assert flags == frozenset({"divide", "invalid"})


def test_float_wrappers_take_a_variant():
    x = np.float16([1.5, 3.0])
    assert ref.mul(x, x, variant="lmul").tolist() == [2.125, 8.5]  # 2 (1 + 1/16), 8 (1 + 1/16)
    with pytest.raises(FloatingPointError, match="overflow encountered in lmul_mul"):
        with np.errstate(over="raise"):
            ref.mul(np.float16([60000]), np.float16([2]), variant="lmul")
