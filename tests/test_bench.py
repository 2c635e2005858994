"""``python -m mitchell bench``: the tables' structure, never their figures.

No test here depends on timing.  The command runs with tiny sizes and
budgets; the tests check which rows and columns appear and that every
measured cell is a finite positive number (a zero time or a failed
measurement would print ``inf``, ``nan`` or nothing).  The timing helper is
checked against a fake clock, the operand maker by counting zeros.
"""

import argparse
import doctest
import math
import os
import re
import subprocess
import sys
import types

import numpy as np
import pytest

import mitchell
from mitchell import _bench, _bench_matmul, _bench_variants

RATIO = re.compile(r"^(\d+\.\d+)x$")
NUMBER = re.compile(r"^\d+\.\d+$")
TIME = re.compile(r"^(\d+\.\d+) (us|ms)$")


def parse(argv):
    parser = argparse.ArgumentParser()
    _bench.add_arguments(parser)
    return parser.parse_args(argv)


def run_bench(argv, capsys):
    assert _bench.run(parse(argv)) == 0
    return capsys.readouterr().out


def positive(text, pattern):
    match = pattern.match(text)
    assert match, f"{text!r} is not a measurement"
    value = float(match.group(1) if pattern.groups else text)
    assert math.isfinite(value) and value > 0, text
    return value


def table_rows(out, first_cells):
    """Rows (lists of |-separated groups of cells) whose first cells are `first_cells`."""
    rows = []
    for line in out.splitlines():
        groups = [g.split() for g in line.split("|")]
        if groups[0][:len(first_cells)] == first_cells:
            rows.append(groups)
    return rows


# --- operands -------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("fraction", [0.0, 0.2, 0.5])
def test_operands_have_exactly_the_zeros_asked_for(dtype, fraction):
    n = 1 << 16  # at this length float16 rounds a few standard normal values to 0
    a, b = _bench.make_operands(dtype, n, zero_fraction=fraction)
    assert a.dtype == b.dtype == np.dtype(dtype) and a.shape == b.shape == (n,)
    assert np.count_nonzero(a == 0) == round(fraction * n)
    assert np.count_nonzero(b == 0) == 0
    assert np.all(np.isfinite(a)) and np.all(np.isfinite(b))
    if fraction:  # scattered, not a block at the start
        zeros = np.flatnonzero(a == 0)
        assert zeros[0] < n // 100 and zeros[-1] > n - n // 100
        assert np.count_nonzero(a[: round(fraction * n)] == 0) < round(fraction * n)


def test_operands_default_is_relu_like_and_reproducible():
    a, b = _bench.make_operands("float32", 1000)
    assert np.count_nonzero(a == 0) == 200  # ZERO_FRACTION = 0.2
    a2, b2 = _bench.make_operands("float32", 1000)
    assert np.array_equal(a, a2) and np.array_equal(b, b2)
    dense, _ = _bench.make_operands("float32", 1000, zero_fraction=0)
    nonzero = a != 0  # the zeros are the only difference from the dense operand
    assert np.array_equal(a[nonzero], dense[nonzero])


# --- the timing helper, on a fake clock ------------------------------------

class FakeClock:
    """A clock that only moves when a fake call advances it; logs every event."""

    def __init__(self):
        self.now = 0.0
        self.log = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.log.append(("pause", seconds))

    def call(self, name, durations):
        it = iter(durations)

        def fn():
            self.log.append(("call", name))
            self.now += next(it)
        return fn


def test_interleaved_takes_medians_of_calls_run_in_turn():
    clock = FakeClock()
    # first value of each: the warm-up call, which is not timed
    calls = {"a": clock.call("a", [100, 3, 1, 2]), "b": clock.call("b", [100, 10, 30, 20])}
    med = _bench.interleaved(calls, rounds=3, clock=clock, sleep=clock.sleep)
    assert med == {"a": 2, "b": 20}
    assert [name for _, name in clock.log] == ["a", "b"] * 4


def test_interleaved_pauses_before_every_sample_and_divides_batches():
    clock = FakeClock()
    calls = {"a": clock.call("a", [1] * 20), "b": clock.call("b", [5] * 20)}
    med = _bench.interleaved(calls, rounds=2, repeat=3, pause=0.25, clock=clock,
                             sleep=clock.sleep)
    assert med == {"a": 1, "b": 5}  # per call, not per batch of 3
    after_warmup = clock.log[2:]
    assert after_warmup == ([("pause", 0.25)] + [("call", "a")] * 3
                            + [("pause", 0.25)] + [("call", "b")] * 3) * 2


