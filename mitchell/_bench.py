"""``python -m mitchell bench``: mitchell's speed next to the exact NumPy operations.

Three sections, each printed as a table of throughput ratios measured side by
side in one process, on the same arrays, calls interleaved round after round
so that machine noise hits every implementation alike (medians):

``elementwise``
    ``mitchell.mul`` / ``div`` against ``np.multiply`` / ``np.divide`` on
    float16, float32 and float64 arrays of 4K to 16M elements, once with dense
    operands and once with 20 % zeros in ``a`` (like a ReLU output), next to
    the numba backend (when numba is installed) and the pure-NumPy emulation
    of bench/emulation.py (from a source checkout), plus the time of a
    1-element call.
``variants``
    every variant's ``mul`` / ``div`` and ``matmul`` against plain Mitchell's
    (:mod:`mitchell._bench_variants`).
``matmul``
    float32 ``mitchell.matmul`` against ``np.matmul`` (OpenBLAS sgemm) at 1
    and 2 threads, in GFLOP/s, and mitchell's own thread scaling
    (:mod:`mitchell._bench_matmul`).

Ratios are throughputs: ``vs X`` is mitchell's relative to X's (``vs numpy
0.80x``: mitchell runs at 0.80 times NumPy's speed; > 1: mitchell is faster);
the variants tables give each variant's relative to plain Mitchell's and
NumPy's; small matrix products show a time ratio, labelled as such.  The
pytest-benchmark suite in bench/ measures the same pairs at length.

Options (``python -m mitchell bench --help``)::

    --sections S [S ...]   elementwise, variants, matmul (default: all three)
    --sizes, --dtypes      elementwise lengths (4K 64K 1M 16M) and formats
    --baselines B [B ...]  elementwise columns: numpy, numba, emulation
    --budget SECONDS       elementwise time per (implementation, case)
    --matmul-sizes S [...] N (N^3) or MxKxN, i.e. (M, K) @ (K, N)
    --threads T [T ...]    thread counts of the matmul section (default 1 2)
    --matmul-rounds R      interleaved calls per implementation and case
    --pause SECONDS        pause before each matmul call at 2+ threads

For OpenBLAS at its best, run with ``OPENBLAS_CORETYPE`` and
``OPENBLAS_L2_SIZE`` unset (OpenBLAS reads them when it loads)::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python -m mitchell bench

Examples
--------
The operands: ``a`` dense or with an exact fraction of zeros, ``b`` dense.

>>> a, b = make_operands("float32", 1000)
>>> a.dtype, b.shape, int(np.count_nonzero(a == 0)), int(np.count_nonzero(b == 0))
(dtype('float32'), (1000,), 200, 0)
>>> int(np.count_nonzero(make_operands("float64", 1000, zero_fraction=0)[0] == 0))
0

Timing: the median seconds per call of each callable, called in turn.

>>> medians = interleaved({"noop": lambda: None, "sum": lambda: sum(range(10))}, rounds=5)
>>> sorted(medians), all(t >= 0 for t in medians.values())
(['noop', 'sum'], True)
"""

import argparse
import functools
import importlib.util
import os
import pathlib
import platform
import re
import statistics
import time

import numpy as np

import mitchell
from mitchell import _isa

SECTIONS = ("elementwise", "variants", "matmul")
SIZES = {"4K": 1 << 12, "64K": 1 << 16, "1M": 1 << 20, "16M": 1 << 24}
DTYPES = ["float16", "float32", "float64"]
BASELINES = ["numpy", "numba", "emulation"]
ZERO_FRACTION = 0.2  # like ReLU outputs
ONE_ELEMENT_CALLS = 2000  # calls per timed batch of the 1-element rows


def add_arguments(parser):
    """The options of ``python -m mitchell bench`` (``parser``: its subparser)."""
    from mitchell import _bench_matmul

    text = re.sub(r":mod:`([^`]*)`", r"\1", __doc__).replace("``", "").replace("::", ":")
    paragraphs = text.split("\n\n")  # summary, sections, ratios; OpenBLAS advice
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.description = "\n\n".join(paragraphs[:4] + paragraphs[6:8])
    parser.add_argument("--sections", nargs="+", default=list(SECTIONS), choices=SECTIONS,
                        metavar="SECTION",
                        help="which tables to print, in this order: elementwise, variants, "
                             "matmul (default: all three, about a minute)")
    group = parser.add_argument_group("elementwise section")
    group.add_argument("--sizes", nargs="+", default=list(SIZES), choices=list(SIZES),
                       help="array lengths (default: all of 4K 64K 1M 16M)")
    group.add_argument("--dtypes", nargs="+", default=DTYPES, choices=DTYPES,
                       help="float formats (default: all)")
    group.add_argument("--baselines", nargs="+", default=BASELINES, choices=BASELINES,
                       help="columns besides mitchell (default: all; numba only when installed, "
                            "emulation only from a source checkout; numba compiles its ufuncs "
                            "on first use, which takes a while)")
    group.add_argument("--budget", type=float, default=0.05, metavar="SECONDS",
                       help="time spent per (implementation, case) (default 0.05 s; the "
                            "variants section uses it too)")
    group.add_argument("--no-variants", dest="variants", action="store_false",
                       help="leave out the variants section (same as not listing it in --sections)")
    _bench_matmul.add_arguments(parser.add_argument_group("matmul section"))


