"""One experiment: train exactly, evaluate in every mode, retrain in the approximate modes.

For each model and seed (the seed fixes the initialisation and the batch order):

1. train in exact arithmetic and test it (the baseline);
2. post-training: test the same weights in every other product mode;
3. int8 post-training quantisation: calibrate the input scales on the
   training set, test in ``int8-exact`` and ``int8-<mode>`` for each mode;
4. from scratch: train a fresh copy (same seed) with forward and backward
   products in ``mitchell`` and, when ``mitchell.variants`` has them,
   ``lmul`` and ``biasfree``, and test it in that mode.

Every accuracy is the test accuracy after the last epoch (no early stopping).
"""

import contextlib
import datetime
import platform
import time

import numpy as np

import mitchell
from mitchell import nn
from mitchell.experiments import data as datasets
from mitchell.experiments import models as model_zoo
from mitchell.experiments.stats import paired, summarize
from mitchell.experiments.train import accuracy, train

__all__ = ["CONFIGS", "TRAIN_MODES", "conditions", "run_experiment"]

# per data set and model: epochs, Adam learning rate, batch size
CONFIGS = {
    "mnist1d": {"mlp": {"epochs": 60, "lr": 1e-2, "batch_size": 100},
                "cnn": {"epochs": 40, "lr": 1e-2, "batch_size": 100}},
    "digits": {"mlp": {"epochs": 20, "lr": 1e-2, "batch_size": 64},
               "cnn": {"epochs": 15, "lr": 1e-2, "batch_size": 64}},
}
# modes trained from scratch, if available
TRAIN_MODES = ("mitchell", "lmul", "biasfree")


def conditions(available=None):
    """The (condition, kind, mode) rows of an experiment, given the available product modes.

    Examples
    --------
    >>> from mitchell.experiments.runner import conditions
    >>> [c for c, _, _ in conditions(("exact", "mitchell"))]
    ['exact', 'post:mitchell', 'int8:exact', 'int8:mitchell', 'train:mitchell']
    """
    available = tuple(nn.modes() if available is None else available)
    rows = [("exact", "baseline", "exact")]
    rows += [(f"post:{m}", "post", m) for m in available if m != "exact"]
    rows += [(f"int8:{m}", "int8", f"int8-{m}") for m in available]
    rows += [(f"train:{m}", "train", m) for m in TRAIN_MODES if m in available]
    return rows


@contextlib.contextmanager
def single_thread():
    """One thread for mitchell.matmul and (with threadpoolctl) for NumPy's BLAS."""
    old = mitchell.linalg.set_num_threads(1)
    try:
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:
            limits = contextlib.nullcontext()
        else:
            limits = threadpool_limits(1)
        with limits:
            yield
    finally:
        mitchell.linalg.set_num_threads(old)


