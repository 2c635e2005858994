"""Vectorised rules of docs/semantics.md for the 16-bit formats.

The verifier needs the expected result of every one of the 2^32 input pairs
of a 16-bit format, far too many for the per-element oracle
``mitchell.reference``.  This module writes the same contract a second time,
in NumPy, from the *values* of the operands rather than from their bit
fields: Mitchell's logarithm ``(e + f) * 2^p`` comes from ``np.frexp`` of the
exact float64 value, the antilogarithm from the formula
``2^floor(L) (1 + frac(L))`` with ``np.rint`` (ties to even) on the subnormal
grid.  A variant's correction ``kappa`` (``mitchell.verify.corrections``)
is added to the logarithm before the antilogarithm, as docs/semantics.md
("Variants") defines it.  tests/test_verify.py checks these rules against
``mitchell.reference`` on random pairs, so neither copy can drift from the
other unnoticed.

Flags use NumPy's bit values (the ``flag`` argument of an ``np.errstate``
call handler), so the verifier can compare them with what the ufunc raised.
"""

from dataclasses import dataclass

import numpy as np

# NumPy's floating-point-error bits, as passed to an np.errstate(call=...) handler.
FLAG_DIVIDE = 1
FLAG_OVERFLOW = 2
FLAG_UNDERFLOW = 4
FLAG_INVALID = 8
FLAG_NAMES = {FLAG_DIVIDE: "divide", FLAG_OVERFLOW: "overflow",
              FLAG_UNDERFLOW: "underflow", FLAG_INVALID: "invalid"}

# Operand classes.
ZERO, FINITE, INF, NAN = 0, 1, 2, 3


def flag_names(flags):
    """Sorted names of the NumPy error bits set in ``flags``.

    Examples
    --------
    >>> flag_names(FLAG_OVERFLOW | FLAG_INVALID)
    ['invalid', 'overflow']
    """
    return sorted(name for bit, name in FLAG_NAMES.items() if flags & bit)


@dataclass(frozen=True)
class BinaryFormat:
    """A 1-sign / ``exp_bits`` / ``frac_bits`` format and its NumPy dtype."""

    name: str
    exp_bits: int
    frac_bits: int
    dtype: np.dtype

    @property
    def width(self):
        return 1 + self.exp_bits + self.frac_bits

    @property
    def uint(self):
        return np.dtype(f"uint{self.width}")

    @property
    def bias(self):
        return (1 << (self.exp_bits - 1)) - 1

    @property
    def emin(self):
        return 1 - self.bias

    @property
    def emax(self):
        return self.bias

    @property
    def sign_bit(self):
        return 1 << (self.width - 1)

    @property
    def inf_bits(self):
        return ((1 << self.exp_bits) - 1) << self.frac_bits

    @property
    def qnan_bits(self):
        return self.inf_bits | (1 << (self.frac_bits - 1))

    @property
    def tiny(self):
        """Smallest positive normal value, as a float."""
        return 2.0 ** self.emin

    @property
    def max(self):
        """Largest finite value, as a float."""
        return (2.0 - 2.0 ** -self.frac_bits) * 2.0 ** self.emax


def classify(bits, fmt):
    """Class, sign and Mitchell logarithm of every bit pattern in ``bits``.

    Returns ``(kind, sign, log)``: ``kind`` is ZERO/FINITE/INF/NAN, ``sign``
    0 or 1, and for finite nonzero values ``log`` is the integer
    ``(e + f) * 2^p`` with ``|x| = 2^e (1 + f)``, computed from the exact
    float64 value (subnormals are thereby normalised exactly).

    Examples
    --------
    >>> fmt = BinaryFormat("float16", 5, 10, np.dtype(np.float16))
    >>> bits = np.float16([1.5, -3.0, 0.0]).view(np.uint16)
    >>> kind, sign, log = classify(bits, fmt)
    >>> kind.tolist(), sign.tolist(), (log / 1024).tolist()
    ([1, 1, 0], [0, 1, 0], [0.5, 1.5, 0.0])
    """
    bits = np.asarray(bits, dtype=fmt.uint)
    with np.errstate(invalid="ignore"):  # ml_dtypes flags casts of signalling NaNs
        value = bits.view(fmt.dtype).astype(np.float64)
    magnitude = np.abs(value)
    sign = (bits >> (fmt.width - 1)).astype(np.uint8)
    kind = np.full(bits.shape, FINITE, dtype=np.uint8)
    kind[magnitude == 0] = ZERO
    kind[np.isinf(magnitude)] = INF
    kind[np.isnan(magnitude)] = NAN
    finite = kind == FINITE
    mantissa, exponent = np.frexp(np.where(finite, magnitude, 1.0))  # |x| = m 2^k, m in [1/2, 1)
    e = exponent.astype(np.int64) - 1
    f_scaled = np.ldexp(2.0 * mantissa - 1.0, fmt.frac_bits)  # f * 2^p, an exact integer
    log = np.where(finite, e * (1 << fmt.frac_bits) + f_scaled.astype(np.int64), 0)
    return kind, sign, log


