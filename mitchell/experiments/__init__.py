"""Experiments: ``python -m mitchell experiment NAME [--seeds N] [--json PATH] [--plot DIR]``.

* ``mnist1d`` (the headline; Greydanus 2020's MNIST-1D generated offline)
  and ``digits`` (scikit-learn's 8 x 8 digits, a quick smoke test): an MLP
  and a small CNN per data set, trained exactly, evaluated post-training in
  every product mode and in int8, and retrained from scratch in the
  approximate modes; mean ± std over seeds and paired differences to exact
  (see ``mitchell.experiments.runner``).
* ``speed``: a Mitchell ``Linear`` forward next to the exact product, and
  the CPU time per epoch of training the mnist1d models in Mitchell mode
  next to exact training, one thread (``mitchell.experiments.speed``).

Needs the optional extra: ``pip install 'mitchell[experiments]'``.  See
docs/experiments.md.
"""

import json
import sys

__all__ = ["add_arguments", "run", "NAMES"]

NAMES = ("mnist1d", "digits", "speed")


def add_arguments(parser):
    parser.add_argument("name", choices=NAMES, help="the experiment")
    parser.add_argument("--seeds", type=int, default=3, help="seeds 0..N-1 (default 3)")
    parser.add_argument("--json", metavar="PATH", help="write the full record (accuracies, curves, timings) as JSON")
    parser.add_argument("--plot", metavar="DIR", help="write training-curve PNGs into DIR (needs matplotlib)")
    parser.add_argument("--epochs", type=int, default=None, help="override the epochs of every model (quick runs)")
    parser.add_argument("--model", action="append", choices=["mlp", "cnn"],
                        help="train only this model (repeatable; default both)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args):
    try:
        return _run(args)
    except ImportError as error:
        if "mitchell[experiments]" not in str(error):
            raise
        print(f"python -m mitchell experiment: {error}", file=sys.stderr)
        return 2


def _run(args):
    from mitchell._progress import Progress

    if args.name == "speed":
        from mitchell.experiments import speed

        record = speed.measure()
        print(speed.table(record))
        record["training"] = speed.measure_training(epochs=args.epochs or 2)
        print()
        print(speed.training_table(record["training"]))
    else:
        from mitchell.experiments import report, runner
        from mitchell.experiments.data import require

        if args.plot:          # fail before the long run, not after
            require("matplotlib")
        bar = Progress(f"{args.name}", enabled=not args.quiet)
        try:
            record = runner.run_experiment(args.name, args.seeds, epochs=args.epochs, models=args.model,
                                           progress=bar.update)
        finally:
            bar.close()
        print(report.table(record))
        if args.plot:
            for path in report.write_plots(record, args.plot):
                print(f"wrote {path}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(record, f, indent=1)
        print(f"wrote {args.json}")
    sys.stdout.flush()
    return 0
