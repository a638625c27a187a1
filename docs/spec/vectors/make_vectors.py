"""The test vectors of docs/spec/, made by the library itself: canonical JSON, the hash
chains, a store's export and tampered copies of it, a signed checkpoint, and a store with
format-1 checkpoints and an erasure, as ``footcore store checkpoints --json`` prints them,
with tampered copies.

    python docs/spec/vectors/make_vectors.py          # rewrite the files beside this one
    python docs/spec/vectors/make_vectors.py --check  # exit 1 if they differ from the files

Deterministic: the decisions come from a fixed season on the shipped rulebook (their
``footcore_version`` pinned, so a release does not change them), the checkpoint from a
fixed TEST-ONLY key, salt and time. tests/test_spec_vectors.py fails when the shipped
files differ from what the library makes now, so the spec cannot drift from the code.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import attrs
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import footcore as fc
import footcore.store
from footcore._audit_records import GENESIS, _encode, _hash
from footcore._audit_verify import verify_log
from footcore._convert import CONVERTER
from footcore._jsonparse import parse_json
from footcore._store._interchange import write_log
from footcore._store._rows import genesis, plan_hash, record_hash
from footcore._store._sign import Checkpoint, body, sign

HERE = Path(__file__).parent
VERSION = "0.0.0+spec"  # every decision's footcore_version, so releases leave these alone
SEED = hashlib.sha256(b"footcore spec TEST-ONLY signing key: never sign anything real").digest()
SALT = hashlib.sha256(b"footcore spec TEST-ONLY salt").digest()
MADE_AT = "2026-02-01T12:00:00+00:00"
TEST_ONLY = ("TEST-ONLY key material, published with the spec: never use it to sign a real "
             "store's checkpoints.")

# (name, JSON text as read) -> the canonical form; each shows one rule of canonical-json.md.
CANONICAL = [
    ("keys-sorted", '{"b": 1, "a": 2, "A": 3, "aa": 4, "": 5}'),
    ("nested-and-empty", '{"z": {"y": [], "x": {}}, "list": [3, 1, 2]}'),
    ("literals", '[true, false, null]'),
    ("whitespace-dropped", ' {\n  "a" :\t[ 1 , 2 ]\r\n} '),
    ("integers", '[0, -0, 7, -12, -9999999999999999, 1234567890123456]'),
    ("floats-positional", '[1.0, 1.50, -2.25, 100.0, 0.0001, 123456789012345.6, 1E2]'),
    ("floats-exponent", '[1e16, 1.5e16, 1e-5, 2.5e-7, 1e22, 1.7976931348623157e308, '
                        '5e-324]'),
    ("float-zero", '[0.0, -0.0, 0e5]'),
    ("float-shortest-digits", '[0.1, 0.30000000000000004, 3.14159265358979323846, '
                              '9007199254740993.0]'),
    ("string-escapes", r'"quote \" backslash \\ slash \/ tab \t newline \n cr \r '
                       r'bs \b ff \f nul \u0000 us \u001f del \u007f"'),
    ("string-non-ascii", r'"caf\u00e9 é ü \u2028 \ud83d\ude00 😀 \uffff"'),
    ("keys-by-code-point", '{"\uffff": 1, "\U0001f600": 2, "z": 3, "\u00e9": 4}'),
    ("dates-are-strings", '{"on": "2026-01-05"}'),
    ("nested-32-deep", "[" * 32 + "]" * 32),
]
REFUSED = [
    ("duplicate-key", '{"a": 1, "a": 2}'),
    ("nan", '[NaN]'),
    ("infinity", '[Infinity]'),
    ("overflow", '[1e400]'),
    ("integer-too-long", "[12345678901234567]"),
    ("nested-33-deep", "[" * 33 + "]" * 33),
    ("lone-high-surrogate", r'"\ud83d"'),
    ("lone-low-surrogate", r'"\ude00 x"'),
    ("trailing-comma", '[1, 2,]'),
    ("leading-zero", '[01]'),
    ("control-character-in-string", '"a\tb"'),
    ("single-quotes", "{'a': 1}"),
]


def canonical_vectors() -> dict[str, Any]:
    cases = []
    for name, text in CANONICAL:
        written = _encode(parse_json(text))
        cases.append({"name": name, "input": text, "canonical": written.decode(),
                      "utf8_hex": written.hex(), "sha256": hashlib.sha256(written).hexdigest()})
    for name, text in REFUSED:
        try:
            parse_json(text)
        except fc.InputError:
            continue
        raise AssertionError(f"the library reads {name}: {text}")
    return {"about": "canonical-json.md: each input, parsed, written canonically (UTF-8); "
                     "every refused input must be refused",
            "cases": cases, "refused": [{"name": n, "input": t} for n, t in REFUSED]}


def chain_vectors() -> dict[str, Any]:
    log, prev = [], GENESIS
    for seq, note in enumerate(["first", "second, é", "third"]):
        decision = {"note": note, "n": seq * 1.5}
        body = _encode({"decision": decision, "prev": prev, "seq": seq})
        digest = _hash(seq, prev, decision)
        assert digest == hashlib.sha256(body).hexdigest()
        log.append({"seq": seq, "prev": prev, "decision": decision,
                    "hash_input": body.decode(), "hash": digest})
        prev = digest
    athletes = [{"athlete_id": a, "input_hex": (b"footcore store 1\n" + a.encode()).hex(),
                 "genesis": genesis(a)} for a in ("a-1", "zoë")]
    plan = {"week": 1, "sessions": ["toe curl", "short foot"]}
    prior = {"week": 0, "sessions": []}
    decision = {"plan": plan, "prior_plan": prior, "state": {"athlete_id": "a-1"},
                "action": "hold"}
    row = dict(decision, plan=plan_hash(_encode(plan).decode()),
               prior_plan=plan_hash(_encode(prior).decode()))
    text = _encode(row).decode()
    first = genesis("a-1")
    return {"about": "chain.md: the log's genesis and records, each athlete's store "
                     "genesis, and a store row (plans replaced by their hashes). Toy "
                     "decisions: the hashes do not depend on what a decision holds",
            "log_genesis": {"text": "footcore audit log 1", "sha256": GENESIS},
            "log_records": log, "store_genesis": athletes,
            "store_row": {"athlete_id": "a-1", "seq": 0, "prev": first, "decision": decision,
                          "plan_hashes": {"plan": row["plan"], "prior_plan": row["prior_plan"]},
                          "row": text, "hash": record_hash(0, first, text)}}


def season(store: footcore.store.Store, engine: fc.Engine) -> None:
    """Two athletes: check-ins (one with metrics), a coach's hold, a change of goal."""
    start = date(2026, 1, 5)
    for athlete in ("a-1", "zoë"):
        store.add_athlete(engine.new_athlete(athlete, goal=fc.Goal.RUNNER, start=start))
    for n in range(2):
        store.check_in(engine, "a-1", fc.CheckIn(
            on=start + timedelta(days=2 * n), completed=True, minutes=18, id=f"a-1-{n}",
            metrics=fc.Metrics(balance_eyes_open_s=21.5, foot_fatigue=3.0) if n else
            fc.Metrics()), by="app:ios", role="app")
    store.override(engine, "a-1", on=start + timedelta(days=4), by="coach:maria", role="coach",
                   action=fc.Action.HOLD, reason="travel", comment="away until the 20th")
    store.change_goal(engine, "a-1", fc.Goal.STRENGTH, on=start + timedelta(days=5),
                      by="athlete:a-1", role="athlete", reason="new-sport",
                      comment="took up climbing")
    store.check_in(engine, "zoë", fc.CheckIn(on=start, completed=True, minutes=25,
                                             id="zoë-0"))


