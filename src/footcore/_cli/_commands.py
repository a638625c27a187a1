"""The commands that work on athletes and rulebooks: simulate, evaluate, plan, explain,
new-athlete, lint, and the JSON Schemas (schema)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from contextlib import nullcontext
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from .._audit import AuditLog, AuditLogError, AuditRecord, _existing
from .._chart import check_chart, render_chart
from .._convert import to_json
from .._engine import Engine
from .._enums import Goal
from .._errors import InputError, RulebookError
from .._explain import explain
from .._inputs import present
from .._models import AthleteState, CheckIn, Decision
from .._rulebook_loading import load_rulebook
from .._schema import SCHEMA_TYPES, schema_text
from .._simulate import Scenario, checkins, is_back_off, simulate
from .._store import open_store
from .._store._location import redact
from ..analysis._digest import digest_findings
from ..analysis._lint import ERROR, Finding, lint, safety
from ._common import add_command, check_rulebook_path, day_argument, engine_from, print_json
from ._files import (
    read_decision,
    read_model,
    read_scenario,
    replacing,
    write_jsonl,
    write_text,
)
from ._progress import Progress
from ._reports import explained
from ._sources import expect
from ._stamp import stamp_rulebook
from ._style import paint_for
from ._text import findings_text, plan_text, timeline_text

if TYPE_CHECKING:
    from ._common import Commands

__all__ = ["add_commands"]


def _simulate(args: argparse.Namespace) -> int:
    scenario = read_scenario(args.scenario)
    chart = bool(args.out) and not args.no_chart
    if chart:
        check_chart("give --no-chart to write only the decisions")
    engine = engine_from(args)
    weeks = [week for week, _ in checkins(scenario)]
    bar = Progress("simulate", len(weeks), "check-ins", sys.stderr, lines=False)
    try:
        decisions = simulate(engine, scenario, progress=bar)
    finally:
        bar.close()
    if args.out:
        out = Path(args.out)
        write_jsonl(out / "decisions.jsonl", decisions)
        if chart:
            render_chart(decisions, engine.rulebook, out / "chart.png", title=scenario.title,
                         description=scenario.description)
    if args.json:
        print_json(_timeline_data(scenario, weeks, decisions))
        return 0
    print(timeline_text(scenario, weeks, decisions, engine.rulebook, paint_for(sys.stdout)))
    if args.out:
        wrote = f"{out / 'chart.png'} and " if chart else ""
        print(f"Wrote {wrote}{out / 'decisions.jsonl'}; explain a row with: "
              f"footcore explain {out / 'decisions.jsonl'} NUMBER")
    return 0


def _timeline_data(scenario: Scenario, weeks: Sequence[int],
                   decisions: Sequence[Decision]) -> dict[str, object]:
    """The timeline as JSON data: the scenario, then one row per check-in, numbered from 1
    as the text and ``explain DECISIONS.jsonl N`` number them."""
    first = decisions[0]
    return {
        "scenario": {"title": scenario.title, "athlete": scenario.athlete,
                     "goal": scenario.goal, "start": scenario.start,
                     "history": scenario.history},
        "rulebook": first.rulebook, "backend": first.backend,
        "timeline": [{"number": number, "week": week, "on": d.answered.on,
                      "completed": d.answered.completed, "stage": d.state.stage,
                      "dose_level": d.state.dose_level, "action": d.action,
                      "back_off": is_back_off(d), "paused": d.state.paused,
                      "rules": [f.rule_id for f in d.winners]}
                     for number, (week, d) in enumerate(zip(weeks, decisions, strict=True), 1)],
    }


def _logged_once(path: str, decision: Decision) -> tuple[AuditRecord, bool]:
    """Append ``decision`` to the log unless the athlete's last record there is the same
    evaluation (a re-run after the state file was not written); the record, and whether it
    is new."""
    log = AuditLog(path)
    last = None
    try:
        for record in log.records():
            if record.decision.state.athlete_id == decision.state.athlete_id:
                last = record
    except AuditLogError:
        pass  # a damaged log: append refuses it and says what is wrong
    if last is not None and (last.decision.prior_state, last.decision.checkin) == (
            decision.prior_state, decision.checkin):
        return last, False
    try:
        return log.append(decision), True
    except OSError as exc:
        raise InputError(f"audit log {path}: cannot write it ({exc.strerror or exc})"
                         ) from None


def _in_store(args: argparse.Namespace, engine: Engine, checkin: CheckIn) -> tuple[Decision, str]:
    """Check in through the store (adding the athlete from --state when new); the decision
    and what was recorded."""
    given = read_model(args.state, AthleteState, "state file") if args.state else None
    athlete = args.athlete or (given.athlete_id if given else None)
    if athlete is None:
        raise InputError("--store: name the athlete with --athlete ID, or give --state FILE "
                         "to add a new one")
    if given is not None and given.athlete_id != athlete:
        raise InputError(f"state file {args.state}: is athlete {given.athlete_id!r}, "
                         f"not --athlete {athlete!r}")
    expect(args.store, "store", f"--log {redact(args.store)}")
    # Only a command that can add the athlete creates a store: a mistyped path is an error.
    with open_store(args.store, create=given is not None) as store:
        note = f"Created a footcore store in {store.location}. " if store.created else ""
        try:
            before = store.state(athlete)
        except InputError:
            if given is None:
                raise
            store.add_athlete(given)
            before = given
            note += f"Added athlete {athlete} to {store.location}. "
        else:
            if given is not None and given != before:
                raise InputError(f"state file {args.state}: athlete {athlete!r} is in the "
                                 f"store with another state; leave out --state to use it")
        decision = store.check_in(engine, athlete, checkin)
    if decision.prior_state != before:
        return decision, (f"{note}Check-in {checkin.id} was recorded before (a retry): this "
                          f"is the decision stored for it; nothing new was recorded.")
    return decision, f"{note}Recorded in {store.location}."


def _evaluate(args: argparse.Namespace) -> int:
    if args.store and args.log:
        args.parser.error("--log and --store: choose one (the store keeps the decisions)")
    if not args.store and (args.athlete or not args.state):
        args.parser.error("give --state STATE.json (--athlete goes with --store)")
    if args.state == "-" and args.checkin == "-":
        args.parser.error("only one of --state and --checkin can be read from standard input")
    if args.log:
        expect(args.log, "log", f"--store {redact(args.log)}")
    checkin = read_model(args.checkin, CheckIn, "check-in file")
    engine = engine_from(args)
    if args.store:
        decision, note = _in_store(args, engine, checkin)
    else:
        decision = engine.evaluate(read_model(args.state, AthleteState, "state file"), checkin)
        note = ""
    # The new state is written beside its file first and put in place only once the
    # decision is logged: a log that refuses it leaves the state file as it was, and a
    # re-run after a failure finds the decision logged already and does not log it twice.
    text = to_json(decision.state, indent=2) + "\n"
    with replacing(args.next_state, text, "state file") if args.next_state else nullcontext():
        if args.log:
            record, new = _logged_once(args.log, decision)
            note = (f"Logged to {args.log} as record {record.seq + 1} (hash "
                    f"{record.hash[:12]})." if new else
                    f"Already in {args.log} as record {record.seq + 1} (a re-run): not "
                    f"logged again.")
    if args.json:
        print(to_json(decision, indent=2))
        return 0
    print(explained(decision))
    if args.next_state:
        print(f"\nNew state written to {args.next_state}.")
    if note:
        print(note)
    return 0


def _plan(args: argparse.Namespace) -> int:
    state = read_model(args.state, AthleteState, "state file")
    engine = engine_from(args)
    plan = engine.plan(state)
    if args.json:
        print_json(plan)
    else:
        print(plan_text(plan, engine.rulebook))
    return 0


def _whole(text: str) -> int:
    if not text.isdigit():
        raise InputError(f"N: expected a whole number, got {text!r}")
    return int(text)


def _logged(path: str, number: int) -> Decision:
    """Record ``number`` of an audit log (1 first: the record whose ``seq`` is
    ``number - 1``)."""
    count = 0
    for record in _existing(path).records():
        count += 1
        if record.seq == number - 1:
            return record.decision
    raise InputError(f"audit log {path}: no record {number}; it holds {count}, numbered "
                     f"from 1")


def _explain(args: argparse.Namespace) -> int:
    given = args.target
    if args.log:
        if len(given) != 1:
            args.parser.error("with --log, give the record's number N (see audit history)")
        number: int | None = _whole(given[0])
    else:
        if not 1 <= len(given) <= 2:
            args.parser.error("give DECISION.json, or a JSON Lines file and a number N")
        number = _whole(given[1]) if len(given) == 2 else None
    if number == 0:
        raise InputError("N: decisions and records are numbered from 1")
    decision = (_logged(args.log, number) if args.log and number is not None
                else read_decision(given[0], number))
    if args.json:
        print_json(explain(decision, format="dict"))
    else:
        print(explained(decision))
    return 0


def _new_athlete(args: argparse.Namespace) -> int:
    if args.out and present(args.out, "state file") and not args.force:
        raise InputError(f"state file {args.out}: exists already, and replacing it would lose "
                         f"that athlete's progress; give another file, or --force")
    state = engine_from(args).new_athlete(
        args.athlete_id, goal=Goal(args.goal), start=args.start or date.today(),
        prior_foot_ankle_problems=args.history, clinician_cleared=args.cleared)
    text = to_json(state, indent=2) + "\n"
    if args.out:
        write_text(args.out, text, "state file")
        print(f"Wrote {args.out}: {state.athlete_id} starts on {state.stage} on "
              f"{state.started_on}.")
    else:
        print(text, end="")
    return 0


def _lint(args: argparse.Namespace) -> int:
    check_rulebook_path(args.rules_dir)
    where = args.rules_dir or "the shipped rulebook"
    if args.stamp and args.rules_dir is None:
        raise InputError("--stamp: give RULES_DIR, the rulebook to record the digest in "
                         "(the shipped one is not changed)")
    stamped_in = None
    try:
        rulebook = load_rulebook(args.rules_dir)
        if args.stamp:
            stamped_in, rulebook = stamp_rulebook(args.rules_dir, rulebook)
    except RulebookError as exc:
        findings: tuple[Finding, ...] = (Finding(ERROR, "schema", where, str(exc)),)
    else:
        found = lint(rulebook) + safety(rulebook) + digest_findings(
            rulebook, f"footcore lint {args.rules_dir or 'RULES_DIR'} --stamp")
        findings = tuple(sorted(found, key=lambda f: f.level != ERROR))
        where = f"{where} ({rulebook.id} {rulebook.version}, {len(rulebook.rules)} rules)"
    errors = sum(1 for f in findings if f.level == ERROR)
    failed = bool(errors or (args.strict and findings))
    stamp = {"stamped": str(stamped_in) if stamped_in else None} if args.stamp else {}
    if args.json:
        print_json({"rulebook": where, "findings": [f.to_data() for f in findings],
                    "errors": errors,
                    "warnings": len(findings) - errors, "strict": args.strict,
                    "ok": not failed, **stamp})
    else:
        if stamped_in:
            print(f"Recorded digest {rulebook.digest[:12]} beside version "
                  f"{rulebook.version} in {stamped_in}.")
        print(findings_text(findings, where, paint_for(sys.stdout)))
    return 1 if failed else 0


def _schema(args: argparse.Namespace) -> int:
    print(schema_text(SCHEMA_TYPES[args.type]), end="")
    return 0


def add_commands(commands: Commands) -> None:
    """Declare simulate, evaluate, plan, explain, new-athlete, lint and schema."""
    cmd = add_command(
        commands, "simulate", _simulate,
        "Play a scripted athlete through the engine and print the timeline.",
        "  footcore init my-footcore && cd my-footcore\n"
        "  footcore simulate scenarios/runner_arch_irritation.toml --out out/\n"
        "  (writes out/chart.png, stage and dose over time with back-offs marked, and\n"
        "   out/decisions.jsonl, every decision as one line of JSON)", backend=True,
        json="the timeline")
    cmd.add_argument("scenario", metavar="SCENARIO.toml",
                     help="the scenario (footcore init writes examples to DIR/scenarios)")
    cmd.add_argument("--out", metavar="DIR",
                     help="also write DIR/decisions.jsonl and DIR/chart.png (the chart needs "
                          "footcore[plots])")
    cmd.add_argument("--no-chart", action="store_true",
                     help="with --out, write the decisions only")

    cmd = add_command(
        commands, "evaluate", _evaluate,
        "Decide what an athlete does next after one check-in, and say why.",
        "  footcore new-athlete a-17 --goal runner --start 2026-01-05 --out state.json\n"
        "  echo '{\"on\": \"2026-01-07\", \"completed\": true, \"minutes\": 18}' > checkin.json\n"
        "  footcore evaluate --state state.json --checkin checkin.json --next-state state.json\n"
        "  echo '{\"on\": \"2026-01-09\", \"completed\": false}' | \\\n"
        "    footcore evaluate --state state.json --checkin - --next-state state.json\n"
        "  footcore evaluate --store footcore.db --state state.json --checkin checkin.json\n"
        "  footcore evaluate --store footcore.db --athlete a-17 --checkin checkin2.json",
        backend=True, json="the whole decision (instead of the explanation)")
    cmd.add_argument("--state", metavar="STATE.json",
                     help="the athlete's state (from new-athlete, or a previous evaluate; - "
                          "reads standard input); with --store, only to add a new athlete")
    cmd.add_argument("--checkin", required=True, metavar="CHECKIN.json",
                     help="the check-in (- reads standard input): on, completed, minutes, "
                          "symptoms, compensations, metrics, clinician_cleared")
    cmd.add_argument("--next-state", metavar="FILE",
                     help="write the new state here (it may be the --state file)")
    cmd.add_argument("--log", metavar="AUDIT.jsonl",
                     help="append the decision to this audit log (created if missing)")
    cmd.add_argument("--store", metavar="STORE",
                     help="decide from the athlete's state in this store (a SQLite file or a "
                          "postgresql:// URL) and record the decision there")
    cmd.add_argument("--athlete", metavar="ID", help="with --store: whose check-in it is")

    cmd = add_command(
        commands, "plan", _plan, "Print the week's plan for an athlete's state as a table.",
        "  footcore plan --state state.json", json="the plan")
    cmd.add_argument("--state", required=True, metavar="STATE.json",
                     help="the athlete's state (- reads standard input)")

    cmd = add_command(
        commands, "explain", _explain,
        "Explain a decision in plain language: what it does, which rules made it so, and "
        "what the next step still needs.",
        "  footcore evaluate --state state.json --checkin checkin.json --json > decision.json\n"
        "  footcore explain decision.json\n"
        "  footcore explain out/decisions.jsonl 12    (row 12 of a simulation's timeline)\n"
        "  footcore explain --log audit.jsonl 3       (record 3, as audit history lists it)",
        rules=False, json="the explanation")
    cmd.add_argument("target", nargs="*", metavar="DECISION.json [N]",
                     help="a decision as JSON, or decisions as JSON Lines and which one "
                          "(1 is the first); with --log, just the record number N (1 first)")
    cmd.add_argument("--log", metavar="AUDIT.jsonl", help="read the decision from an audit log")

    cmd = add_command(
        commands, "new-athlete", _new_athlete,
        "Make the starting state of a new athlete, as JSON.",
        "  footcore new-athlete a-17 --goal runner --start 2026-01-05 --out state.json\n"
        "  footcore new-athlete w-3 --goal everyday --history --out walker.json")
    cmd.add_argument("athlete_id", metavar="ATHLETE_ID", help="the athlete's id in your app")
    cmd.add_argument("--goal", required=True, choices=[g.value for g in Goal],
                     help="what the athlete trains for")
    cmd.add_argument("--start", type=day_argument, metavar="YYYY-MM-DD",
                     help="first day of training (default: today)")
    cmd.add_argument("--history", action="store_true",
                     help="the athlete has had foot or ankle problems before")
    cmd.add_argument("--cleared", action="store_true",
                     help="a clinician has already cleared the athlete for every rung")
    cmd.add_argument("--out", metavar="FILE", help="write the state here, not to the screen")
    cmd.add_argument("--force", action="store_true",
                     help="with --out, replace a file that exists (its athlete's progress "
                          "is lost)")

    cmd = add_command(
        commands, "lint", _lint,
        "Check a rulebook: schema errors, then rules that never fire or never win, stages "
        "that cannot be reached or left, thresholds in the wrong order, unused parameters "
        "and exercises, the safety invariants, proved for every input (an unsafe "
        "rulebook is an error, with the smallest input that shows it), and content that "
        "changed since the digest recorded beside the version (--stamp records it). Exit "
        "code 1 when there is an error (with --strict, or a warning).",
        "  footcore init my-footcore && $EDITOR my-footcore/rules/rules-backoff.toml\n"
        "  footcore lint my-footcore/rules --strict\n"
        "  footcore lint my-footcore/rules --stamp    # after bumping the version",
        rules=False, json="the findings")
    cmd.add_argument("rules_dir", nargs="?", metavar="RULES_DIR",
                     help="rulebook folder (default: the shipped rulebook)")
    cmd.add_argument("--strict", action="store_true", help="fail on warnings too")
    cmd.add_argument("--stamp", action="store_true",
                     help="first record the rulebook's digest beside its version (after "
                          "bumping the version for changed rules), in its [rulebook] file")

    cmd = add_command(
        commands, "schema", _schema,
        "Print the JSON Schema of a document footcore reads: a check-in, an athlete's state "
        "or a decision, with every limit, for apps in other languages to validate payloads "
        "before sending them.",
        "  footcore schema checkin > checkin.schema.json", rules=False)
    cmd.add_argument("type", choices=list(SCHEMA_TYPES), metavar="TYPE",
                     help=f"one of {', '.join(SCHEMA_TYPES)}")
