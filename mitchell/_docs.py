"""Numpydoc docstrings of the ufuncs, attached at registration.

NumPy prepends the call signature ``mul(x1, x2, /, out=None, *, where=True,
casting='same_kind', order='K', dtype=None, subok=True[, signature])``.
"""

_SHARED_PARAMETERS = """\
out : ndarray, None, or tuple of ndarray and None, optional
    Where to store the result, as for any ufunc.
where : array_like, optional
    Where False, ``out`` keeps its value.
**kwargs
    The other ufunc keyword arguments (``dtype``, ``casting``, ...).
"""

MUL_DOC = f"""\
Mitchell's approximate product of x1 and x2, element-wise.

The product is computed without a multiplier: the magnitudes' bit patterns
are added as integers and the bias of 1.0 subtracted, which adds Mitchell's
piecewise-linear logarithms log2(2**e * (1+f)) ~ e + f and takes the matching
antilog.  Zeros, infinities and NaNs follow IEEE multiplication; see
docs/semantics.md for the full contract.

Parameters
----------
x1, x2 : array_like
    Input arrays, broadcast together.  Float16, float32 and float64 have
    native loops (and ml_dtypes' bfloat16, float8_e4m3fn and float8_e5m2
    when it is installed).  Integers use Mitchell's integer algorithm and a
    result type twice as wide (int8 -> int16, ..., uint32 -> uint64), so no
    product wraps; 64-bit integer products saturate, raising 'overflow'.
    Mixed integer/float inputs take the float loop NumPy's promotion gives.
{_SHARED_PARAMETERS}
Returns
-------
y : ndarray or scalar
    The Mitchell products; a scalar if both inputs are scalars.

Notes
-----
For x = 2**e1 (1+f1) and y = 2**e2 (1+f2), with L = e1+f1 + e2+f2 the result
is 2**floor(L) (1 + frac(L)), exact (no rounding) whenever it is in the normal
range.  It never exceeds the exact product in magnitude and is at most 1/9
below it: 0 <= (x*y - mul(x, y)) / (x*y) <= 1/9, with the worst case at
f1 = f2 = 1/2 (1.5 * 1.5 gives 2.0).  1 is an exact identity.

Results above the largest finite value are +-inf (raising the 'overflow'
floating-point exception); results below the normal range are rounded to
nearest-even on the subnormal grid ('underflow' when inexact); 0 * inf is
NaN ('invalid').  NaN results are the canonical positive quiet NaN.

Examples
--------
>>> import numpy as np
>>> import mitchell
>>> mitchell.mul(np.float32([1.5, -3.0, 2.0]), np.float32([1.5, 5.0, 0.75]))
array([  2. , -14. ,   1.5], dtype=float32)
>>> float(mitchell.mul(3.0, 5.0))
14.0
>>> mitchell.mul(np.arange(1.0, 4.0), 1.0)
array([1., 2., 3.])
>>> mitchell.mul(np.int8([3, -128, 127]), np.int8([5, -128, 127]))
array([   14, 16384, 16128], dtype=int16)
"""

DIV_DOC = f"""\
Mitchell's approximate quotient x1 / x2, element-wise.

The divisor's bit pattern is subtracted from the dividend's as integers and
the bias of 1.0 added back: a difference of Mitchell logarithms followed by
the antilog.  Zeros, infinities and NaNs follow IEEE division; see
docs/semantics.md for the full contract.

Parameters
----------
x1, x2 : array_like
    Dividend and divisor, broadcast together.  Float16, float32 and float64
    have native loops (and ml_dtypes' formats when it is installed).
    Integers give float64: the float64 quotient of the exactly converted
    operands (64-bit integers are cast to float64 first, as np.divide does).
{_SHARED_PARAMETERS}
Returns
-------
y : ndarray or scalar
    The Mitchell quotients; a scalar if both inputs are scalars.

Notes
-----
With L = (e1+f1) - (e2+f2) the result is 2**floor(L) (1 + frac(L)), exact in
the normal range.  It is never below the exact quotient in magnitude and at
most 1/8 above it: 0 <= (div(x, y) - x/y) / (x/y) <= 1/8.

x / 0 is +-inf for x != 0 (raising 'divide' when x is finite), 0 / 0 and
inf / inf are NaN ('invalid'), x / inf is +-0.  Overflow and underflow
behave as for ``mitchell.mul``.

Examples
--------
>>> import numpy as np
>>> import mitchell
>>> mitchell.div(np.float32([1.0, -14.0, 3.0]), np.float32([1.5, 5.0, 0.25]))
array([ 0.75, -3.  , 12.  ], dtype=float32)
>>> float(mitchell.div(1.0, 3.0))
0.375
>>> mitchell.div(np.int8([1, 14]), np.int8([3, 5]))
array([0.375, 3.   ])
>>> with np.errstate(divide="ignore"):
...     print(mitchell.div(np.float32(1), np.float32(0)))
inf
"""

