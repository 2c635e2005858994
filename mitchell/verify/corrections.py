"""A variant's correction ``kappa`` of the log sum, written from docs/semantics.md.

docs/semantics.md ("Variants") defines every variant except the iterative
multiplier as ``L = log1 +- log2 + kappa / 2^p``.  This module computes
``kappa`` the way that page states it, independently of the kernels:

* ``mitchell``: 0;
* ``lmul``: ``2^(p - l(p))``, ``l(m) = m`` for ``m <= 3``, 3 for ``m = 4``,
  4 for ``m > 4`` (from the formula, not from the spec's table);
* ``biasfree``, ``minimax``: one constant per (operation, format), the data
  of semantics.md's table (read from ``mitchell/_spec.py``; tests compare the
  two);
* ``realm``: ``round(T[i][j] * 2^(p - 16))``, ties to even, with
  ``i = floor(8 f1)``, ``j = floor(8 f2)``; the rounding is done here with
  ``Fraction`` arithmetic, the table entries ``T`` are data.
"""

from fractions import Fraction

import numpy as np

from mitchell._spec import FORMATS, VARIANTS

# semantics.md: the region table's entries are in units of 2^-16, indexed by 3 bits
TABLE_UNIT_BITS = 16
REGION_BITS = 3


def lmul_offset(p):
    """L-Mul's offset in units of 2^-p: ``2^(p - l(p))`` (Luo & Sun 2024, eq. 4).

    Examples
    --------
    >>> lmul_offset(23), lmul_offset(10), lmul_offset(4), lmul_offset(2)
    (524288, 64, 2, 1)
    """
    level = p if p <= 3 else (3 if p == 4 else 4)
    return 1 << (p - level)


def region_table(entries, p):
    """The 8 x 8 table of ``kappa`` on a format's grid: entries / 2^(16 - p), ties to even.

    Examples
    --------
    >>> region_table([246, 749] + [0] * 62, 7)[0, :2].tolist()   # 246/512 = 0.48, 749/512 = 1.46
    [0, 1]
    """
    rounded = [round(Fraction(t) * Fraction(2) ** (p - TABLE_UNIT_BITS)) for t in entries]
    return np.array(rounded, dtype=np.int64).reshape(1 << REGION_BITS, 1 << REGION_BITS)


class Correction:
    """``kappa`` of one variant, operation and format (a ``BinaryFormat``).

    Call it with the fixed-point logarithms ``(e + f) * 2^p`` of the two
    operands (int64 arrays); it returns ``kappa`` for every pair.  ``rows``
    is the number of values the first operand's region index takes (1 for
    an additive variant), ``index(log)`` that index, and ``row(i)`` the
    ``kappa`` of every second-operand index for first-operand index ``i``.

    Examples
    --------
    >>> from mitchell.verify.formats import binary_format
    >>> c = Correction("lmul", "mul", binary_format("float16"))
    >>> int(c(np.int64(0), np.int64(512)))
    64
    >>> c = Correction("realm", "mul", binary_format("bfloat16"))
    >>> int(c(np.int64(64), np.int64(64)))   # f1 = f2 = 1/2: T[4][4] = 6296 / 512
    12
    """

    def __init__(self, variant, op, fmt):
        spec = VARIANTS[variant]
        p = fmt.frac_bits
        self.variant, self.op, self.p = variant, op, p
        if spec.kind == "iterative":
            raise ValueError(f"variant {variant!r} is not a correction of the log sum")
        if spec.kind == "region":
            if op != "mul":
                raise ValueError(f"variant {variant!r} has no {op}")
            self.table = region_table(spec.table, p)
            self.bits = REGION_BITS
        else:
            if variant == "mitchell":
                kappa = 0
            elif variant == "lmul":
                if op != "mul":
                    raise ValueError("lmul has no div")
                kappa = lmul_offset(p)
            else:
                short = FORMATS[fmt.name].short
                corrections = spec.mul if op == "mul" else spec.div
                if corrections is None:
                    raise ValueError(f"variant {variant!r} has no {op}")
                kappa = corrections[short]
            self.table = np.array([[kappa]], dtype=np.int64)
            self.bits = 0

    @property
    def rows(self):
        return 1 << self.bits

    def index(self, log):
        """Region index of the fraction of each logarithm (0 for additive variants)."""
        fraction = np.asarray(log, np.int64) & ((1 << self.p) - 1)
        return fraction >> (self.p - self.bits)

    def row(self, i):
        return self.table[i]

    def __call__(self, log_a, log_b):
        return self.table[self.index(log_a), self.index(log_b)]