def test_interleaved_warm_calls_precede_every_sample_untimed():
    clock = FakeClock()
    # warm-up, then per round: an untimed warm call (100) and the timed one
    calls = {"a": clock.call("a", [100, 100, 1, 100, 3]), "b": clock.call("b", [100, 100, 7, 100, 9])}
    med = _bench.interleaved(calls, rounds=2, warm=True, clock=clock, sleep=clock.sleep)
    assert med == {"a": 2, "b": 8}
    assert [name for _, name in clock.log] == ["a", "b"] + ["a", "a", "b", "b"] * 2


def test_interleaved_runs_more_rounds_within_the_budget():
    clock = FakeClock()
    calls = {"a": clock.call("a", [1.0] * 50)}
    _bench.interleaved(calls, rounds=2, budget=10.0, clock=clock, sleep=clock.sleep)
    # warm-up, then rounds until 10 fake seconds have passed
    assert len(clock.log) == 1 + 10


# --- the elementwise section -----------------------------------------------

ELEMENTWISE = ["--sections", "elementwise", "--sizes", "4K", "--dtypes", "float32", "float64",
               "--budget", "0"]


def check_elementwise(out, columns):
    """Every (op, dtype) row has `columns` = (dense cells, zeros cells), all positive."""
    headers = [line for line in out.splitlines() if line.startswith("op ") and "|" in line]
    assert len(headers) == 1
    header_groups = [g.split("vs ") for g in headers[0].split("|")[1:]]
    assert [len(g) - 1 for g in header_groups] == [c - 1 for c in columns]  # ratio columns
    for op in ["mul", "div"]:
        for dtype in ["float32", "float64"]:
            rows = table_rows(out, [op, dtype, "4K"])
            assert len(rows) == 1, (op, dtype)
            lead, *groups = rows[0]
            assert [len(g) for g in groups] == list(columns)
            for group in groups:
                positive(group[0], NUMBER)  # ns per element
                for cell in group[1:]:
                    positive(cell, RATIO)
    for op in ["mul", "div"]:  # the 1-element call: mitchell ns, numpy ns, ratio
        for dtype in ["float32", "float64"]:
            rows = [line.split() for line in out.split("1-element call")[1].splitlines()
                    if line.split()[:2] == [op, dtype]]
            assert len(rows) == 1
            positive(rows[0][2], NUMBER), positive(rows[0][3], NUMBER), positive(rows[0][4], RATIO)


def test_elementwise_table_dense_and_zeros_columns(capsys):
    out = run_bench(ELEMENTWISE + ["--baselines", "numpy", "emulation"], capsys)
    assert "dense a" in out and "a with 20% zeros" in out
    # dense: ns, vs numpy, vs emul.; zeros: ns, vs numpy (the emulation on dense a only;
    # it is bench/emulation.py of a source checkout, absent when mitchell is installed)
    checkout = _bench.load_emulation() is not None
    check_elementwise(out, (3, 2) if checkout else (2, 2))
    assert ("vs emul.:" in out) == checkout
    assert "matmul" not in out and "variants" not in out


def test_elementwise_table_with_a_numba_column(capsys, monkeypatch):
    # numba compiles its ufuncs for most of a minute: a stand-in backend gives
    # the column its structure (what the numba backend computes is tested in
    # test_numba.py)
    monkeypatch.setattr(_bench, "load_numba",
                        lambda: types.SimpleNamespace(mul=np.multiply, div=np.divide))
    out = run_bench(ELEMENTWISE + ["--baselines", "numpy", "numba"], capsys)
    check_elementwise(out, (3, 3))
    assert out.count("vs numba") == 2


def test_elementwise_says_when_numba_is_missing(capsys, monkeypatch):
    monkeypatch.setattr(_bench, "load_numba", lambda: None)
    out = run_bench(ELEMENTWISE, capsys)
    assert "numba is not installed" in out and "vs numba" not in out
    check_elementwise(out, (3, 2) if _bench.load_emulation() is not None else (2, 2))


def test_elementwise_times_dense_and_relu_like_operands(monkeypatch):
    seen = {}

    def recording(op, n=0, baselines=_bench.BASELINES):
        def impl(name):
            def fn(a, b, out):
                seen.setdefault(name, set()).add((op, a.dtype.name, a.size,
                                                  int(np.count_nonzero(a == 0)),
                                                  int(np.count_nonzero(b == 0))))
            return fn
        return {name: impl(name) for name in ["mitchell", "numpy", "emulation"]}

    monkeypatch.setattr(_bench, "implementations", recording)
    med = _bench.elementwise_case("div", "float32", 1000, budget=0.0)
    assert set(med) == {("mitchell", "dense"), ("mitchell", "zeros"), ("numpy", "dense"),
                        ("numpy", "zeros"), ("emulation", "dense")}
    both = {("div", "float32", 1000, 0, 0), ("div", "float32", 1000, 200, 0)}
    assert seen == {"mitchell": both, "numpy": both, "emulation": {("div", "float32", 1000, 0, 0)}}


