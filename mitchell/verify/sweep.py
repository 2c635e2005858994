"""Exhaustive check of a 16-bit format: all 2^32 input pairs through the kernel.

Work is split by the first operand.  For each magnitude ``m`` the two rows
``a = +m`` and ``a = -m`` are computed in one kernel call against all 65536
values of ``b``, then checked in cache:

* every result bit pattern and the flags the call raised against the rules
  of docs/semantics.md (``mitchell.verify.rules``), and
* the relative error of every pair whose exact result and whose Mitchell
  result both lie in the normal range (the range where the bound holds).

The ``b`` operands are laid out in a fixed order that makes both checks cheap:
zeros, then the finite nonzero values sorted by their contribution to
Mitchell's logarithm (``+log b`` for mul, ``-log b`` for div) with the two
signs of each magnitude side by side, then the infinities, then the NaNs.  In
that order the pairs of a row whose result underflows, is normal or overflows,
and the pairs whose exact result is normal, are contiguous ranges found by
binary search; in the normal range the expected bit pattern of the antilog
is the logarithm plus the bias, so the rule check there is one integer
addition per element.

A variant adds ``kappa`` to the logarithm (docs/semantics.md, "Variants").
For an additive variant ``kappa`` is one constant, folded into each ``b``'s
log term.  For the region variant it depends on the leading bits of both
fractions: for a fixed first operand (its row index ``i``) it is a function
of ``b`` alone, so there is one ``Plan`` per row index, each sorting the
``b`` operands by their log term plus ``kappa``.
"""

import numpy as np

from mitchell.verify import rules

# magnitudes of the first operand per task: 128 tasks for a 16-bit format
TASK_MAGNITUDES = 256
# mismatching pairs kept as examples, per kind of problem
EXAMPLES_KEPT = 5


