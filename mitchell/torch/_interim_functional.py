"""Interim stand-in for mitchell.nn.functional (same signatures) until it lands on main."""

import numpy as np

import mitchell


def _mm(a, b, mode):
    if mode == "exact":
        return np.matmul(a, b)
    return mitchell.matmul(a, b, **({} if mode == "mitchell" else {"variant": mode}))


def matmul(a, b, *, mode="mitchell"):
    return _mm(a, b, mode)


def linear(x, w, b=None, *, mode="mitchell"):
    y = _mm(x, np.swapaxes(w, -1, -2), mode)
    return y if b is None else y + b


def linear_grad_input(grad_out, w, *, mode):
    return _mm(grad_out, w, mode)


def linear_grad_weight(x, grad_out, *, mode):
    return _mm(np.swapaxes(grad_out, -1, -2), x, mode)


def _pair(v):
    return (v, v) if np.ndim(v) == 0 else tuple(v)


def _cols(x, kh, kw, stride, padding, dilation):
    ph, pw = _pair(padding)
    sh, sw = _pair(stride)
    dh, dw = _pair(dilation)
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    win = np.lib.stride_tricks.sliding_window_view(xp, (dh * (kh - 1) + 1, dw * (kw - 1) + 1), axis=(2, 3))
    return win[:, :, ::sh, ::sw, ::dh, ::dw]  # (N, C, Ho, Wo, kH, kW)


def conv2d(x, w, b=None, stride=1, padding=0, dilation=1, groups=1, *, mode="mitchell"):
    n = x.shape[0]
    c_out, c_g, kh, kw = w.shape
    win = _cols(x, kh, kw, stride, padding, dilation)
    ho, wo = win.shape[2:4]
    cols = win.reshape(n, groups, c_g, ho, wo, kh, kw).transpose(0, 1, 3, 4, 2, 5, 6)
    cols = cols.reshape(n, groups, ho * wo, c_g * kh * kw)
    f = w.reshape(groups, c_out // groups, c_g * kh * kw)
    y = _mm(cols, np.swapaxes(f, -1, -2)[None], mode)
    y = np.swapaxes(y, -1, -2).reshape(n, c_out, ho, wo)
    return y if b is None else y + b.reshape(1, -1, 1, 1)


def conv2d_grad_weight(x, grad_out, weight_shape, stride=1, padding=0, dilation=1, groups=1, *, mode):
    c_out, c_g, kh, kw = weight_shape
    n, _, ho, wo = grad_out.shape
    win = _cols(x, kh, kw, stride, padding, dilation)
    cols = win.reshape(n, groups, c_g, ho, wo, kh, kw).transpose(1, 0, 3, 4, 2, 5, 6)
    cols = cols.reshape(groups, n * ho * wo, c_g * kh * kw)
    g = grad_out.reshape(n, groups, c_out // groups, ho * wo).transpose(1, 2, 0, 3)
    g = g.reshape(groups, c_out // groups, n * ho * wo)
    return _mm(g, cols, mode).reshape(weight_shape)


def conv2d_grad_input(grad_out, w, input_shape, stride=1, padding=0, dilation=1, groups=1, *, mode):
    c_out, c_g, kh, kw = w.shape
    n, _, ho, wo = grad_out.shape
    ph, pw = _pair(padding)
    sh, sw = _pair(stride)
    dh, dw = _pair(dilation)
    g = grad_out.reshape(n, groups, c_out // groups, ho * wo).transpose(0, 1, 3, 2)
    f = w.reshape(groups, c_out // groups, c_g * kh * kw)
    dcols = _mm(g, f[None], mode).reshape(n, groups, ho, wo, c_g, kh, kw)
    h, wd = input_shape[2:]
    gx = np.zeros((n, groups, c_g, h + 2 * ph, wd + 2 * pw), dtype=dcols.dtype)
    for i in range(kh):
        for j in range(kw):
            r0, c0 = i * dh, j * dw
            gx[:, :, :, r0:r0 + sh * (ho - 1) + 1:sh, c0:c0 + sw * (wo - 1) + 1:sw] += \
                dcols[:, :, :, :, :, i, j].transpose(0, 1, 4, 2, 3)
    return gx.reshape(n, groups * c_g, h + 2 * ph, wd + 2 * pw)[:, :, ph:ph + h, pw:pw + wd]
