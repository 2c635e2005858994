"""Output of ``python -m mitchell verify``: progress bar, table, plots."""

import os

import numpy as np

from mitchell._progress import Progress  # noqa: F401  (the verifier's bar)

# fraction-grid resolution of the plots (per axis, at most 2^p)
PLOT_GRID = 512


def _pct(x, digits=6, sign=""):
    return "-" if x is None else f"{100 * x:{sign}.{digits}f}%"


def _pair(pair):
    if not pair:
        return "-"
    return f"{pair['a']:.6g} {'x'} {pair['b']:.6g}"


def print_table(records, elapsed, out):
    """The readable table: one row per (backend, dtype, op), then notes."""
    header = (f"{'variant':<9}{'dtype':<9}{'op':<5}{'backend':<9}{'method':<24}{'pairs run':>15}  "
              f"{'max |error|':>18}  {'at':>20}  {'lowest':>11}{'highest':>11}{'mean |e|':>11}{'bias':>11}  "
              f"{'ceiling':<8}{'seconds':>8}  {'result'}")
    out.write(header + "\n" + "-" * len(header) + "\n")
    for r in records:
        maximum = f"{r['max_error']:.10f}" if r["max_error"] is not None else "-"
        exact = f" ={r['max_error_exact']}" if r.get("max_error_exact") in ("1/9", "1/8") else ""
        at = _pair(r["argmax"]).replace(" x ", "*" if r["op"] == "mul" else "/")
        verdict = "PASS" if r["pass"] else "FAIL"
        method = r["method"].replace("certificate ", "cert. ")
        out.write(f"{r['variant']:<9}{r['dtype']:<9}{r['op']:<5}{r['backend']:<9}{method:<24}"
                  f"{r['pairs_run']:>15,}  {maximum + exact:>18}  {at:>20}  {_pct(r['min_signed'], 4, '+'):>11}"
                  f"{_pct(r['max_signed'], 4, '+'):>11}{_pct(r['mean_error'], 4):>11}{_pct(r['bias'], 4, '+'):>11}  "
                  f"{r['ceiling'] or '-':<8}{r['seconds']:>8.1f}  {verdict}\n")
    out.write("\n")
    for r in records:
        out.write(_notes(r))
    ok = all(r["pass"] for r in records)
    out.write(f"{'all ceilings and rules hold' if ok else 'VIOLATIONS FOUND'} "
              f"({len(records)} checks, {elapsed:.1f} s)\n")


def print_metrics(rows, out):
    """EvoApproxLib's integer metrics, one row per (variant, dtype, backend)."""
    header = (f"{'variant':<9}{'dtype':<7}{'backend':<9}{'pairs':>12}  {'ER':>9}  {'MED':>14}  {'NMED':>10}"
              f"  {'MRED':>10}  {'WCE':>12}  {'WCRE':>9}  {'wrong':>6}  {'seconds':>7}")
    out.write("\nInteger products (ratios as fractions; mred counts exact products 0 as error 0; "
              "nmed divides by the largest exact product):\n")
    out.write(header + "\n" + "-" * len(header) + "\n")
    for m in rows:
        out.write(f"{m['variant']:<9}{m['dtype']:<7}{m['backend']:<9}{m['pairs']:>12,}  {m['er']:>9.6f}  "
                  f"{m['med']:>14.4f}  {m['nmed']:>10.3e}  {m['mred']:>10.6f}  {m['wce']:>12}  {m['wcre']:>9.6f}  "
                  f"{m['mismatches']:>6}  {m['seconds']:>7.2f}\n")
    methods = sorted({m["method"] for m in rows})
    for method in methods:
        out.write(f"pairs: {method}\n")
    bad = sum(m["mismatches"] for m in rows)
    out.write(f"{'every integer product as docs/semantics.md defines it' if not bad else 'WRONG INTEGER PRODUCTS'}"
              f" ({bad} wrong)\n")