class Plan:
    """Everything about the ``b`` operands of one (format, op) that rows share."""

    def __init__(self, fmt, op, correction=None, row=0):
        self.fmt, self.op, self.correction = fmt, op, correction
        p, width = fmt.frac_bits, fmt.width
        bits = np.arange(1 << width, dtype=np.int64).astype(fmt.uint)
        kind, sign, log = rules.classify(bits, fmt)
        lop = log if op == "mul" else -log
        if correction is not None:  # kappa for first operands of region index ``row``
            lop = lop + np.where(kind == rules.FINITE, correction.row(row)[correction.index(log)], 0)
        positive = np.flatnonzero((kind == rules.FINITE) & (sign == 0))
        positive = positive[np.argsort(lop[positive], kind="stable")]
        zeros = np.flatnonzero(kind == rules.ZERO)
        infs = np.flatnonzero(kind == rules.INF)
        nans = np.flatnonzero(kind == rules.NAN)
        # finite block: the positive values, then their negatives in the same order
        order = np.concatenate([zeros, positive, positive | fmt.sign_bit, infs, nans])
        self.order = order.astype(fmt.uint)
        self.b = self.order.view(fmt.dtype)
        self.half = positive.size
        self.f0, self.f1 = zeros.size, zeros.size + 2 * positive.size
        self.nan0 = self.f1 + infs.size

        self.lop = lop[positive]  # ascending
        signs = np.array([0, fmt.sign_bit], dtype=np.int64)[:, None]
        # normal zone: expected bits = log a + log term of b + bias + sign, mod 2^width
        # (the magnitude part of the sum is below 2^(width-1), so the sign bit survives)
        self.normal_base = ((self.lop + (fmt.bias << p) + signs) % (1 << width)).astype(fmt.uint)
        self.inf_row = np.broadcast_to(signs | fmt.inf_bits, (2, self.half)).astype(fmt.uint)
        self.b_abs = self.b[self.f0:self.f0 + self.half].astype(np.float64)  # finite, no NaN
        self.b_abs_work = self.b_abs.astype(work_dtype(fmt))

        # underflow zone: table of antilog bits/flags for every log below the normal range
        log_finite = log[kind == rules.FINITE]
        lowest = int(log_finite.min() + self.lop.min() - 1)
        self.table_base = lowest
        table_logs = np.arange(lowest, fmt.emin << p, dtype=np.int64)
        self.under_bits, self.under_flags = rules.antilog(table_logs, fmt)
        # prefix counts of inexact entries: "any underflow flag in a range" in O(1)
        self.under_inexact = np.concatenate([[0], np.cumsum(self.under_flags != 0)])
        # The normal values of b have consecutive logarithms, so their underflow-zone
        # entries are a contiguous slice of the table; only the subnormal b (their
        # logarithms are sparse) need a gather.  dense = [d0, d1) of the half block.
        steps = np.flatnonzero(np.diff(self.lop) != 1)
        runs = np.split(np.arange(self.half), steps + 1)
        longest = max(runs, key=len)
        self.dense = (int(longest[0]), int(longest[-1]) + 1)

        # special columns, expected for a = +1 and a = -1 (any finite nonzero a)
        special_cols = np.concatenate([np.arange(self.f0), np.arange(self.f1, order.size)])
        self.special_cols = special_cols
        one = np.array([1.0, -1.0]).astype(fmt.dtype).view(fmt.uint)
        self.special_expected, special_flags = rules.expected(
            one[:, None], self.order[special_cols][None, :], op, fmt, correction)
        self.special_flags = int(np.bitwise_or.reduce(special_flags, axis=None))
        self.nan_cols_expected = self.special_expected[1][special_cols >= self.nan0]

        # per positive magnitude (finite nonzero): zone and region boundaries in a half block
        mags = np.arange(1 << (width - 1))
        self.mag_kind = kind[mags]
        self.mag_log = log[mags]
        la = self.mag_log
        self.under_end = np.searchsorted(self.lop, (fmt.emin << p) - la, "left")
        self.over_start = np.searchsorted(self.lop, ((fmt.emax + 1) << p) - la, "left")
        with np.errstate(all="ignore"):  # magnitudes of NaNs are cast too, and never used
            a_abs = mags.astype(fmt.uint).view(fmt.dtype).astype(np.float64)
            self.a_abs_work = a_abs.astype(work_dtype(fmt))
            exact_ge_tiny = self._bisect(lambda a, b: self._exact(a, b) >= fmt.tiny, a_abs)
            exact_gt_max = self._bisect(lambda a, b: self._exact(a, b) > fmt.max, a_abs)
        self.a_abs = a_abs
        self.exact_lo, self.exact_hi = exact_ge_tiny, exact_gt_max
        # The b operands are in the order of the exact result when kappa is one constant;
        # a region table's kappa reorders neighbours across region edges, and then the
        # pairs with a normal exact result are found by a mask instead (_exact_normal).
        self.exact_sorted = correction is None or correction.rows == 1
        # the error statistics cover pairs whose exact and Mitchell results are both normal
        self.region_lo = np.maximum(exact_ge_tiny, self.under_end)
        self.region_hi = np.minimum(exact_gt_max, self.over_start)

    def _exact(self, a_abs, b_abs):
        """|exact result| in float64.  Products of 16-bit values are exact; a quotient
        is rounded, but two 16-bit significands give a quotient at least 2^-24 (relative)
        away from any 16-bit threshold unless equal to it, so comparisons are exact."""
        return a_abs * b_abs if self.op == "mul" else a_abs / b_abs

    def _bisect(self, predicate, a_abs):
        """First index j of the half block with predicate(|a|, |b_j|) true, per |a|.

        The exact result is monotone along the half block, so the predicate is too.
        """
        lo = np.zeros(a_abs.size, dtype=np.int64)
        hi = np.full(a_abs.size, self.half, dtype=np.int64)
        while np.any(lo < hi):
            mid = (lo + hi) // 2
            ok = predicate(a_abs, self.b_abs[np.minimum(mid, self.half - 1)]) & (lo < hi)
            hi = np.where(ok, mid, hi)
            lo = np.where(~ok & (lo < hi), mid + 1, lo)
        return lo


def work_dtype(fmt):
    """Float type in which products of two values of ``fmt`` in its normal range, and
    the differences the error needs, are exact: float32 when both the 2(p+1)-bit
    significand and the exponent range of a product fit its normal range."""
    fits = (2 * (fmt.frac_bits + 1) <= 24 and 2 * (fmt.emin - fmt.frac_bits) >= -126
            and 2 * (fmt.emax + 1) <= 127)
    return np.dtype(np.float32 if fits else np.float64)


