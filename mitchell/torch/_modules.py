"""MitchellLinear, MitchellConv1d, MitchellConv2d and ``convert``."""

import copy

import torch.nn.functional as F
from torch import nn

from mitchell.torch import _functional
from mitchell.torch._products import Spec


class _MitchellModule:
    """Mixin: the variant and backward mode of a module, and how it is built from a torch one."""

    def _set_spec(self, variant, backward):
        self.spec = Spec.make(variant, backward)

    @property
    def variant(self):
        return self.spec.variant

    @property
    def backward_mode(self):
        return self.spec.backward

    def extra_repr(self):
        spec = self.spec
        return f"{super().extra_repr()}, variant={spec.variant!r}, backward={spec.backward!r}"

    @classmethod
    def from_module(cls, module, variant="mitchell", backward=None):
        """A Mitchell module holding the very Parameter objects of ``module`` (no copy)."""
        new = cls.__new__(cls)
        for key, value in module.__dict__.items():  # own registries (parameters, hooks, ...)
            new.__dict__[key] = copy.copy(value) if isinstance(value, (dict, set)) else value
        new._set_spec(variant, backward)
        return new


class MitchellLinear(_MitchellModule, nn.Linear):
    """``torch.nn.Linear`` whose products are Mitchell products, forward and backward.

    Same constructor, parameters and ``state_dict`` keys as ``nn.Linear``,
    plus the keyword-only ``variant`` and ``backward`` of
    ``mitchell.torch.approximate``.

    Parameters
    ----------
    in_features, out_features, bias, device, dtype
        As for ``torch.nn.Linear``.
    variant : str, default "mitchell"
        Forward product: ``"mitchell"``, ``"exact"`` or a name of
        ``mitchell.nn.modes()``.
    backward : str, optional
        Product of the gradients; default: ``variant``.

    Examples
    --------
    >>> import torch, mitchell.torch
    >>> layer = mitchell.torch.MitchellLinear(2, 1, bias=False)
    >>> with torch.no_grad():
    ...     _ = layer.weight.copy_(torch.tensor([[1.5, 0.5]]))
    >>> layer(torch.tensor([[1.5, 2.0]]))    # Mitchell: 1.5 * 1.5 = 2, 2 * 0.5 = 1
    tensor([[3.]], grad_fn=<LinearFunctionBackward>)
    >>> list(layer.state_dict())
    ['weight']
    """

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None, *,
                 variant="mitchell", backward=None):
        super().__init__(in_features, out_features, bias, device, dtype)
        self._set_spec(variant, backward)

    def forward(self, input):
        return _functional.linear(self.spec, input, self.weight, self.bias)


class MitchellConv1d(_MitchellModule, nn.Conv1d):
    """``torch.nn.Conv1d`` whose products are Mitchell products, forward and backward.

    Same constructor (all padding modes), parameters and ``state_dict`` keys
    as ``nn.Conv1d``, plus ``variant`` and ``backward``.

    Parameters
    ----------
    *args, **kwargs
        As for ``torch.nn.Conv1d``.
    variant : str, default "mitchell"
        Forward product: ``"mitchell"``, ``"exact"`` or a name of
        ``mitchell.nn.modes()``.
    backward : str, optional
        Product of the gradients; default: ``variant``.

    Examples
    --------
    >>> import torch, mitchell.torch
    >>> conv = mitchell.torch.MitchellConv1d(1, 1, 3, padding=1, bias=False)
    >>> with torch.no_grad():
    ...     _ = conv.weight.fill_(1.5)
    >>> conv(torch.ones(1, 1, 4)).detach()   # 2 or 3 products 1 * 1.5
    tensor([[[3.0000, 4.5000, 4.5000, 3.0000]]])
    """

    def __init__(self, *args, variant="mitchell", backward=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._set_spec(variant, backward)

    def _conv_forward(self, input, weight, bias):
        padding = self.padding
        if self.padding_mode != "zeros":
            input = F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            padding = 0
        return _functional.conv1d(self.spec, input, weight, bias, self.stride, padding,
                                  self.dilation, self.groups)


class MitchellConv2d(_MitchellModule, nn.Conv2d):
    """``torch.nn.Conv2d`` whose products are Mitchell products, forward and backward.

    Same constructor (all padding modes), parameters and ``state_dict`` keys
    as ``nn.Conv2d``, plus ``variant`` and ``backward``.

    Parameters
    ----------
    *args, **kwargs
        As for ``torch.nn.Conv2d``.
    variant : str, default "mitchell"
        Forward product: ``"mitchell"``, ``"exact"`` or a name of
        ``mitchell.nn.modes()``.
    backward : str, optional
        Product of the gradients; default: ``variant``.

    Examples
    --------
    >>> import torch, mitchell.torch
    >>> conv = mitchell.torch.MitchellConv2d(1, 2, 3, padding=1)
    >>> conv(torch.ones(1, 1, 5, 5)).shape
    torch.Size([1, 2, 5, 5])
    """

    def __init__(self, *args, variant="mitchell", backward=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._set_spec(variant, backward)

    def _conv_forward(self, input, weight, bias):
        padding = self.padding
        if self.padding_mode != "zeros":
            input = F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            padding = 0
        return _functional.conv2d(self.spec, input, weight, bias, self.stride, padding,
                                  self.dilation, self.groups)


_SWAPS = {nn.Linear: MitchellLinear, nn.Conv1d: MitchellConv1d, nn.Conv2d: MitchellConv2d}


def convert(model, variant="mitchell", backward=None, *, inplace=False):
    """Swap every ``nn.Linear``, ``nn.Conv1d`` and ``nn.Conv2d`` of a model for its Mitchell twin.

    Parameters
    ----------
    model : torch.nn.Module
        The model (or a single layer).
    variant, backward : str
        As for ``mitchell.torch.approximate``.
    inplace : bool, default False
        Modify ``model`` itself; by default a deep copy is converted and
        ``model`` is left as it was.

    Returns
    -------
    torch.nn.Module
        The converted model.  Its parameters, buffers and ``state_dict`` keys
        are those of the original (with ``inplace=True``, the very same
        Parameter objects).

    Notes
    -----
    Only modules whose type is exactly ``nn.Linear``, ``nn.Conv1d`` or
    ``nn.Conv2d`` are swapped (subclasses may compute something else in
    their ``forward``).  Products computed outside these modules, such as
    the attention products of a transformer or ``F.linear`` calls inside
    ``nn.MultiheadAttention``, stay exact: use ``approximate()`` for those.

    Examples
    --------
    >>> import torch, mitchell.torch
    >>> model = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3), torch.nn.Flatten(),
    ...                             torch.nn.Linear(4 * 6 * 6, 10))
    >>> approx = mitchell.torch.convert(model)
    >>> [type(m).__name__ for m in approx]
    ['MitchellConv2d', 'Flatten', 'MitchellLinear']
    >>> list(approx.state_dict()) == list(model.state_dict())
    True
    >>> approx(torch.ones(2, 1, 8, 8)).shape
    torch.Size([2, 10])
    """
    Spec.make(variant, backward)  # validate before copying anything
    if not inplace:
        model = copy.deepcopy(model)
    if type(model) in _SWAPS:
        return _SWAPS[type(model)].from_module(model, variant, backward)
    swapped = {}
    for parent in list(model.modules()):
        for name, child in list(parent._modules.items()):  # named_children() skips repeats
            cls = _SWAPS.get(type(child))
            if cls is not None:
                if id(child) not in swapped:  # a module registered twice stays shared
                    swapped[id(child)] = cls.from_module(child, variant, backward)
                setattr(parent, name, swapped[id(child)])
    return model
