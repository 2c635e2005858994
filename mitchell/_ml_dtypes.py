"""Loops for ml_dtypes' bfloat16, float8_e4m3fn and float8_e5m2.

ml_dtypes is optional (extra ``[ml_dtypes]``).  Its dtypes are user dtypes
whose type numbers exist only once it is imported, so their loops are
registered here, at ``import mitchell``, if it is installed.
"""

import importlib.util

# The ml_dtypes formats with loops, in the order register_ml_dtypes takes them.
FORMATS = ("bfloat16", "float8_e4m3fn", "float8_e5m2")


def available():
    """True if ml_dtypes can be imported (without importing it)."""
    return importlib.util.find_spec("ml_dtypes") is not None


def register(register_ml_dtypes):
    """Call ``register_ml_dtypes(*type numbers of FORMATS)``; False without ml_dtypes."""
    if not available():
        return False
    import ml_dtypes
    import numpy as np

    register_ml_dtypes(*(np.dtype(getattr(ml_dtypes, name)).num for name in FORMATS))
    return True