def pinned_export(folder: Path) -> Path:
    """The season's store export with every decision's version pinned, imported into a
    fresh store and exported again by it (the store rebuilds its chains from the log)."""
    engine = fc.Engine(fc.load_rulebook(), backend="native")
    with fc.open_store(folder / "made.db") as store:
        season(store, engine)
        decisions = [attrs.evolve(d, footcore_version=VERSION)
                     for a in store.athletes() for d in store.decisions(a)]
    write_log((CONVERTER.unstructure(d) for d in decisions), folder / "pinned.jsonl")
    with fc.open_store(folder / "store.db") as store:
        store.import_jsonl(folder / "pinned.jsonl")
        store.export_jsonl(folder / "export.jsonl")
    return folder / "export.jsonl"


def store_chains(text: str) -> dict[str, list[str]]:
    """Each athlete's store chain rebuilt from an export's text: their record hashes."""
    chains: dict[str, list[str]] = {}
    for line in text.splitlines():
        data = json.loads(line)["decision"]
        athlete = data["state"]["athlete_id"]
        row = dict(data, plan=plan_hash(_encode(data["plan"]).decode()),
                   prior_plan=plan_hash(_encode(data["prior_plan"]).decode()))
        hashes = chains.setdefault(athlete, [])
        hashes.append(record_hash(len(hashes), hashes[-1] if hashes else genesis(athlete),
                                  _encode(row).decode()))
    return chains


