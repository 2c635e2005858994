"""Which formats, operations and backends the verifier covers, found at run time.

The lists are data: a format appears when its dtype exists here (bfloat16
needs ``ml_dtypes``) and the backend has a loop for it; a backend appears
when it imports.  Adding an operation means adding it to ``CEILINGS``.
"""

from fractions import Fraction

import numpy as np

from mitchell._verify_rules import BinaryFormat

# op -> (lowest, highest) signed relative error (approx - exact) / exact, from
# docs/error-analysis.md: mul is never above the exact product and at most 1/9
# below it; div is never below the exact quotient and at most 1/8 above it.
CEILINGS = {
    "mul": (Fraction(-1, 9), Fraction(0)),
    "div": (Fraction(0), Fraction(1, 8)),
}

# (name, exp_bits, frac_bits); dtype looked up by name
FORMAT_FIELDS = [
    ("float16", 5, 10),
    ("bfloat16", 8, 7),
    ("float32", 8, 23),
    ("float64", 11, 52),
]


def numpy_dtype(name):
    """The NumPy dtype called ``name``, or None if it does not exist here."""
    if name == "bfloat16":
        try:
            import ml_dtypes
        except ImportError:
            return None
        return np.dtype(ml_dtypes.bfloat16)
    return np.dtype(name)


def binary_format(name):
    """The BinaryFormat called ``name``; ValueError if unknown or its dtype is missing."""
    for fmt_name, exp_bits, frac_bits in FORMAT_FIELDS:
        if fmt_name == name:
            dtype = numpy_dtype(name)
            if dtype is None:
                raise ValueError(f"dtype {name!r} needs ml_dtypes: pip install 'mitchell[ml_dtypes]'")
            return BinaryFormat(name, exp_bits, frac_bits, dtype)
    raise ValueError(f"unknown dtype {name!r}; known: {', '.join(n for n, _, _ in FORMAT_FIELDS)}")


def kernel(backend, op):
    """The ufunc of ``op`` ('mul', 'div') in ``backend`` ('c' or 'numba')."""
    if backend == "c":
        import mitchell
        return getattr(mitchell, op)
    if backend == "numba":
        import mitchell.numba
        return getattr(mitchell.numba, op)
    raise ValueError(f"unknown backend {backend!r}; known: c, numba")


def available_backends():
    """'c', plus 'numba' when ``mitchell.numba`` imports."""
    backends = ["c"]
    try:
        import mitchell.numba  # noqa: F401
    except ImportError:
        pass
    else:
        backends.append("numba")
    return backends


def has_loop(ufunc, dtype):
    """True if ``ufunc`` computes in ``dtype`` itself (not by casting to another type)."""
    try:
        one = np.ones(1, dtype=dtype)
        with np.errstate(all="ignore"):
            return ufunc(one, one).dtype == dtype
    except (TypeError, ValueError):
        return False


def available_dtypes(backend="c"):
    """The formats the default run covers: those whose dtype exists and has a loop."""
    names = []
    for name, _, _ in FORMAT_FIELDS:
        dtype = numpy_dtype(name)
        if dtype is not None and all(has_loop(kernel(backend, op), dtype) for op in CEILINGS):
            names.append(name)
    return names
