"""Pure-Python reference oracle for Mitchell's approximate multiplication/division
and its variants (``mitchell.variants``).

Written from the definitions in ``docs/semantics.md`` (decode -> logarithm ->
antilogarithm with gradual-underflow rounding; the variants' corrections of
the log sum and their integer products), not from the C kernels, not from
``mitchell/_spec.py`` and not with the "add the bit patterns" trick: the
constant tables are transcribed from the document, so a wrong constant in the
spec makes a test fail.  Every compiled backend is tested
bit-for-bit against this module.  Only the standard library is used, except by
the array wrappers at the bottom, which use NumPy.

API
---
``Format(name, exp_bits, frac_bits)``
    Frozen description of a binary floating format; derived constants (``bias``,
    ``emin``, ``emax``, masks, ``qnan_bits``, ...) are plain attributes.
``FORMATS``
    ``{'float16', 'bfloat16', 'float32', 'float64', 'float8_e4m3fn',
    'float8_e5m2'}`` -> ``Format``, keyed by the NumPy (or ml_dtypes) dtype
    name.  ``Format(..., has_inf=False)`` describes the OCP "fn" formats
    (float8_e4m3fn): no infinity, the top binade is finite except its
    all-ones pattern, the only NaN; where IEEE would give an infinity they
    give that NaN (as ml_dtypes' conversions do).
``decode(bits, fmt) -> Decoded``
    ``Decoded(kind, sign, e, m, frac_bits)``: ``kind`` is one of ``'zero'``,
    ``'subnormal'``, ``'normal'``, ``'inf'``, ``'nan'``; for finite nonzero
    values ``|x| = 2**e * (1 + m / 2**frac_bits)`` with subnormals normalised
    exactly (``e < emin``).  ``.f`` and ``.value`` give exact ``Fraction``s.
``encode(sign, E, F, fmt) -> (bits, flags)``
    Antilogarithm ``(-1)**sign * 2**E * (1 + F / 2**frac_bits)`` with overflow
    to infinity and round-to-nearest-even on the subnormal grid.  ``F`` is the
    integer numerator of ``frac(L)`` (a ``Fraction`` whose denominator divides
    ``2**frac_bits`` is accepted too).
``mul_bits(a, b, fmt, variant="mitchell")``, ``div_bits(a, b, fmt, variant="mitchell")`` -> ``(bits, flags)``
    Scalar kernels on bit patterns given as Python ints.  ``variant`` names
    one of the additive or region-corrected variants of semantics.md
    ("Variants"): ``'mitchell'`` (plain, ``kappa = 0``), ``'lmul'``,
    ``'biasfree'``, ``'minimax'``, ``'realm'``; an (operation, format) the
    document gives no ``kappa`` for raises ``ValueError``.
``mul_bits_array(a, b, fmt, variant=...)``, ``div_bits_array(...)`` -> ``(bits, flags)``
    The same, elementwise on broadcast unsigned-integer arrays; ``flags`` is
    the union over all elements.
``mul(x, y, variant=...)``, ``div(x, y, variant=...)``
    Elementwise on broadcast floating arrays of one dtype whose name is in
    ``FORMATS`` (``ml_dtypes.bfloat16`` works too; mixed or other dtypes raise
    ``TypeError``, Python floats count as float64); return an array of that
    dtype (a NumPy scalar for 0-d inputs, like a ufunc) and report the flags
    through ``np.seterr``/``np.errstate`` as a NumPy ufunc would (divide,
    overflow, underflow, invalid, in that order).
``KAPPA``, ``REALM_TABLE``, ``VARIANTS``, ``kappa(variant, op, fmt, m1, m2)``
    The constants of semantics.md's "Variants", transcribed from the
    document: ``KAPPA[(variant, op)][format name]`` is the additive
    correction in units of ``2**-p``; ``REALM_TABLE[i][j]`` in units of
    ``2**-16``; ``kappa`` gives the correction for operands whose fraction
    numerators are ``m1``, ``m2``.
``imul(a, b, dtype_name, variant="mitchell")`` -> ``(value, flags)``
    A variant's integer product of Python ints ``a``, ``b`` of the integer
    type ``dtype_name`` (``'int8'`` ... ``'uint64'``): Mitchell's integer
    algorithm, the iterative multiplier ``'ilm0'`` ... ``'ilm3'``, or the
    float64 variant product rounded to nearest (ties to even); saturating in
    the widened type (``IMUL_RESULT``) with ``'overflow'``.
``idiv(a, b, dtype_name, variant="mitchell")`` -> ``(float64 bits, flags)``
    A variant's integer quotient: its float64 quotient of the converted operands.
``imul_array(a, b, variant)``, ``idiv_array(a, b, variant)`` -> ``(values, flags)``
    The same, elementwise on broadcast NumPy arrays of one integer type.
``ilm(a, b, terms)``
    The iterative logarithmic multiplier with ``terms`` correction terms, on
    Python ints (sign-magnitude), exact integer result.

``flags`` is always a ``frozenset`` drawn from ``{'invalid', 'divide',
'overflow', 'underflow'}``; ``'inexact'`` is never raised.  NaN results are
always ``fmt.qnan_bits``: sign 0, exponent all ones, only the top fraction bit
set.
"""

