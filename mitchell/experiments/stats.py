"""Mean ± standard deviation over seeds, and paired differences with their standard error."""

import math

__all__ = ["summarize", "paired"]


def _mean(v):
    return sum(v) / len(v)


def _std(v):
    """Sample standard deviation (n - 1); 0 for a single value."""
    if len(v) < 2:
        return 0.0
    m = _mean(v)
    return math.sqrt(sum((x - m) ** 2 for x in v) / (len(v) - 1))


def summarize(values):
    """``{"mean", "std", "n"}`` of a list of numbers.

    Examples
    --------
    >>> from mitchell.experiments.stats import summarize
    >>> summarize([0.5, 0.7, 0.9])
    {'mean': 0.7, 'std': 0.2, 'n': 3}
    """
    return {"mean": round(_mean(values), 12), "std": round(_std(values), 12), "n": len(values)}


def paired(values, baseline):
    """Mean of ``values[i] - baseline[i]`` and its standard error ``std / sqrt(n)``.

    The seeds pair the runs (same initialisation and batch order), so the
    per-seed differences remove the variation between seeds.

    Examples
    --------
    >>> from mitchell.experiments.stats import paired
    >>> paired([0.80, 0.82, 0.84], [0.81, 0.84, 0.85])
    {'diff': -0.013333333333, 'se': 0.003333333333}
    """
    if len(values) != len(baseline):
        raise ValueError("paired differences need as many values as baseline values")
    d = [a - b for a, b in zip(values, baseline)]
    return {"diff": round(_mean(d), 12), "se": round(_std(d) / math.sqrt(len(d)), 12)}