class Partial:
    """Statistics and problems found on part of the input space; merge with ``+=``.

    Relative errors are signed, ``(|approx| - |exact|) / |exact|``; extremes
    are ``(error, a bits, b bits)`` with the error evaluated exactly enough to
    be compared with the ceilings (see ``_exact_errors``).
    """

    def __init__(self):
        self.pairs = 0  # pairs run through the kernel
        self.count = 0  # pairs in the error-statistics region
        self.sum = 0.0
        self.sum_abs = 0.0
        # (error, a bits, b bits, result bits, plainness), see _extreme
        self.min = (np.inf, None, None, None, np.inf)
        self.max = (-np.inf, None, None, None, np.inf)
        self.ceiling_violations = 0
        self.ceiling_examples = []  # (error, a bits, b bits)
        self.edge_count = 0  # exact result normal, Mitchell result below the normal range
        self.edge_worst = (0.0, None, None)
        self.rule_mismatches = 0
        self.rule_examples = []  # (a bits, b bits, got bits, expected bits)
        self.flag_mismatches = 0
        self.flag_examples = []  # (a bits, got flags, expected flags)

    def __iadd__(self, other):
        self.pairs += other.pairs
        self.count += other.count
        self.sum += other.sum
        self.sum_abs += other.sum_abs
        self.min = min(self.min, other.min, key=_low_key)
        self.max = max(self.max, other.max, key=_high_key)
        self.ceiling_violations += other.ceiling_violations
        self.ceiling_examples = (self.ceiling_examples + other.ceiling_examples)[:EXAMPLES_KEPT]
        self.edge_count += other.edge_count
        self.edge_worst = max(self.edge_worst, other.edge_worst, key=lambda t: abs(t[0]))
        self.rule_mismatches += other.rule_mismatches
        self.rule_examples = (self.rule_examples + other.rule_examples)[:EXAMPLES_KEPT]
        self.flag_mismatches += other.flag_mismatches
        self.flag_examples = (self.flag_examples + other.flag_examples)[:EXAMPLES_KEPT]
        return self


class _FlagRecorder:
    """np.errstate call handler that remembers the error bits of the last call."""

    def __init__(self):
        self.flags = 0

    def __call__(self, kind, flags):
        self.flags = flags

    def take(self):
        flags, self.flags = self.flags, 0
        return flags


def plans(fmt, op, correction=None):
    """One Plan per region index of the first operand (one for plain and additive variants)."""
    if correction is None:
        return [Plan(fmt, op)]
    return [Plan(fmt, op, correction, i) for i in range(correction.rows)]


