"""Command line: ``python -m mitchell [demo|verify|bench|experiment] ...``.

Each subcommand lives in its own module and is imported only when chosen.
"""

import argparse
import importlib
import sys

# subcommand -> (module implementing add_arguments(parser) and run(args), help)
SUBCOMMANDS = {
    "demo": ("mitchell._demo", "a few Mitchell products next to the exact ones"),
    "verify": ("mitchell.verify", "certify the error of every variant from the shipped kernels "
                                  "(plain Mitchell: the 1/9 and 1/8 ceilings)"),
    "bench": ("mitchell._bench", "speed against NumPy and OpenBLAS: elementwise ufuncs (dense and 20%%-zeros data), variants, matmul at 1 and 2 threads"),
    "experiment": ("mitchell.experiments", "train and evaluate networks in Mitchell arithmetic"),
}


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m mitchell",
        description="Mitchell's multiplication-free approximate arithmetic.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    modules = {}
    for name, (module_name, help_text) in SUBCOMMANDS.items():
        module = importlib.import_module(module_name)
        modules[name] = module
        module.add_arguments(sub.add_parser(name, help=help_text, description=help_text))
    args = parser.parse_args(argv)
    command = args.command or "demo"
    if args.command is None:
        args = parser.parse_args([command])
    return modules[command].run(args)


if __name__ == "__main__":
    sys.exit(main())
