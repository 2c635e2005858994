"""``mitchell.matmul`` on dask arrays: blockwise products, tree-summed over K.

``mitchell.mul`` and ``mitchell.div`` need nothing here: they are ufuncs, and
dask arrays implement ``__array_ufunc__`` by mapping them over the chunks.

The product follows dask's own ``da.matmul``: each pair of blocks
(i, k) x (k, j) becomes one in-memory ``mitchell.matmul`` (whose summation
order is fixed), and the partial results over the K chunks are added with a
tree reduction (``sum`` with ``split_every``), so no worker ever holds a whole
row of blocks.  The partial sums are added in the accumulator's format; the
result therefore equals the in-memory one up to the order of the additions
(exactly equal when K fits in one chunk, and always for the int32 path up to
wrap-around, which is exact).
"""

import numpy as np

try:
    import dask.array as da
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "mitchell.matmul on dask arrays needs dask; install the extra: pip install 'mitchell[dask]'"
    ) from exc



def _block_product(a, b, product):
    """One block pair's partial product, with the contracted axis kept as length 1."""
    return product(a, b)[..., np.newaxis, :]


def matmul(a, b, product, split_every=None):
    """Blockwise Mitchell matrix product of dask (or array-like) operands.

    Parameters
    ----------
    a, b : dask.array.Array or array_like
        Operands; chunks of a's last axis must match b's second-to-last.
    product : callable
        The in-memory product of two blocks (``mitchell.matmul`` with the
        caller's options); its result type is also the format of the tree sum.
    split_every : int, optional
        Fan-in of the tree reduction over K chunks (dask's default if None).

    Returns
    -------
    dask.array.Array
    """
    a = da.asanyarray(a)
    b = da.asanyarray(b)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError("matmul: Input operand does not have enough dimensions")
    a_is_1d = a.ndim == 1
    b_is_1d = b.ndim == 1
    if a_is_1d:
        a = a[np.newaxis, :]
    if b_is_1d:
        b = b[:, np.newaxis]
    if a.ndim < b.ndim:
        a = a[(b.ndim - a.ndim) * (np.newaxis,)]
    elif b.ndim < a.ndim:
        b = b[(a.ndim - b.ndim) * (np.newaxis,)]
    if a.shape[-1] != b.shape[-2]:
        raise ValueError(
            f"matmul: Input operand 1 has a mismatch in its core dimension 0 "
            f"(size {b.shape[-2]} is different from {a.shape[-1]})")
    dtype = product(np.ones((1, 1), a.dtype), np.ones((1, 1), b.dtype)).dtype
    # indices: batch..., i, k (a); batch..., k, j (b); output keeps k as a
    # length-1 axis per block so the K partials can be tree-summed
    nd = a.ndim
    out_ind = tuple(range(nd + 1))
    lhs_ind = tuple(range(nd))
    rhs_ind = tuple(range(nd - 2)) + (nd - 1, nd)
    partials = da.blockwise(
        _block_product, out_ind,
        a, lhs_ind,
        b, rhs_ind,
        adjust_chunks={nd - 1: 1},
        dtype=dtype,
        concatenate=False,
        product=product,
    )
    out = partials.sum(axis=-2, dtype=dtype, split_every=split_every)
    if a_is_1d:
        out = out[..., 0, :]
    if b_is_1d:
        out = out[..., 0]
    return out
