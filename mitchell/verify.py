"""Certify Mitchell's error ceilings from the shipped kernels: ``python -m mitchell verify``.

For every operation and float format the verifier runs the shipped ufuncs
(the C loops, and ``mitchell.numba`` when it imports) and reports the
maximum, minimum and mean relative error and the bias over the input pairs
whose exact and Mitchell results are both in the normal range, the inputs
attaining the maximum, and whether the ceiling holds: ``mul`` is never above
the exact product and at most 1/9 below it, ``div`` is never below the exact
quotient and at most 1/8 above it.

* 16-bit formats (float16, and bfloat16 with ``ml_dtypes``): all 2^32 input
  pairs go through the kernel, on all cores, and every result bit pattern and
  the raised flags are checked against docs/semantics.md as well.
* float32: a complete certificate by the reduction of docs/error-analysis.md:
  the error depends only on the fraction fields and is monotone along one of
  them on each side of the carry (borrow) line, so every fraction value is
  run at the few points where the extremes can lie; fixed fractions are run
  over all exponent pairs.
* float64: the same reduction on 2^23 values of the swept fraction (not
  exhaustive).

Examples
--------
>>> from mitchell import verify
>>> record = verify.verify_op("mul", "float32", fraction_limit=1024, mean_grid=64, exponent_stride=16)
>>> record["max_error_exact"], record["pass"]
('1/9', True)
"""

import concurrent.futures
import json
import multiprocessing
import os
import sys
import time
from fractions import Fraction

import numpy as np

from mitchell import _verify_certificate as certificate
from mitchell import _verify_formats as formats
from mitchell import _verify_sweep16 as sweep
from mitchell._verify_malloc import keep_freed_memory
from mitchell._verify_report import Progress, print_table, write_plots

# Mitchell (1962) quotes these mean errors; MEAN_INTEGRAL holds the integrals of
# |error| over the unit square of (f1, f2), computed with mpmath.quad at 30
# digits (see docs/error-analysis.md, "Mean error").
MITCHELL_MEAN = {"mul": 0.0385, "div": 0.0410}
MEAN_INTEGRAL = {"mul": 0.038487993917358149, "div": 0.041018034724417099}

__all__ = ["verify_op", "verify", "add_arguments", "run"]


def verify_op(op, dtype, *, backend="c", ufunc=None, workers=None, task_limit=None,
              fraction_limit=None, mean_grid=certificate.MEAN_GRID, exponent_stride=1, progress=False):
    """Verify one operation on one format; return the certificate record (a dict).

    Parameters
    ----------
    op : {'mul', 'div'}
    dtype : str
        'float16', 'bfloat16' (exhaustive), 'float32' (complete certificate)
        or 'float64' (certificate on a dense sample).
    backend : {'c', 'numba'}
        Whose ufuncs to run (named in the record).
    ufunc : callable, optional
        Run this instead of the backend's ufunc: called as ``ufunc(a, b)``
        and, for 16-bit formats, ``ufunc(a, b, out=out)``.  A test hook, e.g.
        for a deliberately wrong kernel.  Needs ``workers=1`` where processes
        are spawned rather than forked.
    workers : int, optional
        Processes for the 16-bit sweep; default: all CPUs.
    task_limit : int, optional
        16-bit formats: run only the first ``task_limit`` chunks of 256 first
        operands (quick tests); the record then says ``"partial": true``.
    fraction_limit, mean_grid, exponent_stride : optional
        float32/float64: fewer swept fractions, a coarser grid for the mean
        and every n-th exponent (quick tests); ``"partial": true``.
    progress : bool
        Show a progress bar on stderr (only if it is a terminal).
    """
    if op not in formats.CEILINGS:
        raise ValueError(f"unknown op {op!r}; known: {', '.join(formats.CEILINGS)}")
    fmt = formats.binary_format(dtype)
    kernel = ufunc if ufunc is not None else formats.kernel(backend, op)
    low, high = formats.CEILINGS[op]
    bar = Progress(f"{dtype} {op} {backend}", enabled=progress)
    started = time.perf_counter()
    if fmt.width == 16:
        record = _sweep_record(op, fmt, kernel, ufunc is not None, backend, workers, task_limit, bar)
    else:
        result = certificate.certify(op, fmt, kernel, (low, high), fraction_limit=fraction_limit,
                                     mean_grid=mean_grid, exponent_stride=exponent_stride,
                                     progress=bar.update)
        partial = (fraction_limit is not None or mean_grid != certificate.MEAN_GRID or exponent_stride != 1)
        record = _certificate_record(op, fmt, result, partial)
    bar.close()
    record.update({
        "dtype": dtype, "op": op, "backend": "injected" if ufunc is not None else backend,
        "ceiling": str(max(abs(low), abs(high))),
        "side": "never above the exact result" if high == 0 else "never below the exact result",
        "mitchell_mean": MITCHELL_MEAN[op], "mean_integral": MEAN_INTEGRAL[op],
        "seconds": round(time.perf_counter() - started, 2),
    })
    record["attained"] = record["max_error_exact"] == record["ceiling"]
    record["pass"] = (record["ceiling_violations"] == 0 and record["rule_mismatches"] == 0
                      and record.get("flag_mismatches", 0) == 0 and record.get("exponent_mismatches", 0) == 0
                      and record["count"] > 0)
    return record