import functools
from dataclasses import dataclass, field
from fractions import Fraction
from typing import NamedTuple

__all__ = [
    "Format",
    "FORMATS",
    "Decoded",
    "decode",
    "encode",
    "mul_bits",
    "div_bits",
    "mul_bits_array",
    "div_bits_array",
    "mul",
    "div",
    "VARIANTS",
    "KAPPA",
    "REALM_TABLE",
    "IMUL_RESULT",
    "kappa",
    "imul",
    "idiv",
    "ilm",
    "imul_array",
    "idiv_array",
]


@dataclass(frozen=True)
class Format:
    """A binary interchange-style format: 1 sign bit, ``exp_bits``, ``frac_bits``."""

    name: str
    exp_bits: int
    frac_bits: int
    # False for the OCP "finite" formats (float8_e4m3fn): the all-ones
    # exponent field holds normal numbers, and only the all-ones magnitude
    # (exponent and fraction) is NaN; there is no infinity.
    has_inf: bool = True
    # Derived constants, filled in by __post_init__ (plain attributes: the
    # scalar kernels read them on every call).
    width: int = field(init=False, repr=False)
    bias: int = field(init=False, repr=False)
    emin: int = field(init=False, repr=False)
    emax: int = field(init=False, repr=False)
    sign_mask: int = field(init=False, repr=False)
    exp_mask: int = field(init=False, repr=False)
    frac_mask: int = field(init=False, repr=False)
    exp_field_max: int = field(init=False, repr=False)
    inf_bits: int = field(init=False, repr=False)
    qnan_bits: int = field(init=False, repr=False)
    max_finite_bits: int = field(init=False, repr=False)
    min_normal_bits: int = field(init=False, repr=False)
    uint_dtype: str = field(init=False, repr=False)

    def __post_init__(self):
        def put(name, value):
            object.__setattr__(self, name, value)

        width = 1 + self.exp_bits + self.frac_bits
        bias = (1 << (self.exp_bits - 1)) - 1
        exp_field_max = (1 << self.exp_bits) - 1
        frac_mask = (1 << self.frac_bits) - 1
        exp_mask = exp_field_max << self.frac_bits
        put("width", width)
        put("bias", bias)
        put("emin", 1 - bias)
        put("emax", bias if self.has_inf else bias + 1)
        put("sign_mask", 1 << (width - 1))
        put("exp_mask", exp_mask)
        put("frac_mask", frac_mask)
        put("exp_field_max", exp_field_max)
        if self.has_inf:
            put("inf_bits", exp_mask)
            put("qnan_bits", exp_mask | (1 << (self.frac_bits - 1)))
        else:
            put("inf_bits", None)
            put("qnan_bits", exp_mask | frac_mask)  # the only NaN (positive)
        put("max_finite_bits", (exp_mask if self.has_inf else exp_mask | frac_mask) - 1)
        put("min_normal_bits", 1 << self.frac_bits)
        put("uint_dtype", f"uint{width}")


