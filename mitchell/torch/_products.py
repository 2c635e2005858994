"""The matrix products behind mitchell.torch, on ndarrays, selected by a mode name.

Forward products are ``mitchell.matmul`` and ``mitchell.conv2d`` (``np.matmul``
and the exact convolution of ``mitchell.nn.functional`` for ``"exact"``);
backward products are ``mitchell.nn.functional``'s gradients in the backward
mode.
"""

from dataclasses import dataclass

import numpy as np

import mitchell


def check_mode(name, what="variant"):
    """``name`` if it is ``"exact"``, ``"mitchell"`` or a name in ``mitchell.variants``."""
    if not isinstance(name, str):
        raise TypeError(f"{what} must be a string such as 'mitchell' or 'exact', got {name!r}")
    variants = getattr(mitchell, "variants", None) or {}
    if name in ("exact", "mitchell") or name in variants:
        return name
    known = ", ".join(repr(v) for v in ["exact", "mitchell", *sorted(set(variants) - {"mitchell"})])
    if name.startswith("int8-"):
        raise ValueError(f"{what} {name!r}: int8 modes need scales calibrated on data and are "
                         f"available in mitchell.nn, not in mitchell.torch (expected one of {known})")
    raise ValueError(f"unknown {what} {name!r}; expected one of {known}")


def functional():
    """``mitchell.nn.functional``: the gradients of products in a selectable mode."""
    try:
        from mitchell.nn import functional
    except ImportError:  # interim, until mitchell.nn.functional lands
        from mitchell.torch import _interim_functional as functional
    return functional


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


def matmul(a, b, spec):
    """Forward matrix product ``a @ b`` (np.matmul shapes)."""
    spec.count("forward")
    if spec.variant == "exact":
        return np.matmul(a, b)
    return mitchell.matmul(a, b, **_variant_kwargs(spec.variant))


def conv2d(x, w, stride, padding, dilation, groups, spec):
    """Forward 2-D convolution, NCHW, integer-pair padding, no bias."""
    spec.count("forward")
    if spec.variant == "exact":
        return functional().conv2d(x, w, None, stride, padding, dilation, groups, mode="exact")
    return mitchell.conv2d(x, w, None, stride, padding, dilation, groups,
                           **_variant_kwargs(spec.variant))
