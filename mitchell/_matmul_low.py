"""Matrix products whose scalar products are in float16 or bfloat16.

Such a product of two values of the format is computed exactly by the
float32 kernels with the format's own correction (the operands convert to
float32 exactly, every log sum is a multiple of the format's 2^-p, and the
result is the format's whenever it is a normal number of the format).  So
when no product can leave the format's normal range the float32 gufunc runs
(at float32 speed); otherwise, and for infinities and NaNs, the products come
from the elementwise ufunc of the format itself and are added one k at a
time, in the same order as the gufunc.  The sums are float32 by default.
"""

import numpy as np


def _exponent_range(x):
    """(least, greatest) binary exponent of the nonzero elements, or None if all are zero."""
    magnitudes = np.abs(x.astype(np.float32))
    nonzero = magnitudes[magnitudes != 0]
    if nonzero.size == 0:
        return None
    return int(np.frexp(nonzero.min())[1]) - 1, int(np.frexp(nonzero.max())[1]) - 1


def _fast_path_exact(a, b, fmt):
    """Whether every product is a normal number of fmt (or an exact zero)."""
    if not (np.isfinite(a.astype(np.float32)).all() and np.isfinite(b.astype(np.float32)).all()):
        return False
    ra, rb = _exponent_range(a), _exponent_range(b)
    if ra is None or rb is None:
        return True
    bias = (1 << (fmt.exp_bits - 1)) - 1
    emin, emax = 1 - bias, bias
    # a Mitchell product of 2^ea (1+fa) and 2^eb (1+fb) lies in [2^(ea+eb), 2^(ea+eb+2))
    return ra[0] + rb[0] >= emin and ra[1] + rb[1] + 2 <= emax + 1


def matmul(a, b, out, acc_dtype, variant, formats):
    """mitchell.matmul for operands of which one or both are float16/bfloat16."""
    from mitchell import _matmul, variants

    if a.dtype != b.dtype:
        raise TypeError(f"mitchell.matmul: {a.dtype} and {b.dtype} operands have no common product "
                        "format; pass dtype= to choose one")
    fmt = formats[a.dtype]
    acc = np.dtype(np.float32 if acc_dtype is None else acc_dtype)
    if acc not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise TypeError(f"acc_dtype={acc} is not supported for {fmt.name} products "
                        "(float32 or float64)")
    if variant not in variants or variants[variant].mul is None or (variant, fmt.name) not in _matmul.GUFUNCS:
        raise ValueError(f"variant {variant!r} has no {fmt.name} matrix product")
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError("matmul: Input operand does not have enough dimensions")
    if _fast_path_exact(a, b, fmt):
        gufunc = _matmul.GUFUNCS[variant, fmt.name]
        return gufunc(a.astype(np.float32), b.astype(np.float32), out=out,
                      signature=(np.float32, np.float32, acc))
    return _elementwise(a, b, out, acc, variants[variant].mul)


def _elementwise(a, b, out, acc, mul):
    """The same sums from the format's elementwise products, one k at a time."""
    a2 = a[np.newaxis, :] if a.ndim == 1 else a
    b2 = b[:, np.newaxis] if b.ndim == 1 else b
    if a2.shape[-1] != b2.shape[-2]:
        raise ValueError(f"matmul: Input operand 1 has a mismatch in its core dimension 0 "
                         f"(size {b2.shape[-2]} is different from {a2.shape[-1]})")
    shape = np.broadcast_shapes(a2.shape[:-2], b2.shape[:-2]) + (a2.shape[-2], b2.shape[-1])
    total = np.zeros(shape, acc)
    for k in range(a2.shape[-1]):
        total += mul(a2[..., :, k, np.newaxis], b2[..., np.newaxis, k, :]).astype(acc)
    total = total + acc.type(0)  # a sum that starts at +0 is never -0
    if a.ndim == 1:
        total = total[..., 0, :]
    if b.ndim == 1:
        total = total[..., 0]
    if out is None:
        return total
    if out.shape != total.shape:
        raise ValueError(f"output array has shape {out.shape}, expected {total.shape}")
    np.copyto(out, total, casting="same_kind")
    return out
