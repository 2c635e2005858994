"""mitchell.torch: PyTorch models in Mitchell arithmetic (optional extra ``[torch]``).

Three ways in, all computing products with ``mitchell.matmul`` /
``mitchell.conv2d`` forward and ``mitchell.nn.functional``'s gradients
backward, through ``torch.autograd.Function`` objects (no compiled code
against torch):

- ``approximate(variant="mitchell", backward=None)``: a context manager (a
  ``torch.overrides.TorchFunctionMode``) under which an unmodified model's
  ``F.linear``, ``matmul``/``@``, ``mm``, ``bmm``, ``addmm``, ``baddbmm``,
  ``einsum``, ``conv1d``, ``conv2d`` and ``scaled_dot_product_attention``
  are computed with mitchell;
- ``convert(model, variant=...)``: swaps ``nn.Linear``/``nn.Conv1d``/
  ``nn.Conv2d`` for ``MitchellLinear``/``MitchellConv1d``/``MitchellConv2d``;
- the functions ``matmul``, ``linear``, ``conv1d``, ``conv2d``, ``einsum`` and
  ``scaled_dot_product_attention`` of this module, with torch's semantics.

CPU tensors of float32, float64, float16 or bfloat16 (the last through
ml_dtypes); other dtypes and other devices raise ``RuntimeError``.  See docs/torch.md.  ``import mitchell`` does not import
torch; this module does.
"""

try:
    import torch as _torch  # noqa: F401
except ImportError as error:  # pragma: no cover - only without torch
    raise ImportError("mitchell.torch needs PyTorch: pip install 'mitchell[torch]'") from error

from mitchell.torch import _functional
from mitchell.torch._approximate import approximate
from mitchell.torch._modules import MitchellConv1d, MitchellConv2d, MitchellLinear, convert
from mitchell.torch._products import Spec as _Spec

__all__ = ["approximate", "convert", "MitchellLinear", "MitchellConv1d", "MitchellConv2d",
           "matmul", "linear", "conv1d", "conv2d", "einsum", "scaled_dot_product_attention"]


def matmul(input, other, *, variant="mitchell", backward=None):
    """``torch.matmul`` with Mitchell products, differentiable.

    Parameters
    ----------
    input, other : torch.Tensor
        As for ``torch.matmul`` (1-D promotion, batch broadcasting);
        CPU float32 or float64 tensors of one dtype.
    variant, backward : str
        Forward product and backward mode, as for ``approximate``.

    Returns
    -------
    torch.Tensor
        Bit for bit ``mitchell.matmul`` of the tensors' values.

    Examples
    --------
    >>> import torch, mitchell.torch
    >>> a = torch.tensor([[1.5, 2.0], [3.0, 0.0]], requires_grad=True)
    >>> b = torch.tensor([[1.5, 1.0], [0.5, 4.0]])
    >>> y = mitchell.torch.matmul(a, b)
    >>> y
    tensor([[3.0000, 9.5000],
            [4.0000, 3.0000]], grad_fn=<MatmulFunctionBackward>)
    >>> y.sum().backward()
    >>> a.grad      # rows of b summed with Mitchell products by 1
    tensor([[2.5000, 4.5000],
            [2.5000, 4.5000]])
    """
    return _functional.matmul(_Spec.make(variant, backward), input, other)


def linear(input, weight, bias=None, *, variant="mitchell", backward=None):
    """``torch.nn.functional.linear`` (``input @ weight.T + bias``) with Mitchell products.

    Parameters
    ----------
    input : torch.Tensor
        Shape ``(..., in_features)``.
    weight : torch.Tensor
        Shape ``(out_features, in_features)``.
    bias : torch.Tensor, optional
        Shape ``(out_features,)``; added exactly.
    variant, backward : str
        As for ``approximate``.

    Returns
    -------
    torch.Tensor
        Shape ``(..., out_features)``.

    Examples
    --------
    >>> import torch, mitchell.torch
    >>> x = torch.tensor([[1.5, 2.0]])
    >>> w = torch.tensor([[1.5, 0.5]])
    >>> mitchell.torch.linear(x, w, torch.tensor([0.25]))
    tensor([[3.2500]])
    """
    return _functional.linear(_Spec.make(variant, backward), input, weight, bias)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1, *,
           variant="mitchell", backward=None):
    """``torch.nn.functional.conv1d`` with Mitchell products (a 2-D convolution of height 1).

    Arguments as for ``torch.nn.functional.conv1d`` (``padding`` an int, a
    1-tuple, ``"valid"`` or ``"same"``), plus ``variant`` and ``backward``.

    Examples
    --------
    >>> import torch, mitchell.torch
    >>> mitchell.torch.conv1d(torch.ones(1, 1, 4), torch.full((1, 1, 3), 1.5), padding="same")
    tensor([[[3.0000, 4.5000, 4.5000, 3.0000]]])
    """
    return _functional.conv1d(_Spec.make(variant, backward), input, weight, bias, stride, padding,
                              dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1, *,
           variant="mitchell", backward=None):
    """``torch.nn.functional.conv2d`` with Mitchell products.

    Arguments as for ``torch.nn.functional.conv2d``, plus ``variant`` and
    ``backward``.  The values are bit for bit those of ``mitchell.conv2d``.

    Examples
    --------
    >>> import torch, mitchell.torch
    >>> y = mitchell.torch.conv2d(torch.ones(1, 1, 4, 4), torch.full((2, 1, 3, 3), 1.5), padding=1)
    >>> y.shape, y[0, 0, 0, 0].item(), y[0, 0, 1, 1].item()   # 4 and 9 products 1 * 1.5
    (torch.Size([1, 2, 4, 4]), 6.0, 13.5)
    """
    return _functional.conv2d(_Spec.make(variant, backward), input, weight, bias, stride, padding,
                              dilation, groups)


def einsum(equation, *operands, variant="mitchell", backward=None):
    """``torch.einsum`` with Mitchell products.

    Operands are contracted pairwise from left to right, each pair as one
    batched ``mitchell.matmul``; subscripts seen in one operand only are
    summed first (additions, no products).  Repeated subscripts within one
    operand (diagonals) are not supported.

    Examples
    --------
    >>> import torch, mitchell.torch
    >>> a = torch.tensor([[1.5, 2.0]])
    >>> b = torch.tensor([[1.5], [0.5]])
    >>> mitchell.torch.einsum("ij,jk->ik", a, b)
    tensor([[3.]])
    """
    return _functional.einsum(_Spec.make(variant, backward), equation, *operands)


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, enable_gqa=False, *,
                                 variant="mitchell", backward=None):
    """``torch.nn.functional.scaled_dot_product_attention`` with Mitchell products.

    Computed as torch documents the operation: ``softmax(q @ k^T * scale +
    mask) @ v`` with dropout on the attention weights; the two matrix
    products are Mitchell products, the scaling, masking and softmax are
    exact.

    Examples
    --------
    >>> import torch, mitchell.torch
    >>> q = k = v = torch.ones(1, 2, 3, 4)
    >>> mitchell.torch.scaled_dot_product_attention(q, k, v, is_causal=True).shape
    torch.Size([1, 2, 3, 4])
    """
    return _functional.scaled_dot_product_attention(
        _Spec.make(variant, backward), query, key, value, attn_mask, dropout_p, is_causal, scale,
        enable_gqa)