def test_header_names_cpu_isa_and_date(capsys):
    out = run_bench(ELEMENTWISE + ["--baselines", "numpy"], capsys)
    first, second = out.splitlines()[:2]
    assert first.startswith("CPU: ") and "logical CPUs" in first
    assert f"ISA {mitchell._isa.active()}" in second
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", second)
    # the footer says how much of the machine other processes took meanwhile
    footer = re.search(r"\(elementwise section: \d+ s(; other processes used (\d+)% of the)?", out)
    assert footer and (footer.group(1) is not None) == (_bench.cpu_snapshot()[1] is not None)


# --- the matmul section ----------------------------------------------------

MATMUL = ["--sections", "matmul", "--matmul-sizes", "128", "8x4x2", "--threads", "1", "2",
          "--matmul-rounds", "1", "--pause", "0"]


def check_matmul(out, blas):
    for threads in ["1", "2"]:
        rows = table_rows(out, ["128^3", threads, blas(threads)])
        assert len(rows) == 1
        cells = rows[0][0][3:]  # mitchell time, GFLOP/s, numpy time, GFLOP/s, ratio
        assert len(cells) == 7
        positive(" ".join(cells[0:2]), TIME), positive(cells[2], NUMBER)
        positive(" ".join(cells[3:5]), TIME), positive(cells[5], NUMBER)
        positive(cells[6], RATIO)
        rows = table_rows(out, ["8x4x2", threads, blas(threads)])
        assert len(rows) == 1
        cells = rows[0][0][3:]  # mitchell time, numpy time, time ratio
        assert len(cells) == 5
        positive(" ".join(cells[0:2]), TIME), positive(" ".join(cells[2:4]), TIME)
        positive(cells[4], RATIO)
    rows = table_rows(out, ["128^3"])
    scaling = [r[0] for r in rows if len(r[0]) == 7]  # shape, t1, unit, T, tT, unit, ratio
    assert len(scaling) == 1 and scaling[0][3] == "2"
    positive(scaling[0][6], RATIO)
    assert "vs sgemm" in out and "time ratio" in out and "thread scaling" in out


def test_matmul_section_names_the_openblas_kernel(capsys):
    threadpoolctl = pytest.importorskip("threadpoolctl")
    blas = [i for i in threadpoolctl.threadpool_info() if i.get("user_api") == "blas"]
    old = mitchell.linalg.get_num_threads()
    out = run_bench(MATMUL, capsys)
    assert mitchell.linalg.get_num_threads() == old  # restored
    check_matmul(out, blas=lambda t: t)
    blas = [i for i in blas if "numpy" in i["filepath"]] or blas  # NumPy's own, if bundled
    if blas:
        assert f"{blas[0]['internal_api']} {blas[0]['version']}, {blas[0]['architecture']} kernel" in out
    assert "threadpoolctl is not installed" not in out


def test_matmul_section_runs_without_threadpoolctl(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "threadpoolctl", None)  # import raises ImportError
    assert _bench_matmul.threadpoolctl() is None
    out = run_bench(MATMUL, capsys)
    assert "threadpoolctl is not installed" in out and "mitchell[bench]" in out
    check_matmul(out, blas=lambda t: "dflt")


def test_thread_limits_apply_inside_and_are_restored():
    threadpoolctl = pytest.importorskip("threadpoolctl")

    def blas_threads():
        return [i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]

    before, old = blas_threads(), mitchell.linalg.get_num_threads()
    with _bench_matmul.mitchell_threads(1), _bench_matmul.blas_threads(1):
        assert mitchell.linalg.get_num_threads() == 1
        assert all(n == 1 for n in blas_threads())
    assert blas_threads() == before and mitchell.linalg.get_num_threads() == old


