"""The standard error metrics of an integer multiplier, as EvoApproxLib reports them.

For a multiplier ``M`` and the exact product ``P`` over a set of operand pairs
(all 65,536 pairs for 8-bit operands; a stated random sample for 16-bit):

* ``er``: error rate, the fraction of pairs with ``M != P`` (EvoApproxLib's EP);
* ``med``: mean error distance, the mean of ``|M - P|`` (EvoApproxLib's MAE);
* ``nmed``: ``med`` divided by the largest ``|P|`` over the operand type
  (65,025 for uint8, 16,384 for int8);
* ``mred``: mean relative error distance, the mean of ``|M - P| / |P|``, a
  pair with ``P = 0`` counting as 0 (EvoApproxLib's MRE);
* ``wce``: worst-case error, the largest ``|M - P|``;
* ``wcre``: worst-case relative error, the largest ``|M - P| / |P|`` over
  ``P != 0``.

Ratios are fractions, not percent.  The names follow the metrics EvoApproxLib
(V. Mrazek et al., "EvoApprox8b: Library of approximate adders and multipliers
for circuit design and benchmarking of approximation methods", DATE 2017;
github.com/ehw-fit/approxlib, where every circuit's header lists MAE, WCE,
WCRE, EP and MRE).  EvoApproxLib's percentages ``MAE%`` and ``WCE%`` divide by
the output range ``2^(2n)``; ``nmed`` here divides by the largest exact
product, as the brief of issue 10 asks.
"""

import numpy as np

from mitchell.verify import formats, integers

# 16-bit operands: pairs drawn uniformly (with replacement) from all 2^32, fixed seed
SAMPLE_PAIRS = 1 << 24
SAMPLE_SEED = 2026

KEYS = ("er", "med", "nmed", "mred", "wce", "wcre")


def operand_pairs(dtype, sample=None, seed=SAMPLE_SEED):
    """(a, b, method): every pair of an 8-bit type, a uniform random sample of a 16-bit one
    (``sample`` pairs, default ``SAMPLE_PAIRS``)."""
    dtype = np.dtype(dtype)
    sample = SAMPLE_PAIRS if sample is None else sample
    info = np.iinfo(dtype)
    if dtype.itemsize == 1:
        values = np.arange(info.min, info.max + 1, dtype=np.int64).astype(dtype)
        a, b = np.meshgrid(values, values, indexing="ij")
        return a.ravel(), b.ravel(), f"exhaustive, all {values.size ** 2:,} pairs"
    rng = np.random.default_rng(seed)
    a = rng.integers(info.min, info.max, size=sample, endpoint=True).astype(dtype)
    b = rng.integers(info.min, info.max, size=sample, endpoint=True).astype(dtype)
    return a, b, f"{sample:,} pairs drawn uniformly with replacement (numpy default_rng, seed {seed})"


def error_metrics(approx, exact, largest):
    """The six metrics of arrays of approximate and exact products; ``largest`` is NMED's divisor.

    Examples
    --------
    A 2-bit multiplier that returns 2 for 3 x 3 (hand count: 1 of 16 pairs wrong,
    by 7, relative 7/9):

    >>> v = np.arange(4)
    >>> exact = (v[:, None] * v[None, :]).ravel()
    >>> approx = np.where(exact == 9, 2, exact)
    >>> m = error_metrics(approx, exact, largest=9)
    >>> m["er"], m["med"], m["wce"], round(m["wcre"], 6), round(m["mred"], 6)
    (0.0625, 0.4375, 7, 0.777778, 0.048611)
    """
    approx = np.asarray(approx, np.int64)
    exact = np.asarray(exact, np.int64)
    distance = np.abs(approx - exact)
    nonzero = exact != 0
    relative = np.zeros(distance.shape, dtype=np.float64)
    relative[nonzero] = distance[nonzero] / np.abs(exact[nonzero])
    return {
        "er": float(np.count_nonzero(distance) / distance.size),
        "med": float(distance.mean()),
        "nmed": float(distance.mean() / largest),
        "mred": float(relative.mean()),
        "wce": int(distance.max()),
        "wcre": float(relative.max()),
    }


def largest_product(dtype):
    """The largest |exact product| of two operands of ``dtype`` (int8: (-128)^2)."""
    info = np.iinfo(np.dtype(dtype))
    return max(info.max * info.max, info.min * info.min)


def metrics(dtype, variant="mitchell", backend="c", details=False):
    """EvoApproxLib's error metrics of ``variant``'s integer product on ``dtype``.

    Parameters
    ----------
    dtype : {'int8', 'uint8', 'int16', 'uint16'}
        8-bit types run all 65,536 pairs; 16-bit types a random sample of
        ``SAMPLE_PAIRS`` (seed ``SAMPLE_SEED``).
    variant : str
        A name in ``mitchell.variants`` whose ``mul`` has integer loops.
    backend : {'c', 'numba'}
        Whose ufunc to run.
    details : bool
        Also return how the pairs were chosen, how many, and how many products
        differ from the verifier's own implementation (``mitchell.verify.integers``).

    Returns
    -------
    dict
        ``er``, ``med``, ``nmed``, ``mred``, ``wce``, ``wcre`` (ratios as fractions),
        plus ``method``, ``pairs``, ``mismatches`` with ``details=True``.

    Examples
    --------
    >>> from mitchell.verify import metrics
    >>> m = metrics("uint8")
    >>> sorted(m), m["wce"] > 0, 0 < m["er"] < 1
    (['er', 'med', 'mred', 'nmed', 'wce', 'wcre'], True, True)
    """
    dtype = np.dtype(dtype)
    if dtype.name not in integers.VERIFIED:
        raise ValueError(f"metrics cover {', '.join(integers.VERIFIED)}, not {dtype.name!r}")
    if not formats.integer_capable(variant):
        raise ValueError(f"variant {variant!r} has no integer product")
    ufunc = formats.kernel(backend, "mul", variant)
    a, b, method = operand_pairs(dtype)
    with np.errstate(all="ignore"):
        approx = np.asarray(ufunc(a, b))
    exact = a.astype(np.int64) * b.astype(np.int64)
    result = error_metrics(approx, exact, largest_product(dtype))
    if details:
        want = integers.expected(a, b, variant)
        result.update({
            "method": method, "pairs": int(a.size), "result_dtype": approx.dtype.name,
            "mismatches": int(np.count_nonzero(approx.astype(np.int64) != want.astype(np.int64)))
                          + (0 if approx.dtype == want.dtype else int(a.size)),
        })
    return result