FORMATS = {
    fmt.name: fmt
    for fmt in (
        Format("float16", 5, 10),
        Format("bfloat16", 8, 7),
        Format("float32", 8, 23),
        Format("float64", 11, 52),
        Format("float8_e4m3fn", 4, 3, has_inf=False),
        Format("float8_e5m2", 5, 2),
    )
}


# --------------------------------------------------------------------------
# Variants (semantics.md, "Variants"), transcribed from the document.

# The variants of mitchell.variants, in the document's order.
VARIANTS = ("mitchell", "lmul", "biasfree", "minimax", "realm", "ilm0", "ilm1", "ilm2", "ilm3")

# Additive corrections kappa (units of 2**-p) per (variant, operation) and format:
# the table "Additive variants: one kappa per (operation, format)".  Plain
# Mitchell is kappa = 0 for every format.
KAPPA = {
    ("mitchell", "mul"): {name: 0 for name in FORMATS},
    ("mitchell", "div"): {name: 0 for name in FORMATS},
    ("lmul", "mul"): {
        "float16": 64,
        "bfloat16": 8,
        "float32": 524288,
        "float64": 281474976710656,
        "float8_e4m3fn": 1,
        "float8_e5m2": 1,
    },
    ("biasfree", "mul"): {
        "float16": 58,
        "bfloat16": 7,
        "float32": 474990,
        "float64": 255008540773764,
        "float8_e4m3fn": 0,
        "float8_e5m2": 0,
    },
    ("biasfree", "div"): {
        "float16": -59,
        "bfloat16": -7,
        "float32": -486498,
        "float64": -261186771493442,
        "float8_e4m3fn": 0,
        "float8_e5m2": 0,
    },
    ("minimax", "mul"): {
        "float16": 70,
        "bfloat16": 9,
        "float32": 577619,
        "float64": 310106774581225,
        "float8_e4m3fn": 0,
        "float8_e5m2": 0,
    },
    ("minimax", "div"): {
        "float16": -77,
        "bfloat16": -10,
        "float32": -627494,
        "float64": -336883456707751,
        "float8_e4m3fn": -1,
        "float8_e5m2": 0,
    },
}

# REALM's region table T (units of 2**-16), row i = floor(8 f1), column j = floor(8 f2).
REALM_TABLE = (
    (246, 749, 1251, 1753, 2255, 2758, 3185, 1561),
    (749, 2277, 3805, 5333, 6861, 7422, 4973, 1684),
    (1251, 3805, 6359, 8912, 9455, 7066, 4246, 1425),
    (1753, 5333, 8912, 10072, 8092, 5784, 3475, 1166),
    (2255, 6861, 9455, 8092, 6296, 4500, 2703, 907),
    (2758, 7422, 7066, 5784, 4500, 3216, 1932, 648),
    (3185, 4973, 4246, 3475, 2703, 1932, 1161, 390),
    (1561, 1684, 1425, 1166, 907, 648, 390, 131),
)
# realm: mul only, on these formats.
REALM_FORMATS = ("float16", "bfloat16", "float32", "float64")

# The widened result type of integer mul ("Types"); 64-bit types saturate in place.
IMUL_RESULT = {
    "int8": "int16",
    "uint8": "uint16",
    "int16": "int32",
    "uint16": "uint32",
    "int32": "int64",
    "uint32": "uint64",
    "int64": "int64",
    "uint64": "uint64",
}

_INT_RANGE = {
    name: ((-(1 << (int(name[3:]) - 1)), (1 << (int(name[3:]) - 1)) - 1) if name.startswith("int")
           else (0, (1 << int(name[4:])) - 1))
    for name in IMUL_RESULT
}


def _realm_kappa(p, i, j):
    """round(T[i][j] * 2**(p - 16)), ties to even."""
    t = REALM_TABLE[i][j]
    if p >= 16:
        return t << (p - 16)
    return round(Fraction(t, 1 << (16 - p)))  # Fraction.__round__ rounds half to even


