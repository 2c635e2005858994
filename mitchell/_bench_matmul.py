"""The matmul section of ``python -m mitchell bench``: float32 ``mitchell.matmul``
against ``np.matmul`` (OpenBLAS sgemm), at the same thread count on both sides.

mitchell's threads are set with :func:`mitchell.linalg.set_num_threads`,
OpenBLAS's with threadpoolctl's ``threadpool_limits`` (the ``bench`` extra).
Without threadpoolctl the section still runs, says so, and OpenBLAS keeps its
default thread count in every row.  The two calls alternate, round after
round, and the medians are kept.  At two threads or more, every call starts
after a pause (``--pause``, 0.15 s): after a call, OpenBLAS's idle workers spin
for about 0.1 s holding the cores the next call needs, which would slow down
whichever side runs next.  After the pause, one untimed call of the same side
wakes its workers (threads that slept through the pause can take a
millisecond to run again, on virtual machines especially), and the call
after it is timed.

Tables: for products of at least 128^3 multiply-adds, time per call and
GFLOP/s (``2*M*K*N / t``; for mitchell "GFLOP/s-equivalent": its products
are additions) and mitchell's throughput relative to sgemm (> 1: mitchell
is faster); for smaller ones, the time per call and the time ratio
mitchell / numpy (< 1: mitchell is faster); then mitchell alone on 1 thread
and on T threads (scaling = t1 / tT).

``OPENBLAS_CORETYPE`` and ``OPENBLAS_L2_SIZE``, when set, pin OpenBLAS to a
weaker kernel than its best for this CPU; it reads them when it loads, so
they cannot be undone from inside the process: run
``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python -m mitchell bench ...``.

Examples
--------
Shapes are ``N`` (an N^3 product) or ``MxKxN``, i.e. ``(M, K) @ (K, N)``:

>>> parse_shape("256"), parse_shape("32x64x128")
((256, 256, 256), (32, 64, 128))
>>> shape_name((256, 256, 256)), shape_name((128, 32, 10))
('256^3', '128x32x10')
>>> is_small((32, 64, 128)), is_small((256, 256, 256))
(True, False)
"""

import argparse
import contextlib
import os
import time

import numpy as np

import mitchell
from mitchell import linalg

