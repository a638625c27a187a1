"""Hostile files for every command of the command line, and the check every run must pass.
Shared by tests/test_cli_fuzz.py (a few hundred runs) and benchmarks/fuzz.py (10^4 and
more).

The commands and their file arguments come from walking ``footcore._cli.build_parser()``;
each command has a baseline run (``BASELINES``) that succeeds on valid files, and a run is
that baseline with one of its files replaced by something hostile: a valid file broken by
the generators of ``fuzz_inputs``, text carrying terminal escape sequences, a damaged
store, or bytes and paths no file of that kind should be (binary data, empty, deep
nesting, huge numbers, a folder, a missing path, a symbolic link loop).

The contract each run is checked against: exit code 0, 1 or 2; no traceback; on exit code
2 one line on standard error; and no control character from the input on either stream.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import re
import shutil
import sqlite3
import tempfile
import tomllib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import attrs
from hypothesis import strategies as st

import footcore as fc
import footcore.audit
import footcore.impact
from footcore._cli import build_parser, main
from footcore._cli._project import path_kind
from footcore._simulate import parse_scenario, simulate
from fuzz_inputs import EXTREME_JSON, EXTREME_TEXT, RULEBOOK, json_texts, toml_edits

# ---------------------------------------------------------------- the commands


# Commands that serve until stopped, so no baseline run of theirs ends: tests/test_service.py
# starts them, refuses their bad arguments and stops them.
SERVING = frozenset({"serve run"})


def commands(parser: argparse.ArgumentParser | None = None,
             path: tuple[str, ...] = ()) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """(``"audit verify"``, its parser) for every command that runs something and ends."""
    parser = parser or build_parser()
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        if " ".join(path) not in SERVING:
            yield " ".join(path), parser
        return
    for name, sub in subs[0].choices.items():
        yield from commands(sub, (*path, name))


def file_arguments(parser: argparse.ArgumentParser) -> set[str]:
    """The ``dest`` of every argument of ``parser`` that names a file or a folder."""
    return {a.dest for a in parser._actions if path_kind(a) is not None}


# A valid run of every command; ``{name}`` is the file or folder ``name`` of the workspace.
BASELINES: tuple[tuple[str, str], ...] = (
    ("init", "{out_dir}"),
    ("completion", "bash"),
    ("schema", "checkin"),
    ("simulate", "{scenario} --rules {rules} --backend native --out {out_dir} --no-chart"),
    ("evaluate", "--state {state} --checkin {checkin} --rules {rules} --backend native "
                 "--next-state {out_file} --log {log}"),
    ("evaluate", "--store {store} --athlete a-1 --checkin {later} --backend native --json"),
    ("plan", "--state {state} --rules {rules}"),
    ("explain", "{decision}"),
    ("explain", "{decisions} 2"),
    ("explain", "--log {log} 1 --json"),
    ("new-athlete", "a-2 --goal runner --start 2026-01-05 --rules {rules} --out {out_file}"),
    ("lint", "{rules}"),
    ("report", "{decisions} a-1 --no-chart --rules {rules} --out {out_dir}"),
    ("report", "{log} a-1 --no-chart --out {out_dir}"),
    ("report", "{store} a-1 --no-chart --out {out_dir}"),
    ("audit verify", "{log}"),
    ("audit verify", "--store {store} --public-key {public_key}"),
    ("audit replay", "{log} --rules {rules} --backend native"),
    ("audit replay", "--store {store} --backend native --json"),
    ("audit history", "{log} a-1"),
    ("audit history", "--store {store} a-1 --json"),
    ("store verify", "{store} --public-key {public_key} --json"),
    ("store state", "{store} a-1"),
    ("store history", "{store} a-1 --json"),
    ("store init", "{out_file}"),
    ("store export", "{store} {out_file}"),
    ("store import", "{store} {other_log}"),
    ("store load", "{out_file} {athletes} --rules {rules} --json"),
    ("store checkpoint", "{store} --key {private_key}"),
    ("store checkpoints", "{store} --salt"),
    ("store checkpoints", "{store} --json"),
    ("store upgrade", "{store} --rules {new_rules} --old-rules {rules} --by ops --on 2030-01-01 "
                      "--json"),
    ("store override", "{store} a-1 --on 2030-01-01 --by coach:maria --role coach --action "
                       "hold --reason travel --comment 'away' --rules {rules} --json"),
    ("store goal", "{store} a-1 strength --on 2030-01-01 --by athlete --rules {rules}"),
    ("store export-athlete", "{store} a-1 {out_file}"),
    ("store erase", "{store} a-1 --by dpo --reason other --json"),
    ("impact", "{rules} {new_rules} {athletes} --workers 1 --backend native"),
    ("impact", "{rules} {rules} {decisions} --workers 1 --backend native --json"),
    ("impact", "{rules} {new_rules} {log} --workers 1 --backend native --report {out_dir}"),
    ("impact", "{rules} {rules} {store} --workers 1 --backend native"),
    ("serve token add", "app --scopes read,write --tokens {out_file}"),
)

# What each file of the workspace holds; the outputs are paths nothing is at yet.
INPUTS = ("state", "checkin", "later", "decision", "decisions", "log", "other_log", "athletes",
          "scenario", "rules", "new_rules", "store", "private_key", "public_key")
OUTPUTS = ("out_dir", "out_file")
_NAMES = {"rules": "rules", "new_rules": "new-rules", "out_dir": "out", "out_file": "out.json",
          "scenario": "scenario.toml", "store": "footcore.db", "private_key": "signing.pem",
          "public_key": "signing.pub.pem", "decisions": "decisions.jsonl", "log": "audit.jsonl",
          "other_log": "other.jsonl", "athletes": "athletes.jsonl"}


def file_name(name: str) -> str:
    return _NAMES.get(name, f"{name}.json")


def argv(command: str, template: str, root: Path) -> list[str]:
    """The baseline's arguments, its ``{name}`` placeholders made paths under ``root``."""
    return [*command.split(), *(str(root / file_name(word[1:-1])) if word.startswith("{")
                                else word for word in template.split())]


