"""Tables and training-curve plots of an experiment record."""

import os

__all__ = ["table", "write_plots"]

LABELS = {"baseline": "trained exactly", "post": "post-training", "int8": "int8 post-training",
          "train": "trained from scratch"}


def _pct(x):
    return f"{100 * x:5.1f}"


def table(record):
    """The results as a Markdown table (accuracy in %, mean ± std; Δ = paired difference ± s.e.)."""
    lines = [f"{record['experiment']}: {record['seeds']} seed(s), test accuracy after the last epoch "
             f"(train {record['train_size']}, test {record['test_size']})", "",
             "| model | condition | mode | accuracy % (mean ± std) | Δ vs exact (points ± s.e.) |",
             "|---|---|---|---|---|"]
    for model, m in record["models"].items():
        for cond, r in m["results"].items():
            delta = "" if cond == "exact" else f"{100 * r['diff']:+.2f} ± {100 * r['se']:.2f}"
            lines.append(f"| {model} | {LABELS[r['kind']]} | {r['mode']} | "
                         f"{_pct(r['mean'])} ± {100 * r['std']:.1f} | {delta} |")
    lines += ["", "| model | training mode | wall s per training (mean ± std) | CPU s per training | "
                  "CPU time ratio to exact |", "|---|---|---|---|---|"]
    for model, m in record["models"].items():
        base = m["train_cpu_seconds"]["exact"]["mean"]
        for mode, s in m["train_seconds"].items():
            c = m["train_cpu_seconds"][mode]
            lines.append(f"| {model} | {mode} | {s['mean']:.2f} ± {s['std']:.2f} | {c['mean']:.2f} ± {c['std']:.2f} | "
                         f"{c['mean'] / base:.2f} |")
    lines += ["", f"total {record['seconds']:.1f} s on {record['machine']['cpu']}, {record['threads']} thread"]
    return "\n".join(lines)


def write_plots(record, directory):
    """One PNG per model: test accuracy and training loss per epoch, mean over seeds and their range."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError("plots need matplotlib: pip install 'mitchell[experiments]'") from error
    import numpy as np

    os.makedirs(directory, exist_ok=True)
    paths = []
    for model, m in record["models"].items():
        fig, (ax_acc, ax_loss) = plt.subplots(1, 2, figsize=(9, 3.4))
        for mode, c in m["curves"].items():
            for ax, key, scale in ((ax_acc, "test_acc", 100), (ax_loss, "train_loss", 1)):
                v = scale * np.asarray(c[key], dtype=float)
                epochs = np.arange(1, v.shape[1] + 1)
                ax.plot(epochs, v.mean(0), label=mode, lw=1.3)
                ax.fill_between(epochs, v.min(0), v.max(0), alpha=0.2)
        ax_acc.set(xlabel="epoch", ylabel="test accuracy (%)")
        ax_loss.set(xlabel="epoch", ylabel="training loss", yscale="log")
        ax_acc.legend(title="trained in", fontsize=8)
        seeds = record["seeds"]
        fig.suptitle(f"{record['experiment']} {model}: mean over {seeds} seed{'s' * (seeds > 1)} "
                     "(bands: their range)",
                     fontsize=10)
        fig.tight_layout()
        path = os.path.join(directory, f"{record['experiment']}-{model}.png")
        fig.savefig(path, dpi=80)
        plt.close(fig)
        paths.append(path)
    return paths