@functools.lru_cache(maxsize=None)
def _realm_lookup(p):
    """(m1, m2) -> kappa for fraction numerators of p bits: the table row and column
    are the top 3 fraction bits."""
    shift = p - 3
    table = [[_realm_kappa(p, i, j) for j in range(8)] for i in range(8)]
    return lambda m1, m2: table[m1 >> shift][m2 >> shift]


def _variant_kappa(variant, op, fmt):
    """A constant kappa, or a function (m1, m2) -> kappa for the region variant."""
    if variant == "realm":
        if op != "mul" or fmt.name not in REALM_FORMATS:
            raise ValueError(f"realm has no {op} on {fmt.name} (semantics.md: mul only, "
                             f"{', '.join(REALM_FORMATS)})")
        return _realm_lookup(fmt.frac_bits)
    try:
        return KAPPA[(variant, op)][fmt.name]
    except KeyError:
        raise ValueError(f"variant {variant!r} has no {op} on {fmt.name}; "
                         f"semantics.md defines {sorted(set(v for v, _ in KAPPA) | {'realm'})} "
                         f"(float formats) and ilm0..ilm3 (integers only)") from None


def kappa(variant, op, fmt, m1=0, m2=0):
    """The correction (units of ``2**-p``) for operands with fraction numerators ``m1``, ``m2``."""
    k = _variant_kappa(variant, op, fmt)
    return k(m1, m2) if callable(k) else k

_NO_FLAGS = frozenset()
_INVALID = frozenset({"invalid"})
_DIVIDE = frozenset({"divide"})
_OVERFLOW = frozenset({"overflow"})
_UNDERFLOW = frozenset({"underflow"})


class Decoded(NamedTuple):
    """A decoded bit pattern.

    For ``kind`` in ``{'subnormal', 'normal'}``:
    ``|x| = 2**e * (1 + m / 2**frac_bits)`` with ``0 <= m < 2**frac_bits``
    (subnormals are normalised exactly, so their ``e < emin``).  For the other
    kinds ``e`` and ``m`` are 0.  ``sign`` is 0 or 1 for every kind.
    """

    kind: str
    sign: int
    e: int
    m: int
    frac_bits: int

    @property
    def f(self):
        """The fraction ``f`` in ``[0, 1)`` as an exact ``Fraction``."""
        return Fraction(self.m, 1 << self.frac_bits)

    @property
    def value(self):
        """The exact value as a ``Fraction`` (``-0`` gives ``Fraction(0)``)."""
        if self.kind == "zero":
            return Fraction(0)
        if self.kind in ("inf", "nan"):
            raise ValueError(f"{self.kind} has no Fraction value")
        magnitude = (1 + self.f) * Fraction(2) ** self.e
        return -magnitude if self.sign else magnitude


def _classify(bits, fmt):
    """Return (kind, sign, L) with L = (e + f) * 2**frac_bits for finite nonzero.

    This is the exact base-2 "Mitchell logarithm" e + f in fixed point; the
    scaling is exact because f is a multiple of 2**-frac_bits (for subnormals
    too: the fraction field has fewer significant bits than frac_bits).
    """
    p = fmt.frac_bits
    sign = bits >> (fmt.width - 1)
    field_e = (bits & fmt.exp_mask) >> p
    t = bits & fmt.frac_mask
    if field_e == fmt.exp_field_max:
        if fmt.has_inf:
            return ("nan" if t else "inf"), sign, 0
        if t == fmt.frac_mask:
            return "nan", sign, 0
        # else: an ordinary normal number of the top binade
    if field_e:
        return "normal", sign, ((field_e - fmt.bias) << p) + t
    if not t:
        return "zero", sign, 0
    # Subnormal: |x| = t * 2**(emin - p).  With k the position of the leading
    # one of t, |x| = 2**(emin - p + k) * (t / 2**k) and t / 2**k = 1 + f with
    # f = (t - 2**k) / 2**k = ((t - 2**k) << (p - k)) / 2**p.
    k = t.bit_length() - 1
    e = fmt.emin - (p - k)
    m = (t - (1 << k)) << (p - k)
    return "subnormal", sign, (e << p) + m


