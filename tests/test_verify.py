"""The verifier (``mitchell.verify``): its rules, its sweeps, and that it can fail.

The full runs (2^32 pairs per 16-bit op, 2^23 fractions for float32) are the
job of ``python -m mitchell verify [--variant all]``; here each path runs on a
slice of its input space, and deliberately wrong kernels show that every
check reports.  Expected values come from ``mitchell.reference`` (the
per-element oracle), from docs/semantics.md's worked examples, or are
counted by hand where stated.
"""

import json
import sys
from fractions import Fraction

import numpy as np
import pytest

import mitchell
from mitchell import _spec, reference
from mitchell import verify
from mitchell.verify import certificate, cli, corrections, formats, integers, records, report, rules, sweep
from mitchell.verify import errormetrics as metrics_module
from mitchell.verify import plan as plan_module

FLAG_BITS = {"divide": rules.FLAG_DIVIDE, "overflow": rules.FLAG_OVERFLOW,
             "underflow": rules.FLAG_UNDERFLOW, "invalid": rules.FLAG_INVALID}
SIXTEEN_BIT = ["float16"] + (["bfloat16"] if formats.numpy_dtype("bfloat16") is not None else [])

# quick settings for the float32/float64 certificate
QUICK = {"fraction_limit": 2048, "mean_grid": 64, "exponent_stride": 16}


