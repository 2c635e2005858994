"""autograd Functions whose forward and backward products are mitchell's.

Each Function takes tensors of normalised shapes (the wrappers in
``_functional.py`` do the broadcasting, 1-D promotion and padding), converts
them to ndarrays, computes with ``_products`` (forward) and
``mitchell.nn.functional`` (backward), and returns CPU tensors of the input
dtype.  Biases are added, and batch gradients of biases summed, with ordinary
floating-point addition: only products are approximate.
"""

import numpy as np
import torch
from torch.autograd.function import once_differentiable

from mitchell.nn import functional as nnf
from mitchell.torch import _products
from mitchell.torch._tensors import from_numpy, to_numpy


class MatmulFunction(torch.autograd.Function):
    """``a @ b`` for ``a`` of shape (..., n, k) and ``b`` of shape (..., k, m) with the same
    batch shape, or ``b`` of shape (k, m) shared by every matrix of ``a``."""

    @staticmethod
    def forward(ctx, a, b, spec):
        ctx.spec = spec
        ctx.save_for_backward(a, b)
        an, bn = to_numpy(a), to_numpy(b)
        if b.dim() == 2 and a.dim() > 2:  # one product with the batch folded into the rows
            y = _products.matmul(an.reshape(-1, an.shape[-1]), bn, spec).reshape(*a.shape[:-1], -1)
        else:
            y = _products.matmul(an, bn, spec)
        return from_numpy(y, a.dtype)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        spec = ctx.spec
        an, bn, g = to_numpy(a), to_numpy(b), to_numpy(grad)
        grad_a = grad_b = None
        if ctx.needs_input_grad[0]:
            spec.count("backward")
            grad_a = from_numpy(nnf.matmul(g, np.swapaxes(bn, -1, -2), mode=spec.backward), a.dtype)
        if ctx.needs_input_grad[1]:
            spec.count("backward")
            if b.dim() == 2 and a.dim() > 2:
                a2, g2 = an.reshape(-1, an.shape[-1]), g.reshape(-1, g.shape[-1])
                gb = nnf.matmul(a2.T, g2, mode=spec.backward)
            else:
                gb = nnf.matmul(np.swapaxes(an, -1, -2), g, mode=spec.backward)
            grad_b = from_numpy(gb, b.dtype)
        return grad_a, grad_b, None


class LinearFunction(torch.autograd.Function):
    """``x @ w.T + bias`` for ``x`` of shape (..., in), ``w`` (out, in), ``bias`` (out,) or None."""

    @staticmethod
    def forward(ctx, x, w, bias, spec):
        ctx.spec = spec
        ctx.has_bias = bias is not None
        ctx.save_for_backward(x, w)
        xn = to_numpy(x).reshape(-1, x.shape[-1])
        y = _products.matmul(xn, to_numpy(w).T, spec)
        if bias is not None:
            y += to_numpy(bias)
        return from_numpy(y.reshape(*x.shape[:-1], w.shape[0]), x.dtype)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        x, w = ctx.saved_tensors
        spec = ctx.spec
        g = to_numpy(grad).reshape(-1, w.shape[0])
        grad_x = grad_w = grad_b = None
        if ctx.needs_input_grad[0]:
            spec.count("backward")
            gx = nnf.linear_grad_input(g, to_numpy(w), mode=spec.backward)
            grad_x = from_numpy(gx.reshape(x.shape), x.dtype)
        if ctx.needs_input_grad[1]:
            spec.count("backward")
            gw = nnf.linear_grad_weight(to_numpy(x).reshape(-1, x.shape[-1]), g, mode=spec.backward)
            grad_w = from_numpy(gw, w.dtype)
        if ctx.has_bias and ctx.needs_input_grad[2]:
            grad_b = from_numpy(g.sum(axis=0), w.dtype)
        return grad_x, grad_w, grad_b, None


class Conv2dFunction(torch.autograd.Function):
    """2-D convolution of NCHW ``x`` with ``w`` (C_out, C_in/groups, kH, kW); integer pairs
    for stride, padding (symmetric) and dilation."""

    @staticmethod
    def forward(ctx, x, w, bias, stride, padding, dilation, groups, spec):
        ctx.spec = spec
        ctx.has_bias = bias is not None
        ctx.geometry = (stride, padding, dilation, groups)
        ctx.save_for_backward(x, w)
        y = _products.conv2d(to_numpy(x), to_numpy(w), stride, padding, dilation, groups, spec)
        if bias is not None:
            y += to_numpy(bias).reshape(1, -1, 1, 1)
        return from_numpy(y, x.dtype)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        x, w = ctx.saved_tensors
        spec = ctx.spec
        g = to_numpy(grad)
        grad_x = grad_w = grad_b = None
        if ctx.needs_input_grad[0]:
            spec.count("backward")
            gx = nnf.conv2d_grad_input(g, to_numpy(w), tuple(x.shape), *ctx.geometry,
                                       mode=spec.backward)
            grad_x = from_numpy(gx, x.dtype)
        if ctx.needs_input_grad[1]:
            spec.count("backward")
            gw = nnf.conv2d_grad_weight(to_numpy(x), g, tuple(w.shape), *ctx.geometry,
                                        mode=spec.backward)
            grad_w = from_numpy(gw, w.dtype)
        if ctx.has_bias and ctx.needs_input_grad[2]:
            grad_b = from_numpy(g.sum(axis=(0, 2, 3)), w.dtype)
        return grad_x, grad_w, grad_b, None, None, None, None, None


class ConvTranspose2dFunction(torch.autograd.Function):
    """2-D transposed convolution of NCHW ``x`` with ``w`` (C_in, C_out/groups, kH, kW): the
    input gradient of the convolution with ``w``; integer pairs for the geometry."""

    @staticmethod
    def forward(ctx, x, w, bias, stride, padding, output_padding, groups, dilation, spec):
        ctx.spec = spec
        ctx.has_bias = bias is not None
        ctx.geometry = (stride, padding, dilation, groups)
        ctx.save_for_backward(x, w)
        spec.count("forward")
        y = nnf.conv_transpose2d(to_numpy(x), to_numpy(w), None, stride, padding, output_padding,
                                 groups, dilation, mode=spec.variant)
        if bias is not None:
            y += to_numpy(bias).reshape(1, -1, 1, 1)
        return from_numpy(y, x.dtype)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        # y = conv2d_grad_input(x, w): the gradient for x is the convolution of grad with
        # w, the gradient for w the convolution's weight gradient with grad as its input
        x, w = ctx.saved_tensors
        spec = ctx.spec
        g = to_numpy(grad)
        grad_x = grad_w = grad_b = None
        if ctx.needs_input_grad[0]:
            spec.count("backward")
            gx = nnf.conv2d(g, to_numpy(w), None, *ctx.geometry, mode=spec.backward)
            grad_x = from_numpy(gx, x.dtype)
        if ctx.needs_input_grad[1]:
            spec.count("backward")
            gw = nnf.conv2d_grad_weight(g, to_numpy(x), tuple(w.shape), *ctx.geometry,
                                        mode=spec.backward)
            grad_w = from_numpy(gw, w.dtype)
        if ctx.has_bias and ctx.needs_input_grad[2]:
            grad_b = from_numpy(g.sum(axis=(0, 2, 3)), w.dtype)
        return grad_x, grad_w, grad_b, None, None, None, None, None, None