def decode(bits, fmt):
    """Decode ``bits`` (a Python int) of format ``fmt`` into a ``Decoded``."""
    bits = int(bits)
    if not 0 <= bits < (1 << fmt.width):
        raise ValueError(f"{bits:#x} is not a {fmt.name} bit pattern")
    kind, sign, L = _classify(bits, fmt)
    if kind in ("normal", "subnormal"):
        p = fmt.frac_bits
        return Decoded(kind, sign, L >> p, L & fmt.frac_mask, p)
    return Decoded(kind, sign, 0, 0, fmt.frac_bits)


def _infinity(sign_bit, fmt):
    """The signed infinity; for a format without one, its NaN."""
    return sign_bit | fmt.inf_bits if fmt.has_inf else fmt.qnan_bits


def _encode(sign, E, F, fmt):
    """Antilog of the fixed-point logarithm: 2**E * (1 + F/2**p), signed."""
    p = fmt.frac_bits
    sign_bit = sign << (fmt.width - 1)
    # Overflow: above the largest finite value 2**emax * (1 + F_max / 2**p).
    if (E, F) > (fmt.emax, fmt.max_finite_bits & fmt.frac_mask):
        return _infinity(sign_bit, fmt), _OVERFLOW
    if E >= fmt.emin:
        return sign_bit | ((E + fmt.bias) << p) | F, _NO_FLAGS
    # Below the normal range: |result| / 2**(emin - p) = (2**p + F) / 2**shift
    # with shift >= 1; round that to an integer, nearest with ties to even.
    # The integer is the subnormal fraction field; 2**p (a carry into the
    # exponent field) is exactly the smallest normal number.
    shift = fmt.emin - E
    sig = (1 << p) | F
    if shift > p + 1:
        # sig < 2**(p+1) < 2**(shift-1): below half of the smallest subnormal.
        return sign_bit, _UNDERFLOW
    q = sig >> shift
    rem = sig - (q << shift)
    if not rem:
        return sign_bit | q, _NO_FLAGS
    half = 1 << (shift - 1)
    if rem > half or (rem == half and q & 1):
        q += 1
    return sign_bit | q, _UNDERFLOW


def encode(sign, E, F, fmt):
    """Return ``(bits, flags)`` for ``(-1)**sign * 2**E * (1 + F / 2**frac_bits)``.

    ``E`` is ``floor(L)`` and ``F`` is ``frac(L) * 2**frac_bits`` as an int in
    ``[0, 2**frac_bits)`` (or ``frac(L)`` itself as a ``Fraction`` that is a
    multiple of ``2**-frac_bits``).  ``E > emax`` gives infinity with
    ``'overflow'``; ``E < emin`` rounds to nearest, ties to even, on the
    subnormal grid, with ``'underflow'`` when that rounding is inexact.
    """
    if isinstance(F, Fraction):
        scaled = F * (1 << fmt.frac_bits)
        if scaled.denominator != 1:
            raise ValueError(f"{F} is not a multiple of 2**-{fmt.frac_bits}")
        F = scaled.numerator
    if sign not in (0, 1) or not 0 <= F <= fmt.frac_mask:
        raise ValueError("need sign in {0, 1} and 0 <= F < 2**frac_bits")
    return _encode(sign, int(E), int(F), fmt)


def _add_kappa(k, L, La, Lb, fmt):
    if callable(k):
        mask = fmt.frac_mask
        return L + k(La & mask, Lb & mask)
    return L + k


def mul_bits(a, b, fmt, variant="mitchell"):
    """A variant's product of bit patterns ``a`` and ``b``: ``(bits, flags)``.

    ``L = La + Lb + kappa`` in fixed point; special values as for plain ``mul``.
    """
    k = _variant_kappa(variant, "mul", fmt)
    ka, sa, La = _classify(a, fmt)
    kb, sb, Lb = _classify(b, fmt)
    if ka == "nan" or kb == "nan":
        return fmt.qnan_bits, _NO_FLAGS
    sign = sa ^ sb
    if ka == "inf" or kb == "inf":
        if ka == "zero" or kb == "zero":
            return fmt.qnan_bits, _INVALID  # 0 * inf
        return (sign << (fmt.width - 1)) | fmt.inf_bits, _NO_FLAGS
    if ka == "zero" or kb == "zero":
        return sign << (fmt.width - 1), _NO_FLAGS
    L = _add_kappa(k, La + Lb, La, Lb, fmt)
    return _encode(sign, L >> fmt.frac_bits, L & fmt.frac_mask, fmt)


