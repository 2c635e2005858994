"""Mitchell's mul and div in pure NumPy: the naive baseline of the benchmarks.

The best emulation we could write without a compiled kernel: integer views
of the bit patterns, one addition, and ``np.where`` masks for zeros,
infinities, NaN, overflow and underflow.  It is bit-identical to
``mitchell.mul`` / ``mitchell.div`` whenever both operands are normal or zero
and the result does not underflow; it flushes subnormal operands and results
to zero instead of normalising and rounding them (the C kernels do both), and
raises no floating-point warnings.  tests/test_simd_paths.py checks the
agreement on normal inputs with zeros.
"""

import numpy as np

from mitchell._spec import FLOAT_FORMATS

# float dtype -> (unsigned bit-pattern dtype, exponent bits, fraction bits)
FORMATS = {np.dtype(f.name): (np.dtype(f.uint), f.exp_bits, f.frac_bits)
           for f in FLOAT_FORMATS if f.provider == "numpy"}


def _constants(dtype):
    udtype, exp_bits, frac_bits = FORMATS[np.dtype(dtype)]
    u = udtype.type
    sign = u(1 << (exp_bits + frac_bits))
    inf = u(((1 << exp_bits) - 1) << frac_bits)
    qnan = u(int(inf) | (1 << (frac_bits - 1)))
    one = u(((1 << (exp_bits - 1)) - 1) << frac_bits)
    min_normal = u(1 << frac_bits)
    return udtype, sign, u(int(sign) - 1), inf, qnan, one, min_normal


def mul(a, b):
    """Mitchell product of two same-dtype float arrays, in NumPy.

    Examples
    --------
    >>> import numpy as np
    >>> mul(np.float32([1.5, 3.0, 0.0]), np.float32([1.5, 5.0, -2.0]))
    array([ 2., 14., -0.], dtype=float32)
    """
    a, b = np.broadcast_arrays(np.asarray(a), np.asarray(b))
    udtype, sign_mask, abs_mask, inf, qnan, one, min_normal = _constants(a.dtype)
    ua, ub = a.view(udtype), b.view(udtype)
    sign = (ua ^ ub) & sign_mask
    ma, mb = ua & abs_mask, ub & abs_mask
    total = ma + mb  # both below 2^(width-1): cannot wrap
    result = total - one
    result |= sign
    zero = (ma == 0) | (mb == 0)
    tiny = (ma < min_normal) | (mb < min_normal) | (total < one + min_normal)
    result[tiny] = sign[tiny]  # zero operand, or a flushed subnormal
    huge = (total >= inf + one) | (ma >= inf) | (mb >= inf)
    result[huge & ~zero] = (sign | inf)[huge & ~zero]
    nan = (ma > inf) | (mb > inf) | (zero & ((ma == inf) | (mb == inf)))
    result[nan] = qnan
    return result.view(a.dtype)


def div(a, b):
    """Mitchell quotient of two same-dtype float arrays, in NumPy.

    Examples
    --------
    >>> import numpy as np
    >>> div(np.float32([3.0, 7.0, 0.0]), np.float32([5.0, 7.0, -2.0]))
    array([ 0.625,  1.   , -0.   ], dtype=float32)
    """
    a, b = np.broadcast_arrays(np.asarray(a), np.asarray(b))
    udtype, sign_mask, abs_mask, inf, qnan, one, min_normal = _constants(a.dtype)
    ua, ub = a.view(udtype), b.view(udtype)
    sign = (ua ^ ub) & sign_mask
    ma, mb = ua & abs_mask, ub & abs_mask
    top = ma + one  # below 2^width: cannot wrap
    result = top - mb
    result |= sign
    tiny = (ma < min_normal) | (top < mb + min_normal) | (mb >= inf)
    result[tiny] = sign[tiny]  # zero or subnormal dividend, flushed result, x / inf
    huge = (top >= inf + mb) | (ma >= inf) | ((mb < min_normal) & (ma != 0))
    result[huge] = (sign | inf)[huge]  # overflow, inf / finite, x / 0 (x / subnormal flushed)
    nan = ((ma > inf) | (mb > inf) | ((ma == 0) & (mb == 0))
           | ((ma == inf) & (mb == inf)))
    result[nan] = qnan
    return result.view(a.dtype)