def antilog(log, fmt):
    """Magnitude bits and flags of ``2^floor(L) (1 + frac(L))``, ``L = log / 2^p``.

    Normal range exactly; above it infinity with ``overflow``; below it the
    value rounded to nearest-even on the subnormal grid, with ``underflow``
    when that rounding was inexact.

    Examples
    --------
    >>> fmt = BinaryFormat("float16", 5, 10, np.dtype(np.float16))
    >>> bits, flags = antilog(np.array([1024, 16 * 1024, -15 * 1024 - 1]), fmt)
    >>> [hex(b) for b in bits], flags.tolist()
    (['0x4000', '0x7c00', '0x200'], [0, 2, 4])
    """
    log = np.asarray(log, dtype=np.int64)
    p = fmt.frac_bits
    E = log >> p  # floor(L)
    M = log & ((1 << p) - 1)  # frac(L) * 2^p
    bits = (E + fmt.bias) * (1 << p) + M
    flags = np.zeros(log.shape, dtype=np.uint8)
    over = E > fmt.emax
    bits[over] = fmt.inf_bits
    flags[over] = FLAG_OVERFLOW
    below = E < fmt.emin
    if below.any():
        # value / (smallest subnormal) = (2^p + M) * 2^(E - emin): exact in float64
        scaled = np.ldexp((M[below] + (1 << p)).astype(np.float64), (E[below] - fmt.emin).astype(np.int32))
        q = np.rint(scaled)  # ties to even
        bits[below] = q.astype(np.int64)  # a carry past the grid gives the smallest normal
        flags[below] = np.where(q != scaled, FLAG_UNDERFLOW, 0)
    return bits.astype(fmt.uint), flags


def expected(a_bits, b_bits, op, fmt, correction=None):
    """Expected result bits and flags of ``op`` ('mul' or 'div') on broadcast bit arrays.

    ``correction``: a variant's ``kappa`` as a function of the two logarithms
    (``mitchell.verify.corrections.Correction``); None for plain Mitchell.

    Examples
    --------
    >>> fmt = BinaryFormat("float16", 5, 10, np.dtype(np.float16))
    >>> a = np.float16([1.5, 0.0, 1.0, np.inf]).view(np.uint16)
    >>> b = np.float16([1.5, np.inf, 0.0, 0.0]).view(np.uint16)
    >>> bits, flags = expected(a, b, "mul", fmt)
    >>> bits.view(np.float16).tolist(), flags.tolist()
    ([2.0, nan, 0.0, nan], [0, 8, 0, 8])
    >>> bits, flags = expected(a, b, "div", fmt)
    >>> bits.view(np.float16).tolist(), flags.tolist()
    ([1.0, 0.0, inf, inf], [0, 0, 1, 0])
    """
    a_bits, b_bits = np.broadcast_arrays(np.asarray(a_bits, fmt.uint), np.asarray(b_bits, fmt.uint))
    ka, sa, la = classify(a_bits, fmt)
    kb, sb, lb = classify(b_bits, fmt)
    sign = ((sa ^ sb).astype(np.int64) << (fmt.width - 1))
    log = la + lb if op == "mul" else la - lb
    if correction is not None:
        log = log + correction(la, lb)
    magnitude, flags = antilog(np.where((ka == FINITE) & (kb == FINITE), log, 0), fmt)
    bits = magnitude.astype(np.int64) | sign
    nan = (ka == NAN) | (kb == NAN)
    if op == "mul":
        invalid = ((ka == ZERO) & (kb == INF)) | ((ka == INF) & (kb == ZERO))
        inf = ~invalid & ((ka == INF) | (kb == INF))
        zero = ~invalid & ((ka == ZERO) | (kb == ZERO))
        divide = np.zeros_like(nan)
    else:
        invalid = ((ka == ZERO) & (kb == ZERO)) | ((ka == INF) & (kb == INF))
        divide = (ka == FINITE) & (kb == ZERO)
        inf = ~invalid & ((ka == INF) | (kb == ZERO))
        zero = ~invalid & ~inf & ((ka == ZERO) | (kb == INF))
    special = nan | invalid | inf | zero
    flags = np.where(special, 0, flags).astype(np.uint8)
    bits = np.where(zero, sign, bits)
    bits = np.where(inf, sign | fmt.inf_bits, bits)
    bits = np.where(nan | invalid, fmt.qnan_bits, bits)
    flags |= np.where(invalid & ~nan, FLAG_INVALID, 0).astype(np.uint8)
    flags |= np.where(divide & ~nan, FLAG_DIVIDE, 0).astype(np.uint8)
    return bits.astype(fmt.uint), flags
