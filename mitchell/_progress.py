"""A one-line progress bar on stderr, drawn only when stderr is a terminal.

Shared by ``python -m mitchell verify`` and ``python -m mitchell experiment``.
"""

import sys
import time

__all__ = ["Progress"]


class Progress:
    """``update(done, total)`` redraws the bar (at most every 0.1 s); ``close()`` erases it.

    Parameters
    ----------
    label : str
        Text before the bar.
    enabled : bool
        False draws nothing (a ``--quiet`` option).
    stream : file-like, optional
        Where to draw (default ``sys.stderr``); a stream that is not a
        terminal gets nothing, so logs and pipes stay clean.

    Examples
    --------
    >>> import io
    >>> from mitchell._progress import Progress
    >>> bar = Progress("mnist1d", stream=io.StringIO())    # not a terminal: draws nothing
    >>> bar.update(1, 2); bar.close(); bar.enabled
    False
    """

    WIDTH = 30

    def __init__(self, label, enabled=True, stream=None):
        self.stream = stream or sys.stderr
        self.enabled = enabled and hasattr(self.stream, "isatty") and self.stream.isatty()
        self.label = label
        self.started = time.perf_counter()
        self.last_draw = 0.0
        self.drawn = 0  # characters of the line drawn last

    def update(self, done, total):
        if not self.enabled:
            return
        now = time.perf_counter()
        if done < total and now - self.last_draw < 0.1:
            return
        self.last_draw = now
        filled = int(self.WIDTH * done / total) if total else self.WIDTH
        bar = "#" * filled + "." * (self.WIDTH - filled)
        line = f"{self.label} [{bar}] {100 * done / max(total, 1):5.1f}% {now - self.started:6.1f} s"
        self.stream.write("\r" + line)
        self.stream.flush()
        self.drawn = max(self.drawn, len(line))

    def close(self):
        if self.drawn:
            self.stream.write("\r" + " " * self.drawn + "\r")
            self.stream.flush()