def filled(template: str) -> set[str]:
    """The names of the files a baseline reads or writes."""
    return {word[1:-1] for word in template.split() if word.startswith("{")}


# ---------------------------------------------------------------- running a command


_PROGRESS = re.compile(r"^\w+: \d+ of \d+ ")
# Control characters no output may hold: C0 but tab and newline, DEL, C1, bidirectional
# overrides and isolates, lone surrogates.
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


@attrs.frozen
class Run:
    code: int
    out: str
    err: str


def run(arguments: list[str]) -> Run:
    """``footcore ARGUMENTS`` in this process, its output captured."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(arguments)
    return Run(code, out.getvalue(), err.getvalue())


def broken_contract(done: Run) -> str | None:
    """What in the run breaks the command line's contract, or None."""
    if done.code not in (0, 1, 2):
        return f"exit code {done.code}"
    if "Traceback" in done.err:
        return "a traceback"
    errors = [line for line in done.err.splitlines() if not _PROGRESS.match(line)]
    if done.code == 2 and len(errors) != 1:
        return f"{len(errors)} error lines"
    for name, text in (("standard output", done.out), ("standard error", done.err)):
        found = UNSAFE.search(text)
        if found:
            return f"a raw {found.group()!r} on {name}"
    return None


def check_cli(arguments: list[str], outcomes: Counter[str]) -> Run:
    """Run the command and count its outcome: accepted (exit code 0, or 1: a problem
    found), refused (2) or escaped (anything that breaks the contract, which raises an
    AssertionError)."""
    try:
        done = run(arguments)
    except BaseException as exc:  # main must not raise: count it as an escape
        outcomes["escaped"] += 1
        raise AssertionError(f"{type(exc).__name__} escaped footcore "
                             f"{' '.join(arguments)[:300]}") from exc
    problem = broken_contract(done)
    if problem:
        outcomes["escaped"] += 1
        raise AssertionError(f"footcore {' '.join(arguments)[:300]}: {problem}\n"
                             f"stderr: {done.err[-500:]!r}\nstdout: {done.out[-300:]!r}")
    outcomes["refused" if done.code == 2 else "accepted"] += 1
    return done