# ---------------------------------------------------------------- 16-bit sweep

_WORKER = {}  # state of a sweep worker process: plan, kernel, ceiling


def _worker_init(fmt_name, op, backend, kernel):
    keep_freed_memory()
    fmt = formats.binary_format(fmt_name)
    _WORKER["plan"] = sweep.Plan(fmt, op)
    _WORKER["kernel"] = kernel if kernel is not None else formats.kernel(backend, op)
    low, high = formats.CEILINGS[op]
    _WORKER["ceiling"] = (float(low), float(high))


def _worker_run(start, stop):
    return sweep.run_rows(_WORKER["plan"], _WORKER["kernel"], range(start, stop), _WORKER["ceiling"])


def _sweep_record(op, fmt, kernel, injected, backend, workers, task_limit, bar):
    chunks = sweep.tasks(fmt, task_limit)
    workers = workers or os.cpu_count() or 1
    init_args = (fmt.name, op, backend, kernel if injected else None)
    total = sweep.Partial()
    if workers == 1:
        _worker_init(*init_args)
        for i, chunk in enumerate(chunks):
            total += _worker_run(chunk.start, chunk.stop)
            bar.update(i + 1, len(chunks))
    else:
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context, initializer=_worker_init,
                                                    initargs=init_args) as pool:
            futures = [pool.submit(_worker_run, c.start, c.stop) for c in chunks]
            for i, _ in enumerate(concurrent.futures.as_completed(futures)):
                bar.update(i + 1, len(chunks))
            for future in futures:  # merged in task order: the sums do not depend on timing
                total += future.result()
    return _partial_record(op, fmt, total, task_limit is not None)


def _describe(fmt, op, extreme):
    """{'error', 'a', 'b', ...} for an (error, a bits, b bits[, result bits]) tuple; with the
    result, also the exact error as a fraction."""
    error, a_bits, b_bits = extreme[:3]
    if a_bits is None:
        return None
    value = lambda bits: np.array(bits, fmt.uint).view(fmt.dtype)  # noqa: E731
    described = {"error": float(error), "a": float(value(a_bits)), "b": float(value(b_bits)),
                 "a_bits": f"0x{a_bits:04x}", "b_bits": f"0x{b_bits:04x}"}
    if len(extreme) > 3:
        a, b, approx = (abs(Fraction(float(value(bits)))) for bits in (a_bits, b_bits, extreme[3]))
        exact = a * b if op == "mul" else a / b
        described["result"] = float(value(extreme[3]))
        described["error_exact"] = str((approx - exact) / exact)
    return described


