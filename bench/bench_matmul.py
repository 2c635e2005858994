"""mitchell.matmul against NumPy's BLAS (A @ B) and against a pure-NumPy emulation.

Every figure is a ratio measured side by side in one process, with the same
thread count for mitchell and for OpenBLAS (set through threadpoolctl), the
calls interleaved and the best of several repetitions kept, because the
machines this runs on are shared and noisy.

Run the table (docs/matmul.md)::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python bench/bench_matmul.py

(unsetting those two variables lets OpenBLAS pick its best kernel for this
CPU), or the pytest-benchmark suite::

    python -m pytest bench/bench_matmul.py --benchmark-group-by=group
"""

import argparse
import os
import platform
import time

import numpy as np

import mitchell
from mitchell import linalg


# float32 fields for the plain-NumPy Mitchell product (no mitchell code involved)
_ONE_BITS = np.float32(1).view(np.int32)
_ABS_MASK = np.int32(np.iinfo(np.int32).max)
_SIGN_MASK = np.int32(np.iinfo(np.int32).min)


def numpy_mitchell_mul(x, y):
    """Mitchell's float32 product in plain NumPy bit arithmetic.

    Normal operands with a normal result, and zeros; the overflow, underflow,
    subnormal, inf and NaN handling a complete emulation needs is left out,
    which only makes this baseline faster.
    """
    xb, yb = x.view(np.int32), y.view(np.int32)
    bits = ((xb & _ABS_MASK) + (yb & _ABS_MASK) - _ONE_BITS) | ((xb ^ yb) & _SIGN_MASK)
    return np.where((x == 0) | (y == 0), np.float32(0), bits.view(np.float32))


def emulated_matmul(a, b, mul=numpy_mitchell_mul):
    """The NumPy way: one broadcast product per k (M x N products per step), summed."""
    out = np.zeros((a.shape[0], b.shape[1]), np.result_type(a, b))
    for k in range(a.shape[1]):
        out += mul(a[:, k:k + 1], b[k:k + 1, :])
    return out


def _operands(n, seed=0):
    rng = np.random.default_rng(seed)
    a32 = rng.standard_normal((n, n)).astype(np.float32)
    b32 = rng.standard_normal((n, n)).astype(np.float32)
    a8 = rng.integers(-128, 128, (n, n)).astype(np.int8)
    b8 = rng.integers(-128, 128, (n, n)).astype(np.int8)
    return a32, b32, a32.astype(np.float64), b32.astype(np.float64), a8, b8


# After a call, OpenBLAS's worker threads spin for a while (about 2^28 cycles)
# waiting for the next one, holding the cores the next call needs: measured
# right after a threaded sgemm, a threaded mitchell.matmul ran at 60 % of its
# speed.  So with more than one thread every call starts after this pause.
SETTLE_SECONDS = 0.3


def _best_times(calls, repeats, settle=0.0):
    """Best wall time of each call, the calls interleaved repetition by repetition."""
    best = {name: float("inf") for name in calls}
    for _ in range(repeats):
        for name, call in calls.items():
            time.sleep(settle)
            start = time.perf_counter()
            call()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def _blas_name():
    from threadpoolctl import threadpool_info

    for info in threadpool_info():
        if info.get("user_api") == "blas":
            return f"{info.get('internal_api')} {info.get('version')} ({info.get('architecture')} kernel)"
    return "unknown BLAS"


def measure(n, threads, repeats):
    """Times of sgemm/dgemm and mitchell f32/f64/int8 at size n with `threads` threads."""
    from threadpoolctl import threadpool_limits

    a32, b32, a64, b64, a8, b8 = _operands(n)
    old = linalg.set_num_threads(threads)
    try:
        with threadpool_limits(limits=threads, user_api="blas"):
            return _best_times({
                "sgemm": lambda: a32 @ b32,
                "mitchell f32": lambda: mitchell.matmul(a32, b32),
                "dgemm": lambda: a64 @ b64,
                "mitchell f64": lambda: mitchell.matmul(a64, b64),
                "mitchell int8": lambda: mitchell.matmul(a8, b8),
            }, repeats, settle=SETTLE_SECONDS if threads > 1 else 0.0)
    finally:
        linalg.set_num_threads(old)


