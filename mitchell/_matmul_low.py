"""Matrix products whose scalar products are in float16 or bfloat16.

The operands are converted to float32, exactly, and the float32 product runs
with the variant's gufunc for that format (mitchell/_matmul.pyx): its fast
kernels compute each product as a float32 product with the format's own
correction, which is exact while the products are normal numbers of the
format, and blocks where they may not be (or with infinities, NaNs) take the
format's own scalar kernel (csrc/matmul_gemm.c).  The sums are float32 by
default (float64 with ``acc_dtype``), in the same order as every product.
"""

import numpy as np


def matmul(a, b, out, acc_dtype, variant, formats):
    """mitchell.matmul for operands of which one or both are float16/bfloat16."""
    from mitchell import _matmul

    if a.dtype != b.dtype:
        raise TypeError(f"mitchell.matmul: {a.dtype} and {b.dtype} operands have no common product "
                        "format; pass dtype= to choose one")
    fmt = formats[a.dtype]
    acc = np.dtype(np.float32 if acc_dtype is None else acc_dtype)
    if acc not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise TypeError(f"acc_dtype={acc} is not supported for {fmt.name} products "
                        "(float32 or float64)")
    gufunc = _matmul.GUFUNCS.get((variant, fmt.name))
    if gufunc is None:
        raise ValueError(f"variant {variant!r} has no {fmt.name} matrix product")
    return gufunc(a.astype(np.float32), b.astype(np.float32), out=out,
                  signature=(np.float32, np.float32, acc))
