"""A one-line progress bar on stderr, drawn only when stderr is a terminal."""

import sys
import time

__all__ = ["Progress"]


class Progress:
    """``update(done, total)`` redraws the bar (at most every 0.1 s); ``close()`` erases it.

    Examples
    --------
    >>> import io
    >>> from mitchell.experiments.progress import Progress
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
        self.last = 0.0
        self.drawn = False

    def update(self, done, total):
        if not self.enabled:
            return
        now = time.perf_counter()
        if done < total and now - self.last < 0.1:
            return
        self.last = now
        filled = int(self.WIDTH * done / total) if total else self.WIDTH
        bar = "#" * filled + "." * (self.WIDTH - filled)
        self.stream.write(f"\r{self.label:<10} [{bar}] {100 * done / max(total, 1):5.1f}% "
                          f"{now - self.started:6.1f} s")
        self.stream.flush()
        self.drawn = True

    def close(self):
        if self.drawn:
            self.stream.write("\r" + " " * (self.WIDTH + 34) + "\r")
            self.stream.flush()