def table(sizes, thread_counts, repeats):
    lines = [
        "| n | threads | sgemm ms | mitchell f32 ms | f32 / sgemm | dgemm ms | mitchell f64 ms "
        "| f64 / dgemm | int8 ms | int8 / f32 |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n in sizes:
        for threads in thread_counts:
            t = measure(n, threads, repeats if n < 2048 else max(2, repeats // 3))
            lines.append(
                f"| {n} | {threads} | {1e3 * t['sgemm']:.2f} | {1e3 * t['mitchell f32']:.2f} "
                f"| {t['sgemm'] / t['mitchell f32']:.2f} | {1e3 * t['dgemm']:.2f} "
                f"| {1e3 * t['mitchell f64']:.2f} | {t['dgemm'] / t['mitchell f64']:.2f} "
                f"| {1e3 * t['mitchell int8']:.2f} | {t['mitchell f32'] / t['mitchell int8']:.2f} |")
    return "\n".join(lines)


def scaling_row(n, threads, repeats):
    """mitchell.matmul alone (no BLAS call in between) on 1 and on `threads` threads."""
    a32, b32, *_ = _operands(n)
    out = np.empty((n, n), np.float32)
    best = {}
    old = linalg.get_num_threads()
    try:
        for _ in range(repeats):
            for t in (1, threads):
                linalg.set_num_threads(t)
                start = time.perf_counter()
                mitchell.matmul(a32, b32, out=out)
                best[t] = min(best.get(t, float("inf")), time.perf_counter() - start)
    finally:
        linalg.set_num_threads(old)
    return f"| {n} | {1e3 * best[1]:.2f} | {threads} | {1e3 * best[threads]:.2f} | {best[1] / best[threads]:.2f}x |"


def sparse_row(n, repeats):
    """ReLU-sparse operands (half the entries zero) against dense ones, one thread."""
    a32, b32, *_ = _operands(n)
    relu_a, relu_b = np.maximum(a32, 0), np.maximum(b32, 0)
    old = linalg.set_num_threads(1)
    try:
        t = _best_times({"dense": lambda: mitchell.matmul(a32, b32),
                         "relu a": lambda: mitchell.matmul(relu_a, b32),
                         "relu b": lambda: mitchell.matmul(a32, relu_b)}, repeats)
    finally:
        linalg.set_num_threads(old)
    return (f"| {n} | {1e3 * t['dense']:.2f} | {1e3 * t['relu a']:.2f} | {1e3 * t['relu b']:.2f} "
            f"| {t['dense'] / t['relu a']:.2f} | {t['dense'] / t['relu b']:.2f} |")


def emulation_row(n, repeats):
    a32, b32, *_ = _operands(n)
    old = linalg.set_num_threads(1)
    try:
        # the emulations take 100-1000 times longer: mitchell gets more
        # repetitions within each round, so that one slow moment of the
        # machine does not decide its time
        t = _best_times({"numpy": lambda: emulated_matmul(a32, b32),
                         "numpy+mul": lambda: emulated_matmul(a32, b32, mul=mitchell.mul),
                         **{f"mitchell {i}": lambda: mitchell.matmul(a32, b32) for i in range(5)}},
                        repeats)
        t["mitchell"] = min(v for k, v in t.items() if k.startswith("mitchell"))
    finally:
        linalg.set_num_threads(old)
    return (f"| {n} | {1e3 * t['numpy']:.1f} | {1e3 * t['numpy+mul']:.1f} | {1e3 * t['mitchell']:.2f} "
            f"| {t['numpy'] / t['mitchell']:.0f}x | {t['numpy+mul'] / t['mitchell']:.0f}x |")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="256,512,1024,2048")
    parser.add_argument("--threads", default="1,all", help="comma-separated counts; 'all' = every CPU")
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    thread_counts = sorted({cpus if t == "all" else int(t) for t in args.threads.split(",")})
    print(f"CPU: {platform.processor() or platform.machine()}, {cpus} CPUs; {_blas_name()}; "
          f"mitchell kernel {mitchell.isa()}; "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print("\nThroughput ratios (> 1: mitchell faster), best of interleaved repeats:\n")
    print(table([int(s) for s in args.sizes.split(",")], thread_counts, args.repeats))
    print("\nAgainst the pure-NumPy emulation (one thread):\n")
    print("| n | plain NumPy ms | NumPy + mitchell.mul ms | mitchell.matmul ms | vs plain NumPy "
          "| vs NumPy + mul |\n|---:|---:|---:|---:|---:|---:|")
    for n in (256, 512):
        print(emulation_row(n, 3))
    if max(thread_counts) > 1:
        print("\nThread scaling of mitchell.matmul alone (float32, output preallocated):\n")
        print("| n | 1 thread ms | threads | ms | speed-up |\n|---:|---:|---:|---:|---:|")
        for n in (512, 1024, 2048):
            # more repetitions than the table: the best of few is still noisy
            print(scaling_row(n, max(thread_counts), 20 if n < 2048 else 6))
    print("\nZeros (ReLU outputs: half of one operand zero), one thread:\n")
    print("| n | dense ms | zeros in A ms | zeros in B ms | dense / zeros in A | dense / zeros in B |\n"
          "|---:|---:|---:|---:|---:|---:|")
    print(sparse_row(1024, args.repeats))


# --- pytest-benchmark suite: exact NumPy as the baseline in each group ---------

def _bench_pair(benchmark, which, n):
    a32, b32, a64, b64, a8, b8 = _operands(n)
    calls = {"sgemm": lambda: a32 @ b32, "mitchell_f32": lambda: mitchell.matmul(a32, b32),
             "dgemm": lambda: a64 @ b64, "mitchell_f64": lambda: mitchell.matmul(a64, b64),
             "mitchell_int8": lambda: mitchell.matmul(a8, b8)}
    benchmark.group = f"matmul {n}"
    benchmark(calls[which])


try:
    import pytest
except ImportError:  # pragma: no cover - the table needs no pytest
    pytest = None

if pytest is not None:
    @pytest.mark.parametrize("n", [256, 1024])
    @pytest.mark.parametrize("which", ["sgemm", "mitchell_f32", "dgemm", "mitchell_f64", "mitchell_int8"])
    def test_matmul(benchmark, which, n):
        _bench_pair(benchmark, which, n)

    def test_emulation_512(benchmark):
        a32, b32, *_ = _operands(512)
        benchmark.group = "matmul 512 vs emulation"
        benchmark.pedantic(emulated_matmul, args=(a32, b32), rounds=1, iterations=1)

    def test_mitchell_512(benchmark):
        a32, b32, *_ = _operands(512)
        benchmark.group = "matmul 512 vs emulation"
        benchmark(mitchell.matmul, a32, b32)


if __name__ == "__main__":
    main()
