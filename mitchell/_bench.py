"""``python -m mitchell bench``: Mitchell's ufuncs against NumPy's exact ones.

Times, in one process and on the same arrays, ``mitchell.mul`` / ``div``
against ``np.multiply`` / ``np.divide``, the numba backend when it is
installed, and the pure-NumPy emulation of bench/emulation.py when run from a
source checkout, and prints throughput ratios (medians of interleaved runs).
The pytest-benchmark suite in bench/ measures the same pairs at length.
"""

import importlib.util
import os
import pathlib
import platform
import time

import numpy as np

import mitchell
from mitchell import _isa, _ufuncs

SIZES = {"4K": 1 << 12, "64K": 1 << 16, "1M": 1 << 20, "16M": 1 << 24}
DTYPES = ["float16", "float32", "float64"]
ZERO_FRACTION = 0.2  # like ReLU outputs


def add_arguments(parser):
    parser.add_argument("--sizes", nargs="+", default=list(SIZES), choices=list(SIZES),
                        help="array lengths (default: all of 4K 64K 1M 16M)")
    parser.add_argument("--dtypes", nargs="+", default=DTYPES, choices=DTYPES,
                        help="float formats (default: all)")
    parser.add_argument("--budget", type=float, default=0.05, metavar="SECONDS",
                        help="time spent per (implementation, case) (default 0.05 s)")
    parser.add_argument("--no-variants", dest="variants", action="store_false",
                        help="leave out the tables of the variants (lmul, biasfree, ...)")


def make_operands(dtype, n, seed=0):
    """Operands of the benchmarks: a like a ReLU output (20% zeros), b dense.

    Examples
    --------
    >>> a, b = make_operands("float32", 1000)
    >>> a.dtype, b.shape, 0.1 < float(np.mean(a == 0)) < 0.3
    (dtype('float32'), (1000,), True)
    """
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(n, dtype=np.float32).astype(dtype)
    a[rng.random(n) < ZERO_FRACTION] = 0
    b = rng.standard_normal(n, dtype=np.float32).astype(dtype)
    return a, b


def load_emulation():
    """bench/emulation.py of a source checkout, or None when installed elsewhere."""
    path = pathlib.Path(__file__).resolve().parent.parent / "bench" / "emulation.py"
    if not path.exists():
        return None
    spec = importlib.util.spec_from_file_location("mitchell_bench_emulation", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_numba():
    """mitchell.numba if numba is installed, else None."""
    try:
        from mitchell import numba as backend
    except ImportError:
        return None
    return backend


# The emulation allocates a dozen temporaries per call: at 16M elements one
# call takes seconds, so the quick table leaves it out there.
EMULATION_MAX_SIZE = 1 << 20


def implementations(op, n=0):
    """name -> callable(a, b, out) for one operation ("mul" or "div") at length n
    (``n=np.inf`` keeps the emulation at every length)."""
    impls = {"mitchell": lambda a, b, out: getattr(mitchell, op)(a, b, out=out),
             "numpy": lambda a, b, out: (np.multiply if op == "mul" else np.divide)(a, b, out=out)}
    numba_backend = load_numba()
    if numba_backend is not None:
        impls["numba"] = lambda a, b, out: getattr(numba_backend, op)(a, b, out=out)
    emulation = load_emulation()
    if emulation is not None and (n <= EMULATION_MAX_SIZE or n == np.inf):
        impls["emulation"] = lambda a, b, out: getattr(emulation, op)(a, b)
    return impls


def interleaved_medians(impls, a, b, budget):
    """Median seconds per call of each implementation, run in turn so that
    machine noise hits all of them alike."""
    out = np.empty_like(a)
    times = {name: [] for name in impls}
    with np.errstate(all="ignore"):
        for fn in impls.values():  # warm-up (page faults, numba compilation)
            fn(a, b, out)
        start = time.perf_counter()
        rounds = 0
        while rounds < 3 or (time.perf_counter() - start < budget * len(impls) and rounds < 200):
            for name, fn in impls.items():
                t = time.perf_counter()
                fn(a, b, out)
                times[name].append(time.perf_counter() - t)
            rounds += 1
    return {name: float(np.median(ts)) for name, ts in times.items()}


def memory_bandwidth(nbytes=64 << 20):
    """Copy bandwidth in GB/s (read + write) of np.copyto on nbytes."""
    src = np.ones(nbytes // 8)
    dst = np.empty_like(src)
    np.copyto(dst, src)
    best = min(_timed(lambda: np.copyto(dst, src)) for _ in range(5))
    return 2 * nbytes / best / 1e9


def _timed(fn):
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def cpu_name():
    try:
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def run(args):
    print(f"CPU: {cpu_name()} ({os.cpu_count()} logical CPUs); "
          f"mitchell ISA: {_isa.active()} (available: {', '.join(_isa.available())})")
    print(f"memory bandwidth (np.copyto, 64 MB): {memory_bandwidth():.1f} GB/s")
    print("ratios are throughput relative to mitchell (>1: mitchell is faster); "
          "medians of interleaved runs\n")
    others = [name for name in implementations("mul") if name != "mitchell"]
    print(f"{'op':4} {'dtype':8} {'n':>4} {'mitchell':>12} "
          + " ".join(f"{'vs ' + name:>14}" for name in others))
    for op in ["mul", "div"]:
        for dtype in args.dtypes:
            for size in args.sizes:
                a, b = make_operands(dtype, SIZES[size])
                impls = implementations(op, a.size)
                med = interleaved_medians(impls, a, b, args.budget)
                ns = med["mitchell"] / a.size * 1e9
                cells = " ".join(f"{med[name] / med['mitchell']:>13.2f}x" if name in med
                                 else f"{'-':>14}" for name in others)
                print(f"{op:4} {dtype:8} {size:>4} {ns:>9.3f} ns {cells}", flush=True)
    print("\nmitchell column: time per element. 'vs numpy' >= 1 means mitchell is at least "
          "as fast as the exact NumPy operation; '-': left out (emulation above 1M elements).")
    if args.variants:
        from mitchell import _bench_variants

        _bench_variants.run(args.budget)
    return 0
