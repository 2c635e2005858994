"""The one list of formats and variants.

Everything else is derived from these tables: the C build generates its format
list from them (setup.py writes ``mitchell_formats.h``), ``_ufuncs.pyx`` and
the numba backend register one ufunc per variant with the corrections given
here, and the verifier and the tests take their plans from them.  The oracle
``mitchell.reference`` is the exception on purpose: it is written from
docs/semantics.md alone, so that it checks this table too.

This module imports nothing beyond the standard library: setup.py executes it
before NumPy or the extension exist.

A variant is one correction of Mitchell's logarithm sum.  With the operands
decoded as ``x = 2^e (1 + f)`` and ``p`` fraction bits, the fixed-point log
``L = (e1 + f1) +- (e2 + f2)`` gets ``kappa / 2^p`` added before the antilog
(docs/semantics.md, "Variants"), where ``kappa`` is

* ``additive``: one integer per (operation, format);
* ``region``: an integer from a 2^r x 2^r table indexed by the leading r bits
  of f1 and f2 (the table is given in units of 2^-TABLE_BITS and rounded to the
  format's grid);
* ``iterative``: Babic et al.'s iterative logarithmic multiplier, integers
  only, with ``terms`` correction terms (not a log-domain constant).
"""

from dataclasses import dataclass, field
from types import MappingProxyType


@dataclass(frozen=True)
class FloatFormat:
    """A binary floating-point format: 1 sign bit, exp_bits, frac_bits."""

    name: str             # the NumPy / ml_dtypes dtype name
    short: str            # the suffix of its C kernels and numba functions
    exp_bits: int
    frac_bits: int
    finite_only: bool = False   # OCP E4M3FN: no infinity, one NaN magnitude
    provider: str = "numpy"     # where its dtype comes from: numpy or ml_dtypes

    @property
    def bits(self):
        return 1 + self.exp_bits + self.frac_bits

    @property
    def uint(self):
        """Name of the unsigned integer dtype holding its bit pattern."""
        return f"uint{self.bits}"


@dataclass(frozen=True)
class IntegerType:
    """An integer operand type and the types of its mul and div results."""

    name: str
    short: str
    mul_out: str
    div_out: str | None   # None: no integer div loop (NumPy casts to float64)


# Order matters: it is the registration order, which is NumPy's loop search
# order (integers narrowest first, then floats), see _ufuncs.pyx.
FLOAT_FORMATS = (
    FloatFormat("float16", "f16", 5, 10),
    FloatFormat("bfloat16", "bf16", 8, 7, provider="ml_dtypes"),
    FloatFormat("float32", "f32", 8, 23),
    FloatFormat("float64", "f64", 11, 52),
    FloatFormat("float8_e4m3fn", "f8e4m3fn", 4, 3, finite_only=True, provider="ml_dtypes"),
    FloatFormat("float8_e5m2", "f8e5m2", 5, 2, provider="ml_dtypes"),
)
FORMATS = MappingProxyType({f.name: f for f in FLOAT_FORMATS})

# mul widens so that no Mitchell product wraps; 64-bit products saturate.
INTEGER_TYPES = (
    IntegerType("int8", "i8", "int16", "float64"),
    IntegerType("uint8", "u8", "uint16", "float64"),
    IntegerType("int16", "i16", "int32", "float64"),
    IntegerType("uint16", "u16", "uint32", "float64"),
    IntegerType("int32", "i32", "int64", "float64"),
    IntegerType("uint32", "u32", "uint64", "float64"),
    IntegerType("int64", "i64", "int64", None),
    IntegerType("uint64", "u64", "uint64", None),
)

# The region table's resolution: entries are integers in units of 2^-16.
TABLE_BITS = 16


