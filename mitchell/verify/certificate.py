"""Certificate of the error extremes for formats too wide to sweep (float32, float64).

docs/error-analysis.md proves that for results in the normal range the
relative error depends only on the two fraction fields (the correction
``kappa`` of a variant, in units of the fraction's last place, included), and
that along the free fraction with the other fixed it is a ratio of two
linear functions, hence monotone, on every piece where the carry (mul) or
borrow (div) of the fixed-point log sum and the variant's ``kappa`` are
constant.  The extremes over the whole grid are therefore at the ends of
those pieces:

* mul: for every t1, t2 at 0 and 2^p - 1, at both ends of every region of
  the correction table (region variants), and at both sides of every carry
  boundary ``t1 + t2 + kappa = k 2^p``;
* div: for every divisor fraction t2, the same points for t1, with the
  borrow boundaries ``t1 - t2 + kappa = k 2^p``.

The shipped kernel is run at exactly those points, with both exponents 0.
A second check runs fixed fraction pairs over every pair of normal exponents
and confirms the kernel's significand does not depend on them and its
exponent is ``e1 + e2`` (or ``e1 - e2``) plus the carry (or borrow).
"""

from fractions import Fraction

import numpy as np

# the mean is measured on a MEAN_GRID x MEAN_GRID midpoint grid of fractions
MEAN_GRID = 2048
# float64: how many values of the swept fraction (its top 23 bits take every value)
DENSE_BITS = 23
SAMPLE_SEED = 2026
# fraction pairs (as fractions of 1) run over all exponent pairs
EXPONENT_FRACTIONS = [(0.5, 0.5), (0.0, 0.5), (0.25, 0.75), (0.75, 0.25), (0.375, 0.5), (0.875, 0.9375)]
EXAMPLES_KEPT = 5


def _uint(fmt):
    return np.dtype(f"uint{fmt.width}")


def _from_fields(fmt, exponent, frac):
    """Values 2^exponent (1 + frac / 2^p) of ``fmt`` from integer arrays."""
    bits = ((np.asarray(exponent, np.int64) + fmt.bias).astype(np.uint64) << np.uint64(fmt.frac_bits)) \
        | np.asarray(frac, np.uint64)
    return bits.astype(_uint(fmt)).view(fmt.dtype)


def _fields(fmt, values):
    """(exponent, fraction field) of normal values of ``fmt``."""
    bits = np.asarray(values).view(_uint(fmt)).astype(np.uint64)
    frac = bits & np.uint64((1 << fmt.frac_bits) - 1)
    exponent = ((bits >> np.uint64(fmt.frac_bits)) & np.uint64((1 << fmt.exp_bits) - 1)).astype(np.int64)
    return exponent - fmt.bias, frac