@pytest.mark.parametrize("threads, pause", [(1, 0.0), (2, 0.125)])
def test_matmul_pauses_before_calls_only_with_several_threads(monkeypatch, threads, pause):
    """At 2+ threads: a pause, then an untimed call that wakes the side's workers."""
    seen = []
    real = _bench.interleaved

    def spy(calls, **kwargs):
        seen.append(kwargs["pause"])
        assert kwargs.get("warm", False) == (threads > 1)
        assert mitchell.linalg.get_num_threads() == threads
        if _bench_matmul.threadpoolctl() is not None:  # OpenBLAS limited alike
            info = _bench_matmul.threadpoolctl().threadpool_info()
            assert all(i["num_threads"] == threads for i in info if i["user_api"] == "blas")
        return real(calls, **{**kwargs, "pause": 0.0})

    monkeypatch.setattr(_bench, "interleaved", spy)
    med = _bench_matmul.versus_numpy((8, 8, 8), threads, rounds=1, pause=0.125)
    assert seen == [pause] and set(med) == {"mitchell", "numpy"}


def test_openblas_note(monkeypatch):
    for name in _bench_matmul.OPENBLAS_PINS:
        monkeypatch.delenv(name, raising=False)
    assert "are unset" in " ".join(_bench_matmul.openblas_note())
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Haswell")
    note = " ".join(_bench_matmul.openblas_note())
    assert "NOTE: OPENBLAS_CORETYPE=Haswell is set" in note
    assert "env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python -m mitchell bench" in note


@pytest.mark.parametrize("text", ["12x3", "0", "abc", "4x0x2", "1x2x3x4"])
def test_bad_shapes_are_refused(text):
    with pytest.raises(argparse.ArgumentTypeError):
        _bench_matmul.parse_shape(text)
    with pytest.raises(SystemExit):
        parse(["--matmul-sizes", text])


@pytest.mark.parametrize("argv", [["--threads", "0"], ["--matmul-rounds", "0"],
                                  ["--threads", "two"], ["--sections", "gemm"]])
def test_bad_options_are_refused(argv):
    with pytest.raises(SystemExit):
        parse(argv)


# --- variants, the CLI and the docs -----------------------------------------

@pytest.mark.skipif(mitchell.backend != "c", reason="numba compiles every variant's ufuncs "
                    "for over a minute; the section's code is the same on both backends")
def test_variants_section(capsys):
    _bench_variants.run(0.0, sizes={"4K": 1 << 12}, matmul_size=16)
    out = capsys.readouterr().out
    # every variant but plain Mitchell that has a float32 loop ("ff->f")
    names = [n for n, v in mitchell.variants.items()
             if n != "mitchell" and v.mul is not None and "ff->f" in v.mul.types]
    assert names  # lmul, biasfree, ... (docs/variants.md)
    rows = [line.split() for line in out.splitlines() if line.split()[:3] == ["mul", "float32", "4K"]]
    assert sorted(r[3] for r in rows) == sorted(names)
    for row in rows:
        positive(row[4], NUMBER), positive(row[5], RATIO), positive(row[6], RATIO)
    assert "matmul float32 16^3" in out


# The command line's plumbing does not depend on the backend; the numba
# backend would compile its ufuncs in every new process (about 20 s each).
C_BACKEND = {**os.environ, "MITCHELL_BACKEND": "c"}


def test_cli_help_documents_every_flag():
    out = subprocess.run([sys.executable, "-m", "mitchell", "bench", "--help"],
                         capture_output=True, text=True, check=True, env=C_BACKEND).stdout
    for flag in ["--sections", "--sizes", "--dtypes", "--baselines", "--budget", "--matmul-sizes",
                 "--threads", "--matmul-rounds", "--pause"]:
        assert flag in out
    # the description: the sections, how to read the ratios, how to run for OpenBLAS at its best
    assert "elementwise\n" in out and "Ratios are throughputs" in out
    assert "env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python -m mitchell bench" in out


def test_cli_runs_and_rejects_unknown_sections():
    out = subprocess.run([sys.executable, "-m", "mitchell", "bench", "--sizes", "4K",
                          "--dtypes", "float32", "--budget", "0", "--baselines", "numpy",
                          "--sections", "elementwise", "matmul", "--matmul-sizes", "8",
                          "--threads", "1", "--matmul-rounds", "1"],
                         capture_output=True, text=True, check=True, env=C_BACKEND).stdout
    assert table_rows(out, ["mul", "float32", "4K"]) and table_rows(out, ["8^3", "1"])
    proc = subprocess.run([sys.executable, "-m", "mitchell", "bench", "--sections", "gemm"],
                          capture_output=True, text=True, env=C_BACKEND)
    assert proc.returncode == 2 and "invalid choice" in proc.stderr


@pytest.mark.parametrize("module", [_bench, _bench_matmul], ids=lambda m: m.__name__)
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted >= 3