def make_operands(dtype, n, seed=0, zero_fraction=ZERO_FRACTION):
    """Operands of the benchmarks: ``a`` with ``round(zero_fraction * n)``
    zeros at random places (ReLU-like; ``zero_fraction=0``: dense), ``b`` dense.

    Values are standard normal; the rare value that rounds to zero in
    ``dtype`` is replaced by 1, so the count of zeros is exact.  The nonzero
    elements of ``a`` do not depend on ``zero_fraction``.

    Examples
    --------
    >>> a, b = make_operands("float16", 10, zero_fraction=0.5)
    >>> int(np.count_nonzero(a == 0)), int(np.count_nonzero(b == 0))
    (5, 0)
    """
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(n, dtype=np.float32).astype(dtype)
    b = rng.standard_normal(n, dtype=np.float32).astype(dtype)
    a[a == 0] = 1
    b[b == 0] = 1
    return with_zeros(a, zero_fraction, seed, copy=False), b


def with_zeros(a, zero_fraction, seed=0, copy=True):
    """``a`` (a copy unless ``copy=False``) with ``round(zero_fraction * a.size)``
    of its elements set to zero, at random places.

    Examples
    --------
    >>> x = with_zeros(np.ones(8), 0.25)
    >>> int(np.count_nonzero(x == 0)), int(np.count_nonzero(np.ones(8) == 0))
    (2, 0)
    """
    a = a.copy() if copy else a
    n = a.size
    zeros = round(zero_fraction * n)
    if zeros:
        # about the right count, then the surplus (or shortfall) of a few
        # sqrt(n) places corrected at random: faster than a permutation at 16M
        rng = np.random.default_rng([seed, 1])
        mask = rng.random(n, dtype=np.float32) < zero_fraction
        surplus = int(np.count_nonzero(mask)) - zeros
        if surplus:
            candidates = np.flatnonzero(mask if surplus > 0 else ~mask)
            mask[rng.choice(candidates, abs(surplus), replace=False)] = surplus < 0
        a.reshape(-1)[mask] = 0
    return a


@functools.lru_cache(maxsize=None)
def load_emulation():
    """bench/emulation.py of a source checkout, or None when installed elsewhere
    (loaded once: every table row asks for it)."""
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


def implementations(op, n=0, baselines=BASELINES):
    """name -> callable(a, b, out) for one operation ("mul" or "div") at length n:
    mitchell and those of ``baselines`` available here (``n=np.inf`` keeps the
    emulation at every length)."""
    impls = {"mitchell": lambda a, b, out: getattr(mitchell, op)(a, b, out=out)}
    if "numpy" in baselines:
        exact = np.multiply if op == "mul" else np.divide
        impls["numpy"] = lambda a, b, out: exact(a, b, out=out)
    numba_backend = load_numba() if "numba" in baselines else None
    if numba_backend is not None:
        impls["numba"] = lambda a, b, out: getattr(numba_backend, op)(a, b, out=out)
    emulation = load_emulation() if "emulation" in baselines else None
    if emulation is not None and (n <= EMULATION_MAX_SIZE or n == np.inf):
        impls["emulation"] = lambda a, b, out: getattr(emulation, op)(a, b)
    return impls


