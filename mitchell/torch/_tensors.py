"""Tensors to NumPy arrays and back, with the checks mitchell needs.

Arrays share memory with the tensors where NumPy can view them (CPU tensors
of a NumPy dtype); the results come back through ``torch.from_numpy``.
"""

import numpy as np
import torch

# Formats mitchell multiplies (float16 and bfloat16 products are summed in float32;
# a mitchell.matmul that refuses a format says so, see _products).
FLOAT_DTYPES = (torch.float32, torch.float64, torch.float16, torch.bfloat16)


def check(*tensors, op):
    """Raise a clear error unless the tensors are CPU floating-point tensors of one dtype."""
    for t in tensors:
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"mitchell.torch.{op}: expected tensors, got {type(t).__name__}")
        if t.device.type != "cpu":
            raise RuntimeError(
                f"mitchell.torch.{op}: mitchell computes on the CPU, got a tensor on {t.device}; "
                "move the model and its inputs with .cpu() (there are no CUDA kernels)")
        if t.dtype not in FLOAT_DTYPES:  # RuntimeError, as torch's own dtype errors
            raise RuntimeError(
                f"mitchell.torch.{op}: got a {t.dtype} tensor; mitchell's matrix products take "
                "floating-point tensors (float32, float64, float16, bfloat16)")
    dtypes = {t.dtype for t in tensors}
    if len(dtypes) > 1:
        names = ", ".join(sorted(str(d) for d in dtypes))
        raise RuntimeError(f"mitchell.torch.{op}: expected operands of one dtype, got {names}")


def to_numpy(t):
    """The tensor's values as an ndarray (a view where possible; no autograd history)."""
    t = t.detach().resolve_conj().resolve_neg()
    if t.dtype == torch.bfloat16:
        try:
            import ml_dtypes
        except ImportError:
            raise RuntimeError("bfloat16 tensors need the ml_dtypes package "
                               "(pip install 'mitchell[ml_dtypes]')") from None
        return t.view(torch.int16).numpy().view(ml_dtypes.bfloat16)
    return t.numpy()


def from_numpy(array, dtype):
    """A CPU tensor of ``dtype`` holding ``array`` (rounded to ``dtype`` if mitchell
    computed in a wider format, as for float16 products summed in float32)."""
    array = np.asarray(array)
    if not (array.flags.c_contiguous and array.flags.writeable):
        array = array.copy()
    if array.dtype.name == "bfloat16":
        result = torch.from_numpy(array.view(np.int16)).view(torch.bfloat16)
    else:
        result = torch.from_numpy(array)
    return result if result.dtype == dtype else result.to(dtype)
