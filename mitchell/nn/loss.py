"""Softmax cross-entropy."""

import numpy as np

__all__ = ["CrossEntropyLoss"]


class CrossEntropyLoss:
    """Mean softmax cross-entropy of logits ``(N, classes)`` against integer labels ``(N,)``.

    The softmax and its gradient ``(softmax - onehot) / N`` are computed
    exactly (no matrix products); the log-sum-exp subtracts the row maximum.

    Examples
    --------
    >>> import numpy as np
    >>> from mitchell import nn
    >>> loss = nn.CrossEntropyLoss()
    >>> round(loss(np.float32([[0.0, 0.0]]), np.array([1])), 6)     # log 2
    0.693147
    >>> loss.backward()
    array([[ 0.5, -0.5]], dtype=float32)
    """

    def __call__(self, logits, labels):
        return self.forward(logits, labels)

    def forward(self, logits, labels):
        """The mean loss (a Python float); keeps the softmax for ``backward``."""
        logits = np.asarray(logits)
        labels = np.asarray(labels)
        if logits.ndim != 2 or labels.shape != logits.shape[:1]:
            raise ValueError(f"CrossEntropyLoss expects logits (N, classes) and labels (N,), got "
                             f"{logits.shape} and {labels.shape}")
        if not np.issubdtype(labels.dtype, np.integer) or labels.size and (
                labels.min() < 0 or labels.max() >= logits.shape[1]):
            raise ValueError(f"labels must be integers in [0, {logits.shape[1]})")
        shifted = logits - logits.max(axis=1, keepdims=True)
        log_z = np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        log_p = shifted - log_z
        self._p = np.exp(log_p)
        self._labels = labels
        return float(-log_p[np.arange(len(labels)), labels].mean())

    def backward(self):
        """Gradient of the mean loss with respect to the logits."""
        grad = self._p.copy()
        grad[np.arange(len(self._labels)), self._labels] -= 1
        return grad / grad.dtype.type(len(self._labels))
