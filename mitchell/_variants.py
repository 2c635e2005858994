"""``mitchell.variants``: every approximate multiplier of the family, by name.

Each entry joins a variant of the spec (mitchell/_spec.py: its definition and
citation) to the active backend's ufuncs and to the error figures the
verifier certified for it (mitchell/_certified.json, written by
``python -m mitchell verify --variant all --json``).
"""

import json
from collections.abc import Mapping
from importlib import resources

from mitchell._spec import VARIANTS


class Variant:
    """One approximate multiplier (and divider): read-only.

    Attributes
    ----------
    name, title : str
        The key in ``mitchell.variants`` and a readable name.
    kind : {"additive", "region", "iterative"}
        How the variant corrects Mitchell's logarithm sum (docs/semantics.md).
    definition, citation : str
        What it computes, and where it comes from.
    mul : numpy.ufunc
        The approximate product.
    div : numpy.ufunc or None
        The approximate quotient, for variants that have one.
    certified : dict
        ``{op: {dtype: {"max", "min", "mean", "mean_abs"}}}``: the signed relative errors
        the verifier measured from the shipped kernels (docs/variants.md).
    """

    __slots__ = ("_spec", "_load", "certified")

    def __init__(self, spec, load, certified):
        object.__setattr__(self, "_spec", spec)
        object.__setattr__(self, "_load", load)
        object.__setattr__(self, "certified", certified)

    @property
    def mul(self):
        return self._load(self._spec.name, "mul")

    @property
    def div(self):
        return self._load(self._spec.name, "div")

    def __getattr__(self, attr):
        if attr in ("name", "title", "kind", "definition", "citation"):
            return getattr(self._spec, attr)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {attr!r}")

    def __setattr__(self, attr, value):
        raise AttributeError("mitchell variants are read-only")

    def __repr__(self):
        return f"<mitchell variant {self.name!r}: {self.title}>"


class VariantMap(Mapping):
    """A read-only mapping of variant names to :class:`Variant` objects."""

    def __init__(self, variants):
        self._variants = dict(variants)

    def __getitem__(self, name):
        try:
            return self._variants[name]
        except KeyError:
            raise KeyError(f"unknown variant {name!r}; known: {', '.join(self._variants)}") from None

    def __iter__(self):
        return iter(self._variants)

    def __len__(self):
        return len(self._variants)

    def __repr__(self):
        return f"mitchell.variants({', '.join(self._variants)})"


def _certified():
    try:
        text = resources.files("mitchell").joinpath("_certified.json").read_text()
    except FileNotFoundError:
        return {}
    return json.loads(text)


def build(load):
    """The mapping for a backend whose ``load(name, op)`` gives a variant's ufunc
    (or None); the numba backend compiles it then, on first use."""
    certified = _certified()
    return VariantMap(
        (name, Variant(spec, load, certified.get(name, {})))
        for name, spec in VARIANTS.items()
    )