def run_rows(plans, kernel, magnitudes, ceiling, correction=None):
    """Run rows a = +m and a = -m for every magnitude m in ``magnitudes``; return a Partial.

    ``plans`` is a Plan or the list of ``plans(fmt, op, correction)``;
    ``ceiling`` is ``(lowest, highest)`` allowed signed relative error.
    """
    if isinstance(plans, Plan):
        plans = [plans]
    plan = plans[0]
    fmt = plan.fmt
    sign_bit, h = fmt.sign_bit, plan.half
    n = plan.order.size
    out = np.empty((2, n), dtype=fmt.dtype)
    got = out.view(fmt.uint)
    want = np.empty((2, n), dtype=fmt.uint)
    a_pair = np.empty((2, 1), dtype=fmt.uint)
    f0, f1 = plan.f0, plan.f1
    part = Partial()
    recorder = _FlagRecorder()
    with np.errstate(all="call", call=recorder):
        for m in magnitudes:
            m = int(m)
            if len(plans) > 1:  # the row's region index picks the plan (kappa depends on it)
                plan = plans[int(correction.index(plans[0].mag_log[m]))]
            a_pair[0, 0], a_pair[1, 0] = m, m | sign_bit
            recorder.take()  # forget flags raised by the checks of the previous rows
            kernel(a_pair.view(fmt.dtype), plan.b, out=out)
            flags = recorder.take()
            part.pairs += 2 * n
            kind = plan.mag_kind[m]
            if kind == rules.NAN:  # NaN in, canonical NaN out, no flag
                if not np.all(got == fmt.qnan_bits):
                    want[:] = fmt.qnan_bits
                    _record_rule_mismatches(got, want, a_pair[:, 0], plan, part)
                _check_flags(part, m, flags, 0)
                continue
            if kind != rules.FINITE:
                _check_special_rows(plan, a_pair[:, 0], got, flags, part)
                continue
            want_flags = _expected_finite_rows(plan, m, want)
            rows_ok = np.array_equal(got, want)
            if not rows_ok:
                _record_rule_mismatches(got, want, a_pair[:, 0], plan, part)
            _check_flags(part, m, flags, want_flags)
            # When both rows match the rules bit for bit, the four sign quadrants hold the
            # same magnitudes, so the errors of a > 0, b > 0 stand for all four.
            quadrants = [(0, 0)] if rows_ok else [(0, 0), (0, 1), (1, 0), (1, 1)]
            weight = 4 if rows_ok else 1
            if plan.exact_sorted:
                r0, r1 = int(plan.region_lo[m]), int(plan.region_hi[m])
                e0, e1 = int(plan.exact_lo[m]), min(int(plan.under_end[m]), int(plan.exact_hi[m]))
                keep_r = keep_e = None
            else:  # exact results not monotone along the block: mask them (see Plan)
                r0, r1 = int(plan.under_end[m]), int(plan.over_start[m])
                keep_r = _exact_normal(plan, m, r0, r1)
                e0, e1 = 0, int(plan.under_end[m])
                keep_e = _exact_normal(plan, m, e0, e1)
            for row, b_half in quadrants:
                a_bits = int(a_pair[row, 0])
                base = f0 + b_half * h
                if r1 > r0:
                    seg = got[row, base + r0:base + r1]
                    # rows_ok: a > 0, b > 0 results matched the rules, so they are positive
                    approx = _to_float(seg, plan, fast=rows_ok, positive=rows_ok)
                    rel = _relative_error(plan, approx, m, r0, r1)
                    columns = base + r0
                    if keep_r is not None:
                        seg, rel, columns = seg[keep_r], rel[keep_r], columns + keep_r
                    if rel.size:
                        _accumulate(part, rel, weight, ceiling, plan, a_bits, seg, columns)
                if e1 > e0:  # exact result normal, Mitchell's rounded below the normal range
                    seg = got[row, base + e0:base + e1]
                    b_bits = plan.order[base + e0:base + e1]
                    if keep_e is not None:
                        seg, b_bits = seg[keep_e], b_bits[keep_e]
                        if not seg.size:
                            continue
                    rel = _exact_errors(plan, a_bits, b_bits, seg)
                    part.edge_count += weight * rel.size
                    k = int(np.argmax(np.abs(rel)))
                    if abs(rel[k]) > abs(part.edge_worst[0]):
                        part.edge_worst = (float(rel[k]), a_bits, int(b_bits[k]))
    return part


def _exact_normal(plan, m, j0, j1):
    """Indices in [j0, j1) of a half block whose exact result with |a| = magnitude m is
    normal (as ``Plan._exact``: exact comparisons), or None if that is all of them."""
    with np.errstate(all="ignore"):
        exact = plan._exact(plan.a_abs[m], plan.b_abs[j0:j1])
    ok = (exact >= plan.fmt.tiny) & (exact <= plan.fmt.max)
    return None if ok.all() else np.flatnonzero(ok)


