"""Opening the files footcore reads, with one-line errors an app can act on.

Every reader goes through :func:`open_input` (or :func:`read_input`, which also bounds how
much is read), so each says the same thing about the same trouble: ``file-missing`` when
nothing is at the path, ``file-unreadable`` when something is there but cannot be read (a
folder where a file belongs, a folder on the way that the user may not enter, a device that
fails). ``pathlib``'s ``exists()`` and ``is_dir()`` raise on a folder that may not be
entered, so :func:`present` stands in for ``exists()`` on paths footcore reads.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO

from ._errors import InputError

__all__ = ["file_path", "input_error", "open_input", "present", "read_input", "read_start",
           "too_large"]


def file_path(path: object, field: str = "path") -> Path:
    """``path`` as a :class:`~pathlib.Path`, or an error naming ``field`` when it is not a
    path at all (a common slip: the arguments given in the wrong order)."""
    if not isinstance(path, str | os.PathLike):
        raise InputError(f"{field}: got {type(path).__name__}; accepted: a file path")
    return Path(path)


def input_error(path: object, what: str, exc: OSError | ValueError) -> InputError:
    """The one-line error for ``exc``, raised reading ``path`` (called ``what``); a
    ValueError is the one ``open`` and ``stat`` raise for a NUL in the path."""
    if isinstance(exc, ValueError):
        return InputError(f"{what} {path!r}: not a path (it holds a NUL character)")
    if isinstance(exc, FileNotFoundError | NotADirectoryError):
        return InputError(f"{what} {path}: no such file", code="file-missing")
    if isinstance(exc, IsADirectoryError):
        return InputError(f"{what} {path}: is a folder; expected a file",
                          code="file-unreadable")
    reason = exc.strerror or type(exc).__name__
    return InputError(f"{what} {path}: cannot read it ({reason[:1].lower()}{reason[1:]})",
                      code="file-unreadable")


def open_input(path: str | os.PathLike[str], what: str) -> BinaryIO:
    """``path`` opened for reading bytes.

    Raises:
        InputError: there is nothing at ``path`` (``file-missing``), or it cannot be read
            (``file-unreadable``); the message names it as ``what``.
    """
    try:
        return Path(path).open("rb")
    except (OSError, ValueError) as exc:
        raise input_error(path, what, exc) from None


def read_start(path: str | os.PathLike[str], what: str, size: int) -> bytes:
    """The first ``size`` bytes of the file at ``path`` (all of it when it is shorter).

    Raises:
        InputError: as :func:`open_input`, or reading fails (``file-unreadable``).
    """
    with open_input(path, what) as handle:
        try:
            return handle.read(size)
        except OSError as exc:
            raise input_error(path, what, exc) from None


def read_input(path: str | os.PathLike[str], what: str, most: int, limit_name: str) -> bytes:
    """The bytes of the file at ``path``, of which there may be at most ``most``: a huge
    file or an endless device is refused after reading only that much.

    Raises:
        InputError: as :func:`read_start`; or the file holds more than ``most`` bytes (the
            limit called ``limit_name``).
    """
    return too_large(read_start(path, what, most + 1), f"{what} {path}", most, limit_name)


def too_large(data: bytes, where: str, most: int, limit_name: str) -> bytes:
    """``data``, read as ``most + 1`` bytes at most, if it is not more than ``most``.

    Raises:
        InputError: it is; the message starts with ``where``.
    """
    if len(data) > most:
        raise InputError(f"{where}: more than {most} bytes; at most {most} ({limit_name})")
    return data


def present(path: str | os.PathLike[str], what: str) -> bool:
    """Whether something is at ``path``: False when nothing is.

    Raises:
        InputError: whether something is there cannot be told (``file-unreadable``: a
            folder on the way may not be entered).
    """
    try:
        os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return False
    except (OSError, ValueError) as exc:
        raise input_error(path, what, exc) from None
    return True
