"""torch-level products with torch's semantics, computed by the autograd Functions.

Every function takes a ``Spec`` (variant, backward mode, product counter)
followed by the arguments of the torch function of the same name, and
handles what that function handles: 1-D promotion and batch broadcasting
(matmul), ``beta``/``alpha`` (addmm, baddbmm), unbatched input and string
padding (convolutions), masks, causality, dropout and grouped-query attention
(scaled_dot_product_attention), arbitrary two-or-more-operand equations
(einsum).  Only the products are approximate: scaling, masking, softmax and
additions are the ordinary torch operations.
"""

import math
import string

import torch
import torch.nn.functional as F

from mitchell.torch._autograd import (Conv2dFunction, ConvTranspose2dFunction, LinearFunction,
                                      MatmulFunction)
from mitchell.torch._tensors import check


def _no_out(out, op):
    if out is not None:
        raise TypeError(f"mitchell.torch.{op}: out= is not supported")


def matmul(spec, input, other, *, out=None):
    """torch.matmul."""
    _no_out(out, "matmul")
    check(input, other, op="matmul")
    if input.dim() == 0 or other.dim() == 0:
        raise RuntimeError("both arguments to matmul need to be at least 1D, "
                           f"but they are {input.dim()}D and {other.dim()}D")
    a = input.unsqueeze(0) if input.dim() == 1 else input
    b = other.unsqueeze(-1) if other.dim() == 1 else other
    if a.shape[-1] != b.shape[-2]:
        raise RuntimeError("mat1 and mat2 shapes cannot be multiplied "
                           f"({'x'.join(map(str, a.shape))} and {'x'.join(map(str, b.shape))})")
    if b.dim() > 2:  # a stack of matrices on both sides (b of 2-D is shared by all of a's)
        batch = torch.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        a = a.expand(*batch, *a.shape[-2:])
        b = b.expand(*batch, *b.shape[-2:])
    y = MatmulFunction.apply(a, b, spec)
    if input.dim() == 1:
        y = y.squeeze(-2)
    if other.dim() == 1:
        y = y.squeeze(-1)
    return y


def rmatmul(spec, input, other):
    """Tensor.__rmatmul__: other @ input."""
    return matmul(spec, other, input)


def mm(spec, input, mat2, *, out=None):
    """torch.mm."""
    if input.dim() != 2 or mat2.dim() != 2:
        raise RuntimeError(f"mm: expected 2-D tensors, got {input.dim()}-D and {mat2.dim()}-D")
    return matmul(spec, input, mat2, out=out)


def bmm(spec, input, mat2, *, out=None):
    """torch.bmm."""
    if input.dim() != 3 or mat2.dim() != 3 or input.shape[0] != mat2.shape[0]:
        raise RuntimeError(f"bmm: expected 3-D tensors with one batch size, got shapes "
                           f"{tuple(input.shape)} and {tuple(mat2.shape)}")
    return matmul(spec, input, mat2, out=out)


def mv(spec, input, vec, *, out=None):
    """torch.mv."""
    if input.dim() != 2 or vec.dim() != 1:
        raise RuntimeError(f"mv: expected a 2-D and a 1-D tensor, got {input.dim()}-D and "
                           f"{vec.dim()}-D")
    return matmul(spec, input, vec, out=out)


def dot(spec, input, tensor, *, out=None):
    """torch.dot."""
    if input.dim() != 1 or tensor.dim() != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.dim()}D and {tensor.dim()}D "
                           "tensors")
    return matmul(spec, input, tensor, out=out)


def _scale_add(input, product, beta, alpha):
    if alpha != 1:
        product = product * alpha
    if beta == 0:  # torch ignores input then (even NaN), but broadcasts its shape
        return product.expand(torch.broadcast_shapes(input.shape, product.shape)).clone()
    return (input if beta == 1 else input * beta) + product


def addmm(spec, input, mat1, mat2, *, beta=1, alpha=1, out=None):
    """torch.addmm: beta * input + alpha * (mat1 @ mat2)."""
    return _scale_add(input, mm(spec, mat1, mat2, out=out), beta, alpha)


