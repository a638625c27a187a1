"""Progress of a long run, on standard error: a bar redrawn in place on a terminal; when
piped, a plain line every tenth of the way, or nothing."""

from __future__ import annotations

from typing import IO

__all__ = ["Progress"]


class Progress:
    """Call with how much is done (and an optional note); :meth:`close` at the end.

    Args:
        label: what runs (``impact``, ``simulate``).
        total: how much there is to do, in ``unit``.
        stream: where it goes (standard error).
        lines: when ``stream`` is not a terminal, print a line each tenth of the way;
            without, print nothing there.
    """

    def __init__(self, label: str, total: int, unit: str, stream: IO[str], *,
                 lines: bool = True) -> None:
        self.label, self.total, self.unit, self.stream = label, max(total, 1), unit, stream
        self.tty = stream.isatty()
        self.lines = lines
        self.tenth = 1
        self.shown = -1

    def __call__(self, done: int, note: str = "") -> None:
        share = min(1.0, done / self.total)
        if self.tty:
            percent = int(share * 100)
            if percent == self.shown and done < self.total:
                return  # redraw only when the figure changes
            self.shown = percent
            bar = "#" * round(30 * share)
            self.stream.write(f"\r{self.label} [{bar:<30}] {share:4.0%}  {done} of "
                              f"{self.total} {self.unit}")
            self.stream.flush()
            return
        if self.lines and share * 10 >= self.tenth:
            self.tenth = int(share * 10) + 1
            print(f"{self.label}: {done} of {self.total} {self.unit} ({share:.0%}){note}",
                  file=self.stream, flush=True)

    def close(self) -> None:
        """End the bar's line, on a terminal."""
        if self.tty and self.shown >= 0:
            self.stream.write("\n")
            self.stream.flush()