def div_bits(a, b, fmt, variant="mitchell"):
    """A variant's quotient ``a / b`` of bit patterns: ``(bits, flags)``.

    ``L = La - Lb + kappa`` in fixed point; special values as for plain ``div``.
    """
    k = _variant_kappa(variant, "div", fmt)
    ka, sa, La = _classify(a, fmt)
    kb, sb, Lb = _classify(b, fmt)
    if ka == "nan" or kb == "nan":
        return fmt.qnan_bits, _NO_FLAGS
    sign_bit = (sa ^ sb) << (fmt.width - 1)
    if ka == "inf":
        if kb == "inf":
            return fmt.qnan_bits, _INVALID  # inf / inf
        return sign_bit | fmt.inf_bits, _NO_FLAGS  # inf / finite, inf / 0: exact
    if kb == "inf":
        return sign_bit, _NO_FLAGS  # finite / inf, 0 / inf
    if kb == "zero":
        if ka == "zero":
            return fmt.qnan_bits, _INVALID  # 0 / 0
        return _infinity(sign_bit, fmt), _DIVIDE  # finite nonzero / 0
    if ka == "zero":
        return sign_bit, _NO_FLAGS
    L = _add_kappa(k, La - Lb, La, Lb, fmt)
    return _encode(sa ^ sb, L >> fmt.frac_bits, L & fmt.frac_mask, fmt)


# --------------------------------------------------------------------------
# Integers ("Types": integer mul; "Variants": variants on integers, ilm).


def _int_width(dtype_name):
    return int(dtype_name[4:] if dtype_name.startswith("uint") else dtype_name[3:])


def _check_int(value, dtype_name):
    lo, hi = _INT_RANGE[dtype_name]
    value = int(value)
    if not lo <= value <= hi:
        raise ValueError(f"{value} is not a {dtype_name}")
    return value


def _mitchell_int_magnitude(n1, n2):
    """Mitchell's integer product of magnitudes n1, n2 > 0 (exact integer)."""
    k1 = n1.bit_length() - 1
    k2 = n2.bit_length() - 1
    cross = ((n1 - (1 << k1)) << k2) + ((n2 - (1 << k2)) << k1)  # X1 2^k2 + X2 2^k1
    if cross < (1 << (k1 + k2)):  # x1 + x2 < 1
        return (1 << (k1 + k2)) + cross
    return 2 * cross


def _ilm_magnitude(n1, n2, terms):
    total = 0
    for _ in range(terms + 1):
        if n1 == 0 or n2 == 0:  # P of a zero operand is 0: the product so far is exact
            break
        k1 = n1.bit_length() - 1
        k2 = n2.bit_length() - 1
        x1 = n1 - (1 << k1)
        x2 = n2 - (1 << k2)
        total += (1 << (k1 + k2)) + (x1 << k2) + (x2 << k1)
        n1, n2 = x1, x2
    return total


def ilm(a, b, terms):
    """The iterative logarithmic multiplier with ``terms`` correction terms (Python ints).

    ``P(N1, N2) + P(x1, x2) + ...`` on the magnitudes (the basic block and
    ``terms`` corrections, stopping when a residue is 0), signed as
    ``sign(a) * sign(b)``.
    """
    a, b = int(a), int(b)
    if terms < 0:
        raise ValueError("terms must be >= 0")
    magnitude = _ilm_magnitude(abs(a), abs(b), terms)
    return -magnitude if (a < 0) != (b < 0) else magnitude


def _round_half_even(value):
    return round(value)  # Fraction.__round__: nearest, ties to even


