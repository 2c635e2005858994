"""One certificate record: ``verify_op(op, dtype, variant=...)``.

Runs one operation of one variant on one format through a backend's ufunc:
the exhaustive sweep for 16-bit formats (``mitchell.verify.sweep``) or the
reduction certificate for float32/float64 (``mitchell.verify.certificate``),
and turns the result into a plain dict (JSON-ready).

Examples
--------
>>> from mitchell.verify.records import verify_op
>>> record = verify_op("mul", "float32", fraction_limit=1024, mean_grid=64, exponent_stride=16)
>>> record["max_error_exact"], record["pass"]
('1/9', True)
>>> record = verify_op("mul", "float32", variant="lmul", fraction_limit=1024, mean_grid=64,
...                    exponent_stride=16)
>>> record["variant"], record["max_signed_exact"], record["pass"]
('lmul', '1/16', True)
"""

import concurrent.futures
import multiprocessing
import os
import time
from fractions import Fraction

import numpy as np

from mitchell.verify import certificate, formats
from mitchell.verify import sweep
from mitchell.verify.corrections import Correction
from mitchell.verify.malloc import keep_freed_memory
from mitchell.verify.report import Progress
from mitchell.verify.rules import flag_names

# Mitchell (1962) quotes these mean errors; MEAN_INTEGRAL holds the integrals of
# |error| over the unit square of (f1, f2), computed with mpmath.quad at 30
# digits (see docs/error-analysis.md, "Mean error").
MITCHELL_MEAN = {"mul": 0.0385, "div": 0.0410}
MEAN_INTEGRAL = {"mul": 0.038487993917358149, "div": 0.041018034724417099}


def verify_op(op, dtype, *, variant="mitchell", backend="c", ufunc=None, workers=None, task_limit=None,
              fraction_limit=None, mean_grid=certificate.MEAN_GRID, exponent_stride=1, progress=False):
    """Verify one operation of one variant on one format; return the certificate record (a dict).

    Parameters
    ----------
    op : {'mul', 'div'}
    variant : str
        A name in ``mitchell.variants`` with a float loop for ``op`` ("mitchell": plain
        Mitchell, checked against its ceilings 1/9 and 1/8; the others have their
        extremes measured, not checked against a stated ceiling).
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
    if op not in formats.float_ops(variant):
        raise ValueError(f"variant {variant!r} has no float {op}")
    kernel = ufunc if ufunc is not None else formats.kernel(backend, op, variant)
    low, high = formats.ceiling(op, variant)
    correction = None if variant == "mitchell" else Correction(variant, op, fmt)
    bar = Progress(f"{variant} {dtype} {op} {backend}", enabled=progress)
    started = time.perf_counter()
    if fmt.width == 16:
        record = _sweep_record(op, fmt, kernel, ufunc is not None, backend, workers, task_limit, bar, variant)
    else:
        result = certificate.certify(op, fmt, kernel, (low, high), fraction_limit=fraction_limit,
                                     mean_grid=mean_grid, exponent_stride=exponent_stride,
                                     progress=bar.update, correction=correction)
        partial = (fraction_limit is not None or mean_grid != certificate.MEAN_GRID or exponent_stride != 1)
        record = _certificate_record(op, fmt, result, partial)
    bar.close()
    record.update({
        "variant": variant, "dtype": dtype, "op": op, "backend": "injected" if ufunc is not None else backend,
        "ceiling": str(max(abs(low), abs(high))) if variant == "mitchell" else None,
        "side": ("never above the exact result" if high == 0 else "never below the exact result"
                 if low == 0 else "measured, no ceiling stated"),
        "mitchell_mean": MITCHELL_MEAN[op] if variant == "mitchell" else None,
        "mean_integral": MEAN_INTEGRAL[op] if variant == "mitchell" else None,
        "seconds": round(time.perf_counter() - started, 2),
    })
    record["attained"] = record["max_error_exact"] == record["ceiling"]
    record["pass"] = (record["ceiling_violations"] == 0 and record["rule_mismatches"] == 0
                      and record.get("flag_mismatches", 0) == 0 and record.get("exponent_mismatches", 0) == 0
                      and record["count"] > 0)
    return record


# ---------------------------------------------------------------- 16-bit sweep

_WORKER = {}  # state of a sweep worker process: plan, kernel, ceiling


def _worker_init(fmt_name, op, backend, kernel, variant="mitchell"):
    keep_freed_memory()
    fmt = formats.binary_format(fmt_name)
    correction = None if variant == "mitchell" else Correction(variant, op, fmt)
    _WORKER["plans"] = sweep.plans(fmt, op, correction)
    _WORKER["correction"] = correction
    _WORKER["kernel"] = kernel if kernel is not None else formats.kernel(backend, op, variant)
    low, high = formats.ceiling(op, variant)
    _WORKER["ceiling"] = (float(low), float(high))


def _worker_run(start, stop):
    return sweep.run_rows(_WORKER["plans"], _WORKER["kernel"], range(start, stop), _WORKER["ceiling"],
                          _WORKER["correction"])


def _sweep_record(op, fmt, kernel, injected, backend, workers, task_limit, bar, variant="mitchell"):
    chunks = sweep.tasks(fmt, task_limit)
    workers = workers or os.cpu_count() or 1
    init_args = (fmt.name, op, backend, kernel if injected else None, variant)
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
        "flag_examples": [{"a_magnitude_bits": f"0x{a:04x}", "got": flag_names(g),
                           "expected": flag_names(w)} for a, g, w in total.flag_examples],
        "below_normal_pairs": total.edge_count,
        "below_normal_worst": _describe(fmt, op, total.edge_worst),
    }
    record["max_error_exact"] = (str(abs(Fraction(record["argmax"]["error_exact"])))
                                 if record["argmax"] else None)
    record.update(_signed(low_pair, high_pair))
    return record


def _signed(low_pair, high_pair):
    """The signed extremes: the lowest and highest (approx - exact) / exact and their pairs."""
    return {
        "min_signed": low_pair["error"] if low_pair else None,
        "max_signed": high_pair["error"] if high_pair else None,
        "min_signed_exact": low_pair.get("error_exact") if low_pair else None,
        "max_signed_exact": high_pair.get("error_exact") if high_pair else None,
        "argmin_signed": low_pair, "argmax_signed": high_pair,
    }


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
    return _signed(low_pair, high_pair) | {
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