def _expected_finite_rows(plan, m, want):
    """Fill ``want`` with the expected rows for a = +m, -m (finite nonzero); return the flags."""
    fmt = plan.fmt
    f0, h = plan.f0, plan.half
    la = int(plan.mag_log[m])
    u1, o0 = int(plan.under_end[m]), int(plan.over_start[m])
    row = want[0]
    block = row[f0:plan.f1].reshape(2, h)  # a view: b > 0 half, b < 0 half
    want_flags = plan.special_flags
    if u1:  # underflow zone: table lookup
        d0, d1 = plan.dense
        offset = la - plan.table_base
        for j0, j1 in ((0, min(u1, d0)), (min(u1, d1), u1)):  # sparse logarithms: gather
            if j1 > j0:
                idx = plan.lop[j0:j1] + offset
                block[0, j0:j1] = plan.under_bits.take(idx)
                if plan.under_flags.take(idx).any():
                    want_flags |= rules.FLAG_UNDERFLOW
        j0, j1 = d0, min(u1, d1)
        if j1 > j0:  # consecutive logarithms: a slice of the table
            i0 = int(plan.lop[j0]) + offset
            block[0, j0:j1] = plan.under_bits[i0:i0 + j1 - j0]
            if plan.under_inexact[i0 + j1 - j0] > plan.under_inexact[i0]:
                want_flags |= rules.FLAG_UNDERFLOW
        np.bitwise_or(block[0, :u1], fmt.uint.type(fmt.sign_bit), out=block[1, :u1])
    # normal zone: log a + log b + bias, one addition (wrapping, see Plan)
    np.add(plan.normal_base[:, u1:o0], fmt.uint.type(la % (1 << fmt.width)), out=block[:, u1:o0])
    if o0 < h:  # overflow zone
        block[:, o0:] = plan.inf_row[:, o0:]
        want_flags |= rules.FLAG_OVERFLOW
    row[:f0] = plan.special_expected[0, :f0]
    row[plan.f1:] = plan.special_expected[0, f0:]
    np.bitwise_xor(row[:plan.nan0], fmt.uint.type(fmt.sign_bit), out=want[1, :plan.nan0])
    want[1, plan.nan0:] = plan.nan_cols_expected
    return want_flags


def _check_flags(part, a_bits, flags, want_flags):
    if flags != want_flags:
        part.flag_mismatches += 1
        if len(part.flag_examples) < EXAMPLES_KEPT:
            part.flag_examples.append((a_bits, flags, want_flags))


def _to_float(seg, plan, fast, positive=False):
    """|value| of result bits in the work dtype.  ``fast``: all are normal (checked by
    the caller), so the fields are shifted into place and the exponent rebiased;
    ``positive``: all sign bits are known to be 0 as well."""
    fmt = plan.fmt
    work = plan.b_abs_work.dtype
    if not fast:
        return np.abs(seg.view(fmt.dtype).astype(np.float64)).astype(work)
    wide = np.dtype(f"uint{work.itemsize * 8}")
    frac_bits = 23 if work == np.float32 else 52
    exp_bias = 127 if work == np.float32 else 1023
    bits = seg.astype(wide)
    np.left_shift(bits, wide.type(frac_bits - fmt.frac_bits), out=bits)
    if positive is not True:  # clear the sign, shifted along with the fields
        np.bitwise_and(bits, wide.type(((1 << (fmt.width - 1)) - 1) << (frac_bits - fmt.frac_bits)), out=bits)
    np.add(bits, wide.type((exp_bias - fmt.bias) << frac_bits), out=bits)
    return bits.view(work)


def _relative_error(plan, approx, m, j0, j1):
    """(|approx| - |exact|) / |exact| for |a| = magnitude m and columns [j0, j1) of a half.

    In the work dtype the exact product and the difference are exact (the
    difference by Sterbenz's lemma), so only the final division rounds.
    """
    a_abs = plan.a_abs_work[m]
    b_abs = plan.b_abs_work[j0:j1]
    if plan.op == "mul":
        exact = b_abs * a_abs
        rel = approx - exact
        np.divide(rel, exact, out=rel)
    else:  # approx / (a/b) - 1 = (approx b - a) / a
        rel = approx * b_abs
        np.subtract(rel, a_abs, out=rel)
        np.divide(rel, a_abs, out=rel)
    return rel


def _exact_errors(plan, a_bits, b_bits, result_bits):
    """Signed relative errors in float64 from the bit patterns, decisive against the ceilings.

    For 16-bit formats the exact product (or ``approx * b``) and the
    difference are exact in float64 and only the division rounds; a true error
    different from 1/9 or 1/8 differs from it by far more than that rounding,
    so comparisons with ``-1/9`` and ``1/8`` in float64 are exact.
    """
    fmt = plan.fmt
    a = abs(float(np.asarray(a_bits, fmt.uint).view(fmt.dtype)))
    b = np.abs(np.asarray(b_bits, fmt.uint).view(fmt.dtype).astype(np.float64))
    approx = np.abs(np.asarray(result_bits, fmt.uint).view(fmt.dtype).astype(np.float64))
    if plan.op == "mul":
        exact = a * b
        return (approx - exact) / exact
    return (approx * b - a) / a


