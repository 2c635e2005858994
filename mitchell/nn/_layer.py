"""The base of the layers that multiply (Linear, Conv1d, Conv2d): modes, int8, gradients."""

import numpy as np

from mitchell.nn.module import Module, Parameter
from mitchell.nn.quantize import parse_mode, quantize, weight_scale

__all__ = ["ProductLayer"]


class ProductLayer(Module):
    """A layer ``y = op(x, weight) + bias`` whose products run in a selectable mode.

    Subclasses define ``_op(x, w, mode)``, ``_grad_input(g, w, x_shape, mode)``,
    ``_grad_weight(x, g, mode)`` and ``channel_axis`` (where the output
    channels are).
    """

    channel_axis = 1

    def __init__(self, weight, bias, mode, backward_mode, per_channel):
        self.weight = Parameter(weight)
        self.bias = None if bias is None else Parameter(bias)
        self.per_channel = bool(per_channel)
        self.input_scale = None    # int8 modes: set by mitchell.nn.calibrate
        self._observed = None      # calibrating: largest |input| so far
        self._x = None
        self._set_modes(mode, backward_mode)

    def _set_modes(self, mode, backward_mode):
        int8, base = parse_mode(mode)
        if backward_mode is None:
            backward_mode = base
        try:
            parse_mode(backward_mode, allow_int8=False)
        except ValueError as error:
            raise ValueError(f"backward mode: {error}") from None
        self.mode, self.backward_mode = mode, backward_mode
        self._int8, self._base = int8, base

    def _own_parameters(self):
        return [self.weight] + ([] if self.bias is None else [self.bias])

    def _broadcast(self, v, ndim):
        shape = [1] * ndim
        shape[self.channel_axis] = -1
        return np.reshape(v, shape)

    def forward(self, x):
        x = np.asarray(x)
        if self._observed is not None:
            self._observed = max(self._observed, float(np.max(np.abs(x), initial=0.0)))
        self._x = x
        w = self.weight.data
        if self._int8:
            if self.input_scale is None:
                raise RuntimeError(f"{type(self).__name__} in mode {self.mode!r} needs the scale of its "
                                   "input: call mitchell.nn.calibrate(model, training_inputs) first")
            sw = weight_scale(w, self.per_channel)
            qw = quantize(w, sw.reshape((-1,) + (1,) * (w.ndim - 1)) if sw.ndim else sw)
            acc = self._op(quantize(x, self.input_scale), qw, self._base)       # int32
            scale = (self.input_scale * sw).astype(w.dtype)
            y = acc.astype(w.dtype) * (self._broadcast(scale, acc.ndim) if scale.ndim else scale)
        else:
            y = self._op(x, w, self._base)
        if self.bias is not None:
            y = y + self._broadcast(self.bias.data, y.ndim)
        return y

    def backward(self, grad_out):
        """Gradients with products in ``backward_mode`` (int8 forward: straight through)."""
        if self._x is None:
            raise RuntimeError(f"{type(self).__name__}.backward called before forward")
        g = np.asarray(grad_out)
        self.weight.grad += self._grad_weight(self._x, g, self.backward_mode)
        if self.bias is not None:
            axes = tuple(i for i in range(g.ndim) if i != self.channel_axis % g.ndim)
            self.bias.grad += g.sum(axis=axes)
        return self._grad_input(g, self.weight.data, self._x.shape, self.backward_mode)

    def _mode_repr(self):
        return f"mode={self.mode!r}, backward_mode={self.backward_mode!r}"


def uniform_init(rng, shape, fan_in, dtype):
    """torch's default initialisation: U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
    rng = np.random.default_rng(rng)
    bound = 1.0 / np.sqrt(fan_in)
    return rng.uniform(-bound, bound, shape).astype(dtype)