def imul(a, b, dtype_name, variant="mitchell"):
    """A variant's integer product of ``a`` and ``b`` of type ``dtype_name``: ``(value, flags)``.

    The value is in the widened type ``IMUL_RESULT[dtype_name]``; beyond its
    range it saturates (to its minimum for a negative product) with
    ``'overflow'``.  ``'mitchell'`` is the integer algorithm (int8 ... uint64),
    ``'ilm0'`` ... ``'ilm3'`` the iterative multiplier, and the other
    variants (at most 32-bit operands) the float64 variant product of the
    exactly converted operands, rounded to nearest, ties to even.
    """
    if dtype_name not in IMUL_RESULT:
        raise ValueError(f"unknown integer type {dtype_name!r}")
    a = _check_int(a, dtype_name)
    b = _check_int(b, dtype_name)
    width = _int_width(dtype_name)
    negative = (a < 0) != (b < 0)
    if variant == "mitchell":
        magnitude = _mitchell_int_magnitude(abs(a), abs(b)) if a and b else 0
        value = -magnitude if negative else magnitude
    elif variant in ("ilm0", "ilm1", "ilm2", "ilm3"):
        if width > 32:
            raise ValueError(f"{variant} has no {dtype_name} loop (operands of 8 to 32 bits)")
        value = ilm(a, b, int(variant[3:]))
    else:
        if width > 32:
            raise ValueError(f"{variant} has no {dtype_name} loop (64-bit integers have no variant loop)")
        f64 = FORMATS["float64"]
        result, _ = mul_bits(_float64_bits(a), _float64_bits(b), f64, variant)
        value = _round_half_even(decode(result, f64).value)
    lo, hi = _INT_RANGE[IMUL_RESULT[dtype_name]]
    if value > hi:
        return hi, _OVERFLOW
    if value < lo:
        return lo, _OVERFLOW
    return value, _NO_FLAGS


def _float64_bits(n):
    """The float64 bit pattern of the integer n (|n| <= 2**53, exact)."""
    if n == 0:
        return 0
    sign = 1 if n < 0 else 0
    n = abs(n)
    if n > (1 << 53):
        raise ValueError("only integers up to 2**53 convert exactly")
    k = n.bit_length() - 1
    return (sign << 63) | ((k + 1023) << 52) | ((n - (1 << k)) << (52 - k))


def idiv(a, b, dtype_name, variant="mitchell"):
    """A variant's integer quotient: ``div_bits`` of the float64 conversions (float64 bits, flags)."""
    if dtype_name not in IMUL_RESULT or _int_width(dtype_name) > 32:
        raise ValueError(f"no integer div loop for {dtype_name!r} (NumPy casts 64-bit integers to float64)")
    a = _check_int(a, dtype_name)
    b = _check_int(b, dtype_name)
    return div_bits(_float64_bits(a), _float64_bits(b), FORMATS["float64"], variant)


# --------------------------------------------------------------------------
# NumPy convenience wrappers (the only part that needs NumPy).


def _apply_bits(kernel, a_bits, b_bits, fmt, variant="mitchell"):
    import numpy as np

    a_bits, b_bits = np.broadcast_arrays(np.asarray(a_bits), np.asarray(b_bits))
    kernel(fmt.min_normal_bits, fmt.min_normal_bits, fmt, variant)  # unknown variants raise even for empty arrays
    flags = set()
    out = []
    append = out.append
    for a, b in zip(a_bits.ravel().tolist(), b_bits.ravel().tolist()):
        bits, fl = kernel(a, b, fmt, variant)
        append(bits)
        if fl:
            flags |= fl
    result = np.array(out, dtype=fmt.uint_dtype).reshape(a_bits.shape)
    return result, frozenset(flags)


def mul_bits_array(a_bits, b_bits, fmt, variant="mitchell"):
    """Elementwise ``mul_bits`` on broadcast integer arrays: ``(bits, flags)``."""
    return _apply_bits(mul_bits, a_bits, b_bits, fmt, variant)


def div_bits_array(a_bits, b_bits, fmt, variant="mitchell"):
    """Elementwise ``div_bits`` on broadcast integer arrays: ``(bits, flags)``."""
    return _apply_bits(div_bits, a_bits, b_bits, fmt, variant)


