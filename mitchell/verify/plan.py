"""Which checks a run makes, and running them: ``default_plan`` and ``verify``.

Without ``--variant`` the run certifies plain Mitchell: the C ufuncs on
float16 (2^32 pairs per op) and the float32 certificate.  The numba ufuncs
run on request (``--backend numba``: their 16-bit sweeps and float32
certificates; compiling them alone takes about 25 s), and so do bfloat16
(another 2^32 pairs per op) and float64 (``--dtype``), which keeps the
default run within a minute on two shared cores.

With ``--variant NAME`` (or ``all``) every named variant is run on every
operation it has, on float16 and bfloat16 (exhaustive) and float32 (the
certificate), through the C ufuncs; ``--backend numba`` (or both) on request.
"""

import concurrent.futures
import multiprocessing
import os

from mitchell.verify import formats
from mitchell.verify.malloc import keep_freed_memory
from mitchell.verify.records import verify_op
from mitchell.verify.report import Progress

# formats verified when none is named: float16 stands for the 16-bit sweeps
DEFAULT_DTYPES = ("float16", "float32")
# with --variant: both 16-bit formats exhaustively and the float32 certificate
VARIANT_DTYPES = ("float16", "bfloat16", "float32")


def default_plan(dtypes=None, ops=None, backends=None, variants=None):
    """The (variant, backend, dtype, op) quadruples to verify.

    ``variants`` None means plain Mitchell with the default choices above.
    """
    quads = []
    plain = not variants
    for variant in variants or ["mitchell"]:
        for backend in backends or ["c"]:
            variant_ops = [op for op in (ops or formats.OPS) if op in formats.float_ops(variant)]
            if not variant_ops:
                continue
            if dtypes:
                names = [d for d in dtypes if d in formats.VERIFIED]
            else:
                wanted = DEFAULT_DTYPES if plain else VARIANT_DTYPES
                names = [d for d in formats.available_dtypes(backend, variant, variant_ops) if d in wanted]
            for dtype in names:
                for op in variant_ops:
                    quads.append((variant, backend, dtype, op))
    return quads


def _verify_quietly(variant, backend, dtype, op):
    keep_freed_memory()
    return verify_op(op, dtype, variant=variant, backend=backend, workers=1)


def verify(dtypes=None, ops=None, backends=None, workers=None, progress=False, variants=None):
    """Verify every quadruple of ``default_plan``; return the records in that order.

    16-bit formats run one after the other, each on ``workers`` processes;
    the certificates (one process each) run side by side on ``workers`` processes.
    """
    quads = default_plan(dtypes, ops, backends, variants)
    workers = workers or os.cpu_count() or 1
    records = {}
    wide = [q for q in quads if formats.binary_format(q[2]).width > 16]
    if workers > 1 and len(wide) > 1:
        bar = Progress(f"{len(wide)} certificates", enabled=progress)
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        with concurrent.futures.ProcessPoolExecutor(min(workers, len(wide)), mp_context=context) as pool:
            futures = {pool.submit(_verify_quietly, *q): q for q in wide}
            for i, future in enumerate(concurrent.futures.as_completed(futures)):
                records[futures[future]] = future.result()
                bar.update(i + 1, len(wide))
        bar.close()
    for variant, backend, dtype, op in quads:
        if (variant, backend, dtype, op) not in records:
            records[variant, backend, dtype, op] = verify_op(op, dtype, variant=variant, backend=backend,
                                                             workers=workers, progress=progress)
    return [records[q] for q in quads]