SHAPES = ["256", "1024", "32x64x128", "128x32x10"]
THREADS = [1, 2]
ROUNDS = 7
PAUSE = 0.15
SMALL = 128 ** 3  # products with fewer multiply-adds are timed per call
BATCH_SECONDS = 2e-3  # small products: consecutive calls per sample, about this long
OPENBLAS_PINS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def parse_shape(text):
    """``"N"`` -> (N, N, N); ``"MxKxN"`` -> (M, K, N), for ``(M, K) @ (K, N)``."""
    parts = text.lower().replace("\u00d7", "x").split("x")
    try:
        dims = tuple(int(p) for p in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected N or MxKxN") from None
    if len(dims) == 1:
        dims = dims * 3
    if len(dims) != 3 or min(dims) < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: expected N or MxKxN with positive sizes")
    return dims


def positive_int(text):
    """An argparse type: an integer of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: expected at least 1")
    return value


def shape_name(shape):
    m, k, n = shape
    return f"{m}^3" if m == k == n else f"{m}x{k}x{n}"


def is_small(shape):
    m, k, n = shape
    return m * k * n < SMALL


def add_arguments(group):
    """The matmul section's options (``group``: a parser or an argument group)."""
    group.add_argument("--matmul-sizes", nargs="+", type=parse_shape, metavar="SHAPE",
                       default=[parse_shape(s) for s in SHAPES],
                       help="N for an N^3 product or MxKxN for (M,K) @ (K,N) "
                            f"(default: {' '.join(SHAPES)})")
    group.add_argument("--threads", nargs="+", type=positive_int, default=THREADS, metavar="T",
                       help="thread counts for mitchell and OpenBLAS alike (default: 1 2)")
    group.add_argument("--matmul-rounds", type=positive_int, default=ROUNDS, metavar="R",
                       help=f"interleaved calls per implementation and case (default {ROUNDS})")
    group.add_argument("--pause", type=float, default=PAUSE, metavar="SECONDS",
                       help=f"pause before every call at 2+ threads (default {PAUSE} s)")


def threadpoolctl():
    """The threadpoolctl module, or None when it is not installed."""
    try:
        import threadpoolctl as module
    except ImportError:
        return None
    return module


def blas_description():
    """Which BLAS ``np.matmul`` calls, with its kernel when threadpoolctl can tell."""
    module = threadpoolctl()
    if module is not None:
        blas = [i for i in module.threadpool_info() if i.get("user_api") == "blas"]
        # NumPy's own first: SciPy or others may have loaded another OpenBLAS
        blas.sort(key=lambda i: "numpy" not in str(i.get("filepath", "")))
        if blas:
            return (f"{blas[0].get('internal_api')} {blas[0].get('version')}, "
                    f"{blas[0].get('architecture')} kernel")
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        name = f"{blas['name']} {blas.get('version', '')}".strip()
    except (AttributeError, KeyError, TypeError, ValueError):  # no build information
        name = "unknown BLAS"
    return name + (", kernel unknown (threadpoolctl is not installed)" if module is None else "")


def blas_threads(threads):
    """Context: OpenBLAS limited to ``threads`` (nothing without threadpoolctl)."""
    module = threadpoolctl()
    if module is None:
        return contextlib.nullcontext()
    return module.threadpool_limits(limits=threads, user_api="blas")


@contextlib.contextmanager
def mitchell_threads(threads):
    old = linalg.set_num_threads(threads)
    try:
        yield
    finally:
        linalg.set_num_threads(old)


def openblas_note():
    """Lines about the environment variables that pin OpenBLAS's kernel."""
    pinned = {name: os.environ[name] for name in OPENBLAS_PINS if name in os.environ}
    fix = "env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python -m mitchell bench ..."
    if not pinned:
        return [f"OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are unset: OpenBLAS chose its kernel "
                f"for this CPU (when set, they pin it to a weaker one; run as: {fix})"]
    settings = ", ".join(f"{k}={v}" for k, v in pinned.items())
    return [f"NOTE: {settings} is set: it pins OpenBLAS to a weaker kernel than its best for "
            f"this CPU, and OpenBLAS read it when it loaded, so this process cannot undo it.",
            f"For OpenBLAS at its best run: {fix}"]


def operands(shape, seed=0):
    m, k, n = shape
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((m, k), dtype=np.float32),
            rng.standard_normal((k, n), dtype=np.float32))


def _repeat(calls, small):
    """Consecutive calls per sample: 1, or for small products about BATCH_SECONDS' worth."""
    if not small:
        return 1
    slowest = max(_mean_time(fn) for fn in calls.values())
    return max(1, int(BATCH_SECONDS / max(slowest, 1e-7)))


def _mean_time(fn, calls=20):
    t = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - t) / calls


def versus_numpy(shape, threads, rounds, pause):
    """Median seconds per call ``{"mitchell": t, "numpy": t}`` at ``threads``."""
    from mitchell._bench import interleaved

    a, b = operands(shape)
    calls = {"mitchell": lambda: mitchell.matmul(a, b), "numpy": lambda: np.matmul(a, b)}
    with mitchell_threads(threads), blas_threads(threads):
        return interleaved(calls, rounds=rounds, repeat=_repeat(calls, is_small(shape)),
                           pause=pause if threads > 1 else 0.0, warm=threads > 1)


def scaling(shape, threads, rounds, pause, calls_per_round=3):
    """Median seconds per call of mitchell.matmul alone ``{1: t1, threads: tT}``.

    Each round sets the thread count, makes one untimed call (so that a
    worker pool made or resized on a change of count is not timed), then
    times ``calls_per_round`` consecutive calls.
    """
    from mitchell._bench import interleaved

    a, b = operands(shape)
    times = {1: [], threads: []}
    time.sleep(pause)  # OpenBLAS's workers of the previous section go idle
    old = linalg.get_num_threads()
    try:
        for _ in range(rounds):
            for t in (1, threads):
                linalg.set_num_threads(t)
                med = interleaved({t: lambda: mitchell.matmul(a, b)}, rounds=calls_per_round)
                times[t].append(med[t])
    finally:
        linalg.set_num_threads(old)
    return {t: float(np.median(v)) for t, v in times.items()}