@dataclass(frozen=True)
class Variant:
    """One approximate multiplier (and divider) of the family.

    ``mul`` and ``div`` map a float format's short name to its correction
    ``kappa`` (additive variants); a format missing from the map has no loop.
    ``div`` is None for variants without a divider.
    """

    name: str
    title: str
    kind: str                      # "additive", "region" or "iterative"
    definition: str
    citation: str
    mul: dict = field(default_factory=dict)
    div: dict | None = None
    table: tuple = ()              # region: 2^r x 2^r entries, row = f1's bits
    index_bits: int = 0            # region: r
    terms: int = 0                 # iterative: correction terms
    integers: bool = True          # integer loops (through float64, see semantics.md)

    def formats(self, op="mul"):
        """Short names of the float formats with a loop for ``op``."""
        corrections = self.mul if op == "mul" else self.div
        return tuple(f.short for f in FLOAT_FORMATS if corrections is not None and f.short in corrections)

    def correction(self, op, fmt):
        """kappa of an additive variant for op and a format's short name."""
        return (self.mul if op == "mul" else self.div)[fmt]

    def table_for(self, frac_bits):
        """The region table on a format's grid: entries rounded to 2^-frac_bits, ties to even."""
        shift = TABLE_BITS - frac_bits
        if shift <= 0:
            return tuple(t << -shift for t in self.table)
        return tuple(_round_half_even(t, shift) for t in self.table)


def _round_half_even(value, shift):
    """value / 2^shift rounded to the nearest integer, ties to even."""
    q, r = divmod(value, 1 << shift)
    half = 1 << (shift - 1)
    return q + (r > half or (r == half and q & 1))


_ALL_FLOATS = tuple(f.short for f in FLOAT_FORMATS)


def _lmul_offset(frac_bits):
    """L-Mul's offset 2^-l(m) in units of 2^-m (Luo & Sun 2024, eq. 4)."""
    m = frac_bits
    level = m if m <= 3 else (3 if m == 4 else 4)
    return 1 << (m - level)


# Bias-free and minimax constants, per format.  16-bit and 8-bit formats: the
# integer that minimises |mean| (resp. max |error|) over all pairs of the
# format's fractions; float32 and float64: the grid point nearest the
# continuous optimum (0.0566233 / -0.0579951 for the mean, 0.0688575 /
# -0.0748032 for the maximum, docs/error-analysis.md).  tests/test_variants.py
# re-derives the 8- and 16-bit ones by exhaustive search.
_BIASFREE_MUL = {"f16": 58, "bf16": 7, "f32": 474990, "f64": 255008540773764, "f8e4m3fn": 0, "f8e5m2": 0}
_BIASFREE_DIV = {"f16": -59, "bf16": -7, "f32": -486498, "f64": -261186771493442, "f8e4m3fn": 0, "f8e5m2": 0}
_MINIMAX_MUL = {"f16": 70, "bf16": 9, "f32": 577619, "f64": 310106774581225, "f8e4m3fn": 0, "f8e5m2": 0}
_MINIMAX_DIV = {"f16": -77, "bf16": -10, "f32": -627494, "f64": -336883456707751, "f8e4m3fn": -1, "f8e5m2": 0}

# Region-corrected Mitchell: 8 x 8 regions by the leading 3 bits of f1
# (rows) and f2 (columns); each entry makes the mean relative error of its
# region zero (continuous fractions), in units of 2^-16.
_REALM_TABLE = (
    246, 749, 1251, 1753, 2255, 2758, 3185, 1561,
    749, 2277, 3805, 5333, 6861, 7422, 4973, 1684,
    1251, 3805, 6359, 8912, 9455, 7066, 4246, 1425,
    1753, 5333, 8912, 10072, 8092, 5784, 3475, 1166,
    2255, 6861, 9455, 8092, 6296, 4500, 2703, 907,
    2758, 7422, 7066, 5784, 4500, 3216, 1932, 648,
    3185, 4973, 4246, 3475, 2703, 1932, 1161, 390,
    1561, 1684, 1425, 1166, 907, 648, 390, 131,
)