def baddbmm(spec, input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """torch.baddbmm: beta * input + alpha * (batch1 @ batch2)."""
    return _scale_add(input, bmm(spec, batch1, batch2, out=out), beta, alpha)


def addmv(spec, input, mat, vec, *, beta=1, alpha=1, out=None):
    """torch.addmv: beta * input + alpha * (mat @ vec)."""
    return _scale_add(input, mv(spec, mat, vec, out=out), beta, alpha)


def linear(spec, input, weight, bias=None):
    """torch.nn.functional.linear: input @ weight.T + bias."""
    check(input, weight, *([] if bias is None else [bias]), op="linear")
    if weight.dim() != 2:
        y = matmul(spec, input, weight)  # 1-D weight: torch drops the output dimension
        return y if bias is None else y + bias
    if input.dim() == 0 or input.shape[-1] != weight.shape[1]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({tuple(input.shape)} and "
                           f"{tuple(weight.t().shape)})")
    return LinearFunction.apply(input, weight, bias, spec)


def _tuple(value, n, name):
    t = tuple(value) if isinstance(value, (tuple, list)) else (value,) * n
    if len(t) != n or not all(isinstance(v, int) for v in t):
        raise ValueError(f"{name} must be an int or a tuple of {n} ints, got {value!r}")
    return t


def _conv(spec, nd, input, weight, bias, stride, padding, dilation, groups):
    op = f"conv{nd}d"
    check(input, weight, *([] if bias is None else [bias]), op=op)
    if weight.dim() != nd + 2 or input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(f"{op}: expected input of {nd + 1} or {nd + 2} dimensions and weight of "
                           f"{nd + 2}, got {tuple(input.shape)} and {tuple(weight.shape)}")
    unbatched = input.dim() == nd + 1
    x = input.unsqueeze(0) if unbatched else input
    stride = _tuple(stride, nd, "stride")
    dilation = _tuple(dilation, nd, "dilation")
    if isinstance(padding, str):
        if padding == "valid":
            padding = (0,) * nd
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
            total = [d * (k - 1) for d, k in zip(dilation, weight.shape[2:])]
            left, right = [t // 2 for t in total], [t - t // 2 for t in total]
            if left == right:
                padding = tuple(left)
            else:  # the extra zero goes to the end, as in torch
                x = F.pad(x, [p for lr in zip(reversed(left), reversed(right)) for p in lr])
                padding = (0,) * nd
        else:
            raise ValueError(f"padding must be an int, a tuple, 'valid' or 'same', got {padding!r}")
    else:
        padding = _tuple(padding, nd, "padding")
    w = weight
    if nd == 1:
        x, w = x.unsqueeze(-2), w.unsqueeze(-2)
        stride, padding, dilation = (1, *stride), (0, *padding), (1, *dilation)
    y = Conv2dFunction.apply(x, w, bias, stride, padding, dilation, groups, spec)
    if nd == 1:
        y = y.squeeze(-2)
    return y.squeeze(0) if unbatched else y


def conv1d(spec, input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """torch.nn.functional.conv1d (computed as a 2-D convolution of height 1)."""
    return _conv(spec, 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(spec, input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """torch.nn.functional.conv2d."""
    return _conv(spec, 2, input, weight, bias, stride, padding, dilation, groups)


def _conv_transpose(spec, nd, input, weight, bias, stride, padding, output_padding, groups,
                    dilation):
    op = f"conv_transpose{nd}d"
    check(input, weight, *([] if bias is None else [bias]), op=op)
    if weight.dim() != nd + 2 or input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(f"{op}: expected input of {nd + 1} or {nd + 2} dimensions and weight of "
                           f"{nd + 2}, got {tuple(input.shape)} and {tuple(weight.shape)}")
    unbatched = input.dim() == nd + 1
    x = input.unsqueeze(0) if unbatched else input
    geometry = [_tuple(v, nd, name) for v, name in [(stride, "stride"), (padding, "padding"),
                                                   (output_padding, "output_padding"),
                                                   (dilation, "dilation")]]
    w = weight
    if nd == 1:
        x, w = x.unsqueeze(-2), w.unsqueeze(-2)
        geometry = [(first, *g) for first, g in zip((1, 0, 0, 1), geometry)]
    stride, padding, output_padding, dilation = geometry
    y = ConvTranspose2dFunction.apply(x, w, bias, stride, padding, output_padding, groups,
                                      dilation, spec)
    if nd == 1:
        y = y.squeeze(-2)
    return y.squeeze(0) if unbatched else y


def conv_transpose1d(spec, input, weight, bias=None, stride=1, padding=0, output_padding=0,
                     groups=1, dilation=1):
    """torch.nn.functional.conv_transpose1d (a 2-D transposed convolution of height 1)."""
    return _conv_transpose(spec, 1, input, weight, bias, stride, padding, output_padding, groups,
                           dilation)


def conv_transpose2d(spec, input, weight, bias=None, stride=1, padding=0, output_padding=0,
                     groups=1, dilation=1):
    """torch.nn.functional.conv_transpose2d."""
    return _conv_transpose(spec, 2, input, weight, bias, stride, padding, output_padding, groups,
                           dilation)


def scaled_dot_product_attention(spec, query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, enable_gqa=False):
    """torch.nn.functional.scaled_dot_product_attention, as its documented reference code."""
    check(query, key, value, op="scaled_dot_product_attention")
    L, S = query.size(-2), key.size(-2)
    scale = 1 / math.sqrt(query.size(-1)) if scale is None else scale
    if enable_gqa:
        key = key.repeat_interleave(query.size(-3) // key.size(-3), -3)
        value = value.repeat_interleave(query.size(-3) // value.size(-3), -3)
    scores = matmul(spec, query, key.transpose(-2, -1)) * scale
    if is_causal:
        if attn_mask is not None:
            raise RuntimeError("scaled_dot_product_attention: an explicit attn_mask must not "
                               "be set when is_causal=True")
        attn_mask = torch.ones(L, S, dtype=torch.bool, device=query.device).tril()
    if attn_mask is not None:
        if attn_mask.dtype == torch.bool:
            scores = scores.masked_fill(attn_mask.logical_not(), float("-inf"))
        else:
            scores = scores + attn_mask
    weights = torch.softmax(scores, dim=-1)
    if dropout_p > 0:
        weights = torch.dropout(weights, dropout_p, train=True)
    return matmul(spec, weights, value)


def _contract(spec, a, at, b, bt, keep):
    """Contract a (labels at) with b (labels bt) into the labels of ``keep`` they hold."""
    def drop_single(x, xt, other):
        axes = [i for i, c in enumerate(xt) if c not in keep and c not in other]
        if axes:  # summed in one operand only: a sum, not a product
            x = x.sum(dim=axes)
            xt = "".join(c for i, c in enumerate(xt) if i not in axes)
        return x, xt

    a, at = drop_single(a, at, bt)
    b, bt = drop_single(b, bt, at)
    size = {c: n for c, n in zip(at, a.shape)}
    for c, n in zip(bt, b.shape):
        if c in size and n != size[c] and 1 not in (n, size[c]):
            raise RuntimeError(f"einsum(): subscript {c} has size {n} in one operand and "
                               f"{size[c]} in another")
        size[c] = max(n, size.get(c, n))
    a = a.expand(*[size[c] for c in at])
    b = b.expand(*[size[c] for c in bt])
    batch = [c for c in at if c in bt and c in keep]
    summed = [c for c in at if c in bt and c not in keep]
    free_a = [c for c in at if c not in bt]
    free_b = [c for c in bt if c not in at]

    def numel(labels):
        return math.prod(size[c] for c in labels)

    a3 = a.permute([at.index(c) for c in batch + free_a + summed])
    b3 = b.permute([bt.index(c) for c in batch + summed + free_b])
    a3 = a3.reshape(numel(batch), numel(free_a), numel(summed))
    b3 = b3.reshape(numel(batch), numel(summed), numel(free_b))
    y = MatmulFunction.apply(a3, b3, spec)
    labels = batch + free_a + free_b
    return y.reshape([size[c] for c in labels]), "".join(labels)


def einsum(spec, equation, *operands):
    """torch.einsum; two or more operands contract pairwise, left to right, each pair
    as one batched matrix product (a one-operand equation has no product and is
    torch's own)."""
    if not isinstance(equation, str):   # sublist form: op, [0, 1], op, [1, 2], ..., [out]
        args = (equation, *operands)
        out_sub = args[-1] if len(args) % 2 else None
        pairs = args[:-1] if len(args) % 2 else args
        operands = pairs[0::2]

        def letters(sub):
            return "".join("..." if i is Ellipsis else string.ascii_letters[i] for i in sub)
        equation = ",".join(letters(sub) for sub in pairs[1::2])
        if out_sub is not None:
            equation += "->" + letters(out_sub)
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if len(operands) < 2:
        return torch.einsum(equation, *operands)
    check(*operands, op="einsum")
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(operands):
        raise ValueError(f"einsum(): {len(terms)} subscripts for {len(operands)} operands")
    spare = [c for c in string.ascii_letters if c not in eq]
    n_ell = max([op.dim() - (len(t) - 3) for t, op in zip(terms, operands) if "..." in t],
                default=0)
    ell = "".join(spare[:n_ell])
    full = []
    for t, op in zip(terms, operands):
        if "..." in t:
            t = t.replace("...", ell[n_ell - (op.dim() - (len(t) - 3)):])
        if len(t) != op.dim():
            raise ValueError(f"einsum(): subscripts {t!r} for an operand of {op.dim()} dimensions")
        if len(set(t)) != len(t):
            raise NotImplementedError(f"mitchell.torch.einsum: repeated subscripts in one operand "
                                      f"({t!r}, a diagonal) are not supported")
        full.append(t)
    if arrow:
        out = rhs.replace("...", ell)
    else:  # implicit output: the ellipsis, then the subscripts seen once, sorted
        seen = "".join(t.replace("...", "") for t in terms)
        out = ell + "".join(sorted(c for c in set(seen) if seen.count(c) == 1))
    if len(set(out)) != len(out) or not set(out) <= set("".join(full)):
        raise ValueError(f"einsum(): invalid output subscripts {rhs!r}")
    cur, cur_t = operands[0], full[0]
    for i in range(1, len(operands)):
        later = set(out).union(*full[i + 1:])
        keep = "".join(c for c in dict.fromkeys(cur_t + full[i]) if c in later)
        cur, cur_t = _contract(spec, cur, cur_t, operands[i], full[i], keep)
    return cur.permute([cur_t.index(c) for c in out])