def store_heads(db: Path) -> dict[str, tuple[int, str]]:
    with fc.open_store(db) as store:
        return {a: (len(e["records"]) - 1, e["head"])
                for a in store.athletes() for e in [store.export_athlete(a)]}


def checkpoint_vector(db: Path) -> dict[str, Any]:
    """A checkpoint of the store at ``db`` signed with the test key, checked by the
    library's own verification once stored with the test salt."""
    key = Ed25519PrivateKey.from_private_bytes(SEED)
    heads = store_heads(db)
    checkpoint, body = sign(key, 1, MADE_AT, tuple((a, s, h) for a, (s, h) in heads.items()),
                            SALT, ())
    with sqlite3.connect(db) as connection:
        connection.execute("UPDATE footcore_meta SET value = ? WHERE key = 'salt'", (SALT.hex(),))
        connection.execute("INSERT INTO footcore_checkpoints VALUES (1, ?, ?)",
                           (body, checkpoint.signature))
    connection.close()
    with fc.open_store(db, readonly=True) as store:
        report = store.verify(public_key=key.public_key())
    assert report.ok and report.checkpoints == 1, report
    public = key.public_key()
    edited = body.replace('"number":1', '"number":2')
    flipped = format(int(checkpoint.signature[-1], 16) ^ 1, "x")
    return {
        "WARNING": TEST_ONLY,
        "seed_hex": SEED.hex(),
        "private_key_pem": key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()).decode(),
        "public_key_hex": checkpoint.public_key,
        "public_key_pem": public.public_bytes(
            serialization.Encoding.PEM,
            serialization.PublicFormat.SubjectPublicKeyInfo).decode(),
        "salt_hex": SALT.hex(),
        "digests": {a: hmac.new(SALT, a.encode(), hashlib.sha256).hexdigest() for a in heads},
        "heads": {a: list(head) for a, head in heads.items()},
        "body": body,
        "signature": checkpoint.signature,
        "checks": [
            {"name": "as-signed", "body": body, "signature": checkpoint.signature, "ok": True},
            {"name": "body-edited", "body": edited, "signature": checkpoint.signature,
             "ok": False},
            {"name": "signature-edited", "body": body,
             "signature": checkpoint.signature[:-1] + flipped, "ok": False},
        ],
    }


ERASED_ON = date(2026, 2, 4)


def _stored(db: Path, number: int, text: str, signature: str) -> None:
    with sqlite3.connect(db) as connection:
        connection.execute("INSERT INTO footcore_checkpoints VALUES (?, ?, ?)",
                           (number, text, signature))
    connection.close()