def machine():
    """CPU, Python, NumPy and mitchell versions, kernel ISA and the date (UTC)."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    from mitchell import _isa  # the one instruction-set switch, whichever backend mul is

    isa = _isa.active()
    return {"cpu": cpu, "python": platform.python_version(), "numpy": np.__version__,
            "mitchell": mitchell.__version__, "matmul_isa": isa,
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}


def run_experiment(name, seeds=3, *, epochs=None, models=None, progress=None, cache="default"):
    """Run experiment ``name`` (``"mnist1d"`` or ``"digits"``) and return its record (a dict).

    Parameters
    ----------
    name : str
    seeds : int
        Seeds 0 .. seeds-1.
    epochs : int, optional
        Override the epochs of every model (quick runs).
    models : list of str, optional
        Subset of ``["mlp", "cnn"]``.
    progress : callable, optional
        ``progress(done, total)`` in epochs of training.
    cache : path, "default" or None
        Where the mnist1d data is cached.

    Returns
    -------
    dict
        ``record["models"][model]["results"][condition]`` holds the
        per-seed ``accuracy`` list, its ``mean`` and ``std`` and, except for
        ``"exact"``, the paired ``diff`` to exact and its standard error
        ``se``; ``["curves"]`` the per-epoch training loss and test accuracy
        of every training; ``["train_seconds"]``/``["train_cpu_seconds"]``
        the training times.

    Examples
    --------
    >>> from mitchell.experiments.runner import run_experiment
    >>> record = run_experiment("digits", seeds=2, epochs=1, models=["mlp"])
    >>> results = record["models"]["mlp"]["results"]
    >>> len(results["train:mitchell"]["accuracy"]), results["exact"]["mean"] > 0.5
    (2, True)
    """
    if name not in CONFIGS:
        raise ValueError(f"unknown experiment {name!r}; expected one of {', '.join(CONFIGS)}")
    if seeds < 1:
        raise ValueError("seeds must be at least 1")
    models = list(CONFIGS[name]) if models is None else list(models)
    for m in models:
        if m not in CONFIGS[name]:
            raise ValueError(f"unknown model {m!r} for {name}; expected one of {', '.join(CONFIGS[name])}")
    data = datasets.load(name, cache=cache)
    rows = conditions()
    trainings = 1 + sum(kind == "train" for _, kind, _ in rows)
    config = {m: dict(CONFIGS[name][m], **({} if epochs is None else {"epochs": epochs})) for m in models}
    total = seeds * trainings * sum(c["epochs"] for c in config.values())
    done = 0
    record = {"experiment": name, "data": data.source, "train_size": len(data.y_train),
              "test_size": len(data.y_test), "seeds": seeds, "modes": list(nn.modes()),
              "config": config, "machine": machine(), "threads": 1, "models": {}}
    started = time.perf_counter()
    with single_thread():
        for m in models:
            cfg = config[m]
            acc = {c: [] for c, _, _ in rows}
            curves = {}
            seconds = {}
            for seed in range(seeds):
                def tick(base):
                    return None if progress is None else (lambda epoch: progress(base + epoch, total))
                net, shape = model_zoo.build(name, m, seed)
                hist = train(net, data, shape, seed=seed, progress=tick(done), **cfg)
                done += cfg["epochs"]
                curves.setdefault("exact", []).append(hist)
                seconds.setdefault("exact", []).append((hist["seconds"], hist["cpu_seconds"]))
                x_test = data.x_test.reshape((-1, *shape))
                nn.calibrate(net, data.x_train.reshape((-1, *shape)))
                for cond, kind, mode in rows:
                    if kind == "baseline":
                        acc[cond].append(hist["test_acc"][-1])
                    elif kind in ("post", "int8"):
                        net.set_mode(mode, "exact")
                        acc[cond].append(accuracy(net, x_test, data.y_test))
                for cond, kind, mode in rows:
                    if kind != "train":
                        continue
                    fresh, _ = model_zoo.build(name, m, seed)
                    hist = train(fresh, data, shape, seed=seed, forward=mode, backward=mode,
                                 progress=tick(done), **cfg)
                    done += cfg["epochs"]
                    acc[cond].append(hist["test_acc"][-1])
                    curves.setdefault(mode, []).append(hist)
                    seconds.setdefault(mode, []).append((hist["seconds"], hist["cpu_seconds"]))
            results = {}
            for cond, kind, mode in rows:
                results[cond] = {"kind": kind, "mode": mode, "accuracy": acc[cond], **summarize(acc[cond])}
                if cond != "exact":
                    results[cond].update(paired(acc[cond], acc["exact"]))
            record["models"][m] = {
                "results": results,
                "curves": {mode: {"train_loss": [h["train_loss"] for h in hs],
                                  "test_acc": [h["test_acc"] for h in hs]} for mode, hs in curves.items()},
                "train_seconds": {mode: summarize([w for w, _ in s]) for mode, s in seconds.items()},
                "train_cpu_seconds": {mode: summarize([c for _, c in s]) for mode, s in seconds.items()},
                "parameters": int(sum(p.data.size for p in net.parameters())),
            }
    record["seconds"] = round(time.perf_counter() - started, 1)
    return record