def _random_bits(fmt, size, seed):
    """Random bit patterns, with every special class and the subnormal range well represented."""
    rng = np.random.default_rng(seed)
    bits = rng.integers(0, 1 << fmt.width, size=size, dtype=np.int64)
    specials = [0, fmt.sign_bit, fmt.inf_bits, fmt.inf_bits | fmt.sign_bit, fmt.qnan_bits, fmt.inf_bits | 1,
                1, (1 << fmt.frac_bits) - 1, 1 << fmt.frac_bits]
    bits[: len(specials)] = specials
    bits[len(specials):size // 4] &= (1 << (fmt.frac_bits + 2)) - 1  # small: subnormal results
    return bits.astype(fmt.uint)


@pytest.mark.parametrize("dtype", SIXTEEN_BIT)
@pytest.mark.parametrize("op", ["mul", "div"])
def test_vectorised_rules_match_the_reference_oracle(op, dtype):
    # Expected values: mitchell.reference, the per-element oracle written from docs/semantics.md.
    fmt = formats.binary_format(dtype)
    ref_fmt = reference.FORMATS[dtype]
    a = _random_bits(fmt, 4000, seed=1)
    b = _random_bits(fmt, 4000, seed=2)[::-1]
    bits, flags = rules.expected(a, b, op, fmt)
    kernel = reference.mul_bits if op == "mul" else reference.div_bits
    for x, y, got_bits, got_flags in zip(a.tolist(), b.tolist(), bits.tolist(), flags.tolist()):
        want_bits, want_flags = kernel(x, y, ref_fmt)
        assert (got_bits, got_flags) == (want_bits, sum(FLAG_BITS[f] for f in want_flags)), (hex(x), hex(y))


def test_antilog_rounds_below_the_normal_range_to_nearest_even():
    # docs/semantics.md: floor(L) = emin - 1 with frac(L) = 1 - 2^-p is halfway between the
    # largest subnormal and 2^emin and rounds to 2^emin (0x0400) with the underflow flag.
    fmt = formats.binary_format("float16")
    log = np.array([(fmt.emin - 1) * 1024 + 1023, (fmt.emin - 1) * 1024, fmt.emin * 1024, 16 * 1024])
    bits, flags = rules.antilog(log, fmt)
    assert [hex(x) for x in bits] == ["0x400", "0x200", "0x400", "0x7c00"]
    assert flags.tolist() == [rules.FLAG_UNDERFLOW, 0, 0, rules.FLAG_OVERFLOW]


@pytest.mark.parametrize("op, row, want_max, want_pair", [
    # the worst cases of docs/semantics.md: 1.5 * 1.5 -> 2 (1/9), 1 / 1.5 -> 0.75 (1/8)
    ("mul", 1.5, Fraction(1, 9), (1.5, 1.5)),
    ("div", 1.0, Fraction(1, 8), (1.0, 1.5)),
])
def test_sweep_rows_find_the_worst_case(op, row, want_max, want_pair):
    fmt = formats.binary_format("float16")
    plan = sweep.Plan(fmt, op)
    low, high = formats.CEILINGS[op]
    m = int(np.float16(row).view(np.uint16))
    part = sweep.run_rows(plan, getattr(mitchell, op), [m, m + 1], (float(low), float(high)))
    assert part.rule_mismatches == part.flag_mismatches == part.ceiling_violations == 0
    assert part.pairs == 2 * 2 * 65536
    worst = part.min if op == "mul" else part.max
    a, b, approx = np.array(worst[1:4], np.uint16).view(np.float16).tolist()
    exact = Fraction(a) * Fraction(b) if op == "mul" else Fraction(a) / Fraction(b)
    assert abs(Fraction(approx) - exact) / exact == want_max
    assert (a, b) == want_pair


@pytest.mark.parametrize("op", ["mul", "div"])
def test_float16_sweep_on_part_of_the_input_space(op):
    # first operands 0 .. 255 (zero and subnormals) and their negatives, against all b
    record = verify.verify_op(op, "float16", workers=1, task_limit=1)
    assert record["pass"] and record["partial"]
    assert record["pairs_run"] == 2 * 256 * 65536
    assert record["rule_mismatches"] == record["flag_mismatches"] == record["ceiling_violations"] == 0
    assert record["count"] > 0
    assert 0 < record["max_error"] <= float(formats.CEILINGS[op][1 if op == "div" else 0].__abs__())


def test_sweep_in_two_worker_processes_matches_one():
    one = verify.verify_op("div", "float16", workers=1, task_limit=2)
    two = verify.verify_op("div", "float16", workers=2, task_limit=2)
    for key in ("pairs_run", "count", "max_error", "min_error", "rule_mismatches", "flag_mismatches"):
        assert one[key] == two[key], key
    assert two["mean_error"] == one["mean_error"]  # partial results are merged in task order


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("op, ceiling", [("mul", "1/9"), ("div", "1/8")])
def test_certificate_attains_the_ceiling_exactly(op, ceiling, dtype):
    record = verify.verify_op(op, dtype, **QUICK)
    assert record["pass"] and record["attained"]
    assert record["max_error_exact"] == ceiling
    assert record["min_error"] == 0
    assert record["exponent_mismatches"] == record["rule_mismatches"] == 0
    worst = record["argmax"]
    assert (worst["a"], worst["b"]) == ((1.5, 1.5) if op == "mul" else (1.0, 1.5))


@pytest.mark.parametrize("op", ["mul", "div"])
def test_candidate_points_hold_the_grid_maximum(op):
    # The reduction of docs/error-analysis.md on a 7-bit grid: the largest error over all
    # 2^14 fraction pairs equals the largest over the candidate points alone.
    p = 7
    t = np.arange(1 << p, dtype=np.uint64)

    def errors(t1, t2):
        e, f = certificate.expected_fields(op, t1, t2, p)
        approx = np.ldexp(1 + f / 2.0 ** p, e)
        a, b = 1 + t1 / 2.0 ** p, 1 + t2 / 2.0 ** p
        return certificate.relative_errors(op, a, b, approx)

    t1, t2 = (x.ravel() for x in np.meshgrid(t, t, indexing="ij"))
    everywhere = errors(t1, t2)
    c1, c2 = certificate.candidate_pairs(op, t, p)
    at_candidates = errors(c1, c2)
    assert np.abs(at_candidates).max() == np.abs(everywhere).max()
    assert np.abs(at_candidates).min() == np.abs(everywhere).min() == 0


def test_mean_integrals():
    # MEAN_INTEGRAL came from mpmath.quad at 30 digits; a 4096^2 midpoint rule of the
    # error formulas of docs/semantics.md agrees to about 1e-8.
    n = 4096
    f = (np.arange(n) + 0.5) / n
    f1, f2 = f[:, None], f[None, :]
    mul = np.where(f1 + f2 < 1, f1 * f2, (1 - f1) * (1 - f2)) / ((1 + f1) * (1 + f2))
    div = np.where(f1 >= f2, (f1 - f2) * f2 / (1 + f1), (f2 - f1) * (1 - f2) / (2 * (1 + f1)))
    assert mul.mean() == pytest.approx(records.MEAN_INTEGRAL["mul"], abs=1e-7)
    assert div.mean() == pytest.approx(records.MEAN_INTEGRAL["div"], abs=1e-7)


# ------------------------------------------------------------ the verifier can fail

def _shifted(op, dtype, ulps):
    """The shipped ufunc with every finite nonzero result moved by ``ulps`` units in the last place."""
    ufunc = getattr(mitchell, op)
    uint = np.dtype(f"uint{np.dtype(dtype).itemsize * 8}")

    def wrong(a, b, out=None):
        result = np.asarray(ufunc(a, b))
        bits = result.view(uint).copy()
        move = np.isfinite(result) & (result != 0)
        bits[move] = (bits[move].astype(np.int64) + ulps).astype(uint)
        if out is None:
            return bits.view(result.dtype)
        out[...] = bits.view(result.dtype)
        return out

    return wrong


def test_off_by_one_kernel_fails_the_float16_sweep():
    m = int(np.float16(1.5).view(np.uint16))
    plan = sweep.Plan(formats.binary_format("float16"), "mul")
    part = sweep.run_rows(plan, _shifted("mul", np.float16, +1), [m], (-1 / 9, 0.0))
    assert part.rule_mismatches > 0
    # one ulp up makes exact products (b a power of two) come out above the exact result
    assert part.ceiling_violations > 0 and part.max[0] > 0


def test_off_by_one_kernel_fails_the_record():
    record = verify.verify_op("div", "float16", ufunc=_shifted("div", np.float16, +1), workers=1, task_limit=1)
    assert not record["pass"]
    assert record["backend"] == "injected"
    assert record["rule_mismatches"] > 0 and record["rule_examples"]
    assert record["ceiling_violations"] > 0  # 1 / 1.5 now gives 0.75 + 1 ulp: above 1/8


@pytest.mark.parametrize("op, ulps", [("mul", -1), ("div", +1)])
def test_certificate_reports_a_kernel_beyond_the_ceiling(op, ulps):
    # mul one ulp low (1.5 * 1.5 -> 2 - ulp) and div one ulp high (1 / 1.5 -> 0.75 + ulp)
    # both pass the ceiling by a hair; the verifier must see it exactly.
    record = verify.verify_op(op, "float32", ufunc=_shifted(op, np.float32, ulps), **QUICK)
    assert not record["pass"]
    assert record["ceiling_violations"] > 0
    assert Fraction(record["max_error_exact"]) > Fraction(1, 9 if op == "mul" else 8)


def test_flags_are_checked():
    def silent(a, b, out=None):  # right values, but swallows the FP flags
        with np.errstate(all="ignore"):
            return mitchell.mul(a, b, out=out)

    plan = sweep.Plan(formats.binary_format("float16"), "mul")
    m = int(np.float16(1000.0).view(np.uint16))  # overflows against large b
    part = sweep.run_rows(plan, silent, [m], (-1 / 9, 0.0))
    assert part.rule_mismatches == 0
    assert part.flag_mismatches == 1
    assert part.flag_examples[0][1:] == (0, rules.FLAG_OVERFLOW)


def _quick_verify(wrong=False):
    def quick(dtypes, ops, backends, workers, progress, variants=None):
        ops = ops or ["mul", "div"]
        return [verify.verify_op(op, "float32", ufunc=_shifted(op, np.float32, -1) if wrong else None, **QUICK)
                for op in ops]
    return quick


def test_cli_exit_status_and_table(monkeypatch, capsys, tmp_path):
    from mitchell.__main__ import main
    monkeypatch.setattr(cli, "verify", _quick_verify())
    path = tmp_path / "certificate.json"
    assert main(["verify", "--json", str(path), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "0.1111111111 =1/9" in out and "0.1250000000 =1/8" in out
    assert "all ceilings and rules hold" in out
    saved = json.loads(path.read_text())["records"]
    assert [(r["op"], r["max_error_exact"], r["pass"]) for r in saved] == [("mul", "1/9", True), ("div", "1/8", True)]
    for key in ("dtype", "backend", "count", "pairs_run", "max_error", "min_error", "mean_error", "bias",
                "argmax", "ceiling"):
        assert key in saved[0]

    monkeypatch.setattr(cli, "verify", _quick_verify(wrong=True))
    assert main(["verify", "--op", "mul", "--quiet"]) == 1
    assert "FAIL" in capsys.readouterr().out


def test_default_dtypes_follow_the_loops():
    names = formats.available_dtypes("c")
    assert names[:1] == ["float16"] and "float32" in names and "float64" in names
    has_bf16_loop = (formats.numpy_dtype("bfloat16") is not None
                     and formats.has_loop(mitchell.mul, formats.numpy_dtype("bfloat16")))
    assert ("bfloat16" in names) == has_bf16_loop


def test_progress_bar_is_silent_off_a_terminal(capsys):
    bar = report.Progress("x", enabled=True)
    bar.update(1, 2)
    bar.close()
    assert capsys.readouterr().err == ""


def test_progress_bar_draws_on_a_terminal():
    class Terminal:
        text = ""

        def isatty(self):
            return True

        def write(self, text):
            self.text += text

        def flush(self):
            pass

    terminal = Terminal()
    bar = report.Progress("float16 mul c", stream=terminal)
    bar.update(64, 128)
    assert "float16 mul c" in terminal.text and " 50.0%" in terminal.text and "#" * 15 + "." * 15 in terminal.text
    bar.close()
    assert terminal.text.endswith("\r")


def test_progress_bar_is_shared_and_its_example_runs():
    import doctest

    from mitchell import _progress

    assert report.Progress is _progress.Progress
    result = doctest.testmod(_progress)
    assert result.failed == 0 and result.attempted > 0


def test_plots(tmp_path):
    pytest.importorskip("matplotlib")
    record = verify.verify_op("div", "float32", **QUICK)
    paths = report.write_plots([record], str(tmp_path))
    assert len(paths) == 2
    for path in paths:
        with open(path, "rb") as png:
            assert png.read(8) == b"\x89PNG\r\n\x1a\n"


def test_plot_without_matplotlib_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes `import matplotlib` fail
    with pytest.raises(SystemExit, match=r"mitchell\[plot\]"):
        report.require_matplotlib()


@pytest.mark.skipif("bfloat16" not in SIXTEEN_BIT, reason="needs ml_dtypes")
@pytest.mark.parametrize("op", ["mul", "div"])
def test_bfloat16_sweep_plumbing(op):
    # Until mitchell has bfloat16 loops, run the sweep's zone and region bookkeeping for an
    # 8-bit exponent against the vectorised rules themselves (values only, so flags are not
    # compared): a wrong zone boundary would show up as mismatches.
    fmt = formats.binary_format("bfloat16")
    plan = sweep.Plan(fmt, op)

    def by_the_rules(a, b, out):
        bits, _ = rules.expected(np.asarray(a).view(fmt.uint), np.asarray(b).view(fmt.uint), op, fmt)
        out[...] = bits.view(fmt.dtype)
        return out

    low, high = formats.CEILINGS[op]
    magnitudes = [int(np.array(v, fmt.dtype).view(fmt.uint)) for v in (1.0, 1.5, 3e-39, 1e38)]
    part = sweep.run_rows(plan, by_the_rules, magnitudes, (float(low), float(high)))
    assert part.rule_mismatches == part.ceiling_violations == 0
    assert part.count > 0
    assert abs(part.min[0] if op == "mul" else part.max[0]) == (1 / 9 if op == "mul" else 1 / 8)


@pytest.mark.parametrize("module", [verify, rules, corrections, certificate, formats, integers, metrics_module,
                                    records], ids=lambda m: m.__name__)
def test_docstring_examples(module):
    import doctest
    failures, tried = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert failures == 0 and tried > 0


def test_default_plan(monkeypatch):
    # C: the float16 sweep and the float32 certificate; numba only on request
    monkeypatch.setattr(formats, "available_dtypes",
                        lambda backend, variant="mitchell", ops=(): ["float16", "bfloat16", "float32", "float64"])
    plan = verify.default_plan()
    m = "mitchell"
    assert plan == [(m, "c", d, op) for d in ("float16", "float32") for op in ("mul", "div")]
    assert verify.default_plan(backends=["numba"], ops=["div"]) == [
        (m, "numba", d, "div") for d in ("float16", "float32")]
    assert verify.default_plan(dtypes=["bfloat16"], backends=["c"], ops=["mul"]) == [(m, "c", "bfloat16", "mul")]
    assert verify.default_plan(dtypes=["float64"], backends=["c"]) == [
        (m, "c", "float64", "mul"), (m, "c", "float64", "div")]
    # variants: their own operations (lmul and realm have no div), 16-bit formats and float32, C
    assert verify.default_plan(variants=["lmul", "minimax"]) == (
        [("lmul", "c", d, "mul") for d in ("float16", "bfloat16", "float32")]
        + [("minimax", "c", d, op) for d in ("float16", "bfloat16", "float32") for op in ("mul", "div")])
    assert verify.default_plan(variants=["ilm2"]) == []  # integers only: metrics, not float records


# ------------------------------------------------------------ variants

LOG_SUM_VARIANTS = [(name, op) for name, v in _spec.VARIANTS.items() if v.kind != "iterative"
                    for op in formats.float_ops(name)]


@pytest.mark.parametrize("dtype", SIXTEEN_BIT)
@pytest.mark.parametrize("variant, op", [vo for vo in LOG_SUM_VARIANTS if vo[0] != "mitchell"])
def test_variant_rules_match_the_reference_oracle(variant, op, dtype):
    # Expected values: mitchell.reference with variant=, written from semantics.md ("Variants").
    fmt = formats.binary_format(dtype)
    correction = corrections.Correction(variant, op, fmt)
    a = _random_bits(fmt, 1500, seed=3)
    b = _random_bits(fmt, 1500, seed=4)[::-1]
    bits, flags = rules.expected(a, b, op, fmt, correction)
    kernel = reference.mul_bits if op == "mul" else reference.div_bits
    for x, y, got_bits, got_flags in zip(a.tolist(), b.tolist(), bits.tolist(), flags.tolist()):
        want_bits, want_flags = kernel(x, y, reference.FORMATS[dtype], variant=variant)
        assert (got_bits, got_flags) == (want_bits, sum(FLAG_BITS[f] for f in want_flags)), (hex(x), hex(y))


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
def test_corrections_agree_with_the_spec(dtype):
    # The verifier computes kappa from semantics.md's formulas; the kernels get it from _spec.
    fmt = formats.binary_format(dtype)
    short = _spec.FORMATS[dtype].short
    assert corrections.Correction("lmul", "mul", fmt).table[0, 0] == _spec.VARIANTS["lmul"].mul[short]
    realm = corrections.Correction("realm", "mul", fmt).table
    assert realm.ravel().tolist() == list(_spec.VARIANTS["realm"].table_for(fmt.frac_bits))
    for variant in ("biasfree", "minimax"):
        for op in ("mul", "div"):
            assert corrections.Correction(variant, op, fmt).table[0, 0] == reference.kappa(
                variant, op, reference.FORMATS[dtype])


def test_lmul_offset_on_float32_is_one_shifted_by_19():
    # semantics.md: float32 L-Mul adds 1 << 19 to the bit sum
    assert corrections.lmul_offset(23) == 1 << 19


def _shipped_plans(variant, op, fmt):
    correction = None if variant == "mitchell" else corrections.Correction(variant, op, fmt)
    return sweep.plans(fmt, op, correction), correction


# first operands: a subnormal, 1, 1.5, the top of [1, 2), a large value (overflows), zero, inf, NaN
ROW_VALUES = (3e-6, 1.0, 1.5, 1.9990234375, 20000.0)


@pytest.mark.parametrize("dtype", SIXTEEN_BIT)
@pytest.mark.parametrize("variant, op", LOG_SUM_VARIANTS)
def test_variant_sweep_rows_pass_with_the_shipped_kernel(variant, op, dtype):
    fmt = formats.binary_format(dtype)
    if dtype not in formats.available_dtypes("c", variant, [op]):
        pytest.skip(f"no {dtype} loop")
    plans, correction = _shipped_plans(variant, op, fmt)
    magnitudes = [int(np.array(v, fmt.dtype).view(fmt.uint)) for v in ROW_VALUES]
    magnitudes += [0, fmt.inf_bits, fmt.qnan_bits]
    part = sweep.run_rows(plans, formats.kernel("c", op, variant), magnitudes, (-1.0, 1.0), correction)
    assert part.rule_mismatches == part.flag_mismatches == 0, part.rule_examples
    assert part.count > 0


@pytest.mark.parametrize("variant, wrong", [("lmul", "mitchell"), ("realm", "biasfree"), ("minimax", "biasfree")])
def test_variant_sweep_catches_another_variants_kernel(variant, wrong):
    fmt = formats.binary_format("float16")
    plans, correction = _shipped_plans(variant, "mul", fmt)
    m = int(np.float16(1.5).view(np.uint16))
    part = sweep.run_rows(plans, formats.kernel("c", "mul", wrong), [m], (-1.0, 1.0), correction)
    assert part.rule_mismatches > 0


@pytest.mark.parametrize("variant, op", [vo for vo in LOG_SUM_VARIANTS if vo[0] != "mitchell"])
def test_variant_float32_certificate_quick(variant, op):
    record = verify.verify_op(op, "float32", variant=variant, **QUICK)
    assert record["pass"] and record["rule_mismatches"] == record["exponent_mismatches"] == 0
    assert record["ceiling"] is None
    assert Fraction(record["min_signed_exact"]) < 0 < Fraction(record["max_signed_exact"])


def test_lmul_float32_extremes():
    # With kappa = 2^-4: f1 = f2 = 0 gives 1 + 1/16 (the highest, +1/16); the lowest is on the
    # carry line (docs/error-analysis.md), about -7.29 %.
    record = verify.verify_op("mul", "float32", variant="lmul", **QUICK)
    assert record["max_signed_exact"] == "1/16"
    assert -0.0730 < record["min_signed"] < -0.0728


def test_variant_certificate_catches_another_variants_kernel():
    record = verify.verify_op("mul", "float32", variant="lmul", ufunc=mitchell.mul, **QUICK)
    assert not record["pass"] and record["rule_mismatches"] > 0


@pytest.mark.parametrize("variant, op", [("lmul", "mul"), ("minimax", "mul"), ("minimax", "div"),
                                         ("biasfree", "div"), ("realm", "mul")])
def test_candidate_points_hold_the_grid_extremes_of_a_variant(variant, op):
    # The reduction with a correction, on bfloat16's 7-bit grid: the lowest and highest signed
    # errors over all 2^14 fraction pairs are attained at the candidate points.
    fmt = formats.binary_format("bfloat16")
    p = fmt.frac_bits
    correction = corrections.Correction(variant, op, fmt)
    t = np.arange(1 << p, dtype=np.uint64)

    def errors(t1, t2):
        e, f = certificate.expected_fields(op, t1, t2, p, correction)
        approx = np.ldexp(1 + f / 2.0 ** p, e)
        a, b = 1 + t1 / 2.0 ** p, 1 + t2 / 2.0 ** p
        return certificate.relative_errors(op, a, b, approx)

    t1, t2 = (x.ravel() for x in np.meshgrid(t, t, indexing="ij"))
    everywhere = errors(t1, t2)
    at_candidates = errors(*certificate.candidate_pairs(op, t, p, correction))
    assert at_candidates.max() == everywhere.max()
    assert at_candidates.min() == everywhere.min()


def _rows_in_one_binade(fmt):
    """Magnitudes of the first operand in [1, 2): every fraction of the format."""
    one = int(np.array(1.0, fmt.dtype).view(fmt.uint))
    return range(one, one + (1 << fmt.frac_bits))


def test_shipped_certified_json_agrees_with_a_fresh_float16_run():
    # mitchell/_certified.json comes from `python -m mitchell verify --variant all --certified`.
    # The rows a in [1, 2) against every b hold every pair of fractions, so the extremes over
    # all 2^32 pairs appear among them; the mean over these rows is close to the full one.
    shipped = mitchell.variants["lmul"].certified["mul"]["float16"]
    fmt = formats.binary_format("float16")
    plans, correction = _shipped_plans("lmul", "mul", fmt)
    part = sweep.run_rows(plans, mitchell.variants["lmul"].mul, _rows_in_one_binade(fmt), (-1.0, 1.0), correction)
    assert part.rule_mismatches == part.flag_mismatches == 0
    assert part.min[0] == shipped["min"] and part.max[0] == shipped["max"]
    assert part.sum / part.count == pytest.approx(shipped["mean"], abs=2e-4)
    assert part.sum_abs / part.count == pytest.approx(shipped["mean_abs"], abs=2e-4)


def test_certified_layout_from_records():
    record = verify.verify_op("mul", "float32", variant="lmul", **QUICK)
    table = cli.certified([record])  # partial records are left out
    assert table == {}
    record["partial"] = False
    figures = cli.certified([record])["lmul"]["mul"]["float32"]
    assert set(figures) == {"max", "min", "mean", "mean_abs"}
    assert figures["max"] == 1 / 16


# ------------------------------------------------------------ integer metrics

def test_metrics_of_a_hand_counted_multiplier():
    # A 2-bit unsigned multiplier that is exact except 3 x 3 -> 5 and 2 x 3 -> 5 (and 3 x 2).
    # By hand over the 16 pairs: 3 wrong (er 3/16); distances 4, 1, 1 (med 6/16, wce 4);
    # relative 4/9, 1/6, 1/6 (mred (4/9 + 1/3)/16, wcre 4/9); largest exact product 9.
    v = np.arange(4)
    exact = (v[:, None] * v[None, :])
    approx = exact.copy()
    approx[3, 3], approx[2, 3], approx[3, 2] = 5, 5, 5
    m = metrics_module.error_metrics(approx.ravel(), exact.ravel(), largest=9)
    assert m == pytest.approx({"er": 3 / 16, "med": 6 / 16, "nmed": 6 / 16 / 9,
                               "mred": (4 / 9 + 1 / 3) / 16, "wce": 4, "wcre": 4 / 9}, rel=1e-15)


def test_zero_products_count_as_zero_relative_error():
    # exact 0 but approx 1: counted in er, med and wce, not in mred or wcre
    m = metrics_module.error_metrics(np.array([1, 4]), np.array([0, 4]), largest=4)
    assert m == {"er": 0.5, "med": 0.5, "nmed": 0.125, "mred": 0.0, "wce": 1, "wcre": 0.0}


INTEGER_VARIANTS = [name for name in _spec.VARIANTS if formats.integer_capable(name)]


@pytest.mark.parametrize("dtype", ["int8", "uint8"])
@pytest.mark.parametrize("variant", INTEGER_VARIANTS)
def test_integer_products_match_the_verifiers_definition(variant, dtype):
    m = metrics_module.metrics(dtype, variant, details=True)
    assert m["pairs"] == 65536 and m["mismatches"] == 0
    assert set(metrics_module.KEYS) <= set(m)


def test_integer_definition_against_the_reference_oracle():
    # mitchell.reference.imul is the per-element oracle of semantics.md "Variants on integers"
    rng = np.random.default_rng(5)
    for dtype in ("int8", "uint8", "int16", "uint16"):
        info = np.iinfo(dtype)
        a = rng.integers(info.min, info.max, 300, endpoint=True).astype(dtype)
        b = rng.integers(info.min, info.max, 300, endpoint=True).astype(dtype)
        for variant in INTEGER_VARIANTS:
            got = integers.expected(a, b, variant)
            want = [reference.imul(int(x), int(y), dtype, variant)[0] for x, y in zip(a, b)]
            assert got.tolist() == want, (dtype, variant)


def test_plain_mitchell_uint8_metrics():
    # Mitchell is never above the exact product and exact when an operand is a power of two
    # (or 0): the pairs with either operand in {0, 1, 2, 4, ..., 128} are exact.
    m = verify.metrics("uint8")
    exact_pairs = 2 * 9 * 256 - 9 * 9
    assert m["er"] <= 1 - exact_pairs / 65536
    assert m["wcre"] == pytest.approx(1 / 9)  # 3 x 3 -> 8 (semantics.md)
    assert m["nmed"] == m["med"] / 65025


def test_iterative_multiplier_error_falls_with_terms():
    wce = [verify.metrics("uint8", f"ilm{t}")["wce"] for t in range(4)]
    assert wce == sorted(wce, reverse=True) and wce[0] > wce[-1]


def test_metrics_sample_16_bit(monkeypatch):
    monkeypatch.setattr(metrics_module, "SAMPLE_PAIRS", 4096)
    a, b, method = metrics_module.operand_pairs("int16", sample=4096)
    assert a.size == 4096 and "seed 2026" in method
    m = metrics_module.metrics("int16", "lmul", details=True)
    assert m["mismatches"] == 0


def test_metrics_reject_float_only_and_unknown_types():
    with pytest.raises(ValueError, match="int8"):
        verify.metrics("float16")


def test_cli_prints_integer_metrics(capsys):
    from mitchell.__main__ import main
    assert main(["verify", "--dtype", "uint8", "--variant", "ilm1", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "ilm1" in out and "WCRE" in out and "exhaustive, all 65,536 pairs" in out
