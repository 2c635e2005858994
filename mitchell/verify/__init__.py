"""Certify the error of every variant from the shipped kernels: ``python -m mitchell verify``.

For every variant, operation and float format the verifier runs the shipped
ufuncs (the C loops, and ``mitchell.numba``'s on request) and reports the largest and smallest signed
relative error, the mean |error| and the bias (mean signed error) over the
input pairs whose exact and approximate results are both in the normal range,
and the inputs attaining the extremes.  For plain Mitchell it also checks the
ceilings: ``mul`` is never above the exact product and at most 1/9 below it,
``div`` is never below the exact quotient and at most 1/8 above it.

* 16-bit formats (float16, and bfloat16 with ``ml_dtypes``): all 2^32 input
  pairs go through the kernel, on all cores, and every result bit pattern and
  the raised flags are checked against the verifier's own implementation of
  docs/semantics.md (``rules``, with the variant's ``corrections``).
* float32: a complete certificate by the reduction of docs/error-analysis.md:
  the error depends only on the fraction fields and is monotone along one of
  them on every piece where the carry and the variant's correction are
  constant, so every value of the other fraction is run at the ends of those
  pieces; fixed fractions are run over all exponent pairs.
* float64: the same reduction on 2^23 values of the swept fraction.
* Integers: ``metrics(dtype, variant)``, EvoApproxLib's ER, MED, NMED, MRED,
  WCE and WCRE, every 8-bit pair or a sample of 16-bit ones.

The modules, one job each: ``formats`` (what is covered, from
mitchell/_spec.py), ``rules`` and ``corrections`` (the semantics, written
again), ``sweep`` (16-bit), ``certificate`` (float32/64), ``records`` (one
check), ``plan`` (many), ``integers`` and ``errormetrics`` (integer products),
``report`` (table, plots), ``cli`` (the command line), ``malloc``.

Examples
--------
>>> from mitchell import verify
>>> record = verify.verify_op("mul", "float32", fraction_limit=1024, mean_grid=64, exponent_stride=16)
>>> record["max_error_exact"], record["pass"]
('1/9', True)
>>> verify.metrics("uint8", "ilm3")["wce"] < verify.metrics("uint8", "ilm0")["wce"]
True
"""

from mitchell.verify.cli import add_arguments, run
from mitchell.verify.errormetrics import metrics
from mitchell.verify.plan import default_plan, verify
from mitchell.verify.records import verify_op

__all__ = ["verify_op", "verify", "default_plan", "metrics", "add_arguments", "run"]