def _accumulate(part, rel, weight, ceiling, plan, a_bits, seg, col0):
    """Add one segment of errors (standing for ``weight`` segments) to ``part``."""
    low, high = ceiling
    part.count += weight * rel.size
    total = float(np.add.reduce(rel, dtype=np.float64))
    lo, hi = float(rel.min()), float(rel.max())
    part.sum += weight * total
    if lo >= 0:
        part.sum_abs += weight * total
    elif hi <= 0:
        part.sum_abs -= weight * total
    else:
        part.sum_abs += weight * float(np.add.reduce(np.abs(rel), dtype=np.float64))
    # The work dtype rounds the division, so pairs within a few of its ulps of a
    # ceiling or of the extremes so far are re-evaluated exactly.  (Signs, and
    # hence a ceiling of 0, are exact already: the difference is exact.)
    eps4 = 4 * float(np.finfo(rel.dtype).eps)
    check_low = lo - low < eps4 * abs(low) or lo - part.min[0] < eps4 * abs(part.min[0])
    check_high = high - hi < eps4 * abs(high) or part.max[0] - hi < eps4 * abs(part.max[0])
    if not (check_low or check_high):
        return
    near = None
    if check_low:
        near = rel <= min(max(lo, low), part.min[0]) + eps4 * abs(lo)
    if check_high:
        far_high = rel >= max(min(hi, high), part.max[0]) - eps4 * abs(hi)
        near = far_high if near is None else near | far_high
    cols = np.flatnonzero(near)
    b_bits = plan.order[col0 + cols if np.ndim(col0) == 0 else col0[cols]]
    results = seg[cols]
    exact = _exact_errors(plan, a_bits, b_bits, results)
    bad = (exact < low) | (exact > high)
    if bad.any():
        part.ceiling_violations += weight * int(np.count_nonzero(bad))
        for k in np.flatnonzero(bad)[:EXAMPLES_KEPT - len(part.ceiling_examples)]:
            part.ceiling_examples.append((float(exact[k]), a_bits, int(b_bits[k])))
    for value, pick, better, key in ((exact.min(), "min", min, _low_key), (exact.max(), "max", max, _high_key)):
        ties = np.flatnonzero(exact == value)
        best = better((_extreme(plan, value, a_bits, b_bits[k], results[k]) for k in ties[:64]), key=key)
        setattr(part, pick, better(getattr(part, pick), best, key=key))


def _extreme(plan, error, a_bits, b_bits, result_bits):
    """(error, a bits, b bits, result bits, plainness).  Plainness, how many binades the
    operands are from [1, 2), breaks ties: 1.5 * 1.5 is reported rather than 3 * 2^-20 * 384."""
    a, b = np.array([a_bits, b_bits], plan.fmt.uint).view(plan.fmt.dtype).astype(np.float64)
    plainness = abs(np.floor(np.log2(abs(a)))) + abs(np.floor(np.log2(abs(b)))) + (a < 0) + (b < 0)
    return (float(error), int(a_bits), int(b_bits), int(result_bits), float(plainness))


def _low_key(extreme):
    return (extreme[0], extreme[4])


def _high_key(extreme):
    return (extreme[0], -extreme[4])


def _check_special_rows(plan, a_bits, got, flags, part):
    """Rows whose first operand is a zero or an infinity: the generic rules."""
    want, want_flags = rules.expected(a_bits[:, None], plan.order[None, :], plan.op, plan.fmt,
                                      plan.correction)
    if not np.array_equal(got, want):
        _record_rule_mismatches(got, want, a_bits, plan, part)
    _check_flags(part, int(a_bits[0]), flags, int(np.bitwise_or.reduce(want_flags, axis=None)))


def _record_rule_mismatches(got, want, a_bits, plan, part):
    rows, cols = np.nonzero(got != want)
    part.rule_mismatches += rows.size
    for r, c in zip(rows[:EXAMPLES_KEPT - len(part.rule_examples)], cols):
        part.rule_examples.append((int(a_bits[r]), int(plan.order[c]), int(got[r, c]), int(want[r, c])))


def tasks(fmt, limit=None):
    """The magnitude ranges of the first operand, one per task (``limit``: only the first few)."""
    total = 1 << (fmt.width - 1)
    starts = range(0, total, TASK_MAGNITUDES)
    chunks = [range(s, min(s + TASK_MAGNITUDES, total)) for s in starts]
    return chunks if limit is None else chunks[:limit]
