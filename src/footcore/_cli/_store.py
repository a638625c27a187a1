"""The commands over a store: ``store
verify|state|history|export|import|load|checkpoint|checkpoints|init``; ``store upgrade``,
which moves every athlete to another rulebook; ``store override|goal``, which record a
coach's or clinician's override and a change of goal in the athlete's chain; and ``store
export-athlete|erase``, one athlete's data and its erasure.

Commands that only read open the store read-only, so a mistyped path is an error (the
store is missing) instead of a new, empty store that verifies; ``init``, ``import``,
``load`` and ``evaluate --store --state`` (which add athletes) are the ones that create a store;
``override`` and ``goal`` need one that exists.
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._audit_records import refuse_to_write_over_a_database
from .._convert import CONVERTER, to_json
from .._enums import REASONS, RULE_ACTIONS, ChangeKind, Goal, Role
from .._models import AthleteState, Decision
from .._population._histories import read_histories
from .._store import Store, open_store
from .._store._location import redact
from .._store._sign import read_key
from .._words import counted
from ._common import (
    add_command,
    day_argument,
    engine_from,
    print_json,
    rulebook_from,
    show_help,
    stage_mapping,
)
from ._files import replacing
from ._reports import explained, print_history, print_report
from ._sources import expect

if TYPE_CHECKING:
    from ._common import Commands

__all__ = ["add_store_commands", "reading", "store_history", "store_verify"]

STORE_HELP = "a SQLite file or a postgresql:// URL"


def reading(source: str, instead: str) -> Store:
    """The store at ``source``, opened read-only (it must exist); an audit log or another
    JSON Lines file given for it is refused, naming the command ``instead``.

    Raises:
        InputError: ``source`` is a log (code ``wrong-source``).
        StoreError: there is no store at ``source``.
    """
    expect(source, "store", instead)
    return open_store(source, readonly=True)


def store_verify(args: argparse.Namespace, source: str) -> int:
    """Verify the store at ``source`` (with ``args.public_key``, its checkpoints) and print
    the report; 1 when something is wrong."""
    expect(source, "store", f"footcore audit verify {redact(source)}")
    key = read_key(args.public_key, private=False) if args.public_key else None
    with open_store(source, readonly=True) as store:
        return print_report(args, store.verify(public_key=key))


def store_history(args: argparse.Namespace, source: str, athlete: str) -> int:
    """Print the athlete's timeline in the store at ``source``; 1 when they have none."""
    with reading(source, f"footcore audit history {redact(source)} {athlete}") as store:
        return print_history(args, store.history(athlete), store.location, athlete)


def _verify(args: argparse.Namespace) -> int:
    return store_verify(args, args.source)


def _history(args: argparse.Namespace) -> int:
    return store_history(args, args.source, args.athlete)


def _state_text(location: str, state: AthleteState) -> str:
    """The state's main fields, one a line, for a person."""
    lines = [f"{location}: athlete {state.athlete_id}",
             f"  goal: {state.goal.value}",
             f"  stage: {state.stage}, dose step {state.dose_level}",
             f"  started on: {state.started_on}",
             f"  last check-in: {state.last_checkin_on or 'none yet'}",
             f"  back-off: {state.backoff.value}"
             + (f" until {state.backoff_until}" if state.backoff_until else ""),
             f"  paused: {'yes' if state.paused else 'no'}; clinician cleared: "
             f"{'yes' if state.clinician_cleared else 'no'}"]
    return "\n".join(lines)


def _state(args: argparse.Namespace) -> int:
    source = redact(args.source)
    with reading(args.source, f"footcore audit history {source} {args.athlete}") as store:
        state = store.state(args.athlete)
    if args.json:
        print_json(state)
    else:
        print(_state_text(store.location, state))
    return 0


def _export(args: argparse.Namespace) -> int:
    source = redact(args.source)
    with reading(args.source, f"footcore audit verify {source} (it is a log already)"
                 ) as store:
        count = store.export_jsonl(args.out)
    if args.json:
        print_json({"source": store.location, "out": args.out, "records": count})
    else:
        print(f"Wrote {counted(count, 'record')} from {store.location} to {args.out}.")
    return 0


