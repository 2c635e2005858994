"""Max and average pooling over 1-D ``(N, C, L)`` and 2-D ``(N, C, H, W)`` inputs.

No padding; windows of ``kernel_size`` every ``stride`` (default: the kernel
size) elements, the incomplete windows at the end dropped, as torch's defaults.
No products: the maximum and the mean (a sum times 1 / window size) are exact
NumPy operations.
"""

import numpy as np

from mitchell.nn._im2col import pair
from mitchell.nn.module import Module

__all__ = ["MaxPool2d", "AvgPool2d", "MaxPool1d", "AvgPool1d"]


class _Pool2d(Module):
    def __init__(self, kernel_size, stride=None):
        self.kernel = pair(kernel_size, "kernel_size")
        self.stride = self.kernel if stride is None else pair(stride, "stride")
        if min(self.kernel) < 1 or min(self.stride) < 1:
            raise ValueError(f"kernel_size and stride must be positive, got {kernel_size} and {stride}")

    def _windows(self, x):
        x = np.asarray(x)
        if x.ndim != 4:
            raise ValueError(f"{type(self).__name__} expects an input of shape (N, C, H, W), got {x.shape}")
        (kh, kw), (sh, sw) = self.kernel, self.stride
        if x.shape[2] < kh or x.shape[3] < kw:
            raise ValueError(f"{type(self).__name__}: input {x.shape[2:]} smaller than the kernel {(kh, kw)}")
        self._shape = x.shape
        return np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw]

    def _scatter(self, grad_windows):
        """Add ``(N, C, Ho, Wo, kH, kW)`` window gradients back into the input's shape."""
        (kh, kw), (sh, sw) = self.kernel, self.stride
        dx = np.zeros(self._shape, dtype=grad_windows.dtype)
        ho, wo = grad_windows.shape[2:4]
        for i in range(kh):
            for j in range(kw):
                dx[:, :, i:i + sh * (ho - 1) + 1:sh, j:j + sw * (wo - 1) + 1:sw] += grad_windows[..., i, j]
        return dx

    def __repr__(self):
        return f"{type(self).__name__}(kernel_size={self.kernel}, stride={self.stride})"


class MaxPool2d(_Pool2d):
    """Maximum over windows; the gradient goes to the first maximum of each window.

    Examples
    --------
    >>> import numpy as np
    >>> from mitchell import nn
    >>> pool = nn.MaxPool2d(2)
    >>> x = np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)
    >>> pool(x)[0, 0]
    array([[ 5.,  7.],
           [13., 15.]], dtype=float32)
    >>> pool.backward(np.ones((1, 1, 2, 2), np.float32))[0, 0, :2]
    array([[0., 0., 0., 0.],
           [0., 1., 0., 1.]], dtype=float32)
    """

    def forward(self, x):
        win = self._windows(x)
        n, c, ho, wo, kh, kw = win.shape
        flat = win.reshape(n, c, ho, wo, kh * kw)
        self._argmax = flat.argmax(axis=-1)
        return np.take_along_axis(flat, self._argmax[..., None], axis=-1)[..., 0]

    def backward(self, grad_out):
        grad_out = np.asarray(grad_out)
        kh, kw = self.kernel
        onehot = np.zeros(grad_out.shape + (kh * kw,), dtype=grad_out.dtype)
        np.put_along_axis(onehot, self._argmax[..., None], grad_out[..., None], axis=-1)
        return self._scatter(onehot.reshape(grad_out.shape + (kh, kw)))


class AvgPool2d(_Pool2d):
    """Mean over windows; each input gets the gradient divided by the window size.

    Examples
    --------
    >>> import numpy as np
    >>> from mitchell import nn
    >>> pool = nn.AvgPool2d(2)
    >>> pool(np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4))[0, 0]
    array([[ 2.5,  4.5],
           [10.5, 12.5]], dtype=float32)
    """

    def forward(self, x):
        win = self._windows(x)
        return win.mean(axis=(-2, -1), dtype=win.dtype)

    def backward(self, grad_out):
        grad_out = np.asarray(grad_out)
        kh, kw = self.kernel
        share = grad_out / grad_out.dtype.type(kh * kw)
        return self._scatter(np.broadcast_to(share[..., None, None], share.shape + (kh, kw)))


class _Pool1d(Module):
    pool2d = None

    def __init__(self, kernel_size, stride=None):
        k = kernel_size[0] if isinstance(kernel_size, (tuple, list)) else kernel_size
        s = k if stride is None else (stride[0] if isinstance(stride, (tuple, list)) else stride)
        self._pool = self.pool2d((1, k), (1, s))
        self.kernel, self.stride = k, s

    def forward(self, x):
        x = np.asarray(x)
        if x.ndim != 3:
            raise ValueError(f"{type(self).__name__} expects an input of shape (N, C, L), got {x.shape}")
        return self._pool.forward(x[:, :, None])[:, :, 0]

    def backward(self, grad_out):
        return self._pool.backward(np.asarray(grad_out)[:, :, None])[:, :, 0]

    def __repr__(self):
        return f"{type(self).__name__}(kernel_size={self.kernel}, stride={self.stride})"


class MaxPool1d(_Pool1d):
    """``torch.nn.MaxPool1d`` without padding: the maximum over windows of ``(N, C, L)``.

    Examples
    --------
    >>> import numpy as np
    >>> from mitchell import nn
    >>> nn.MaxPool1d(2)(np.float32([[[1, 3, 2, 0, 5]]]))
    array([[[3., 2.]]], dtype=float32)
    """

    pool2d = MaxPool2d


class AvgPool1d(_Pool1d):
    """``torch.nn.AvgPool1d`` without padding: the mean over windows of ``(N, C, L)``.

    Examples
    --------
    >>> import numpy as np
    >>> from mitchell import nn
    >>> nn.AvgPool1d(2)(np.float32([[[1, 3, 2, 0, 5]]]))
    array([[[2., 1.]]], dtype=float32)
    """

    pool2d = AvgPool2d