# NumPy's order and wording (PyUFunc_handlefperr).
# (flag, np.geterr() key, message text, NumPy status bit)
_FLAG_MESSAGES = (
    ("divide", "divide", "divide by zero", 1),
    ("overflow", "over", "overflow", 2),
    ("underflow", "under", "underflow", 4),
    ("invalid", "invalid", "invalid value", 8),
)


def _report(flags, name):
    """Report ``flags`` as a NumPy ufunc called ``name`` would (np.errstate)."""
    import warnings

    import numpy as np

    settings = np.geterr()
    status = sum(bit for flag, _, _, bit in _FLAG_MESSAGES if flag in flags)
    for flag, key, text, _ in _FLAG_MESSAGES:
        if flag not in flags:
            continue
        mode = settings[key]
        message = f"{text} encountered in {name}"
        if mode == "ignore":
            continue
        if mode == "warn":
            warnings.warn(message, RuntimeWarning, stacklevel=4)  # the caller of mul/div
        elif mode == "raise":
            raise FloatingPointError(message)
        elif mode == "call":
            np.geterrcall()(text, status)
        elif mode == "print":
            print(f"Warning: {message}")
        elif mode == "log":
            np.geterrcall().write(f"Warning: {message}\n")


def _apply_int(op, x, y, variant):
    import numpy as np

    x, y = np.asarray(x), np.asarray(y)
    if x.dtype != y.dtype or x.dtype.name not in IMUL_RESULT:
        raise TypeError(f"need two integer arrays of one type, got {x.dtype} and {y.dtype}")
    dtype_name = x.dtype.name
    x, y = np.broadcast_arrays(x, y)
    kernel = imul if op == "mul" else idiv
    out = []
    flags = set()
    for a, b in zip(x.ravel().tolist(), y.ravel().tolist()):
        value, fl = kernel(a, b, dtype_name, variant)
        out.append(value)
        flags |= fl
    if op == "mul":
        return np.array(out, dtype=IMUL_RESULT[dtype_name]).reshape(x.shape), frozenset(flags)
    return np.array(out, dtype=np.uint64).reshape(x.shape).view(np.float64), frozenset(flags)


def imul_array(a, b, variant="mitchell"):
    """Elementwise ``imul`` on broadcast arrays of one integer type: ``(values, flags)``.

    ``values`` has the widened type ``IMUL_RESULT[a.dtype.name]``.
    """
    return _apply_int("mul", a, b, variant)


def idiv_array(a, b, variant="mitchell"):
    """Elementwise ``idiv`` on broadcast arrays of one integer type: ``(float64 values, flags)``."""
    return _apply_int("div", a, b, variant)


def _apply_float(op, name, x, y, variant="mitchell"):
    import numpy as np

    kernel = mul_bits if op == "mul" else div_bits
    x = np.asarray(x)
    y = np.asarray(y)
    if x.dtype != y.dtype:
        raise TypeError(f"{name}: both operands must have the same dtype, got {x.dtype} and {y.dtype}")
    fmt = FORMATS.get(x.dtype.name)
    if fmt is None or x.dtype.itemsize * 8 != fmt.width:
        raise TypeError(f"{name}: unsupported dtype {x.dtype}; expected one of {sorted(FORMATS)}")
    bits, flags = _apply_bits(kernel, x.view(fmt.uint_dtype), y.view(fmt.uint_dtype), fmt, variant)
    _report(flags, name)
    result = bits.view(x.dtype)
    return result[()] if result.ndim == 0 else result


def mul(x, y, variant="mitchell"):
    """A variant's product of two arrays of one float dtype (oracle for ``mitchell.variants[variant].mul``)."""
    return _apply_float("mul", "mul" if variant == "mitchell" else f"{variant}_mul", x, y, variant)


def div(x, y, variant="mitchell"):
    """A variant's quotient of two arrays of one float dtype (oracle for ``mitchell.variants[variant].div``)."""
    return _apply_float("div", "div" if variant == "mitchell" else f"{variant}_div", x, y, variant)