def check_store(path: Path, outcomes: Counter[str]) -> None:
    """Open the store at ``path`` and read all of it (verify, then each athlete's state,
    decisions and history): a FootcoreError is a refusal, anything else escapes."""
    try:
        with fc.open_store(path) as store:
            store.verify()
            for athlete in store.athletes():
                store.state(athlete)
                store.decisions(athlete)
                store.history(athlete)
    except fc.FootcoreError:
        outcomes["refused"] += 1
    except Exception as exc:
        outcomes["escaped"] += 1
        raise AssertionError(f"{type(exc).__name__} escaped reading the store: "
                             f"{str(exc)[:200]}") from exc
    else:
        outcomes["accepted"] += 1


# ---------------------------------------------------------------- the valid workspace


def _scenario_text() -> str:
    return ('title = "Fuzz"\ndescription = "Two weeks, then sharp pain."\n'
            'athlete = "a-1"\ngoal = "runner"\nstart = 2026-01-05\n\n'
            '[[week]]\nrepeat = 2\nmetrics = { balance_eyes_open_s = 40 }\n\n'
            '[[week]]\ndone = 2\nmissed = 1\nreport_at = 2\n'
            'symptoms = [{ kind = "sharp_pain", location = "arch", severity = 7 }]\n')


def make_workspace(root: Path) -> Path:
    """Valid files for every baseline in ``root``, made by the command line itself."""
    root.mkdir(parents=True, exist_ok=True)
    path = {name: root / file_name(name) for name in (*INPUTS, *OUTPUTS)}
    shutil.copytree(RULEBOOK.location, path["rules"])
    shutil.copytree(RULEBOOK.location, path["new_rules"])
    params = path["new_rules"] / "params.toml"
    params.write_text(params.read_text(encoding="utf-8").replace(
        "[params.irritation_rest_min]\nvalue = 4", "[params.irritation_rest_min]\nvalue = 3"),
        encoding="utf-8")
    path["scenario"].write_text(_scenario_text(), encoding="utf-8")
    engine = fc.Engine(RULEBOOK, backend="native")
    decisions = simulate(engine, parse_scenario(tomllib.loads(_scenario_text())))
    path["decisions"].write_text("".join(fc.to_json(d) + "\n" for d in decisions),
                                 encoding="utf-8")
    first = decisions[0]
    path["state"].write_text(fc.to_json(first.prior_state), encoding="utf-8")
    path["checkin"].write_text(fc.to_json(first.checkin), encoding="utf-8")
    path["decision"].write_text(fc.to_json(first, indent=2), encoding="utf-8")
    path["later"].write_text(fc.to_json(decisions[1].checkin), encoding="utf-8")
    log = fc.audit.AuditLog(path["log"])
    for decision in decisions:
        log.append(decision)
    other = fc.audit.AuditLog(path["other_log"])
    state = engine.new_athlete("b-1", goal=fc.Goal.EVERYDAY, start=first.checkin.on)
    other.append(engine.evaluate(state, first.checkin))
    with fc.open_store(path["store"]) as store:
        store.add_athlete(first.prior_state)
        store.check_in(engine, "a-1", first.checkin)
    fc.impact.write_histories(path["athletes"], [fc.impact.History.of(first.prior_state,
                                                         [d.checkin for d in decisions])])
    _keys(path["private_key"], path["public_key"])
    return root


def _keys(private: Path, public: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    private.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                          serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    public.write_bytes(key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))


# ---------------------------------------------------------------- hostile contents


