"""``python -m mitchell verify``: its options and what it prints."""

import json
import sys
import time

import numpy as np

from mitchell.verify import formats, integers
from mitchell.verify.malloc import keep_freed_memory
from mitchell.verify.errormetrics import metrics
from mitchell.verify.plan import verify
from mitchell.verify.report import print_metrics, print_table, write_plots

# integer types whose metrics a --variant run prints when no --dtype is named
DEFAULT_INTEGERS = ("int8", "uint8")


def add_arguments(parser):
    from mitchell._spec import VARIANTS
    parser.add_argument("--dtype", action="append", choices=list(formats.VERIFIED) + list(integers.VERIFIED),
                        help="format to verify (repeatable; default: float16 and float32, with --variant "
                             "also bfloat16; bfloat16 and float64 on request); an integer type prints "
                             "the variant's error metrics (ER, MED, NMED, MRED, WCE, WCRE)")
    parser.add_argument("--variant", action="append", choices=["all"] + list(VARIANTS),
                        help="variant to certify (repeatable, or all; default: plain Mitchell)")
    parser.add_argument("--op", action="append", choices=list(formats.CEILINGS),
                        help="operation to verify (repeatable; default: all)")
    parser.add_argument("--backend", action="append", choices=["c", "numba"],
                        help="ufuncs to run (repeatable; default: c)")
    parser.add_argument("--workers", type=int, default=None,
                        help="processes for the 16-bit sweeps (default: all CPUs)")
    parser.add_argument("--json", metavar="PATH", help="write the certificate records as JSON")
    parser.add_argument("--certified", metavar="PATH",
                        help="write the figures in the layout of mitchell/_certified.json "
                             "({variant: {op: {dtype: {max, min, mean, mean_abs}}}})")
    parser.add_argument("--plot", metavar="DIR",
                        help="write a heatmap of the error over (f1, f2) and a histogram per row "
                             "(needs matplotlib: pip install 'mitchell[plot]')")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def certified(records):
    """The ``_certified.json`` mapping of the records of the C backend."""
    table = {}
    for r in records:
        if r["backend"] != "c" or r["partial"]:
            continue
        table.setdefault(r["variant"], {}).setdefault(r["op"], {})[r["dtype"]] = {
            "max": r["max_signed"], "min": r["min_signed"], "mean": r["bias"], "mean_abs": r["mean_error"],
        }
    return table


def run(args):
    keep_freed_memory()
    if args.plot:  # fail before the long run, not after
        from mitchell.verify.report import require_matplotlib
        require_matplotlib()
    variants = formats.variant_names(args.variant) if args.variant else None
    floats = [d for d in args.dtype or [] if d in formats.VERIFIED]
    ints = [d for d in args.dtype or [] if d in integers.VERIFIED]
    if not args.dtype and variants:
        ints = list(DEFAULT_INTEGERS)
    started = time.perf_counter()
    records = []
    if floats or not args.dtype:
        records = verify(floats or None, args.op, args.backend, args.workers, progress=not args.quiet,
                         variants=variants)
    metric_rows = []
    for variant in variants or ["mitchell"]:
        if not formats.integer_capable(variant):
            continue
        for dtype in ints:
            for backend in args.backend or ["c"]:
                row_started = time.perf_counter()
                row = metrics(dtype, variant, backend=backend, details=True)
                row.update({"variant": variant, "dtype": dtype, "backend": backend,
                            "seconds": round(time.perf_counter() - row_started, 2)})
                metric_rows.append(row)
    elapsed = time.perf_counter() - started
    if records:
        print_table(records, elapsed, sys.stdout)
    if metric_rows:
        print_metrics(metric_rows, sys.stdout)
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"records": records, "metrics": metric_rows, "seconds": round(elapsed, 2)},
                      out, indent=2, default=_plain)
            out.write("\n")
        print(f"certificate written to {args.json}")
    if args.certified:
        with open(args.certified, "w") as out:
            json.dump(certified(records), out, indent=1, sort_keys=True)
            out.write("\n")
        print(f"certified figures written to {args.certified}")
    if args.plot:
        for path in write_plots(records, args.plot):
            print(f"plot written to {path}")
    ok = all(r["pass"] for r in records) and all(m["mismatches"] == 0 for m in metric_rows)
    return 0 if ok else 1


def _plain(value):
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