_VARIANTS = (
    Variant(
        "mitchell", "Mitchell", "additive",
        "L = log(a) + log(b): one integer addition of the bit patterns",
        "J. N. Mitchell, Computer multiplication and division using binary logarithms, "
        "IRE Trans. Electronic Computers EC-11(4), 1962",
        mul=dict.fromkeys(_ALL_FLOATS, 0), div=dict.fromkeys(_ALL_FLOATS, 0)),
    Variant(
        "lmul", "L-Mul", "additive",
        "L + 2^-l(m), l(m) = m (m <= 3), 3 (m = 4), 4 (m > 4); m = fraction bits",
        "H. Luo, W. Sun, Addition is All You Need for Energy-efficient Language Models, "
        "arXiv:2410.00907, 2024",
        mul={f.short: _lmul_offset(f.frac_bits) for f in FLOAT_FORMATS}),
    Variant(
        "biasfree", "bias-free Mitchell", "additive",
        "L + c, c per format: mean relative error over uniform fractions closest to 0 on the grid",
        "constant log-domain compensation of Mitchell's bias; cf. Mitchell 1962 and "
        "M. Mogami, Deep Neural Network Training without Multiplications, 2020",
        mul=_BIASFREE_MUL, div=_BIASFREE_DIV),
    Variant(
        "minimax", "minimax Mitchell", "additive",
        "L + c, c per format: the least maximum absolute relative error on the grid",
        "constant log-domain compensation, minimax criterion (docs/error-analysis.md)",
        mul=_MINIMAX_MUL, div=_MINIMAX_DIV),
    Variant(
        "realm", "region-corrected Mitchell (REALM-style, 8 x 8)", "region",
        "L + c[i][j], i, j the leading 3 bits of f1, f2; each region's mean relative error 0",
        "S. Saadat, H. Javaid, A. Ignjatovic, S. Parameswaran, REALM: Reduced-Error Approximate "
        "Log-based Integer Multiplier, DATE 2020",
        mul=dict.fromkeys(("f16", "bf16", "f32", "f64"), 0), table=_REALM_TABLE, index_bits=3),
) + tuple(
    Variant(
        f"ilm{terms}", f"iterative logarithmic multiplier, {terms} correction term{'s' * (terms != 1)}",
        "iterative",
        f"Babic's basic block plus {terms} correction term{'s' * (terms != 1)}; exact when a residue is 0",
        "Z. Babic, A. Avramovic, P. Bulic, An iterative logarithmic multiplier, "
        "Microprocessors and Microsystems 35(1), 2011",
        mul={}, terms=terms)
    for terms in (0, 1, 2, 3)
)

VARIANTS = MappingProxyType({v.name: v for v in _VARIANTS})


def c_formats_header():
    """The C X-macro list of the float formats (setup.py writes it to mitchell_formats.h)."""
    lines = [
        "/* Generated by setup.py from mitchell/_spec.py: do not edit. */",
        "#ifndef MITCHELL_FORMATS_H",
        "#define MITCHELL_FORMATS_H",
        "/* X(short name, bits type, exp_bits, frac_bits, finite_only) */",
        "#define MITCHELL_FLOAT_FORMATS(X) \\",
    ]
    lines += [f"    X({f.short}, uint{f.bits}_t, {f.exp_bits}, {f.frac_bits}, {int(f.finite_only)}) \\"
              for f in FLOAT_FORMATS]
    lines += [
        "",
        "/* X(short name, operand type, mul result type, signed): the integer types",
        " * whose Mitchell products widen (64-bit ones saturate instead) */",
        "#define MITCHELL_WIDENING_INTEGERS(X) \\",
    ]
    lines += [f"    X({t.short}, {t.name}_t, {t.mul_out}_t, {int(not t.name.startswith('u'))}) \\"
              for t in INTEGER_TYPES if t.mul_out != t.name]
    lines += ["", "#endif", ""]
    return "\n".join(lines)