def _import(args: argparse.Namespace) -> int:
    source, log = redact(args.source), redact(args.log)
    expect(args.source, "store", f"footcore store import STORE {source}")
    expect(args.log, "log", f"footcore store export {log} OUT.jsonl, and import OUT.jsonl")
    with open_store(args.source) as store:  # importing adds athletes: it may create
        report = store.import_jsonl(args.log)
    if args.json:
        print_json({**CONVERTER.unstructure(report), "created": store.created})
    else:
        print(f"Created a footcore store in {store.location}. {report}" if store.created
              else report)
    return 0


def _load(args: argparse.Namespace) -> int:
    source = redact(args.source)
    expect(args.source, "store", f"footcore store load STORE {source}")
    engine = engine_from(args)
    # The first history read before the store is opened: a mistyped or wrong histories
    # file leaves no new, empty store behind.
    histories = read_histories(args.histories)
    first = next(histories, None)
    with open_store(args.source) as store:  # loading adds athletes: it may create
        report = store.load_histories(engine, chain([first] if first else [], histories),
                                      chunk_athletes=args.chunk, by=args.by,
                                      role=args.role)
    if args.json:
        print_json({**CONVERTER.unstructure(report), "source": store.location,
                    "created": store.created})
    else:
        print(f"{store.location}: {report}" + (" (store created)" if store.created else ""))
    return 0


def _checkpoint(args: argparse.Namespace) -> int:
    source = redact(args.source)
    expect(args.source, "store", f"footcore audit verify {source} --head HASH (a log is "
                                 f"not signed)")
    key = read_key(args.key, private=True)
    with open_store(args.source, create=False) as store:
        checkpoint = store.checkpoint(key)
    if args.json:
        print_json(checkpoint)
    else:
        print(f"{store.location}: checkpoint {checkpoint.number} signs the chain heads of "
              f"{counted(len(checkpoint.heads), 'athlete')} "
              f"(key {checkpoint.public_key[:12]}).")
    return 0


def _signed_line(checkpoint: dict[str, Any]) -> str:
    """One stored checkpoint, for a person: what its body says, not whether it verifies."""
    number = checkpoint["number"]
    if checkpoint["format"] is None:
        return f"  checkpoint {number}: not a checkpoint footcore reads (store verify says why)"
    line = (f"  checkpoint {number}: format {checkpoint['format']}, made "
            f"{checkpoint['made_at']}, key {checkpoint['public_key'][:12]}")
    if checkpoint["redacted"]:
        line += ", redacted by erasure (signature no longer checkable)"
    return line


def _erasure_line(erasure: dict[str, Any]) -> str:
    """One stored tombstone, for a person."""
    try:
        data = json.loads(erasure["body"])
        said = (f": athlete erased on {data['erased_on']} by {data['by']}, "
                f"{counted(len(data['hashes']), 'record')}")
    except (TypeError, ValueError, KeyError):
        said = ": not a tombstone footcore reads (store verify says why)"
    return f"  erasure {str(erasure['hash'])[:12]}{said}"


def _checkpoints(args: argparse.Namespace) -> int:
    source = redact(args.source)
    with reading(args.source, f"footcore audit verify {source} --head HASH (a log is not "
                              f"signed)") as store:
        data = store.export_checkpoints(salt=args.salt)
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return 0
    print(f"{store.location}: {counted(len(data['checkpoints']), 'checkpoint')}, "
          f"{counted(len(data['erasures']), 'erasure')}")
    for checkpoint in data["checkpoints"]:
        print(_signed_line(checkpoint))
    for erasure in data["erasures"]:
        print(_erasure_line(erasure))
    if "salt" in data:
        print(f"  salt: {data['salt']}")
    if data["checkpoints"] or data["erasures"]:
        print(f"Each body as stored and its signature: footcore store checkpoints "
              f"{source} --json")
    return 0