def swept_fractions(fmt, limit=None):
    """Integer fraction fields the certificate sweeps, ascending: all of them when
    p <= DENSE_BITS, else every value of the top DENSE_BITS bits with random low bits
    (seed SAMPLE_SEED), except that 0, 1/2 (where the maxima lie) and 1 - 2^-p are
    included exactly.  ``limit`` keeps an evenly spaced subset that includes those three
    (quick tests)."""
    p = fmt.frac_bits
    bits = min(p, DENSE_BITS)
    index = np.arange(1 << bits, dtype=np.uint64)
    fractions = index << np.uint64(p - bits)
    if p > bits:  # top bits distinct and ascending, low bits below their spacing: still sorted
        rng = np.random.default_rng(SAMPLE_SEED)
        low = rng.integers(0, 1 << (p - bits), size=index.size, dtype=np.uint64)
        half = 1 << (bits - 1)
        low[0], low[half], low[-1] = 0, 0, (1 << (p - bits)) - 1
        fractions |= low
    if limit is not None and limit < fractions.size:
        keep = np.linspace(0, fractions.size - 1, limit).astype(np.int64)
        fractions = fractions[np.unique(np.append(keep, fractions.size // 2))]
    return fractions


def candidate_pairs(op, fractions, p, correction=None):
    """(t1, t2) integer fraction fields where the extremes lie, for every swept fraction.

    mul sweeps t1 and places t2; div sweeps the divisor's t2 and places t1.
    The placed fraction runs over pieces on which ``kappa`` and the carry are
    constant: for each region of the correction (the whole range for an
    additive variant) both of its ends, and where the log sum crosses a
    multiple of 2^p inside it, the last point before and the first point at
    the crossing.

    Examples
    --------
    >>> t1, t2 = candidate_pairs("mul", np.array([3], np.uint64), 3)   # p = 3, plain Mitchell
    >>> sorted(zip(t1.tolist(), t2.tolist()))   # ends 0 and 7; carry between t2 = 4 and 5
    [(3, 0), (3, 4), (3, 5), (3, 7)]
    """
    one = 1 << p
    swept = fractions.astype(np.int64)
    bits = 0 if correction is None else correction.bits
    width = one >> bits  # fractions per region
    firsts, seconds = [], []
    for j in range(1 << bits):  # region of the placed fraction
        lo, hi = j * width, (j + 1) * width - 1
        if correction is None:
            kappa = np.zeros_like(swept)
        elif op == "mul":  # kappa[i(t1)][j(t2)]
            kappa = correction.table[correction.index(swept), j]
        else:  # kappa[i(t1)][j(t2)] with t2 swept, t1 placed in region j
            kappa = correction.table[j, correction.index(swept)]
        shift = swept + kappa if op == "mul" else kappa - swept  # log sum = placed + shift
        crossing = ((hi + shift) >> p) * one - shift  # first placed value at the last multiple
        inside = (crossing > lo) & (crossing <= hi)
        placed = [np.full_like(swept, lo), np.full_like(swept, hi), crossing[inside] - 1, crossing[inside]]
        owners = [swept, swept, swept[inside], swept[inside]]
        firsts += owners
        seconds += placed
    swept_all, placed_all = np.concatenate(firsts), np.concatenate(seconds)
    if op == "mul":
        return swept_all.astype(np.uint64), placed_all.astype(np.uint64)
    return placed_all.astype(np.uint64), swept_all.astype(np.uint64)


def _two_product(x, y):
    """x*y = hi + lo exactly (Dekker), for float64 arrays without over/underflow."""
    hi = x * y
    split = 134217729.0  # 2^27 + 1
    cx = split * x
    xh = cx - (cx - x)
    xl = x - xh
    cy = split * y
    yh = cy - (cy - y)
    yl = y - yh
    lo = ((xh * yh - hi) + xh * yl + xl * yh) + xl * yl
    return hi, lo


def relative_errors(op, a, b, approx, chunk=1 << 15):
    """Signed relative errors of many pairs, computed in cache-sized chunks (see
    ``_relative_errors``)."""
    a, b, approx = np.broadcast_arrays(*(np.asarray(v).ravel() if np.ndim(v) <= 1 else np.asarray(v)
                                         for v in (a, b, approx)))
    shape = approx.shape
    a, b, approx = (np.ravel(v) for v in (a, b, approx))
    rel = np.empty(a.size, dtype=np.float64)
    for start in range(0, a.size, chunk):
        part = slice(start, start + chunk)
        rel[part] = _relative_errors(op, a[part], b[part], approx[part])
    return rel.reshape(shape)


def _relative_errors(op, a, b, approx):
    """Signed relative errors ``(|approx| - |exact|) / |exact|`` in float64.

    The sign is exact: the exact product (mul) or ``approx * b`` (div) is
    carried as an unevaluated sum hi + lo, and the first difference is exact
    by Sterbenz's lemma.  The magnitude is within a few ulps; comparisons
    with a nonzero ceiling are made exactly by ``exact_error``.
    """
    a, b, approx = (np.abs(np.asarray(v, np.float64)) for v in (a, b, approx))
    if op == "mul":
        hi, lo = _two_product(a, b)
        return ((approx - hi) - lo) / hi
    hi, lo = _two_product(approx, b)
    return ((hi - a) + lo) / a


def exact_error(op, a, b, approx):
    """The signed relative error of one pair as a Fraction."""
    a, b, approx = (abs(Fraction(float(v))) for v in (a, b, approx))
    exact = a * b if op == "mul" else a / b
    return (approx - exact) / exact


def expected_fields(op, t1, t2, p, correction=None):
    """The variant's result for exponents 0, from docs/semantics.md: (exponent, fraction field).

    Examples
    --------
    >>> e, t = expected_fields("mul", np.array([4]), np.array([4]), 3)   # 1.5 * 1.5 -> 2
    >>> e.tolist(), t.tolist()
    ([1], [0])
    """
    t1 = np.asarray(t1).astype(np.int64)
    t2 = np.asarray(t2).astype(np.int64)
    log = t1 + t2 if op == "mul" else t1 - t2
    if correction is not None:
        log = log + correction(t1, t2)
    exponent = log >> p  # floor: carry (up to 2 with kappa > 0) or borrow
    return exponent, log - (exponent << p)


def certify(op, fmt, kernel, ceiling, fraction_limit=None, mean_grid=MEAN_GRID, exponent_stride=1,
            chunk=1 << 14, progress=None, correction=None):
    """Run the certificate of ``op`` on ``fmt`` through ``kernel``; return a result dict.

    ``ceiling`` is ``(lowest, highest)`` allowed signed error as Fractions.
    ``fraction_limit`` and ``exponent_stride`` shrink the work for quick tests.
    ``correction``: the variant's kappa (``mitchell.verify.corrections``), None for Mitchell.
    The swept fractions are processed ``chunk`` at a time (small arrays stay
    in cache); ``progress(done, total)`` is called after each chunk.
    """
    fractions = swept_fractions(fmt, fraction_limit)
    result = {
        "count": 0, "ceiling_violations": 0, "ceiling_examples": [], "rule_mismatches": 0,
        "rule_examples": [], "min": (Fraction(10), None, None), "max": (Fraction(-10), None, None),
    }
    for start in range(0, fractions.size, chunk):
        _certify_chunk(op, fmt, kernel, ceiling, fractions[start:start + chunk], result, correction)
        if progress is not None:
            progress(min(start + chunk, fractions.size), fractions.size)
    mean, bias, mean_pairs = _grid_mean(op, fmt, kernel, mean_grid)
    exponent_checked, exponent_wrong, exponent_examples = _exponent_independence(op, fmt, kernel, exponent_stride)
    result.update({
        "pairs": result["count"] + mean_pairs + exponent_checked,
        "fractions_swept": int(fractions.size),
        "mean_abs": mean,
        "bias": bias,
        "mean_pairs": mean_pairs,
        "exponent_pairs_checked": exponent_checked,
        "exponent_mismatches": exponent_wrong,
        "exponent_examples": exponent_examples,
    })
    return result


def _certify_chunk(op, fmt, kernel, ceiling, fractions, result, correction):
    p = fmt.frac_bits
    low, high = ceiling
    t1, t2 = candidate_pairs(op, fractions, p, correction)
    zero = np.zeros(t1.size, dtype=np.int64)
    a, b = _from_fields(fmt, zero, t1), _from_fields(fmt, zero, t2)
    with np.errstate(all="ignore"):
        approx = np.asarray(kernel(a, b))
    rel = relative_errors(op, a, b, approx)
    result["count"] += int(t1.size)

    # the kernel against the formula at every evaluated point
    want_e, want_t = expected_fields(op, t1, t2, p, correction)
    got_e, got_t = _fields(fmt, approx)
    wrong = np.flatnonzero((got_e != want_e) | (got_t != want_t.astype(np.uint64)))
    result["rule_mismatches"] += int(wrong.size)
    _keep(result["rule_examples"], [(float(a[k]), float(b[k]), float(approx[k])) for k in wrong[:EXAMPLES_KEPT]])

    # Extremes and ceilings exactly.  Signs and zeros of ``rel`` are exact; only
    # points within a small band of a nonzero ceiling or extreme need Fractions.
    band = 1e-9
    for bound, side in ((low, -1), (high, 1)):
        if bound == 0:  # the side of the exact result: signs are exact
            beyond, near = np.flatnonzero(side * rel > 0), []
        else:
            distance = side * (rel - float(bound))  # > 0: beyond the ceiling
            beyond = np.flatnonzero(distance > band)
            near = np.flatnonzero(np.abs(distance) <= band)
        result["ceiling_violations"] += int(beyond.size)
        _keep(result["ceiling_examples"], [(float(rel[k]), float(a[k]), float(b[k]))
                                           for k in beyond[:EXAMPLES_KEPT]])
        for k in near:
            err = exact_error(op, a[k], b[k], approx[k])
            if err < low or err > high:
                result["ceiling_violations"] += 1
                _keep(result["ceiling_examples"], [(float(err), float(a[k]), float(b[k]))])
    result["min"] = min(result["min"], _exact_extreme(op, a, b, approx, rel, np.argmin, min, band),
                        key=lambda t: t[0])
    result["max"] = max(result["max"], _exact_extreme(op, a, b, approx, rel, np.argmax, max, band),
                        key=lambda t: t[0])


def _keep(examples, more):
    examples.extend(more[:EXAMPLES_KEPT - len(examples)])


def _exact_extreme(op, a, b, approx, rel, pick, better, band):
    """(Fraction error, a, b) of the smallest or largest error, exactly."""
    k = int(pick(rel))
    if rel[k] == 0:  # zeros of rel are exact
        return Fraction(0), float(a[k]), float(b[k])
    candidates = np.flatnonzero(np.abs(rel - rel[k]) <= band * abs(rel[k]))
    return better(((exact_error(op, a[j], b[j], approx[j]), float(a[j]), float(b[j])) for j in candidates),
                  key=lambda t: t[0])


def _grid_mean(op, fmt, kernel, grid):
    """Mean |error| and mean signed error over the midpoint grid of fraction pairs."""
    p = fmt.frac_bits
    shift = p - int(np.log2(grid))
    centres = (np.arange(grid, dtype=np.uint64) << np.uint64(shift)) + np.uint64(1 << (shift - 1))
    zero = np.zeros(grid, dtype=np.int64)
    a = _from_fields(fmt, zero, centres)[:, None]
    b = _from_fields(fmt, zero, centres)[None, :]
    with np.errstate(all="ignore"):
        approx = kernel(a, b)
    rel = relative_errors(op, np.broadcast_to(a, approx.shape), np.broadcast_to(b, approx.shape), approx)
    return float(np.abs(rel).mean()), float(rel.mean()), int(rel.size)


def _exponent_independence(op, fmt, kernel, stride):
    """Fixed fraction pairs over all pairs of normal exponents (every ``stride``-th).

    Returns (pairs checked, mismatches, examples): a mismatch is a result in
    the normal range whose fraction field differs from the kernel's result for
    exponents 0, or whose exponent is not e1 + e2 (mul) or e1 - e2 (div) plus
    the exponent of that result (the carry or borrow).
    """
    p = fmt.frac_bits
    exps = np.arange(fmt.emin, fmt.emax + 1, stride, dtype=np.int64)
    e1, e2 = (x.ravel() for x in np.meshgrid(exps, exps, indexing="ij"))
    checked = wrong = 0
    examples = []
    for f1, f2 in EXPONENT_FRACTIONS:
        t1 = np.uint64(int(f1 * (1 << p)))
        t2 = np.uint64(int(f2 * (1 << p)))
        with np.errstate(all="ignore"):
            at_zero = kernel(_from_fields(fmt, [0], [t1]), _from_fields(fmt, [0], [t2]))
        carry, frac = _fields(fmt, at_zero)
        e_out = (e1 + e2 if op == "mul" else e1 - e2) + carry[0]
        normal = (e_out >= fmt.emin) & (e_out <= fmt.emax)
        a = _from_fields(fmt, e1[normal], np.full(normal.sum(), t1))
        b = _from_fields(fmt, e2[normal], np.full(normal.sum(), t2))
        with np.errstate(all="ignore"):
            approx = np.asarray(kernel(a, b))
        got_e, got_t = _fields(fmt, approx)
        bad = np.flatnonzero((got_e != e_out[normal]) | (got_t != frac[0]))
        checked += int(normal.sum())
        wrong += int(bad.size)
        examples += [(float(a[k]), float(b[k]), float(approx[k])) for k in bad[:EXAMPLES_KEPT - len(examples)]]
    return checked, wrong, examples