def _format_1(db: Path, key: Ed25519PrivateKey, number: int) -> None:
    """A checkpoint of format 1 (heads by athlete id), as footcore signed them before
    schema 2, stored as the store's checkpoint ``number``."""
    heads = tuple((a, seq, h) for a, (seq, h) in sorted(store_heads(db).items()))
    public = key.public_key().public_bytes_raw().hex()
    text = body(Checkpoint(number, f"2026-02-0{number}T12:00:00+00:00", heads, public, ""), 1)
    _stored(db, number, text, key.sign(text.encode()).hex())


def _format_2(db: Path, key: Ed25519PrivateKey, number: int) -> None:
    with fc.open_store(db, readonly=True) as store:
        erasures = tuple(e["hash"] for e in store.export_checkpoints()["erasures"])
    heads = tuple((a, seq, h) for a, (seq, h) in store_heads(db).items())
    checkpoint, text = sign(key, number, f"2026-02-0{number}T12:00:00+00:00", heads, SALT,
                            erasures)
    _stored(db, number, text, checkpoint.signature)


def erased_store(folder: Path) -> tuple[str, dict[str, Any]]:
    """A store's export and its checkpoints and tombstones (``store checkpoints --json
    --salt``): a-1 and zoë (export.jsonl's) signed by checkpoint 1 (format 1); b-2 added,
    all three signed by checkpoint 2 (format 1) and 3 (format 2); b-2 erased (redacting
    checkpoint 2), then checkpoint 4 (format 2, signing the erasure). Verified by the
    library first."""
    engine = fc.Engine(fc.load_rulebook(), backend="native")
    start = date(2026, 1, 5)
    with fc.open_store(folder / "made-b.db") as store:
        store.add_athlete(engine.new_athlete("b-2", goal=fc.Goal.RUNNER, start=start))
        for n in range(2):
            store.check_in(engine, "b-2", fc.CheckIn(on=start + timedelta(days=2 * n),
                                                     completed=True, minutes=20, id=f"b-{n}"))
        decisions = [attrs.evolve(d, footcore_version=VERSION) for d in store.decisions("b-2")]
    write_log((CONVERTER.unstructure(d) for d in decisions), folder / "b-2.jsonl")
    key = Ed25519PrivateKey.from_private_bytes(SEED)
    db = folder / "erased.db"
    with fc.open_store(db) as store:
        store.import_jsonl(folder / "pinned.jsonl")
    with sqlite3.connect(db) as connection:
        connection.execute("UPDATE footcore_meta SET value = ? WHERE key = 'salt'", (SALT.hex(),))
    connection.close()
    _format_1(db, key, 1)
    with fc.open_store(db) as store:
        store.import_jsonl(folder / "b-2.jsonl")
    _format_1(db, key, 2)
    _format_2(db, key, 3)
    with fc.open_store(db) as store:
        receipt = store.erase("b-2", by="dpo", reason="gdpr-art-17", comment="ticket 4411",
                              on=ERASED_ON)
        assert receipt.redacted == (2,)
    _format_2(db, key, 4)
    with fc.open_store(db, readonly=True) as store:
        report = store.verify(public_key=key.public_key())
        assert report.ok and report.checkpoints == 3 and report.redacted == (2,), report
        store.export_jsonl(folder / "erased.jsonl")
        signed = store.export_checkpoints(salt=True)
    return ((folder / "erased.jsonl").read_text(encoding="utf-8"),
            {**signed, "source": "erased.db"})  # not the temporary folder's path


def _forged_tombstone(text: str) -> dict[str, str]:
    """A tombstone for a-1, whose records are still in the export: well formed, its hash
    right, said to come after the last checkpoint (which therefore cannot sign it)."""
    hashes = store_chains(text)["a-1"]
    forged = _encode({"by": "dpo", "checkpoint": 4, "comment": None,
                      "digest": hmac.new(SALT, b"a-1", hashlib.sha256).hexdigest(),
                      "erased_on": "2026-02-06", "format": 1, "hashes": hashes,
                      "head": hashes[-1], "reason": "other", "records": len(hashes),
                      "redacted": [], "role": "operator"}).decode()
    return {"hash": hashlib.sha256(forged.encode()).hexdigest(), "body": forged}