def _partial_record(op, fmt, total, partial):
    low_pair, high_pair = _describe(fmt, op, total.min), _describe(fmt, op, total.max)
    maximum, minimum = _magnitudes(total.min[0], total.max[0], low_pair, high_pair)
    record = {
        "method": "exhaustive" if not partial else "exhaustive (part of the input space)",
        "partial": partial,
        "pairs_run": total.pairs,
        "count": total.count,
        "max_error": maximum[0], "argmax": maximum[1],
        "min_error": minimum[0], "argmin": minimum[1],
        "mean_error": total.sum_abs / total.count if total.count else None,
        "bias": total.sum / total.count if total.count else None,
        "ceiling_violations": total.ceiling_violations,
        "ceiling_examples": [_describe(fmt, op, e) for e in total.ceiling_examples],
        "rule_mismatches": total.rule_mismatches,
        "rule_examples": [{"a_bits": f"0x{a:04x}", "b_bits": f"0x{b:04x}", "got": f"0x{g:04x}",
                           "expected": f"0x{w:04x}"} for a, b, g, w in total.rule_examples],
        "flag_mismatches": total.flag_mismatches,
        "flag_examples": [{"a_magnitude_bits": f"0x{a:04x}", "got": sorted(_flag_names(g)),
                           "expected": sorted(_flag_names(w))} for a, g, w in total.flag_examples],
        "below_normal_pairs": total.edge_count,
        "below_normal_worst": _describe(fmt, op, total.edge_worst),
    }
    record["max_error_exact"] = (str(abs(Fraction(record["argmax"]["error_exact"])))
                                 if record["argmax"] else None)
    return record


def _flag_names(flags):
    from mitchell._verify_rules import flag_names
    return flag_names(flags)


def _magnitudes(low, high, low_pair, high_pair):
    """(max |error|, pair) and (min |error|, pair) from the signed extremes."""
    if abs(low) >= abs(high):
        maximum = (abs(low), low_pair)
    else:
        maximum = (abs(high), high_pair)
    if low <= 0 <= high and (low == 0 or high == 0):
        minimum = (0.0, low_pair if low == 0 else high_pair)
    elif low > 0 or high < 0:  # one sign throughout
        minimum = (min(abs(low), abs(high)), low_pair if abs(low) < abs(high) else high_pair)
    else:
        minimum = (None, None)  # errors of both signs: the smallest |error| was not tracked
    return maximum, minimum


# ---------------------------------------------------------------- float32/64 certificate

def _certificate_record(op, fmt, result, partial):
    def pair(extreme):
        error, a, b = extreme
        return None if a is None else {"error": float(error), "error_exact": str(error), "a": a, "b": b}

    low_pair, high_pair = pair(result["min"]), pair(result["max"])
    maximum, minimum = _magnitudes(float(result["min"][0]), float(result["max"][0]), low_pair, high_pair)
    exhaustive = fmt.frac_bits <= certificate.DENSE_BITS and not partial
    exact_max = result["min"][0] if abs(result["min"][0]) >= abs(result["max"][0]) else result["max"][0]
    return {
        "method": ("certificate (complete)" if exhaustive else
                   "certificate (sampled fractions)" if not partial else "certificate (reduced, for tests)"),
        "partial": partial,
        "pairs_run": result["pairs"],
        "count": result["count"],
        "fractions_swept": result["fractions_swept"],
        "max_error": maximum[0], "argmax": maximum[1], "max_error_exact": str(abs(exact_max)),
        "min_error": minimum[0], "argmin": minimum[1],
        "mean_error": result["mean_abs"], "bias": result["bias"],
        "mean_over": f"{int(np.sqrt(result['mean_pairs']))}^2 midpoint grid of (f1, f2)",
        "ceiling_violations": result["ceiling_violations"],
        "ceiling_examples": [{"error": e, "a": a, "b": b} for e, a, b in result["ceiling_examples"]],
        "rule_mismatches": result["rule_mismatches"],
        "rule_examples": [{"a": a, "b": b, "got": g} for a, b, g in result["rule_examples"]],
        "exponent_pairs_checked": result["exponent_pairs_checked"],
        "exponent_mismatches": result["exponent_mismatches"],
        "exponent_examples": [{"a": a, "b": b, "got": g} for a, b, g in result["exponent_examples"]],
    }


# ---------------------------------------------------------------- everything

