"""Which formats, variants, operations and backends the verifier covers.

The formats and variants come from the one spec, ``mitchell/_spec.py``; a
format appears when its dtype exists here (bfloat16 needs ``ml_dtypes``) and
the backend has a loop for it.
"""

from fractions import Fraction

import numpy as np

from mitchell._spec import FLOAT_FORMATS, VARIANTS
from mitchell.verify.rules import BinaryFormat

# op -> (lowest, highest) signed relative error (approx - exact) / exact of plain
# Mitchell, from docs/error-analysis.md: mul is never above the exact product and
# at most 1/9 below it; div is never below the exact quotient and at most 1/8 above.
CEILINGS = {
    "mul": (Fraction(-1, 9), Fraction(0)),
    "div": (Fraction(0), Fraction(1, 8)),
}
OPS = tuple(CEILINGS)

# A variant's error has no ceiling stated in advance: the verifier measures its
# extremes.  The only a-priori bound is that a result keeps its sign.
NO_CEILING = (Fraction(-1), Fraction(1))

# the formats the verifier sweeps or certifies (the float8 formats are covered by the
# test suite, every pair against the oracle)
VERIFIED = ("float16", "bfloat16", "float32", "float64")


def ceiling(op, variant="mitchell"):
    """(lowest, highest) allowed signed relative error of ``op`` for ``variant``."""
    return CEILINGS[op] if variant == "mitchell" else NO_CEILING


def numpy_dtype(name):
    """The NumPy dtype called ``name``, or None if it does not exist here."""
    spec = _spec_format(name)
    if spec.provider == "ml_dtypes":
        try:
            import ml_dtypes
        except ImportError:
            return None
        return np.dtype(getattr(ml_dtypes, name))
    return np.dtype(name)


def _spec_format(name):
    for spec in FLOAT_FORMATS:
        if spec.name == name and name in VERIFIED:
            return spec
    raise ValueError(f"unknown dtype {name!r}; known: {', '.join(VERIFIED)}")


def binary_format(name):
    """The BinaryFormat called ``name``; ValueError if unknown or its dtype is missing.

    Examples
    --------
    >>> fmt = binary_format("float16")
    >>> fmt.exp_bits, fmt.frac_bits, fmt.width
    (5, 10, 16)
    """
    spec = _spec_format(name)
    dtype = numpy_dtype(name)
    if dtype is None:
        raise ValueError(f"dtype {name!r} needs ml_dtypes: pip install 'mitchell[ml_dtypes]'")
    return BinaryFormat(name, spec.exp_bits, spec.frac_bits, dtype)


def variant_names(names):
    """The variants named on the command line (``all``: every one), checked."""
    if not names:
        return ["mitchell"]
    if "all" in names:
        return list(VARIANTS)
    for name in names:
        if name not in VARIANTS:
            raise ValueError(f"unknown variant {name!r}; known: all, {', '.join(VARIANTS)}")
    return list(dict.fromkeys(names))


def kernel(backend, op, variant="mitchell"):
    """The ufunc of ``op`` ('mul', 'div') of ``variant`` in ``backend`` ('c' or 'numba'), or None."""
    if backend == "c":
        from mitchell import _ufuncs
        return _ufuncs.variant_ufunc(variant, op)
    if backend == "numba":
        import mitchell.numba
        return mitchell.numba.variant_ufunc(variant, op)
    raise ValueError(f"unknown backend {backend!r}; known: c, numba")


def has_loop(ufunc, dtype):
    """True if ``ufunc`` computes in ``dtype`` itself (not by casting to another type)."""
    if ufunc is None:
        return False
    try:
        one = np.ones(1, dtype=dtype)
        with np.errstate(all="ignore"):
            return ufunc(one, one).dtype == dtype
    except (TypeError, ValueError):
        return False


def available_dtypes(backend="c", variant="mitchell", ops=OPS):
    """The verified formats whose dtype exists and that have a loop for every op in ``ops``."""
    names = []
    for name in VERIFIED:
        dtype = numpy_dtype(name)
        if dtype is not None and all(has_loop(kernel(backend, op, variant), dtype) for op in ops):
            names.append(name)
    return names


def float_ops(variant):
    """The operations ``variant`` has float loops for, in OPS order."""
    spec = VARIANTS[variant]
    return [op for op in OPS if spec.formats(op) and (op == "mul" or spec.div is not None)]


def integer_capable(variant):
    """Whether ``variant``'s mul has integer loops (checked on the ufunc's types, C backend)."""
    ufunc = kernel("c", "mul", variant)
    return ufunc is not None and "bb->h" in ufunc.types