def _notes(r):
    name = f"{r['variant']} {r['dtype']} {r['op']} ({r['backend']})"
    lines = []
    if r["mean_error"] is not None and r["variant"] != "mitchell":
        lines.append(f"signed error from {r['min_signed_exact']} to {r['max_signed_exact']}; "
                     f"mean |error| {100 * r['mean_error']:.4f}%, bias {100 * r['bias']:+.4f}%")
    elif r["mean_error"] is not None:
        lines.append(f"mean |error| {100 * r['mean_error']:.4f}%; Mitchell (1962): about "
                     f"{100 * r['mitchell_mean']:.2f}%, the integral over (f1, f2): "
                     f"{100 * r['mean_integral']:.4f}%")
    counted = ("pairs with exact and Mitchell results normal" if "flag_mismatches" in r
               else "points where the extremes can lie")
    if r["ceiling"] is not None:
        lines.append(f"{r['count']:,} {counted}; {r['side']}, "
                     f"at most {r['ceiling']} away: {r['ceiling_violations']} violations; "
                     f"maximum {r['max_error_exact']} {'(attained)' if r['attained'] else '(ceiling not attained)'}")
    else:
        lines.append(f"{r['count']:,} {counted}")
    if "flag_mismatches" in r:
        lines.append(f"every result bit pattern and the raised flags against docs/semantics.md: "
                     f"{r['rule_mismatches']} wrong results, {r['flag_mismatches']} calls with wrong flags")
        if r["below_normal_pairs"]:
            worst = r["below_normal_worst"]
            lines.append(f"{r['below_normal_pairs']:,} pairs with a normal exact result but Mitchell's "
                         f"rounded below the normal range (outside the bound): worst error "
                         f"{worst['error']:+.8f} at {_pair(worst)}")
    else:
        lines.append(f"{r['fractions_swept']:,} values of the swept fraction; results against the "
                     f"formula: {r['rule_mismatches']} wrong; {r['exponent_pairs_checked']:,} exponent pairs at "
                     f"fixed fractions: {r['exponent_mismatches']} not exponent-independent; mean over a "
                     f"{r['mean_over']}")
    for key in ("ceiling_examples", "rule_examples", "flag_examples", "exponent_examples"):
        for example in (r.get(key) or [])[:3]:
            lines.append(f"  {key[:-9]} problem: {example}")
    return name + ":\n" + "".join(f"  {line}\n" for line in lines)


def require_matplotlib():
    """Import matplotlib with the Agg backend, or exit with the extra to install."""
    try:
        import matplotlib
    except ImportError:
        raise SystemExit("--plot needs matplotlib: pip install 'mitchell[plot]'") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def error_grid(op, dtype, kernel, grid=PLOT_GRID):
    """Signed relative errors of ``kernel`` on a grid of fractions (f1 rows, f2 columns),
    operands in [1, 2); returns (fractions, errors)."""
    from mitchell.verify import certificate
    from mitchell.verify import formats
    fmt = formats.binary_format(dtype)
    n = min(grid, 1 << fmt.frac_bits)
    step = (1 << fmt.frac_bits) // n
    fields = np.arange(n, dtype=np.uint64) * np.uint64(step)
    zero = np.zeros(n, dtype=np.int64)
    a = certificate._from_fields(fmt, zero, fields)
    with np.errstate(all="ignore"):
        approx = np.asarray(kernel(a[:, None], a[None, :]))
    a64 = a.astype(np.float64)
    rel = certificate.relative_errors(op, np.broadcast_to(a64[:, None], approx.shape),
                                      np.broadcast_to(a64[None, :], approx.shape), approx.astype(np.float64))
    return fields.astype(np.float64) / (1 << fmt.frac_bits), rel


def write_plots(records, directory):
    """A heatmap and a histogram per record (from its backend's ufunc); returns the paths."""
    from mitchell.verify import formats
    plt = require_matplotlib()
    os.makedirs(directory, exist_ok=True)
    paths = []
    for r in records:
        if r["backend"] == "injected":
            continue
        kernel = formats.kernel(r["backend"], r["op"], r["variant"])
        fractions, rel = error_grid(r["op"], r["dtype"], kernel)
        stem = os.path.join(directory, f"{r['variant']}_{r['dtype']}_{r['op']}_{r['backend']}")
        title = f"{r['variant']} {r['op']} on {r['dtype']} ({r['backend']}): relative error"

        fig, ax = plt.subplots(figsize=(6, 5))
        image = ax.imshow(rel, origin="lower", extent=(0, 1, 0, 1), cmap="viridis", aspect="equal")
        ax.set_xlabel("f2 (fraction of the second operand)")
        ax.set_ylabel("f1 (fraction of the first operand)")
        ax.set_title(title, fontsize=10)
        fig.colorbar(image, ax=ax, label="(mitchell - exact) / exact")
        fig.tight_layout()
        fig.savefig(stem + "_heatmap.png", dpi=100)
        plt.close(fig)

        fig, ax = plt.subplots(figsize=(6, 4))
        ax.hist(rel.ravel(), bins=200, color="tab:blue")
        ax.axvline(r["bias"], color="k", linestyle="--", label="signed mean (the bias) of the record")
        ax.set_xlabel("(mitchell - exact) / exact")
        ax.set_ylabel(f"pairs on a {len(fractions)}^2 grid of (f1, f2)")
        ax.set_title(title, fontsize=10)
        ax.legend()
        fig.tight_layout()
        fig.savefig(stem + "_histogram.png", dpi=100)
        plt.close(fig)
        paths += [stem + "_heatmap.png", stem + "_histogram.png"]
    return paths