# What reaches a terminal when printed raw: the window title, clearing the screen, the
# clipboard (OSC 52), an 8-bit CSI, text reversed by a bidirectional override.
CONTROL = "\x1b]0;owned\x07\x1b[2J\x1b]52;c;b3duZWQ=\x07\x9b31m\u202eevil\u2066"
# Marks for what is not a file's content: a folder, nothing, a symbolic link to itself.
FOLDER, NOTHING, LOOP = "<folder>", "<nothing>", "<loop>"
HOSTILE: tuple[bytes | str, ...] = (
    FOLDER, NOTHING, LOOP, b"", b"\n\n \n", b"\x00" * 64, bytes(range(256)), b"\xff\xfe\xfd",
    b"\xed\xa0\x80", b"[" * 100_000, b"{" * 60_000, b'{"a": ' + b"9" * 5000 + b"}",
    b"9" * 5000, b'"\\ud800"', b'{"state": "\\udc00", "checkins": []}',
    b"SQLite format 3\x00" + b"\x00" * 200, b"SQLite format 3\x00" + bytes(range(256)) * 8,
    b"x = " + b"[" * 100_000, ("a." * 5000 + "a = 1").encode(), b"x = " + b"9" * 5000,
    CONTROL.encode(), json.dumps({"summary": CONTROL}).encode(),
    json.dumps({"state": {"athlete_id": CONTROL}, "checkins": []}).encode() + b"\n",
    b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    b"\r\n" * 10, b'{"on": "2026-01-07", "completed": true}\r\n' * 3,
)


