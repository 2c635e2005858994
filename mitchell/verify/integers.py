"""Integer products of the variants, written from docs/semantics.md ("Variants on integers").

* A log-sum variant (``mitchell``, ``lmul``, ``biasfree``, ``minimax``,
  ``realm``): the float64 variant product of the exactly converted operands
  (``mitchell.verify.rules`` with the variant's ``kappa``), rounded to the
  nearest integer, ties to even; beyond the widened result type it
  saturates.  For ``mitchell`` this equals Mitchell's integer algorithm.
* The iterative logarithmic multiplier ``ilmT``: the basic block
  ``P(N1, N2) = 2^(k1+k2) + x1 2^k2 + x2 2^k1`` of the magnitudes, plus ``T``
  correction terms, each the basic block of the previous residues.

Operands of 8 and 16 bits (their products fit int64 exactly).
"""

import numpy as np

from mitchell._spec import INTEGER_TYPES, VARIANTS
from mitchell.verify import rules
from mitchell.verify.corrections import Correction
from mitchell.verify.formats import binary_format

# the integer types the verifier covers
VERIFIED = ("int8", "uint8", "int16", "uint16")


def result_dtype(dtype):
    """The widened type of ``mul`` on ``dtype`` (int8 -> int16, ...)."""
    for t in INTEGER_TYPES:
        if t.name == np.dtype(dtype).name:
            return np.dtype(t.mul_out)
    raise ValueError(f"unknown integer type {dtype!r}")


def _check(dtype):
    name = np.dtype(dtype).name
    if name not in VERIFIED:
        raise ValueError(f"integer type {name!r} not covered; known: {', '.join(VERIFIED)}")
    return np.dtype(name)


def expected(a, b, variant="mitchell"):
    """The variant's integer product of ``a`` and ``b`` (same integer type, 8 or 16 bits).

    Examples
    --------
    >>> expected(np.uint8([3, 255]), np.uint8([3, 255]))     # 9 -> 8, 65025 -> 65024
    array([    8, 65024], dtype=uint16)
    >>> expected(np.int8([-128, 7]), np.int8([3, 7]), "ilm1").tolist()   # 7 * 7: P(7, 7) + P(3, 3) = 40 + 8
    [-384, 48]
    """
    a, b = np.broadcast_arrays(np.asarray(a), np.asarray(b))
    dtype = _check(a.dtype)
    out = result_dtype(dtype)
    a64, b64 = a.astype(np.int64), b.astype(np.int64)
    negative = (a64 < 0) ^ (b64 < 0)
    if VARIANTS[variant].kind == "iterative":
        magnitude = iterative(np.abs(a64), np.abs(b64), VARIANTS[variant].terms)
    else:
        magnitude = _log_sum(np.abs(a64), np.abs(b64), variant)
    info = np.iinfo(out)
    limit = np.where(negative, -info.min if info.min < 0 else 0, info.max)
    magnitude = np.minimum(magnitude, limit)  # saturation: e.g. lmul 255 * 255 -> 65,535 in uint16
    return np.where(negative, -magnitude, magnitude).astype(out)


def _log_sum(a, b, variant):
    """|product| of magnitudes through the float64 semantics with the variant's kappa, rounded."""
    fmt = binary_format("float64")
    correction = None if variant == "mitchell" else Correction(variant, "mul", fmt)
    a_bits = a.astype(np.float64).view(np.uint64)
    b_bits = b.astype(np.float64).view(np.uint64)
    bits, _ = rules.expected(a_bits, b_bits, "mul", fmt, correction)
    return np.rint(bits.view(np.float64)).astype(np.int64)  # ties to even


def _leading_one(n):
    """k with 2^k <= n < 2^(k+1), for n > 0 (exact: n < 2^53)."""
    return np.frexp(n.astype(np.float64))[1].astype(np.int64) - 1


def basic_block(n1, n2):
    """Babic et al.'s basic block ``P(N1, N2)`` and the residues; P is 0 if an operand is 0.

    Examples
    --------
    >>> p, x1, x2 = basic_block(np.array([7]), np.array([7]))   # 16 + 3*4 + 3*4 = 40, residues 3, 3
    >>> p.tolist(), x1.tolist(), x2.tolist()
    ([40], [3], [3])
    """
    live = (n1 > 0) & (n2 > 0)
    k1 = _leading_one(np.where(live, n1, 1))
    k2 = _leading_one(np.where(live, n2, 1))
    x1, x2 = n1 - (1 << k1), n2 - (1 << k2)
    p = (1 << (k1 + k2)) + (x1 << k2) + (x2 << k1)
    return np.where(live, p, 0), np.where(live, x1, 0), np.where(live, x2, 0)


def iterative(n1, n2, terms):
    """``ilm{terms}`` of magnitudes: the basic block plus ``terms`` correction terms."""
    total = np.zeros(np.broadcast(n1, n2).shape, dtype=np.int64)
    for _ in range(terms + 1):
        p, n1, n2 = basic_block(n1, n2)
        total += p
    return total