_VARIANT_DOC = """\
{title}: approximate {what} of x1 and x2, element-wise.

{definition}.  The same special values, dtypes, broadcasting and
floating-point exceptions as ``mitchell.{op}``; docs/semantics.md
("Variants") defines the result bit for bit and docs/variants.md lists the
certified error figures.

Parameters
----------
x1, x2 : array_like
    Input arrays, broadcast together.  Float formats: {formats}.
    {integers}
{shared}
Returns
-------
y : ndarray or scalar
    The approximate {what}s; a scalar if both inputs are scalars.

Notes
-----
Reference: {citation}.

Examples
--------
>>> import numpy as np
>>> import mitchell
>>> {example}
"""

# A doctest per variant: the call and its output, checked by tests/test_docs.py.
VARIANT_EXAMPLES = {
    ("lmul", "mul"): ('mitchell.variants["lmul"].mul(np.float32([1.5, 3.0]), np.float32([1.5, 5.0]))',
                      "array([ 2.125, 14.5  ], dtype=float32)"),
    ("biasfree", "mul"): ('mitchell.variants["biasfree"].mul(np.float16([1.5, 3.0]), np.float16([1.5, 5.0]))',
                          "array([ 2.113, 14.45 ], dtype=float16)"),
    ("biasfree", "div"): ('mitchell.variants["biasfree"].div(np.float16([1.0, 15.0]), np.float16([1.5, 5.0]))',
                          "array([0.721, 3.135], dtype=float16)"),
    ("minimax", "mul"): ('mitchell.variants["minimax"].mul(np.float16([1.5, 3.0]), np.float16([1.5, 5.0]))',
                         "array([ 2.137, 14.55 ], dtype=float16)"),
    ("minimax", "div"): ('mitchell.variants["minimax"].div(np.float16([1.0, 15.0]), np.float16([1.5, 5.0]))',
                         "array([0.7124, 3.1   ], dtype=float16)"),
    ("realm", "mul"): ('mitchell.variants["realm"].mul(np.float32([1.5, 3.0]), np.float32([1.5, 5.0]))',
                       "array([ 2.1921387, 15.154175 ], dtype=float32)"),
    ("ilm0", "mul"): ('mitchell.variants["ilm0"].mul(np.uint8([3, 200]), np.uint8([3, 100]))',
                      "array([    8, 17408], dtype=uint16)"),
    ("ilm1", "mul"): ('mitchell.variants["ilm1"].mul(np.uint8([3, 200]), np.uint8([3, 100]))',
                      "array([    9, 19968], dtype=uint16)"),
    ("ilm2", "mul"): ('mitchell.variants["ilm2"].mul(np.uint8([3, 200]), np.uint8([3, 100]))',
                      "array([    9, 20000], dtype=uint16)"),
    ("ilm3", "mul"): ('mitchell.variants["ilm3"].mul(np.uint8([3, 200]), np.uint8([3, 100]))',
                      "array([    9, 20000], dtype=uint16)"),
}


def variant_doc(variant, op):
    """The docstring of a variant's ufunc for op ('mul' or 'div')."""
    if variant.name == "mitchell":
        return MUL_DOC if op == "mul" else DIV_DOC
    formats = ", ".join(variant.formats(op)) or "none (integers only)"
    if variant.kind == "iterative":
        integers = ("Integers up to 32 bits, result twice as wide (int8 -> int16, ...); "
                    "the product never exceeds the exact one.")
    elif op == "mul":
        integers = ("Integers up to 32 bits: the float64 result for the exact operands, rounded "
                    "to the nearest integer (ties to even), in a type twice as wide, saturating "
                    "with 'overflow'.")
    else:
        integers = "Integers up to 32 bits give the float64 quotient of the exact operands."
    call, output = VARIANT_EXAMPLES[(variant.name, op)]
    return _VARIANT_DOC.format(title=variant.title, what="product" if op == "mul" else "quotient",
                               definition=variant.definition, op=op, formats=formats,
                               integers=integers, shared=_SHARED_PARAMETERS,
                               citation=variant.citation, example=f"{call}\n{output}")
