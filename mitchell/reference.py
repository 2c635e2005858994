"""Pure-Python reference oracle for Mitchell's approximate multiplication/division.

Written from the definitions in ``docs/semantics.md`` (decode -> logarithm ->
antilogarithm with gradual-underflow rounding), not from the C kernels and not
with the "add the bit patterns" trick.  Every compiled backend is tested
bit-for-bit against this module.  Only the standard library is used, except by
the array wrappers at the bottom, which use NumPy.

API
---
``Format(name, exp_bits, frac_bits)``
    Frozen description of a binary floating format; derived constants (``bias``,
    ``emin``, ``emax``, masks, ``qnan_bits``, ...) are plain attributes.
``FORMATS``
    ``{'float16', 'bfloat16', 'float32', 'float64'}`` -> ``Format``, keyed by the
    NumPy (or ml_dtypes) dtype name.
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
``mul_bits(a, b, fmt)``, ``div_bits(a, b, fmt)`` -> ``(bits, flags)``
    Scalar kernels on bit patterns given as Python ints.
``mul_bits_array(a, b, fmt)``, ``div_bits_array(a, b, fmt)`` -> ``(bits, flags)``
    The same, elementwise on broadcast unsigned-integer arrays; ``flags`` is
    the union over all elements.
``mul(x, y)``, ``div(x, y)``
    Elementwise on broadcast floating arrays of one dtype whose name is in
    ``FORMATS`` (``ml_dtypes.bfloat16`` works too; mixed or other dtypes raise
    ``TypeError``, Python floats count as float64); return an array of that
    dtype (a NumPy scalar for 0-d inputs, like a ufunc) and report the flags
    through ``np.seterr``/``np.errstate`` as a NumPy ufunc would (divide,
    overflow, underflow, invalid, in that order).

``flags`` is always a ``frozenset`` drawn from ``{'invalid', 'divide',
'overflow', 'underflow'}``; ``'inexact'`` is never raised.  NaN results are
always ``fmt.qnan_bits``: sign 0, exponent all ones, only the top fraction bit
set.
"""

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
]


@dataclass(frozen=True)
class Format:
    """A binary interchange-style format: 1 sign bit, ``exp_bits``, ``frac_bits``."""

    name: str
    exp_bits: int
    frac_bits: int
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
        put("emax", bias)
        put("sign_mask", 1 << (width - 1))
        put("exp_mask", exp_mask)
        put("frac_mask", frac_mask)
        put("exp_field_max", exp_field_max)
        put("inf_bits", exp_mask)
        put("qnan_bits", exp_mask | (1 << (self.frac_bits - 1)))
        put("max_finite_bits", exp_mask - 1)
        put("min_normal_bits", 1 << self.frac_bits)
        put("uint_dtype", f"uint{width}")


FORMATS = {
    fmt.name: fmt
    for fmt in (
        Format("float16", 5, 10),
        Format("bfloat16", 8, 7),
        Format("float32", 8, 23),
        Format("float64", 11, 52),
    )
}

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
        return ("nan" if t else "inf"), sign, 0
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


def _encode(sign, E, F, fmt):
    """Antilog of the fixed-point logarithm: 2**E * (1 + F/2**p), signed."""
    p = fmt.frac_bits
    sign_bit = sign << (fmt.width - 1)
    if E > fmt.emax:
        return sign_bit | fmt.inf_bits, _OVERFLOW
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


def mul_bits(a, b, fmt):
    """Mitchell product of bit patterns ``a`` and ``b``: ``(bits, flags)``."""
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
    L = La + Lb
    return _encode(sign, L >> fmt.frac_bits, L & fmt.frac_mask, fmt)


def div_bits(a, b, fmt):
    """Mitchell quotient ``a / b`` of bit patterns: ``(bits, flags)``."""
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
        return sign_bit | fmt.inf_bits, _DIVIDE  # finite nonzero / 0
    if ka == "zero":
        return sign_bit, _NO_FLAGS
    L = La - Lb
    return _encode(sa ^ sb, L >> fmt.frac_bits, L & fmt.frac_mask, fmt)


# --------------------------------------------------------------------------
# NumPy convenience wrappers (the only part that needs NumPy).


def _apply_bits(kernel, a_bits, b_bits, fmt):
    import numpy as np

    a_bits, b_bits = np.broadcast_arrays(np.asarray(a_bits), np.asarray(b_bits))
    flags = set()
    out = []
    append = out.append
    for a, b in zip(a_bits.ravel().tolist(), b_bits.ravel().tolist()):
        bits, fl = kernel(a, b, fmt)
        append(bits)
        if fl:
            flags |= fl
    result = np.array(out, dtype=fmt.uint_dtype).reshape(a_bits.shape)
    return result, frozenset(flags)


def mul_bits_array(a_bits, b_bits, fmt):
    """Elementwise ``mul_bits`` on broadcast integer arrays: ``(bits, flags)``."""
    return _apply_bits(mul_bits, a_bits, b_bits, fmt)


def div_bits_array(a_bits, b_bits, fmt):
    """Elementwise ``div_bits`` on broadcast integer arrays: ``(bits, flags)``."""
    return _apply_bits(div_bits, a_bits, b_bits, fmt)


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


def _apply_float(kernel, name, x, y):
    import numpy as np

    x = np.asarray(x)
    y = np.asarray(y)
    if x.dtype != y.dtype:
        raise TypeError(f"{name}: both operands must have the same dtype, got {x.dtype} and {y.dtype}")
    fmt = FORMATS.get(x.dtype.name)
    if fmt is None or x.dtype.itemsize * 8 != fmt.width:
        raise TypeError(f"{name}: unsupported dtype {x.dtype}; expected one of {sorted(FORMATS)}")
    bits, flags = _apply_bits(kernel, x.view(fmt.uint_dtype), y.view(fmt.uint_dtype), fmt)
    _report(flags, name)
    result = bits.view(x.dtype)
    return result[()] if result.ndim == 0 else result


def mul(x, y):
    """Mitchell product of two arrays of one float dtype (oracle for ``mitchell.mul``)."""
    return _apply_float(mul_bits, "mul", x, y)


def div(x, y):
    """Mitchell quotient of two arrays of one float dtype (oracle for ``mitchell.div``)."""
    return _apply_float(div_bits, "div", x, y)
