"""``approximate()``: a TorchFunctionMode that computes torch's matrix products with mitchell."""

import collections
import types as _types

import torch
import torch.nn.functional as F
from torch.overrides import TorchFunctionMode

from mitchell.torch import _functional
from mitchell.torch._products import Spec

# torch callable -> the name of its implementation in _functional (functions and
# Tensor methods take the same arguments, the tensor first)
_HANDLED = {
    torch.matmul: "matmul", torch.Tensor.matmul: "matmul", torch.Tensor.__matmul__: "matmul",
    torch.linalg.matmul: "matmul", torch.Tensor.__rmatmul__: "rmatmul",
    torch.mm: "mm", torch.Tensor.mm: "mm",
    torch.bmm: "bmm", torch.Tensor.bmm: "bmm",
    torch.mv: "mv", torch.Tensor.mv: "mv",
    torch.dot: "dot", torch.Tensor.dot: "dot",
    torch.addmm: "addmm", torch.Tensor.addmm: "addmm",
    torch.baddbmm: "baddbmm", torch.Tensor.baddbmm: "baddbmm",
    torch.addmv: "addmv", torch.Tensor.addmv: "addmv",
    F.linear: "linear",
    torch.conv1d: "conv1d", F.conv1d: "conv1d",
    torch.conv2d: "conv2d", F.conv2d: "conv2d",
    torch.conv_transpose1d: "conv_transpose1d", torch.conv_transpose2d: "conv_transpose2d",
    F.scaled_dot_product_attention: "scaled_dot_product_attention",
    torch.einsum: "einsum",
}

# Products torch can compute that approximate() leaves exact: counted in
# ``unhandled`` so that a user (or a test) sees them.
_KNOWN_EXACT = {
    torch.conv3d: "conv3d", torch.conv_transpose3d: "conv_transpose3d",
    F.bilinear: "bilinear", torch.tensordot: "tensordot", torch.inner: "inner",
    torch.outer: "outer", torch.addbmm: "addbmm", torch.chain_matmul: "chain_matmul",
    torch.linalg.multi_dot: "multi_dot",
    torch.linalg.vecdot: "vecdot", torch.kron: "kron", torch.cdist: "cdist",
    torch.Tensor.addmm_: "addmm_",
    torch.Tensor.baddbmm_: "baddbmm_", torch.Tensor.addmv_: "addmv_",
    torch.Tensor.addbmm: "addbmm", torch.Tensor.inner: "inner", torch.Tensor.outer: "outer",
    torch.Tensor.kron: "kron",
    torch.lstm: "lstm", torch.gru: "gru", torch.rnn_tanh: "rnn_tanh", torch.rnn_relu: "rnn_relu",
    torch.lstm_cell: "lstm_cell", torch.gru_cell: "gru_cell", torch.rnn_tanh_cell: "rnn_tanh_cell",
    torch.rnn_relu_cell: "rnn_relu_cell",
}

# recent torch (2.13 has it) can call a Python-level function (F.multi_head_attention_forward, ...)
# past its own __torch_function__ check, so the mode can stay active for its body
_redispatch = getattr(torch.overrides, "redispatch_function", None)


