"""Which floating-point exceptions a NumPy call raised, read through np.errstate."""

import numpy as np

# NumPy's error-callback bit for each exception, named as mitchell.reference names them
_BITS = {"divide": 1, "overflow": 2, "underflow": 4, "invalid": 8}


def raised_flags(call):
    """Run call() with every FP exception routed to a callback; return (result, set of names)."""
    seen = set()

    def record(kind, bits):
        seen.update(name for name, bit in _BITS.items() if bits & bit)

    with np.errstate(all="call", call=record):
        result = call()
    return result, seen