def _init(args: argparse.Namespace) -> int:
    source = redact(args.source)
    expect(args.source, "store", f"footcore store import NEW.db {source} to make a store "
                                 f"of it")
    with open_store(args.source, create=True) as store:
        athletes = len(store.athletes())
    if args.json:
        print_json({"source": store.location, "created": store.created, "athletes": athletes,
                    "upgraded": store.upgraded})
    elif store.created:
        print(f"Created a footcore store in {store.location}.")
    elif store.upgraded:
        print(f"{store.location}: upgraded the store to schema {store.schema} "
              f"({counted(athletes, 'athlete')}).")
    else:
        print(f"{store.location} is a footcore store already ({counted(athletes, 'athlete')}); "
              f"nothing changed.")
    return 0


def _upgrade(args: argparse.Namespace) -> int:
    source = redact(args.source)
    expect(args.source, "store", f"footcore impact OLD_RULES NEW_RULES {source} (to preview "
                                 f"a rulebook change over a log)")
    engine = engine_from(args)
    older = [rulebook_from(path) for path in args.old_rules]
    with open_store(args.source, create=False) as store:
        report = store.upgrade(engine, on=args.on or date.today(), by=args.by,
                               role=args.role, reason=args.reason, comment=args.comment,
                               mapping=stage_mapping(args.map), rulebooks=older)
    if args.json:
        print_json(report)
    else:
        print(report)
    return 0


def _export_athlete(args: argparse.Namespace) -> int:
    source = redact(args.source)
    if args.out is not None:
        refuse_to_write_over_a_database(Path(args.out), "export file")
    with reading(args.source, f"footcore audit history {source} {args.athlete}") as store:
        data = store.export_athlete(args.athlete)
    text = json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    if args.out is None:
        print(text, end="")
        return 0
    with replacing(args.out, text, "export file", mode=0o600):  # personal data: theirs only
        pass
    if args.json:
        print_json({"source": store.location, "out": args.out,
                    "records": len(data["records"])})
    else:
        print(f"Wrote athlete {args.athlete}'s data ({counted(len(data['records']), 'record')}) "
              f"from {store.location} to {args.out}.")
    return 0


def _erase(args: argparse.Namespace) -> int:
    expect(args.source, "store", "footcore store erase on the store that holds the athlete "
                                 "(an audit log is append-only: it erases nothing)")
    with open_store(args.source, create=False) as store:
        receipt = store.erase(args.athlete, by=args.by, role=args.role, reason=args.reason,
                              comment=args.comment)
    if args.json:
        print_json({**CONVERTER.unstructure(receipt), "source": store.location})
        return 0
    print(f"{store.location}: {receipt}; tombstone {receipt.hash[:12]}.")
    if receipt.redacted:
        print(f"Checkpoints {', '.join(map(str, receipt.redacted))} named the athlete and "
              f"were redacted: their signatures can no longer be checked.")
    print(f"Sign a checkpoint to anchor the erasure: footcore store checkpoint "
          f"{store.location} --key PRIVATE.pem")
    return 0