def interleaved(calls, *, rounds=3, budget=0.0, max_rounds=200, repeat=1, pause=0.0,
                warm=False, clock=time.perf_counter, sleep=time.sleep):
    """Median seconds per call of each zero-argument callable in ``calls``.

    After one warm-up call each, the callables run in turn, round after
    round: at least ``rounds`` rounds, more while less than ``budget`` seconds
    have passed (at most ``max_rounds``).  Each sample times ``repeat``
    consecutive calls; with ``pause`` > 0, ``sleep(pause)`` precedes every
    sample (idle threads of the previous call stop spinning).  With ``warm``,
    an untimed call precedes every sample, so that each callable is timed on
    the caches its own call leaves: otherwise whoever follows a callable
    that sweeps the caches (the emulation's temporaries, 48 MB at 1M
    elements) is timed cold and the others warm.
    """
    times = {name: [] for name in calls}
    for fn in calls.values():  # warm-up (page faults, compilation, thread start)
        fn()
    start = clock()
    done = 0
    while done < rounds or (clock() - start < budget and done < max_rounds):
        for name, fn in calls.items():
            if pause > 0:
                sleep(pause)
            if warm:
                fn()
            t = clock()
            for _ in range(repeat):
                fn()
            times[name].append((clock() - t) / repeat)
        done += 1
    return {name: statistics.median(ts) for name, ts in times.items()}


def interleaved_medians(impls, a, b, budget):
    """Median seconds per call of each callable(a, b, out) of ``impls``, run in
    turn for about ``budget`` seconds each."""
    out = np.empty_like(a)
    with np.errstate(all="ignore"):
        return interleaved({name: (lambda f: lambda: f(a, b, out))(fn) for name, fn in impls.items()},
                           budget=budget * len(impls))


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
    """The CPU's model name, with its family and model numbers when known
    (e.g. ``AMD EPYC (family 25, model 17)``)."""
    fields = {}
    try:
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            fields.setdefault(key.strip(), value.strip())
    except OSError:
        pass
    name = fields.get("model name") or platform.processor() or platform.machine()
    if "cpu family" in fields and "model" in fields:
        name += f" (family {fields['cpu family']}, model {fields['model']})"
    return name


