"""The command line's contract holds for any file: every command, walked from the parser,
with each file it reads or writes replaced by something hostile, exits 0, 1 or 2, prints
no traceback, fails on one line, and prints no control character from its input.
A store is replaced by hostile files or damaged row by row; ``benchmarks/fuzz.py`` runs the
same generators for 10^4 runs and more."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cli_inputs import (
    BASELINES,
    argv,
    broken_contract,
    check_cli,
    commands,
    file_arguments,
    filled,
    fresh,
    hostile_runs,
    make_workspace,
    run,
)
from footcore._cli import build_parser

PAIRS = sorted({(command, name) for command, template in BASELINES
                for name in filled(template)})


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_workspace(tmp_path_factory.mktemp("cli-fuzz") / "valid")


def test_every_command_has_a_baseline_that_names_each_of_its_files() -> None:
    """A new command, or a new file argument, is fuzzed once it has a baseline here (in
    tests/cli_inputs.py): this fails until it does."""
    parser = build_parser()
    found = dict(commands(parser))
    assert {command for command, _ in BASELINES} == set(found)
    for command, sub in found.items():
        given_files: set[str] = set()
        for name, template in BASELINES:
            if name == command:
                args = vars(parser.parse_args([*command.split(), *template.split()]))
                given_files |= {dest for dest, value in args.items()
                                if "{" in str(value)}
        assert file_arguments(sub) <= given_files, (command, file_arguments(sub) - given_files)


@pytest.mark.parametrize(("command", "template"), BASELINES, ids=[" ".join(b) for b in
                                                                   BASELINES])
def test_each_baseline_runs(workspace: Path, tmp_path: Path, command: str,
                            template: str) -> None:
    done = run(argv(command, template, fresh(workspace, tmp_path / "w")))
    assert done.code == 0 and broken_contract(done) is None, done


@settings(max_examples=4, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(data=st.data())
@pytest.mark.parametrize(("command", "name"), PAIRS, ids=[f"{c}-{n}" for c, n in PAIRS])
def test_hostile_files(workspace: Path, tmp_path: Path, command: str, name: str,
                       data: st.DataObject) -> None:
    root = fresh(workspace, tmp_path / "w")
    arguments, _ = data.draw(hostile_runs(root, command, name))
    check_cli(arguments, Counter())