def erasure_vector(text: str, signed: dict[str, Any]) -> dict[str, Any]:
    """erasure.json: the store's export and checkpoints (erasures.md), what verifying them
    gives, and tampered copies that must fail."""
    (tombstone,) = signed["erasures"]
    erased = json.loads(tombstone["body"])
    first = json.loads(signed["checkpoints"][0]["body"])
    public = first["public_key"]
    a_1 = first["heads"]["a-1"][1]
    cases = [
        {"name": "tombstone-edited", "why": "erasures.md step 1",
         "edit": {"op": "tombstone", "old": '"reason":"gdpr-art-17"', "new": '"reason":"other"'}},
        {"name": "tombstone-rewritten-and-rehashed", "why": "erasures.md steps 4 and 5",
         "edit": {"op": "tombstone", "old": '"by":"dpo"', "new": '"by":"ops"', "rehash": True}},
        {"name": "tombstone-head-rewritten", "why": "erasures.md step 3",
         "edit": {"op": "tombstone", "old": erased["head"], "new": "0" * 64, "all": True,
                  "rehash": True}},
        {"name": "tombstone-removed", "why": "erasures.md steps 3 and 4, checkpoints.md step 4",
         "edit": {"op": "drop-tombstone"}},
        {"name": "tombstone-for-an-athlete-still-there", "why": "erasures.md step 6",
         "edit": {"op": "add-tombstone", "tombstone": _forged_tombstone(text)}},
        {"name": "format-1-head-changed", "why": "checkpoints.md step 1",
         "edit": {"op": "checkpoint", "number": 1, "old": a_1, "new": "0" * 64}},
        {"name": "format-1-redaction-claimed", "why": "checkpoints.md step 4",
         "edit": {"op": "checkpoint", "number": 1, "old": f'{public}"}}',
                  "new": f'{public}","redacted":["{erased["digest"]}"]}}'}},
        {"name": "checkpoint-removed", "why": "erasures.md step 2",
         "edit": {"op": "drop-checkpoint", "number": 3}},
        {"name": "export-rewritten-and-rehashed", "why": "checkpoints.md step 3 (formats 1 and 2)",
         "edit": {"op": "export", "edit": TAMPERED[-1]["edit"]}},
    ]
    return {"about": "erasures.md: erased-checkpoints.json (store checkpoints --json --salt, "
                     "its source renamed) of a store whose export after b-2's erasure is "
                     "export.jsonl, byte for byte; signed with checkpoint.json's TEST-ONLY "
                     "key; each case is an edit that must make verifying fail",
            "public_key_hex": public,
            "expected": {"ok": True, "checked": [1, 3, 4], "redacted": [2],
                         "erased": {"digest": erased["digest"], "records": erased["records"],
                                    "hashes": erased["hashes"]},
                         "athletes": store_chains(text)},
            "cases": [{**case, "ok": False} for case in cases]}


# Edits that tamper with export.jsonl (lines counted from 1), and what each must give:
# verified plainly, with the export's head given, with the checkpoint given.
TAMPERED: list[dict[str, Any]] = [
    {"name": "changed-field", "edit": {"op": "replace", "line": 2, "old": '"minutes":18',
                                       "new": '"minutes":45'},
     "ok": {"plain": False, "head": False, "checkpoint": False}},
    {"name": "removed-record", "edit": {"op": "delete", "line": 2},
     "ok": {"plain": False, "head": False, "checkpoint": False}},
    {"name": "reordered", "edit": {"op": "swap", "lines": [2, 3]},
     "ok": {"plain": False, "head": False, "checkpoint": False}},
    {"name": "changed-hash", "edit": {"op": "replace", "line": 3, "old": "HASH",
                                      "new": "0" * 64},
     "ok": {"plain": False, "head": False, "checkpoint": False}},
    {"name": "removed-last", "edit": {"op": "delete", "line": "last"},
     "ok": {"plain": True, "head": False, "checkpoint": False}},
    {"name": "rewritten-last-and-rehashed",
     "edit": {"op": "replace", "line": "last", "old": '"minutes":25', "new": '"minutes":26',
              "rehash": True},
     "ok": {"plain": True, "head": False, "checkpoint": False}},
]