# formats verified when none is named: float16 stands for the 16-bit sweeps
DEFAULT_DTYPES = ("float16", "float32")


def default_plan(dtypes=None, ops=None, backends=None):
    """The (backend, dtype, op) triples to verify.

    Without explicit choices: the C ufuncs on float16 (2^32 pairs per op) and
    the complete float32 certificate; the numba ufuncs, when ``mitchell.numba``
    imports, on the float32 certificate (their 16-bit sweeps take about twice
    as long as the C ones; ``--backend numba`` runs them).  bfloat16 (another
    2^32 pairs per op, about 30 s) and float64 run on request (``--dtype``),
    which keeps the default run within a minute on two cores.
    """
    triples = []
    for backend in backends or formats.available_backends():
        if dtypes:
            names = dtypes
        else:
            names = [d for d in formats.available_dtypes(backend) if d in DEFAULT_DTYPES]
            if backend != "c" and not backends:
                names = [d for d in names if formats.binary_format(d).width > 16]
        for dtype in names:
            for op in ops or list(formats.CEILINGS):
                triples.append((backend, dtype, op))
    return triples


def _verify_quietly(backend, dtype, op):
    keep_freed_memory()
    return verify_op(op, dtype, backend=backend, workers=1)


def verify(dtypes=None, ops=None, backends=None, workers=None, progress=False):
    """Verify every (backend, dtype, op) of ``default_plan``; return the records in that order.

    16-bit formats run one after the other, each on ``workers`` processes;
    the certificates (one process each) run side by side on ``workers`` processes.
    """
    triples = default_plan(dtypes, ops, backends)
    workers = workers or os.cpu_count() or 1
    records = {}
    wide = [t for t in triples if formats.binary_format(t[1]).width > 16]
    if workers > 1 and len(wide) > 1:
        bar = Progress(f"{len(wide)} certificates", enabled=progress)
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        with concurrent.futures.ProcessPoolExecutor(min(workers, len(wide)), mp_context=context) as pool:
            futures = {pool.submit(_verify_quietly, *t): t for t in wide}
            for i, future in enumerate(concurrent.futures.as_completed(futures)):
                records[futures[future]] = future.result()
                bar.update(i + 1, len(wide))
        bar.close()
    for backend, dtype, op in triples:
        if (backend, dtype, op) not in records:
            records[backend, dtype, op] = verify_op(op, dtype, backend=backend, workers=workers,
                                                    progress=progress)
    return [records[t] for t in triples]


def add_arguments(parser):
    names = [name for name, _, _ in formats.FORMAT_FIELDS]
    parser.add_argument("--dtype", action="append", choices=names,
                        help="format to verify (repeatable; default: float16 and float32; "
                             "bfloat16 and float64 on request)")
    parser.add_argument("--op", action="append", choices=list(formats.CEILINGS),
                        help="operation to verify (repeatable; default: all)")
    parser.add_argument("--backend", action="append", choices=["c", "numba"],
                        help="ufuncs to run (repeatable; default: c, and numba's float32 certificate "
                             "when mitchell.numba imports)")
    parser.add_argument("--workers", type=int, default=None,
                        help="processes for the 16-bit sweeps (default: all CPUs)")
    parser.add_argument("--json", metavar="PATH", help="write the certificate records as JSON")
    parser.add_argument("--plot", metavar="DIR",
                        help="write a heatmap of the error over (f1, f2) and a histogram per row "
                             "(needs matplotlib: pip install 'mitchell[plot]')")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args):
    keep_freed_memory()
    if args.plot:  # fail before the long run, not after
        from mitchell._verify_report import require_matplotlib
        require_matplotlib()
    started = time.perf_counter()
    records = verify(args.dtype, args.op, args.backend, args.workers, progress=not args.quiet)
    elapsed = time.perf_counter() - started
    print_table(records, elapsed, sys.stdout)
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"records": records, "seconds": round(elapsed, 2)}, out, indent=2)
            out.write("\n")
        print(f"certificate written to {args.json}")
    if args.plot:
        for path in write_plots(records, args.plot):
            print(f"plot written to {path}")
    return 0 if all(r["pass"] for r in records) else 1
