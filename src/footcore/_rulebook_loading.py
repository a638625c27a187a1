"""Loading a rulebook: its TOML files (a directory, one file, or the rulebook shipped with
footcore) or its data read into parts, and the parts assembled into a :class:`Rulebook`:
checked (:mod:`footcore._rulebook_checks`), compiled (:mod:`footcore._rulebook_compiling`),
held to the safety floor, and given the digest of their content.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import attrs
from cattrs.errors import ClassValidationError, IterableValidationError

from ._conditions import FACT_FIELDS, CompiledRule, FactType
from ._convert import CONVERTER, describe_error
from ._enums import ENGINE_ACTIONS, RULE_ACTIONS, Action
from ._errors import FootcoreError, InputError, RulebookError
from ._jsonparse import parse_json
from ._limits import limit
from ._models import Exercise
from ._rulebook import Param, Rule, Rulebook, RulebookMeta, Stage
from ._rulebook_checks import (
        check_exercises,
    check_ids,
    check_ladder,
    check_limits,
    check_params,
    check_source,
    check_stage,
    check_ways_forward,
    not_a_rule_action,
)
from ._rulebook_compiling import _domain, compile_rule
from ._safety import floor_breaches
from ._tomlparse import read_toml

__all__ = [
    "assemble",
    "default_rules_dir",
    "load_rulebook",
    "rulebook_data",
    "rulebook_from_data",
    "rulebook_from_text",
    "rulebook_text",
]

# ---------------------------------------------------------------- reading files


def default_rules_dir() -> Traversable:
    """The shipped rulebook: inside the installed wheel, or the checkout's ``rules/``."""
    shipped = resources.files("footcore") / "rules"
    if shipped.is_dir():
        return shipped
    return Path(__file__).resolve().parents[2] / "rules"


def _toml_files(root: Traversable) -> Iterator[Traversable]:
    if root.is_file():
        yield root
        return
    if not root.is_dir():
        raise RulebookError(f"no rulebook here: {root} is not a directory or a TOML file")
    files = sorted((f for f in root.iterdir() if f.name.endswith(".toml") and f.is_file()),
                   key=lambda f: f.name)
    if not files:
        raise RulebookError(f"no rulebook here: {root} holds no .toml files")
    if len(files) > limit("rulebook_files"):
        raise RulebookError(f"{root} holds {len(files)} .toml files; at most "
                            f"{limit('rulebook_files')} (rulebook_files)")
    yield from files


@attrs.define
class _Tables:
    meta: list[tuple[str, Any]] = attrs.Factory(list)
    params: dict[str, tuple[str, Any]] = attrs.Factory(dict)
    exercise: list[tuple[str, Any]] = attrs.Factory(list)
    stage: list[tuple[str, Any]] = attrs.Factory(list)
    rule: list[tuple[str, Any]] = attrs.Factory(list)


def _read(root: Traversable) -> _Tables:
    tables = _Tables()
    try:
        files = list(_toml_files(root))
    except OSError as exc:
        raise RulebookError(f"cannot read {root} ({exc})") from None
    for file in files:
        data = read_toml(file)
        for key, value in data.items():
            if key == "rulebook":
                tables.meta.append((file.name, value))
            elif key == "params":
                if not isinstance(value, dict):
                    raise RulebookError("must be a table of parameters", file=file.name,
                                        field="params")
                for name, param in value.items():
                    if name in tables.params:
                        raise RulebookError("defined twice", file=file.name,
                                            item=f"param {name}")
                    tables.params[name] = (file.name, param)
            elif key in ("exercise", "stage", "rule"):
                if not isinstance(value, list):
                    raise RulebookError(f"write it as [[{key}]] tables", file=file.name,
                                        field=key)
                getattr(tables, key).extend((file.name, item) for item in value)
            else:
                raise RulebookError(
                    "unknown top-level table; accepted: rulebook, params, exercise, stage, rule",
                    file=file.name, field=key)
    return tables


