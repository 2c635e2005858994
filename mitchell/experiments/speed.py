"""Speed of a Mitchell ``Linear`` forward next to the exact product, on one thread.

A batch of 256 inputs through a 1024 -> 1024 float32 layer: 256 * 1024 * 1024
multiply-accumulates (MAC) per call.  Each figure is the least CPU time
(``time.process_time``) of ``repeats`` calls after one warm-up call, with
mitchell's GEMM and NumPy's BLAS limited to one thread: on one thread that
is the wall time of an undisturbed call, and other processes sharing the
cores do not inflate it as they inflate wall-clock times.
"""

import time

import numpy as np

import mitchell
from mitchell import nn
from mitchell.experiments.runner import machine, single_thread

__all__ = ["measure", "measure_training", "table", "training_table"]


def _best(fn, repeats):
    fn()
    best = float("inf")
    for _ in range(repeats):
        t = time.process_time()
        fn()
        best = min(best, time.process_time() - t)
    return max(best, 1e-9)


def measure(batch=256, features=1024, repeats=50):
    """Time the forward passes; return a record with seconds and GMAC/s per row.

    Rows: ``Linear`` layers in ``exact`` (np.matmul), ``mitchell`` and
    ``int8-mitchell`` mode (quantisation of the input included), and the bare
    products ``np.matmul`` float32, ``mitchell.matmul`` float32 (with the
    layer's transposed weight view as B, and with a contiguous copy) and int8.

    Examples
    --------
    >>> from mitchell.experiments import speed
    >>> record = speed.measure(batch=4, features=32, repeats=2)
    >>> record["macs"], sorted(record["rows"])[0]
    (4096, 'mitchell.matmul float32, B = W.T (a view)')
    """
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, features)).astype(np.float32)
    macs = batch * features * features
    layers = {mode: nn.Linear(features, features, mode=mode, rng=1) for mode in ("exact", "mitchell")}
    q = nn.Linear(features, features, mode="int8-mitchell", rng=1)
    q.input_scale = np.float32(np.abs(x).max() / 127)
    w = layers["exact"].weight.data
    xi = rng.integers(-127, 128, (batch, features), dtype=np.int8)
    wi = rng.integers(-127, 128, (features, features), dtype=np.int8)
    wt = np.ascontiguousarray(w.T)
    rows = {
        "np.matmul float32 (exact)": lambda: np.matmul(x, w.T),
        "mitchell.matmul float32, B = W.T (a view)": lambda: mitchell.matmul(x, w.T),
        "mitchell.matmul float32, B contiguous": lambda: mitchell.matmul(x, wt),
        "mitchell.matmul int8 -> int32": lambda: mitchell.matmul(xi, wi.T),
        "nn.Linear exact": lambda: layers["exact"].forward(x),
        "nn.Linear mitchell": lambda: layers["mitchell"].forward(x),
        "nn.Linear int8-mitchell": lambda: q.forward(x),
    }
    out = {"batch": batch, "in_features": features, "out_features": features, "macs": macs,
           "repeats": repeats, "threads": 1, "machine": machine(), "rows": {}}
    with single_thread():
        for name, fn in rows.items():
            s = _best(fn, repeats)
            out["rows"][name] = {"seconds": s, "gmacs": macs / s / 1e9}
    base = out["rows"]["np.matmul float32 (exact)"]["seconds"]
    for r in out["rows"].values():
        r["ratio_to_np_matmul"] = base / r["seconds"]
    return out


def measure_training(dataset="mnist1d", modes=("exact", "mitchell"), epochs=2, repeats=3, cache="default"):
    """CPU seconds per training epoch of each model of ``dataset`` in each mode, one thread.

    The modes are timed alternately, ``repeats`` rounds of ``epochs`` epochs
    each, and the least time per epoch is kept: other processes on the
    machine then slow all modes alike instead of whichever ran when they
    were busy.  CPU time of this process (``time.process_time``), not wall
    time.
    """
    from mitchell.experiments import data as datasets
    from mitchell.experiments import models as model_zoo
    from mitchell.experiments.runner import CONFIGS
    from mitchell.experiments.train import train

    data = datasets.load(dataset, cache=cache)
    out = {"dataset": dataset, "epochs": epochs, "repeats": repeats, "threads": 1, "machine": machine(),
           "models": {}}
    with single_thread():
        for model in CONFIGS[dataset]:
            cfg = dict(CONFIGS[dataset][model], epochs=epochs)
            best = {mode: float("inf") for mode in modes}
            for _ in range(repeats):
                for mode in modes:
                    net, shape = model_zoo.build(dataset, model, 0)
                    hist = train(net, data, shape, seed=0, forward=mode, backward=mode, **cfg)
                    best[mode] = min(best[mode], hist["cpu_seconds"] / epochs)
            out["models"][model] = {mode: {"cpu_seconds_per_epoch": t, "ratio_to_exact": t / best[modes[0]]}
                                    for mode, t in best.items()}
    return out


def training_table(record):
    """The training-time record as a Markdown table."""
    lines = [f"{record['dataset']} training, CPU seconds per epoch (one thread, best of {record['repeats']} "
             f"alternating rounds of {record['epochs']} epochs)", "",
             "| model | mode | s per epoch | ratio to exact |", "|---|---|---|---|"]
    for model, rows in record["models"].items():
        for mode, r in rows.items():
            lines.append(f"| {model} | {mode} | {r['cpu_seconds_per_epoch']:.3f} | {r['ratio_to_exact']:.2f} |")
    return "\n".join(lines)


def table(record):
    """The record as a Markdown table."""
    lines = [f"Linear forward, batch {record['batch']}, {record['in_features']} -> {record['out_features']}, "
             f"one thread, least CPU time of {record['repeats']} calls", "",
             "| computation | ms | GMAC/s | speed relative to np.matmul |", "|---|---|---|---|"]
    for name, r in record["rows"].items():
        lines.append(f"| {name} | {1e3 * r['seconds']:.2f} | {r['gmacs']:.1f} | {r['ratio_to_np_matmul']:.2f} |")
    lines += ["", f"{record['machine']['cpu']}, {record['machine']['matmul_isa']}, {record['machine']['date']}"]
    return "\n".join(lines)