def place(path: Path, content: bytes | str) -> None:
    """Put ``content`` at ``path`` instead of what is there (a mark: that kind of path)."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)
    if content == FOLDER:
        path.mkdir()
    elif content == LOOP:
        path.symlink_to(path.name)
    elif isinstance(content, bytes):
        path.write_bytes(content)


def _text(draw: st.DrawFn) -> str:
    """Text for a string field: an extreme one, or terminal escapes."""
    return draw(st.sampled_from([*EXTREME_TEXT, CONTROL, f"a{CONTROL}b"]))


def _injected(draw: st.DrawFn, text: str) -> str:
    """JSON ``text`` with one of its strings made to carry terminal escapes."""
    strings = [m.span() for m in re.finditer(r'"(?:[^"\\]|\\.)*"(?!\s*:)', text)]
    if not strings:
        return text
    start, end = draw(st.sampled_from(strings))
    return text[:start] + json.dumps(_text(draw)) + text[end:]


def _json_file(draw: st.DrawFn, kind: type, base: Path) -> bytes:
    how = draw(st.sampled_from(["broken", "escapes"]))
    if how == "broken":
        return draw(json_texts(kind)).encode("utf-8", "surrogatepass")
    return _injected(draw, base.read_text(encoding="utf-8")).encode()


def _json_lines(draw: st.DrawFn, base: Path, kind: type | None) -> bytes:
    lines = base.read_text(encoding="utf-8").splitlines()
    at = draw(st.integers(0, len(lines) - 1))
    how = draw(st.sampled_from(["broken", "escapes", "raw", "cut"]))
    if how == "broken" and kind is not None:
        lines[at] = draw(json_texts(kind))
    elif how == "raw":
        lines[at] = draw(st.sampled_from(EXTREME_JSON))
    elif how == "cut":
        lines = [*lines[:at], lines[at][:draw(st.integers(0, len(lines[at])))]]
        return "\n".join(lines).encode()
    else:
        lines[at] = _injected(draw, lines[at])
    return ("\n".join(lines) + "\n").encode("utf-8", "surrogatepass")


def _rules(draw: st.DrawFn, folder: Path) -> None:
    """Edit one file of the rulebook copy in ``folder``: broken, or with escapes in a
    string (a summary, a name, a cue...)."""
    name, text = draw(toml_edits())
    if draw(st.booleans()):
        file = folder / draw(st.sampled_from(sorted(p.name for p in folder.glob("*.toml"))))
        text = file.read_text(encoding="utf-8")
        strings = [m.span() for m in re.finditer(r'(?<== )"[^"\n]*"', text)]
        start, end = draw(st.sampled_from(strings))
        escaped = json.dumps(_text(draw))  # a JSON string is a TOML basic string here
        (folder / file.name).write_text(text[:start] + escaped + text[end:], encoding="utf-8")
        return
    (folder / name).write_text(text, encoding="utf-8")


def _scenario(draw: st.DrawFn, base: Path) -> bytes:
    text = base.read_text(encoding="utf-8")
    _, edited = draw(toml_edits({"scenario.toml": text}))
    if draw(st.booleans()):
        return edited.encode()
    return text.replace('"Fuzz"', json.dumps(_text(draw))).encode()


@st.composite
def damaged_stores(draw: st.DrawFn, path: Path) -> str:
    """Damage the SQLite store at ``path``: a row's column given a hostile value, bytes of
    the file changed, or the file cut short. Says what was done."""
    how = draw(st.sampled_from(["row", "row", "bytes", "cut"]))
    if how == "row":
        table, column = draw(st.sampled_from(STORE_COLUMNS))
        value = draw(st.sampled_from(STORE_VALUES))
        try:
            with contextlib.closing(sqlite3.connect(path)) as db, db:
                db.execute(f"UPDATE {table} SET {column} = ?", (value,))
        except sqlite3.IntegrityError:  # a constraint of the schema keeps that value out
            return f"{table}.{column} = {value!r:.60}: refused by the schema"
        return f"{table}.{column} = {value!r:.60}"
    data = bytearray(path.read_bytes())
    if how == "cut":
        del data[draw(st.integers(16, len(data))):]
    else:
        for _ in range(draw(st.integers(1, 8))):
            data[draw(st.integers(16, len(data) - 1))] = draw(st.integers(0, 255))
    path.write_bytes(bytes(data))
    return f"{how} bytes"


STORE_COLUMNS = [("footcore_meta", "value"), ("footcore_athletes", "state"),
                 ("footcore_athletes", "records"), ("footcore_athletes", "head"),
                 ("footcore_athletes", "athlete_id"), ("footcore_plans", "plan"),
                 ("footcore_decisions", "decision"), ("footcore_decisions", "seq"),
                 ("footcore_decisions", "prev"), ("footcore_decisions", "hash"),
                 ("footcore_decisions", "checkin_id"), ("footcore_decisions", "plan")]
STORE_VALUES: list[object] = [
    "", "{", "null", "[]", "{}", "[" * 100_000, '{"a": ' + "9" * 5000 + "}", "9" * 5000,
    '"\\ud800"', CONTROL, json.dumps({"summary": CONTROL}), -1, 2**63 - 1, 1.5,
    b"\xff\x00binary", "a" * 64, "0" * 64,
]


@st.composite
def hostile_runs(draw: st.DrawFn, root: Path, command: str | None = None,
                 name: str | None = None) -> tuple[list[str], str]:
    """A baseline (of ``command``, or any) with one of its files (``name``, or any)
    replaced by something hostile, written into the workspace at ``root`` (a fresh copy of
    the valid one): the arguments and what was done. A store is replaced by a hostile file
    or damaged row by row."""
    command, template = draw(st.sampled_from([
        (c, t) for c, t in BASELINES
        if command in (None, c) and (name in filled(t) if name else filled(t))]))
    name = name or draw(st.sampled_from(sorted(filled(template))))
    path = root / file_name(name)
    kind = draw(st.sampled_from(["generic", "specific", "specific"]))
    generic_only = (*OUTPUTS, "private_key", "public_key")
    if kind == "generic" or name in generic_only:
        content = draw(st.sampled_from(HOSTILE))
        place(path, content)
        what = f"{name} = {content!r:.60}"
    else:
        what = f"{name} edited"
        if name in ("rules", "new_rules"):
            _rules(draw, path)
        elif name == "store":
            what = draw(damaged_stores(path))
        elif name == "scenario":
            path.write_bytes(_scenario(draw, path))
        elif name in ("decisions", "log", "other_log", "athletes"):
            kinds = {"decisions": fc.Decision, "athletes": None}
            path.write_bytes(_json_lines(draw, path, kinds.get(name)))
        else:
            models = {"state": fc.AthleteState, "decision": fc.Decision}
            path.write_bytes(_json_file(draw, models.get(name, fc.CheckIn), path))
    return argv(command, template, root), f"{command}: {what}"


def fresh(base: Path, parent: Path) -> Path:
    """A copy of the valid workspace ``base``, in a new folder under ``parent`` (the copies
    made before are removed: a store a command left open may still be closing in one)."""
    parent.mkdir(parents=True, exist_ok=True)
    for old in parent.iterdir():
        shutil.rmtree(old, ignore_errors=True)
    root = Path(tempfile.mkdtemp(dir=parent)) / "w"
    shutil.copytree(base, root, symlinks=True)
    return root