def _structure(data: Any, kind: type[Any], file: str, what: str) -> Any:
    named = isinstance(data, dict) and "id" in data
    item = f"{what} {data['id']!s:.{limit('id_length')}}" if named else f"{what} without an id"
    if not isinstance(data, dict):
        raise RulebookError("must be a table", file=file, item=item)
    try:
        return CONVERTER.structure(data, kind)
    except (ClassValidationError, IterableValidationError, FootcoreError, TypeError,
            ValueError, KeyError) as exc:
        raise RulebookError(describe_error(exc), file=file, item=item) from None


# ---------------------------------------------------------------- the rulebook as data


def _content(meta: RulebookMeta, params: Mapping[str, Param], exercises: Mapping[str, Exercise],
             stages: Iterable[Stage], rules: Iterable[Rule]) -> dict[str, Any]:
    content: dict[str, Any] = CONVERTER.unstructure({
        "meta": meta, "params": dict(sorted(params.items())),
        "exercises": sorted(exercises.values(), key=lambda e: e.id),
        "stages": sorted(stages, key=lambda s: s.order), "rules": list(rules),
    }, unstructure_as=dict[str, Any])
    # The recorded digest is not part of the content it records: the rulebook's own digest
    # leaves it out, so recording it changes nothing else.
    del content["meta"]["digest"]
    return content