class approximate(TorchFunctionMode):
    """Compute torch's matrix products with mitchell inside a ``with`` block.

    Under this mode ``torch.nn.functional.linear``, ``torch.matmul`` and
    ``@``, ``mm``, ``bmm``, ``mv``, ``dot``, ``addmm``, ``baddbmm``,
    ``addmv``, ``einsum`` with two or more operands, ``conv1d``, ``conv2d``,
    ``conv_transpose1d``, ``conv_transpose2d`` and
    ``scaled_dot_product_attention`` compute every scalar product of
    their matrix products with ``mitchell.matmul``/``mitchell.conv2d`` (or
    the same im2col through ``mitchell.nn.functional``) in the forward pass, and their gradients with ``mitchell.nn.functional`` in the
    backward pass, so an unmodified model runs in Mitchell arithmetic.
    Everything else (element-wise operations, normalisation, softmax,
    additions) is torch's own, exact.

    Parameters
    ----------
    variant : str, default "mitchell"
        Product of the forward pass: ``"mitchell"``, ``"exact"`` (ordinary
        products, through the same code path) or another name of
        ``mitchell.nn.modes()`` (the variants with a matrix product:
        ``"lmul"``, ``"biasfree"``, ...).
    backward : str, optional
        Product of the backward pass: ``"exact"``, ``"mitchell"`` or a variant
        name.  Default: the forward ``variant`` (the setting of Mogami 2020;
        ``"exact"`` keeps gradients of the approximate forward exact).

    Attributes
    ----------
    counts : collections.Counter
        Calls intercepted, by torch function name (``"linear"``, ``"matmul"``, ...).
    products : collections.Counter
        Matrix products mitchell computed: ``products["forward"]`` and
        ``products["backward"]`` (one per ``mitchell.matmul``/``conv2d`` or
        gradient call; backward products are counted when the backward pass
        runs, also after the ``with`` block).
    unhandled : collections.Counter
        Calls of product functions this mode does not intercept
        (``conv3d``, ``conv_transpose3d``, ``bilinear``, ``tensordot``, ...),
        which therefore ran with torch's exact products.

    Notes
    -----
    Tensors must be CPU tensors of a floating-point dtype mitchell
    multiplies (float32, float64, float16, bfloat16); other dtypes and other
    devices raise ``RuntimeError`` rather than silently computing exactly.
    ``out=`` arguments raise ``TypeError``.  Double backward
    (``create_graph=True``) is not supported.

    Examples
    --------
    >>> import torch, mitchell.torch
    >>> layer = torch.nn.Linear(4, 2)
    >>> x = torch.ones(3, 4)
    >>> with mitchell.torch.approximate() as mode:
    ...     y = layer(x)
    ...     y.sum().backward()
    >>> mode.counts["linear"], mode.products["forward"], mode.products["backward"]
    (1, 1, 1)

    Only the weight needed a gradient, so the backward pass computed one
    product.  A matrix whose products are exact in Mitchell arithmetic
    (powers of two) is unchanged, others are up to 1/9 low:

    >>> a = torch.tensor([[1.5, 2.0]])
    >>> b = torch.tensor([[1.5], [0.5]])
    >>> with mitchell.torch.approximate():
    ...     (a @ b).item()     # Mitchell: 1.5 * 1.5 = 2, 2 * 0.5 = 1
    3.0
    >>> (a @ b).item()         # exact: 2.25 + 1
    3.25
    """

    def __init__(self, variant="mitchell", backward=None):
        super().__init__()
        self.counts = collections.Counter()
        self.products = collections.Counter()
        self.unhandled = collections.Counter()
        self._reentered = set()
        self.spec = Spec.make(variant, backward, self.products)

    @property
    def variant(self):
        """The forward product's name."""
        return self.spec.variant

    @property
    def backward(self):
        """The backward product's name."""
        return self.spec.backward

    def __repr__(self):
        return f"approximate(variant={self.variant!r}, backward={self.backward!r})"

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        name = _HANDLED.get(func)
        if name is None:
            if func in _KNOWN_EXACT:
                self.unhandled[_KNOWN_EXACT[func]] += 1
            if (isinstance(func, _types.FunctionType) and _redispatch is not None
                    and func not in self._reentered):
                # a function written in Python (F.multi_head_attention_forward, ...): run
                # its body with this mode active so that the products inside are seen (a
                # second call of the same function from inside, as Tensor.unflatten's
                # super() call, runs it plainly)
                self._reentered.add(func)
                try:
                    with self:
                        return _redispatch(func, types, args, kwargs)
                finally:
                    self._reentered.discard(func)
            return func(*args, **kwargs)
        self.counts[name] += 1
        return getattr(_functional, name)(self.spec, *args, **kwargs)
