"""Building models from values already known to be valid, without checking them again.

Every model checks its fields when an app builds or decodes one. The engine derives each
part of a decision from a state, a check-in and a rulebook that were checked already, so
re-running those checks on every object it builds would only repeat them: it builds with
:func:`trusted` instead. The property tests rebuild every part of the engine's decisions
through the checking constructors, so what the engine builds stays within the models'
rules.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import attrs

__all__ = ["trusted"]

T = TypeVar("T")
_BUILT: dict[type, Callable[..., Any]] = {}


def trusted(kind: type[T]) -> Callable[..., T]:
    """A constructor of the attrs class ``kind`` that takes every field, by position or by
    name, and runs no converter, validator or post-init check.

    Its source names only the class's own fields (identifiers of footcore's models, which
    never start with an underscore); the class and its slot setters reach it through its
    namespace.
    """
    build = _BUILT.get(kind)
    if build is None:
        build = _BUILT[kind] = _generate(kind)
    return build


def _generate(kind: Any) -> Callable[..., Any]:
    fields = [field.name for field in attrs.fields(kind)]
    namespace: dict[str, Any] = {"_new": object.__new__, "_kind": kind}
    lines = [f"def build({', '.join(fields)}):", "    _made = _new(_kind)"]
    for number, name in enumerate(fields):
        namespace[f"_set{number}"] = getattr(kind, name).__set__
        lines.append(f"    _set{number}(_made, {name})")
    lines.append("    return _made")
    exec(compile("\n".join(lines), f"<footcore trusted {kind.__name__}>", "exec"), namespace)
    build: Callable[..., Any] = namespace["build"]
    return build
