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
    native loops; other real types are cast as for ``np.multiply``'s float
    loops (integers of up to 8 bits go to float16, 16 bits to float32, wider
    to float64).
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
    have native loops; other real types are cast as for ``mitchell.mul``.
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
>>> with np.errstate(divide="ignore"):
...     print(mitchell.div(np.float32(1), np.float32(0)))
inf
"""