def tampered(lines: list[str], edit: dict[str, Any]) -> list[str]:
    """``lines`` (export.jsonl's, no newlines) after ``edit`` (docs/spec/exports.md)."""
    lines = list(lines)
    at = len(lines) if edit.get("line") == "last" else edit.get("line", 0)
    if edit["op"] == "delete":
        del lines[at - 1]
    elif edit["op"] == "swap":
        a, b = edit["lines"]
        lines[a - 1], lines[b - 1] = lines[b - 1], lines[a - 1]
    else:
        record = json.loads(lines[at - 1])
        old = record["hash"] if edit["old"] == "HASH" else edit["old"]
        assert old in lines[at - 1], edit
        lines[at - 1] = lines[at - 1].replace(old, edit["new"], 1)
        if edit.get("rehash"):
            data = parse_json(lines[at - 1])
            data["hash"] = _hash(data["seq"], data["prev"], data["decision"])
            lines[at - 1] = _encode(data).decode()
    return lines


def build() -> dict[str, str]:
    """Every vector file's name and text."""
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        text = pinned_export(folder).read_text(encoding="utf-8")
        checkpoint = checkpoint_vector(folder / "store.db")
        heads = store_heads(folder / "store.db")
        files = _files(text, checkpoint, heads, folder)
        erased, signed = erased_store(folder)
        assert erased == text  # an erasure leaves no trace in an export
        files["erased-checkpoints.json"] = _json(signed)
        files["erasure.json"] = _json(erasure_vector(erased, signed))
        return files


def _files(text: str, checkpoint: dict[str, Any], heads: dict[str, tuple[int, str]],
           folder: Path) -> dict[str, str]:
    report = _verified(text, folder)
    assert report.ok
    lines = text.splitlines()
    chains = store_chains(text)
    assert {a: (len(h) - 1, h[-1]) for a, h in chains.items()} == heads
    expected = {"about": "exports.md: what verifying export.jsonl gives",
                "ok": True, "records": len(lines), "head": report.head,
                "athletes": {a: {"records": len(h), "store_hashes": h}
                             for a, h in chains.items()}}
    cases = []
    for case in TAMPERED:
        copy = tampered(lines, case["edit"])
        plain = _verified("".join(line + "\n" for line in copy), folder).ok
        assert plain == case["ok"]["plain"], case
        cases.append(case)
    changed = "".join(line + "\n" for line in tampered(lines, TAMPERED[0]["edit"]))
    return {
        "canonical-json.json": _json(canonical_vectors()),
        "chain.json": _json(chain_vectors()),
        "export.jsonl": text,
        "export.expected.json": _json(expected),
        "export-tampered.jsonl": changed,
        "tampered.json": _json({"about": "exports.md: edits of export.jsonl; ok says "
                                         "whether each copy verifies plainly, against "
                                         "the original head, and against checkpoint.json",
                                "cases": cases}),
        "checkpoint.json": _json(checkpoint),
    }


def _verified(text: str, folder: Path) -> Any:
    """The library's verification of a log holding ``text``."""
    path = folder / "check.jsonl"
    path.write_text(text, encoding="utf-8")
    return verify_log(path)


def _json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    files = build()
    if "--check" in argv:
        stale = [n for n, t in files.items()
                 if not (HERE / n).exists() or (HERE / n).read_text(encoding="utf-8") != t]
        print("stale: " + ", ".join(stale) if stale else "the vectors are up to date")
        return 1 if stale else 0
    for name, text in files.items():
        (HERE / name).write_text(text, encoding="utf-8")
    print(f"wrote {len(files)} files to {HERE}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