def cpu_snapshot():
    """(wall, CPU seconds busy on the whole machine, CPU seconds of this process);
    the machine's figure is None where /proc/stat is missing (not Linux)."""
    busy = None
    try:
        fields = [int(x) for x in pathlib.Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        # user nice system idle iowait irq softirq steal ...: all but idle and iowait
        busy = (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        pass
    own = os.times()
    return time.perf_counter(), busy, own.user + own.system


def others_share(before, after, cpus=None):
    """Share of the ``cpus`` CPUs (default: all) that other processes used
    between two :func:`cpu_snapshot` (None when unknown).

    Examples
    --------
    >>> others_share((0.0, 10.0, 1.0), (2.0, 13.0, 2.0), cpus=2)  # 3 s busy, 1 s ours
    0.5
    """
    wall, busy, own = (b - a if a is not None and b is not None else None
                       for a, b in zip(before, after))
    if busy is None or wall <= 0:
        return None
    return max(0.0, (busy - own) / (wall * (cpus or os.cpu_count() or 1)))


def machine_header():
    """Lines naming the machine, the instruction set and the date of the run."""
    try:
        load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    except (AttributeError, OSError):
        load = "unknown"
    return [f"CPU: {cpu_name()}, {os.cpu_count()} logical CPUs; load average {load}",
            f"mitchell {mitchell.__version__}, {mitchell.backend} backend, ISA {_isa.active()} "
            f"(available: {', '.join(_isa.available())}); NumPy {np.__version__}; "
            f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"]


def _fmt_ratio(x, width):
    return f"{x:>{width - 1}.2f}x"


def elementwise_case(op, dtype, n, budget, baselines=BASELINES):
    """Median seconds per call, ``{(implementation, data): seconds}`` with
    data ``"dense"`` or ``"zeros"``, all timed in turn on the same arrays."""
    a_dense, b = make_operands(dtype, n, zero_fraction=0)
    a_zeros = with_zeros(a_dense, ZERO_FRACTION)
    out = np.empty_like(b)
    calls = {}
    for name, fn in implementations(op, n, baselines).items():
        for data, a in (("dense", a_dense), ("zeros", a_zeros)):
            if name == "emulation" and data == "zeros":
                continue  # np.where on every element: the zeros change little
            calls[name, data] = (lambda f, x: lambda: f(x, b, out))(fn, a)
    with np.errstate(all="ignore"):
        return interleaved(calls, budget=budget * len(calls), warm=True)


def elementwise_columns(names):
    """[(group title, [(header, implementation, data)])] of the elementwise table."""
    label = {"emulation": "vs emul."}
    dense = [("ns/elem", "mitchell", "dense")] + [(label.get(n, f"vs {n}"), n, "dense")
                                                  for n in names]
    zeros = [("ns/elem", "mitchell", "zeros")] + [(label.get(n, f"vs {n}"), n, "zeros")
                                                  for n in names if n != "emulation"]
    return [("dense a", dense), (f"a with {ZERO_FRACTION:.0%} zeros", zeros)]


COLUMN = 10  # width of a cell of the elementwise table


def _cell(med, name, data, n):
    if name == "mitchell":
        return f"{med['mitchell', data] / n * 1e9:>{COLUMN}.3f}"
    if (name, data) in med:
        return _fmt_ratio(med[name, data] / med["mitchell", data], COLUMN)
    return f"{'-':>{COLUMN}}"


def elementwise_table(ops, dtypes, sizes, budget, baselines=BASELINES):
    """Print the elementwise table, one row per (op, dtype, size), as it is measured."""
    names = [n for n in implementations("mul", np.inf, baselines) if n != "mitchell"]
    groups = elementwise_columns(names)
    lead = f"{'op':4} {'dtype':8} {'n':>4}"
    widths = [len(cols) * (COLUMN + 1) - 1 for _, cols in groups]
    print(" " * len(lead) + "".join(f" | {title:^{w}}" for (title, _), w in zip(groups, widths)))
    print(lead + "".join(" | " + " ".join(f"{h:>{COLUMN}}" for h, _, _ in cols)
                         for _, cols in groups))
    for op in ops:
        for dtype in dtypes:
            for size in sizes:
                n = SIZES[size]
                med = elementwise_case(op, dtype, n, budget, baselines)
                print(f"{op:4} {dtype:8} {size:>4}"
                      + "".join(" | " + " ".join(_cell(med, name, data, n) for _, name, data in cols)
                                for _, cols in groups), flush=True)
    if "emulation" in names:
        print("vs emul.: against the pure-NumPy Mitchell of bench/emulation.py, on dense a; "
              "'-': left out (above 1M elements)")


def one_element_table(ops, dtypes, budget):
    """Print the time of a 1-element call (no ``out=``) against NumPy's."""
    print(f"\n1-element call (x, y of shape (1,), no out=), {ONE_ELEMENT_CALLS} calls per sample:")
    print(f"{'op':4} {'dtype':8} {'mitchell ns':>12} {'numpy ns':>9} {'vs numpy':>9}")
    for op in ops:
        exact = np.multiply if op == "mul" else np.divide
        ufunc = getattr(mitchell, op)
        for dtype in dtypes:
            x, y = make_operands(dtype, 1, zero_fraction=0)
            med = interleaved({"mitchell": lambda: ufunc(x, y), "numpy": lambda: exact(x, y)},
                              budget=2 * budget, repeat=ONE_ELEMENT_CALLS)
            print(f"{op:4} {dtype:8} {med['mitchell'] * 1e9:>12.1f} {med['numpy'] * 1e9:>9.1f} "
                  f"{_fmt_ratio(med['numpy'] / med['mitchell'], 10)}", flush=True)


def run_elementwise(args):
    """The elementwise section."""
    baselines = getattr(args, "baselines", BASELINES)
    print(f"\nelementwise: mitchell.mul/div with out=, medians of interleaved calls; "
          f"ns/elem: mitchell's time per element;\n'vs X': mitchell's throughput relative to X "
          f"(= time of X / time of mitchell; >1: mitchell is faster)")
    print(f"operands: standard normal, b dense; a dense, or with {ZERO_FRACTION:.0%} of its "
          f"elements zero at random places (ReLU-like)")
    if "numba" in baselines and load_numba() is None:
        print("numba column left out: numba is not installed (pip install 'mitchell[numba]')")
    print()
    elementwise_table(["mul", "div"], args.dtypes, args.sizes, args.budget, baselines)
    one_element_table(["mul", "div"], args.dtypes, args.budget)


def run(args):
    """Print the sections chosen in ``args`` (see :func:`add_arguments`)."""
    sections = [s for s in SECTIONS if s in args.sections and (s != "variants" or args.variants)]
    for line in machine_header():
        print(line)
    for section in sections:
        start = cpu_snapshot()
        if section == "elementwise":
            print(f"memory bandwidth (np.copyto, 64 MB): {memory_bandwidth():.1f} GB/s")
            run_elementwise(args)
        elif section == "variants":
            from mitchell import _bench_variants

            _bench_variants.run(args.budget)
        else:
            from mitchell import _bench_matmul

            _bench_matmul.run(args)
        end = cpu_snapshot()
        share = others_share(start, end)
        print(f"({section} section: {end[0] - start[0]:.0f} s" + (
            "" if share is None else f"; other processes used {share:.0%} of the "
                                     f"{os.cpu_count()} CPUs meanwhile") + ")")
    return 0