def _source(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("source", metavar="STORE", help=STORE_HELP)


def add_store_commands(commands: Commands) -> None:
    """Declare ``store`` (verify, state, history, export, import, load, checkpoint,
    checkpoints, init, upgrade, override, goal, export-athlete, erase)."""
    store = commands.add_parser(
        "store", help="Verify, read, export, import or sign a store of athletes and "
                      "decisions; export or erase one athlete.",
        description="Verify, read, export, import or sign a store of athletes and "
                    "decisions (a SQLite file or a PostgreSQL URL) that evaluate --store "
                    "writes; export or erase one athlete. Commands that only read open it "
                    "read-only and never create it.",
        epilog="example:\n  footcore store verify footcore.db\n"
               "  footcore store export footcore.db audit.jsonl\n"
               "  footcore store checkpoint footcore.db --key signing.pem",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    show_help(store)
    actions = store.add_subparsers(dest="store_command", metavar="ACTION")

    cmd = add_command(
        actions, "verify", _verify,
        "Check every athlete's hash chain in the store: report every edited, removed, "
        "moved or inserted record; with --public-key, check the signed checkpoints. Exit "
        "code 1 when something is wrong.",
        "  footcore store verify footcore.db\n"
        "  footcore store verify footcore.db --public-key signing.pub.pem", rules=False,
        json="the report")
    _source(cmd)
    cmd.add_argument("--public-key", metavar="PUBLIC.pem",
                     help="the checkpoint signer's Ed25519 public key (PEM)")

    cmd = add_command(
        actions, "state", _state,
        "Print an athlete's current state in the store: stage, dose step, back-off, last "
        "check-in (all of it with --json).",
        "  footcore store state footcore.db a-17 --json > a-17.json", rules=False,
        json="the whole state")
    _source(cmd)
    cmd.add_argument("athlete", metavar="ATHLETE_ID")

    cmd = add_command(
        actions, "history", _history,
        "One athlete's decisions in the store, oldest first: record number, date, stage, "
        "dose step, action, why. Exit code 1 when there are none.",
        "  footcore store history footcore.db a-17", rules=False, json="the rows")
    _source(cmd)
    cmd.add_argument("athlete", metavar="ATHLETE_ID")

    cmd = add_command(
        actions, "export", _export,
        "Write every decision of the store to an audit log (JSON Lines), athlete by athlete; "
        "the store is verified first.",
        "  footcore store export footcore.db audit.jsonl\n"
        "  footcore audit verify audit.jsonl", rules=False, json="what was written")
    _source(cmd)
    cmd.add_argument("out", metavar="OUT.jsonl")

    cmd = add_command(
        actions, "import", _import,
        "Add the athletes and decisions of an audit log (an export, or evaluate --log's) to "
        "a store, rebuilding each athlete's chain; the store is created if missing.",
        "  footcore store import postgresql://app@db/footcore audit.jsonl", rules=False,
        json="what was imported")
    _source(cmd)
    cmd.add_argument("log", metavar="AUDIT.jsonl")

    cmd = add_command(
        actions, "load", _load,
        "Add many athletes with their histories (a file of JSON Lines, one athlete a line, "
        "as footcore impact reads) to a store, each check-in and change decided under "
        "--rules and recorded as check-ins one at a time would record them, in one "
        "transaction per --chunk athletes; the store is created if missing.",
        "  footcore store load footcore.db athletes.jsonl --chunk 200", json="what was loaded")
    _source(cmd)
    cmd.add_argument("histories", metavar="HISTORIES.jsonl")
    cmd.add_argument("--chunk", type=int, default=100, metavar="N",
                     help="athletes a transaction (default: 100)")
    cmd.add_argument("--by", metavar="WHO",
                     help="who sent the check-ins, recorded in each decision (default: none)")
    cmd.add_argument("--role", choices=[r.value for r in Role], metavar="ROLE",
                     help="the sender's role, with --by (default: athlete)")

    cmd = add_command(
        actions, "checkpoint", _checkpoint,
        "Sign the heads of all athletes' chains with an Ed25519 private key "
        "(needs footcore[sign]); store verify --public-key checks them.",
        "  openssl genpkey -algorithm ed25519 -out signing.pem\n"
        "  openssl pkey -in signing.pem -pubout -out signing.pub.pem\n"
        "  footcore store checkpoint footcore.db --key signing.pem", rules=False,
        json="the checkpoint")
    _source(cmd)
    cmd.add_argument("--key", required=True, metavar="PRIVATE.pem",
                     help="the Ed25519 private key, PEM, unencrypted")

    cmd = add_command(
        actions, "checkpoints", _checkpoints,
        "Print the store's signed checkpoints and the tombstones of its erased athletes; "
        "with --json, each body exactly as stored (a checkpoint's as signed) and its "
        "signature, for a verifier in another language (docs/spec/checkpoints.md). "
        "Nothing is verified: store verify --public-key does that.",
        "  footcore store checkpoints footcore.db\n"
        "  footcore store checkpoints footcore.db --json > checkpoints.json\n"
        "  node verify.mjs audit.jsonl --checkpoint checkpoints.json --public-key "
        "signing.pub.pem", rules=False, json="the checkpoints and tombstones")
    _source(cmd)
    cmd.add_argument("--salt", action="store_true",
                     help="also print the store's salt, which checking one athlete's export "
                          "against a checkpoint needs (whoever has it can test a guessed id "
                          "against the digests)")

    cmd = add_command(
        actions, "init", _init,
        "Create an empty store (a SQLite file, or footcore's tables in a PostgreSQL "
        "database); on a store that exists, say so and change nothing.",
        "  footcore store init footcore.db\n"
        "  footcore store init postgresql://app@db/footcore", rules=False,
        json="whether it was created")
    _source(cmd)

    cmd = add_command(
        actions, "upgrade", _upgrade,
        "Move every athlete of the store to the rulebook --rules: an upgrade record for each, "
        "at the same stage (or the one --map names), one transaction per athlete. Nothing is "
        "written when an athlete's stage has no place in the new rulebook; run it again after "
        "a crash to move the rest. Preview it first with footcore impact OLD NEW STORE.",
        "  footcore impact rules-1.0 rules-2.0 footcore.db\n"
        "  footcore store upgrade footcore.db --rules rules-2.0 --by ops:kim "
        "--reason rulebook-release --map arch-basics=activation", rules=False,
        json="the report")
    _source(cmd)
    cmd.add_argument("--rules", required=True, metavar="DIR",
                     help="the rulebook folder to move to (no default: an upgrade names "
                          "its rulebook, so it never moves athletes back to the shipped one)")
    cmd.add_argument("--by", required=True, metavar="WHO",
                     help="who upgrades, recorded in each athlete's chain (ops:kim)")
    cmd.add_argument("--on", type=day_argument, metavar="YYYY-MM-DD",
                     help="the day of the upgrade (default: today)")
    cmd.add_argument("--role", default="operator",
                     help="their role: athlete, coach, clinician, app or operator "
                          "(default: operator)")
    cmd.add_argument("--reason", help="a reason code: rulebook-release, correction or other")
    cmd.add_argument("--comment", help="in your own words")
    cmd.add_argument("--map", action="append", default=[], metavar="OLD=NEW",
                     help="the new stage of an old stage whose id changed (repeat for each)")
    cmd.add_argument("--old-rules", action="append", default=[], metavar="DIR",
                     help="a rulebook athletes are on that the store does not keep (a store "
                          "written before footcore kept them); repeat for each")

    cmd = add_command(
        actions, "export-athlete", _export_athlete,
        "Write everything the store holds about one athlete as JSON (GDPR Art. 20): their "
        "state and every record with its decision, plans and hashes; verified first. "
        "Without OUT.json, print it.",
        "  footcore store export-athlete footcore.db a-17 a-17.json", rules=False,
        json="what was written (with OUT.json)")
    _source(cmd)
    cmd.add_argument("athlete", metavar="ATHLETE_ID")
    cmd.add_argument("out", metavar="OUT.json", nargs="?",
                     help="the file to write (readable by its owner only)")

    cmd = add_command(
        actions, "erase", _erase,
        "Erase an athlete (GDPR Art. 17): their state, decisions and id go, in one "
        "transaction; a tombstone that names them by a salted digest stays, so store "
        "verify still checks every chain and checkpoint and reports the erasure.",
        "  footcore store export-athlete footcore.db a-17 a-17.json\n"
        "  footcore store erase footcore.db a-17 --by dpo --reason gdpr-art-17",
        rules=False, json="the erasure's receipt")
    _source(cmd)
    cmd.add_argument("athlete", metavar="ATHLETE_ID")
    cmd.add_argument("--by", required=True, metavar="WHO",
                     help="who erases: an id such as dpo or ops:sam")
    cmd.add_argument("--reason", required=True, metavar="CODE",
                     help="why: " + ", ".join(REASONS[ChangeKind.ERASURE]))
    cmd.add_argument("--role", default="operator", metavar="ROLE",
                     help=f"the role of whoever erases: {', '.join(Role)} (default: "
                          f"operator)")
    cmd.add_argument("--comment", metavar="TEXT",
                     help="a note kept in the tombstone (nothing personal)")

    _add_change_commands(actions)


# ------------------------------------------------------------ overrides and goal changes

_CLEARANCE = {"yes": True, "no": False}


def _recorded(args: argparse.Namespace, decision: Decision, location: str) -> int:
    """Print the decision recorded in the store at ``location``: as JSON (``--json``), or
    explained, with where it went."""
    if args.json:
        print(to_json(decision, indent=2))
    else:
        print(explained(decision))
        print(f"Recorded in {location}.")
    return 0


def _changing(source: str) -> Store:
    """The store at ``source``, opened to record a change in it: it must exist (a log
    given for it is refused, as a mistyped path is)."""
    expect(source, "store", f"footcore store import STORE {redact(source)}, then record "
                            f"the change in that store")
    return open_store(source, create=False)


def _override(args: argparse.Namespace) -> int:
    engine = engine_from(args)
    with _changing(args.source) as store:
        decision = store.override(
            engine, args.athlete, on=args.on, by=args.by, role=args.role, reason=args.reason,
            action=args.action, comment=args.comment,
            clearance=None if args.clearance is None else _CLEARANCE[args.clearance])
    return _recorded(args, decision, store.location)


def _goal(args: argparse.Namespace) -> int:
    engine = engine_from(args)
    with _changing(args.source) as store:
        decision = store.change_goal(engine, args.athlete, args.goal, on=args.on, by=args.by,
                                     role=args.role, reason=args.reason, comment=args.comment)
    return _recorded(args, decision, store.location)


def _who_and_why(cmd: argparse.ArgumentParser, kind: ChangeKind, roles: list[str],
                 needed: bool) -> None:
    """The options every change takes: the day, who made it in which role, why."""
    cmd.add_argument("--on", required=True, type=day_argument, metavar="YYYY-MM-DD",
                     help="the day of the change (on or after the athlete's last record)")
    cmd.add_argument("--by", required=True, metavar="WHO",
                     help="who makes the change, as the app names them (coach:maria)")
    cmd.add_argument("--role", required=needed, choices=roles,
                     help="the part they play for the athlete")
    cmd.add_argument("--reason", required=needed, choices=REASONS[kind], metavar="CODE",
                     help=f"why, a code of: {', '.join(REASONS[kind])}")
    cmd.add_argument("--comment", metavar="TEXT", help="why, in their own words")


def _add_change_commands(actions: Commands) -> None:
    """Declare ``store override`` and ``store goal``."""
    cmd = add_command(
        actions, "override", _override,
        "Record a coach's or clinician's override of the engine in the athlete's chain: "
        "the action they choose in place of the rules' (or a clinician's clearance), who "
        "and why; print it explained. An unsafe override (anything but a pause for a "
        "paused athlete without a clinician's clearance, a rise on the day the rules "
        "backed off) is refused with exit code 2, and nothing is recorded.",
        "  footcore store override footcore.db a-17 --on 2026-03-02 --by coach:maria \\\n"
        "      --role coach --action hold --reason travel --comment 'away until the 20th'\n"
        "  footcore store override footcore.db a-17 --on 2026-03-09 --by clinician:dr-lee \\\n"
        "      --role clinician --clearance yes --reason assessed-cleared",
        json="the decision recorded")
    _source(cmd)
    cmd.add_argument("athlete", metavar="ATHLETE_ID")
    _who_and_why(cmd, ChangeKind.OVERRIDE, [Role.COACH.value, Role.CLINICIAN.value], True)
    cmd.add_argument("--action", choices=[a.value for a in RULE_ACTIONS],
                     help="the action chosen (default: what --clearance means: a paused "
                          "athlete cleared resumes with a deload)")
    cmd.add_argument("--clearance", choices=list(_CLEARANCE),
                     help="a clinician gives (yes) or withdraws (no) the clearance P10 needs")

    cmd = add_command(
        actions, "goal", _goal,
        "Record a change of the athlete's goal in their chain (P12): the same rung and "
        "dose with the new goal's sessions; print it explained.",
        "  footcore store goal footcore.db a-17 strength --on 2026-03-02 --by athlete:a-17 "
        "\\\n      --role athlete --reason new-sport",
        json="the decision recorded")
    _source(cmd)
    cmd.add_argument("athlete", metavar="ATHLETE_ID")
    cmd.add_argument("goal", metavar="GOAL", choices=[g.value for g in Goal],
                     help=f"the new goal: {', '.join(g.value for g in Goal)}")
    _who_and_why(cmd, ChangeKind.GOAL, [r.value for r in Role], False)