def _digest(meta: RulebookMeta, params: Mapping[str, Param], exercises: Mapping[str, Exercise],
            stages: list[Stage], rules: list[Rule]) -> str:
    text = json.dumps(_content(meta, params, exercises, stages, rules), sort_keys=True,
                      separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def rulebook_data(rulebook: Rulebook) -> dict[str, Any]:
    """The rulebook's whole content as JSON data (what its digest hashes, and the digest
    recorded beside its version): the compact form in which it travels to other processes
    or machines. :func:`rulebook_from_data` reads it."""
    content = _content(rulebook.meta, rulebook.params, rulebook.exercises, rulebook.stages,
                       rulebook.rules)
    if rulebook.meta.digest is not None:
        content["meta"]["digest"] = rulebook.meta.digest
    return content


def rulebook_from_data(data: Mapping[str, Any], *, location: str,
                       allow_unsafe: bool = False) -> Rulebook:
    """The rulebook :func:`rulebook_data` gave, validated and compiled again (below the
    safety floor only with ``allow_unsafe``, as :func:`load_rulebook`).

    Raises:
        RulebookError: the data is not a whole rulebook; the message names the part.
    """
    missing = {"meta", "params", "exercises", "stages", "rules"} - set(data)
    if missing:
        raise RulebookError(f"rulebook data lacks {', '.join(sorted(missing))}", file=location)
    return assemble(
        _structure(data["meta"], RulebookMeta, location, "rulebook"),
        {name: _structure(value, Param, location, f"param {name}")
         for name, value in data["params"].items()},
        [_structure(item, Exercise, location, "exercise") for item in data["exercises"]],
        [_structure(item, Stage, location, "stage") for item in data["stages"]],
        [_structure(item, Rule, location, "rule") for item in data["rules"]],
        location=location, allow_unsafe=allow_unsafe)


def rulebook_text(rulebook: Rulebook) -> str:
    """A rulebook as text that another process, or a store, keeps: its content and whether
    it was loaded below the safety floor on purpose (``allow_unsafe``), so it is loaded the
    same way again. :func:`rulebook_from_text` reads it, with the same digest."""
    return json.dumps({"content": rulebook_data(rulebook), "unsafe": bool(rulebook.unsafe)},
                      separators=(",", ":"), ensure_ascii=False, sort_keys=True)


def rulebook_from_text(text: object, location: str) -> Rulebook:
    """The rulebook :func:`rulebook_text` wrote.

    Raises:
        RulebookError: the text is not a rulebook that text; the message names ``location``.
    """
    try:
        data = parse_json(text, "rulebook") if isinstance(text, str) else None
    except InputError as exc:
        raise RulebookError(f"not a rulebook's text ({exc})", file=location) from None
    if not (isinstance(data, dict) and isinstance(data.get("content"), dict)
            and isinstance(data.get("unsafe"), bool)):
        raise RulebookError("not a rulebook's text (content and unsafe)", file=location)
    return rulebook_from_data(data["content"], location=location, allow_unsafe=data["unsafe"])


# ---------------------------------------------------------------- loading


def load_rulebook(path: str | Path | Traversable | None = None, *,
                  allow_unsafe: bool = False) -> Rulebook:
    """Load, validate and compile a rulebook.

    Args:
        path: a directory of TOML files, or one TOML file; ``None`` loads the rulebook that
            ships with footcore (the article's).
        allow_unsafe: load a rulebook that breaks the safety floor (pause first in the
            precedence, the load-raising actions last, a default action that does not raise
            the load, sharp or persistent pain pauses), for experiments: every decision
            made under it says so, in ``decision.rulebook.unsafe`` and in its explanation.

    Raises:
        RulebookError: anything wrong, with the file, the item and the field named.
        InputError: ``path`` is not a path.
    """
    if path is not None and not isinstance(path, str | Path | Traversable):
        raise InputError(f"path: got {type(path).__name__}; accepted: a directory or TOML "
                         f"file path, or None for the shipped rulebook")
    root: Traversable = default_rules_dir() if path is None else (
        Path(path) if isinstance(path, str | Path) else path)
    tables = _read(root)
    if len(tables.meta) != 1:
        raise RulebookError(f"needs exactly one [rulebook] table; found {len(tables.meta)}",
                            file=", ".join(f for f, _ in tables.meta) or None)
    files: dict[str, str] = {}
    meta_file, meta_data = tables.meta[0]
    meta: RulebookMeta = _structure(meta_data, RulebookMeta, meta_file, "rulebook")
    files["rulebook"] = meta_file
    check_ids([(file, name) for name, (file, _) in tables.params.items()], "param")
    params: dict[str, Param] = {}
    for name, (file, data) in tables.params.items():
        params[name] = _structure(data, Param, file, f"param {name}")
        files[f"param {name}"] = file
    found: dict[str, list[Any]] = {"exercise": [], "stage": [], "rule": []}
    for what, kind in (("exercise", Exercise), ("stage", Stage), ("rule", Rule)):
        items = getattr(tables, what)
        check_ids([(f, d["id"]) for f, d in items
                 if isinstance(d, dict) and isinstance(d.get("id"), str)], what)
        for file, data in items:
            item = _structure(data, kind, file, what)
            found[what].append(item)
            files[f"{what} {item.id}"] = file
    return assemble(meta, params, found["exercise"], found["stage"], found["rule"],
                    location=str(root), files=files, allow_unsafe=allow_unsafe)


def assemble(meta: RulebookMeta, params: Mapping[str, Param], exercises: Iterable[Exercise],
             stages: Iterable[Stage], rules: Iterable[Rule], *, location: str,
             files: Mapping[str, str] | None = None, allow_unsafe: bool = False) -> Rulebook:
    """Validate and compile a rulebook from its parts (as :func:`load_rulebook` does after
    reading the files); use it to derive a changed rulebook from a loaded one.

    Args:
        files: the file each part came from, keyed ``"param NAME"``, ``"stage ID"``, ...,
            for error messages; parts not listed are reported as from ``location``.
        allow_unsafe: accept a rulebook that breaks the safety floor (see
            :func:`load_rulebook`); the breaches are kept in ``Rulebook.unsafe``.

    Raises:
        RulebookError: anything wrong, with the file, the item and the field named.
    """
    known = dict(files or {})

    def of(what: str) -> defaultdict[str, str]:
        table: defaultdict[str, str] = defaultdict(lambda: location)
        table.update({key.removeprefix(f"{what} "): file for key, file in known.items()
                      if key.startswith(f"{what} ")})
        return table

    missing_ease = Action.EASE not in meta.precedence and sorted(
        (*meta.precedence, Action.EASE)) == sorted(RULE_ACTIONS)
    if missing_ease:  # a rulebook written before ease (0.x)
        raise RulebookError("lacks 'ease' (a lighter week at the same dose, P9): put it "
                            "between 'deload' and 'hold'", file=known.get("rulebook", location),
                            item="rulebook", field="precedence")
    if engine_own := [a for a in meta.precedence if a in ENGINE_ACTIONS]:
        raise RulebookError(not_a_rule_action(engine_own[0]),
                            file=known.get("rulebook", location), item="rulebook",
                            field="precedence")
    if (sorted(meta.precedence) != sorted(RULE_ACTIONS)
            or len(meta.precedence) != len(RULE_ACTIONS)):
        raise RulebookError(f"must list every action exactly once, most conservative first "
                            f"(as footcore ranks them: {', '.join(reversed(RULE_ACTIONS))})",
                            file=known.get("rulebook", location), item="rulebook",
                            field="precedence")
    if meta.default_action in ENGINE_ACTIONS:
        raise RulebookError(not_a_rule_action(meta.default_action),
                            file=known.get("rulebook", location), item="rulebook",
                            field="default_action")
    params = dict(params)
    ladder, written = list(stages), sorted(rules, key=lambda r: r.id)
    param_files, stage_files, rule_files = of("param"), of("stage"), of("rule")
    check_limits([(known.get("rulebook", location), "rulebook", meta),
                   *((param_files[n], f"param {n}", p) for n, p in params.items()),
                   *((stage_files[s.id], f"stage {s.id}", s) for s in ladder),
                   *((rule_files[r.id], f"rule {r.id}", r) for r in written)])
    listed = list(exercises)
    for what, ids in (("param", [(param_files[n], n) for n in params]),
                      ("exercise", [(of("exercise")[e.id], e.id) for e in listed]),
                      ("stage", [(stage_files[s.id], s.id) for s in ladder])):
        check_ids(ids, what)
    check_params(params, param_files)
    catalogue = {ex.id: ex for ex in listed}
    check_exercises(catalogue, of("exercise"))
    for stage in ladder:
        check_stage(stage, params, catalogue, stage_files[stage.id])
    check_ladder(ladder, stage_files)
    ladder.sort(key=lambda s: s.order)

    # Rules go by id: the file a rule sits in is no matter.
    check_ids([(rule_files[r.id], r.id) for r in written], "rule")
    compiled: list[CompiledRule] = []
    for rule in written:
        file = rule_files[rule.id]
        if rule.action in ENGINE_ACTIONS:
            raise RulebookError(not_a_rule_action(rule.action), file=file,
                                item=f"rule {rule.id}", field="action")
        check_source(rule.source, rule.rationale, file, f"rule {rule.id}")
        compiled.append(compile_rule(rule, params, ladder, catalogue, file))
    check_ways_forward(ladder, written, stage_files)
    breaches = floor_breaches(meta.precedence, meta.default_action, compiled, lambda name: (
        _domain(FACT_FIELDS[FactType.SYMPTOM][name], ladder, catalogue)))
    if breaches and not allow_unsafe:
        field, message = breaches[0]
        raise RulebookError(
            f"below the safety floor: {message}; fix it, or load with allow_unsafe=True to "
            f"experiment", file=known.get("rulebook", location) if field != "rule" else
            ", ".join(sorted({rule_files[r.id] for r in written})) or location,
            item="rulebook" if field != "rule" else "pause rules", field=field)
    return Rulebook(
        meta=meta, params=params, exercises=catalogue, stages=tuple(ladder),
        rules=tuple(written), compiled=tuple(compiled),
        digest=_digest(meta, params, catalogue, ladder, written), location=location,
        unsafe=tuple(message for _, message in breaches),
    )