def _time(seconds):
    return f"{seconds * 1e6:.1f} us" if seconds < 1e-3 else f"{seconds * 1e3:.2f} ms"


def run(args):
    """Print the matmul section (options of :func:`add_arguments` in ``args``)."""
    shapes = args.matmul_sizes
    threads = sorted(set(args.threads))
    rounds, pause = args.matmul_rounds, args.pause
    have_tpc = threadpoolctl() is not None
    print(f"\nmatmul, float32: mitchell.matmul against np.matmul ({blas_description()})")
    for line in openblas_note():
        print(line)
    if not have_tpc:
        print("threadpoolctl is not installed (pip install 'mitchell[bench]' or threadpoolctl): "
              "OpenBLAS runs at its default thread count in every row ('blas' column: dflt)")
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if max(threads) > cpus:
        print(f"note: {max(threads)} threads on {cpus} CPUs: the threads share cores")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    if max(threads) > 1 and load >= 1:
        print(f"note: load average {load:.1f}: other processes compete for the cores, which "
              f"distorts the rows with {max(threads)} threads most")
    print(f"medians of {rounds} interleaved calls each (small products: batches of consecutive "
          f"calls); at 2+ threads, a {pause:g} s pause, then an untimed call of the same side "
          f"before every timed one")

    results = {}
    for t in threads:
        for shape in shapes:
            results[shape, t] = versus_numpy(shape, t, rounds, pause)
    blas = (lambda t: str(t)) if have_tpc else (lambda t: "dflt")

    large = [s for s in shapes if not is_small(s)]
    if large:
        print("\n'vs sgemm': mitchell's throughput relative to sgemm (>1: mitchell is faster)")
        print(f"{'shape':>12} {'threads':>7} {'blas':>5} {'mitchell':>10} {'GFLOP/s':>8} "
              f"{'np.matmul':>10} {'GFLOP/s':>8} {'vs sgemm':>9}")
        for t in threads:
            for shape in large:
                med = results[shape, t]
                flops = 2 * np.prod(shape, dtype=float)
                print(f"{shape_name(shape):>12} {t:>7} {blas(t):>5} {_time(med['mitchell']):>10} "
                      f"{flops / med['mitchell'] / 1e9:>8.1f} {_time(med['numpy']):>10} "
                      f"{flops / med['numpy'] / 1e9:>8.1f} {med['numpy'] / med['mitchell']:>8.2f}x",
                      flush=True)
    small = [s for s in shapes if is_small(s)]
    if small:
        print("\nsmall products (MxKxN: (M,K) @ (K,N)), time per call; 'time ratio' = "
              "mitchell's time / np.matmul's (<1: mitchell is faster)")
        print(f"{'shape':>12} {'threads':>7} {'blas':>5} {'mitchell':>10} {'np.matmul':>10} "
              f"{'time ratio':>11}")
        for t in threads:
            for shape in small:
                med = results[shape, t]
                print(f"{shape_name(shape):>12} {t:>7} {blas(t):>5} {_time(med['mitchell']):>10} "
                      f"{_time(med['numpy']):>10} {med['mitchell'] / med['numpy']:>10.2f}x",
                      flush=True)
    many = [t for t in threads if t > 1]
    square = [s for s in large if len(set(s)) == 1]
    if many and square:
        print("\nmitchell.matmul alone, thread scaling (time on 1 thread / time on T threads); "
              "medians, consecutive calls")
        print(f"{'shape':>12} {'1 thread':>10} {'T':>3} {'T threads':>10} {'scaling':>8}")
        for t in many:
            for shape in square:
                med = scaling(shape, t, max(3, rounds // 2), pause)
                print(f"{shape_name(shape):>12} {_time(med[1]):>10} {t:>3} {_time(med[t]):>10} "
                      f"{med[1] / med[t]:>7.2f}x", flush=True)
    return 0
