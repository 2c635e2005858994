"""The matrix products behind mitchell.torch, on ndarrays, selected by a mode name.

Forward products are ``mitchell.matmul`` (``np.matmul`` for ``"exact"``) and
``mitchell.conv2d`` (``mitchell.nn.functional.conv2d``, the same im2col and
summation order, for ``"exact"`` and the other variants);
backward products are ``mitchell.nn.functional``'s gradients in the backward
mode.
"""

from dataclasses import dataclass

import numpy as np

import mitchell
from mitchell.nn import functional, modes


def check_mode(name, what="variant"):
    """``name`` if it is in ``mitchell.nn.modes()`` (``"exact"``, ``"mitchell"``, variants)."""
    valid = modes()
    if isinstance(name, str) and name in valid:
        return name
    hint = (" (int8 modes need scales calibrated on data: they are mitchell.nn's layers' modes)"
            if isinstance(name, str) and name.startswith("int8-") else "")
    raise ValueError(f"unknown {what} {name!r}; expected one of "
                     f"{', '.join(map(repr, valid))}{hint}")


@dataclass(frozen=True)
class Spec:
    """How one call computes: the forward variant, the backward mode and a product counter."""

    variant: str = "mitchell"
    backward: str = "mitchell"
    counter: object = None  # a collections.Counter with "forward"/"backward" keys, or None

    @classmethod
    def make(cls, variant, backward, counter=None):
        variant = check_mode(variant)
        backward = variant if backward is None else check_mode(backward, "backward mode")
        return cls(variant, backward, counter)

    def count(self, kind, n=1):
        if self.counter is not None:
            self.counter[kind] += n


def _variant_kwargs(variant):
    return {} if variant == "mitchell" else {"variant": variant}


def _dtype_errors_as_runtime_errors(function):
    """mitchell's TypeError for a dtype it cannot multiply, as a RuntimeError (torch's
    convention; a TypeError raised inside ``a @ b`` would turn into NotImplemented)."""
    def wrapped(*args):
        try:
            return function(*args)
        except TypeError as error:
            raise RuntimeError(f"mitchell.torch: {error}") from error
    wrapped.__name__, wrapped.__doc__ = function.__name__, function.__doc__
    return wrapped


@_dtype_errors_as_runtime_errors
def matmul(a, b, spec):
    """Forward matrix product ``a @ b`` (np.matmul shapes)."""
    spec.count("forward")
    if spec.variant == "exact":
        return np.matmul(a, b)
    return mitchell.matmul(a, b, **_variant_kwargs(spec.variant))


@_dtype_errors_as_runtime_errors
def conv2d(x, w, stride, padding, dilation, groups, spec):
    """Forward 2-D convolution, NCHW, integer-pair padding, no bias."""
    spec.count("forward")
    if spec.variant == "mitchell":
        return mitchell.conv2d(x, w, None, stride, padding, dilation, groups)
    # exact and the other variants: the same im2col and product order as mitchell.conv2d
    return functional.conv2d(x, w, None, stride, padding, dilation, groups, mode=spec.variant)
