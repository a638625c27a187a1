"""Verifying a store: each athlete's hash chain, the rows around it, and, with the
signer's public key, the signed checkpoints."""

from __future__ import annotations

import itertools
from operator import itemgetter
from typing import TYPE_CHECKING, Any

import attrs

from .._audit_records import _encode
from .._words import counted
from ._db import StoreError, Tx, salt
from ._erase import ErasureReceipt, Tombstone, read_tombstones
from ._packing import unpack
from ._rows import genesis, plan_hash, record_hash, stored_json
from ._rulebooks import rulebook_problem
from ._sign import FORMAT, Signed, digest, parse, signature_ok

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

__all__ = ["StoreProblem", "StoreReport", "verify_store"]


@attrs.frozen
class StoreProblem:
    """One thing wrong with a store, located by athlete and ``seq``, the record's stored
    sequence number in the athlete's chain (0 first; its text says ``record seq + 1``).

    ``kind`` is ``"edited"`` (a record's content, or a plan it uses, no longer matches
    its hash, or was rewritten with its hash recomputed), ``"removed"`` (records missing
    from a chain, or records a checkpoint signed), ``"reordered"`` (a record stored at
    another place in its chain), ``"forged"`` (a record differs from the one a checkpoint
    signed, though the chain's hashes add up), ``"head"`` (the athlete's row disagrees
    with the end of their chain), ``"state"`` (the athlete's current state is not the one
    their last decision left), ``"athlete"`` (decisions of an athlete the store does not
    list, or an athlete whose id is not text), ``"damaged"`` (a row footcore cannot read
    back: not JSON, nested too deep, a number too large, a value of the wrong type),
    ``"checkpoint"`` (a checkpoint that is not validly signed by the key, or missing from
    the sequence 1, 2, 3...), ``"rulebook"`` (a kept rulebook that is not the rulebook
    of the digest it is kept under) or ``"erasure"`` (an erased athlete's tombstone edited, or
    rewritten so that it contradicts a checkpoint signed before the erasure, or removed or
    rewritten after a checkpoint signed it, or not signed by a checkpoint made after it, or
    whose records are still in the store; such a problem names no athlete).
    """

    kind: str
    athlete_id: str | None
    seq: int | None
    detail: str

    def __str__(self) -> str:
        where = [f"athlete {self.athlete_id}"] if self.athlete_id is not None else []
        if self.seq is not None:
            where.append(f"record {self.seq + 1}")
        return f"{', '.join(where) or 'store'}: {self.kind}: {self.detail}"


@attrs.frozen
class StoreReport:
    """What :meth:`Store.verify` found.

    ``checkpoints`` counts the checkpoints whose signatures were checked (none without a
    public key). With a key, ``unanchored`` lists, per athlete, the records after the last
    checkpoint as ``(athlete_id, first seq, last seq)``: intact as far as the hashes go,
    but not yet anchored by a signature.

    ``erasures`` holds the athletes erased from the store, as their tombstones record them:
    an erasure is not a problem. With a key, ``redacted`` lists the checkpoints signed
    before schema 2 that named an athlete since erased, whose signatures can therefore no
    longer be checked (docs/erasure.md).
    """

    location: str
    athletes: int
    records: int
    problems: tuple[StoreProblem, ...]
    signed: bool
    checkpoints: int
    unanchored: tuple[tuple[str, int, int], ...]
    erasures: tuple[ErasureReceipt, ...] = ()
    redacted: tuple[int, ...] = ()

    @property
    def ok(self) -> bool:
        """True when nothing is wrong."""
        return not self.problems

    def __str__(self) -> str:
        return "\n".join([self._verdict(),
                          *(f"  {erasure}" for erasure in self.erasures),
                          *(f"  checkpoint {number}: redacted by erasure (signature no longer "
                            f"checkable)" for number in self.redacted)])

    def _verdict(self) -> str:
        head = (f"{self.location}: {counted(self.athletes, 'athlete')}, "
                f"{counted(self.records, 'record')}")
        if self.erasures:
            head += f", {counted(len(self.erasures), 'erasure')}"
        if not self.ok:
            lines = [f"{head}: {counted(len(self.problems), 'problem')}:"]
            lines.extend(f"  {problem}" for problem in self.problems)
            return "\n".join(lines)
        if not self.signed:
            return (f"{head}: chains intact (checkpoint signatures not checked: give the "
                    f"public key to prove nothing was rewritten)")
        waiting = sum(last - first + 1 for _, first, last in self.unanchored)
        anchored = (f"{counted(waiting, 'record')} of "
                    f"{counted(len(self.unanchored), 'athlete')} not yet anchored"
                    if waiting else "every record anchored")
        return (f"{head}: intact and matching {counted(self.checkpoints, 'signed checkpoint')}; "
                f"{anchored}")


@attrs.frozen
class _Chain:
    count: int
    last: str  # the stored hash of the last record, or the genesis
    good: int  # the last seq up to which every record is intact and linked; -1 for none
    hashes: dict[int, str]  # the stored hash at the seqs checkpoints signed
    state: Any  # the state the last decision left, as JSON data


def _check_row(athlete: str, row: tuple[Any, ...], plans: dict[str, bool]) -> str | None:
    """What is wrong with a row's fields outside its hash, if anything."""
    *_, checkin_id, plan, prior_plan, text = row
    try:
        data = stored_json(text, "decision")
        named = data["state"]["athlete_id"]
        checkin = None if data["checkin"] is None else data["checkin"].get("id")
        refs = (data["plan"], data["prior_plan"])
    except ValueError as exc:
        return f"not a decision footcore wrote: {exc}"
    except (TypeError, KeyError, AttributeError):
        return "not a decision footcore wrote"
    if named != athlete:
        return f"its decision is about athlete {named!r}"
    if checkin != checkin_id:
        return f"its check-in id column says {checkin_id!r}, its decision {checkin!r}"
    if refs != (plan, prior_plan):
        return "its plan columns do not match the plans its decision names"
    for key in refs:
        if not isinstance(key, str) or key not in plans:
            return f"the plan it uses ({key[:12]}) is missing"
        if not plans[key]:
            return f"the plan it uses ({key[:12]}) no longer matches its hash"
    return None


def _plan_intact(key: object, stored: object) -> bool:
    """Whether a stored plan (packed or not) is text that matches the hash it is kept
    under."""
    text = unpack(stored)
    return isinstance(text, str) and plan_hash(text) == key


def _walk(athlete: str, rows: list[tuple[Any, ...]], plans: dict[str, bool],
          wanted: set[int], problems: list[StoreProblem]) -> _Chain:
    # Where each record sits when the chain is followed by its links, from the start.
    after = {row[2]: row[3] for row in rows}
    linked: dict[str, int] = {}
    link = genesis(athlete)
    while link in after and after[link] not in linked:
        link = after[link]
        linked[link] = len(linked)
    expected, prev, good, broken, last_intact = 0, genesis(athlete), -1, False, True
    hashes: dict[int, str] = {}

    def report(kind: str, seq: int, detail: str) -> None:
        nonlocal broken
        problems.append(StoreProblem(kind, athlete, seq, detail))
        broken = True

    for row in rows:
        _, seq, link, digest, _, _, _, stored = row
        text: Any = unpack(stored)
        if type(seq) is not int:
            problems.append(StoreProblem("damaged", athlete, None, f"a record numbered "
                                         f"{seq!r:.20}, not a whole number"))
            broken = True
            continue
        if seq in wanted:
            hashes[seq] = digest
        if seq != expected:
            missing = (f"record {expected + 1}" if seq == expected + 1
                       else f"records {expected + 1}-{seq}")
            report("removed", expected, f"{missing} missing: the chain goes on at record "
                                        f"{seq + 1}")
        readable = all(isinstance(value, str) for value in (link, digest, text))
        intact = readable and record_hash(seq, link, text) == digest
        if not readable:
            report("damaged", seq, "its link, hash or decision is not text")
        elif not intact:
            moved = linked.get(digest)
            if moved is not None and moved != seq and record_hash(moved, link, text) == digest:
                report("reordered", seq, f"stored as record {seq + 1}, but its hash and "
                                         f"link make it record {moved + 1}")
            else:
                report("edited", seq, "its content no longer matches its hash")
        elif link != prev and seq == expected:
            if seq == 0:
                report("edited", 0, "the first record does not link to the start of this "
                                    "athlete's chain")
            elif last_intact:
                report("edited", seq - 1, f"the next record ({seq + 1}) links to another "
                                          f"version of it: it was rewritten and its hash "
                                          f"recomputed")
        wrong = _check_row(athlete, (*row[:-1], text), plans) if readable else None
        if wrong:
            report("damaged" if wrong.startswith("not a decision") else "edited", seq, wrong)
        if not broken:
            good = seq
        expected, prev, last_intact = seq + 1, digest, intact
    state = None
    if rows:
        try:
            state = stored_json(rows[-1][7], "decision")["state"]
        except (ValueError, TypeError, KeyError):
            state = None
    return _Chain(len(rows), prev, good, hashes, state)


def _check_athlete(athlete: str, row: tuple[Any, ...], chain: _Chain | None,
                   problems: list[StoreProblem]) -> None:
    state, records, head = row
    count, last = (chain.count, chain.last) if chain else (0, genesis(athlete))
    if type(records) is not int or (records, head) != (count, last):  # True == 1 == 1.0
        problems.append(StoreProblem(
            "head", athlete, None,
            f"the athlete's row says {records!r:.20} record(s) ending at {str(head)[:12]}; "
            f"the chain "
            f"has {count} ending at {last[:12]}: records at the end were removed, or the "
            f"row was changed"))
    elif chain is not None:
        try:
            current = stored_json(state, "state")
        except ValueError:
            current = None
        # Compared as written: JSON data compares true == 1 == 1.0, the stored text not
        if current is None or _encode(current) != _encode(chain.state):
            problems.append(StoreProblem(
                "state", athlete, None,
                "the athlete's current state is not the one their last decision left"))


def _checkpoint_gaps(numbers: list[int]) -> list[StoreProblem]:
    """A problem for each run of numbers missing from the checkpoints' 1, 2, 3... (the
    store numbers them so), and for a number below 1: a checkpoint deleted from the
    middle or the start, or renumbered. One deleted from the end leaves no gap; compare
    the count with the checkpoints made."""
    problems, expected = [], 1
    for number in numbers:
        if number < 1:
            problems.append(StoreProblem("checkpoint", None, None, f"checkpoint {number}: "
                                         f"not a number the store gives (1, 2, 3...)"))
        elif number > expected:
            missing = (f"checkpoint {expected} is" if number == expected + 1
                       else f"checkpoints {expected}-{number - 1} are")
            problems.append(StoreProblem("checkpoint", None, None,
                                         f"{missing} missing: the checkpoints go on at "
                                         f"{number}"))
        expected = max(expected, number + 1)
    return problems


def _erasures(tx: Tx, schema: int, problems: list[StoreProblem]
              ) -> tuple[bytes | None, list[Tombstone]]:
    """The store's salt and the tombstones that check out; a problem for each that does
    not, and for a salt missing or damaged. A schema-1 store has neither."""
    if schema < 2:
        return None, []
    key: bytes | None = None
    try:
        key = salt(tx, "")
    except StoreError:
        problems.append(StoreProblem("damaged", None, None, "the store's salt is missing "
                                     "or not 64 hex digits"))
    tombstones, bad = read_tombstones(tx)
    problems.extend(StoreProblem("erasure", None, None, f"the erasure {h[:12]}: {why}")
                    for h, why in bad)
    return key, tombstones


def _redaction(signed: Signed, erased: list[Tombstone]) -> str | None:
    """Why a redacted checkpoint is not one an erasure redacted, if it is not."""
    number = signed.checkpoint.number
    for salted in signed.redacted:
        if not any(t.receipt.digest == salted and number in t.receipt.redacted
                   for t in erased):
            return (f"checkpoint {number}: its body says an erasure redacted it, but no "
                    f"erasure records doing so: it was altered")
    return None


def _owner(salted: str, number: int, seq: int, signed: str,
           erased: dict[str, list[Tombstone]], ids: dict[str, str]) -> Tombstone | str | None:
    """What a format-2 checkpoint's head keyed ``salted`` names: the chain of an athlete
    erased after checkpoint ``number`` (of the tombstones of that digest, the one whose
    record ``seq`` is the hash ``signed``, else the first: the same id may have been added
    and erased again since), else the live athlete with that digest, else nothing the
    store holds."""
    later = [t for t in erased.get(salted, ()) if t.checkpoint >= number]
    for tombstone in later:
        if seq < len(tombstone.hashes) and tombstone.hashes[seq] == signed:
            return tombstone
    return later[0] if later else ids.get(salted)


def _signed_heads(checkpoints: list[Signed], erased: list[Tombstone], ids: dict[str, str]
                  ) -> list[tuple[int, str, Tombstone | str | None, int, str]]:
    """(checkpoint number, key, owner, seq, hash) for each head the checkpoints sign."""
    by_digest: dict[str, list[Tombstone]] = {}
    for tombstone in erased:
        by_digest.setdefault(tombstone.receipt.digest, []).append(tombstone)
    return [(signed.checkpoint.number, name,
             name if signed.format == 1 else _owner(name, signed.checkpoint.number, seq,
                                                    digest_, by_digest, ids), seq, digest_)
            for signed in checkpoints for name, seq, digest_ in signed.checkpoint.heads]


def _check_erased(number: int, tombstone: Tombstone, seq: int, signed: str) -> str | None:
    """Why a tombstone contradicts a checkpoint's head of the chain it erased, if it does."""
    hashes = tombstone.hashes
    if seq < len(hashes) and hashes[seq] == signed:
        return None
    held = (f"records {hashes[seq][:12]} there" if seq < len(hashes)
            else f"holds {counted(len(hashes), 'record')}")
    return (f"the erasure {tombstone.receipt.hash[:12]} ({tombstone.receipt}): checkpoint "
            f"{number} signed record {seq + 1} of that chain as {signed[:12]}; the "
            f"tombstone {held}: it was rewritten")


def _unsigned_or_undone(checkpoints: list[Signed], erased: list[Tombstone],
                        ids: dict[str, str], chains: dict[str, _Chain]
                        ) -> list[StoreProblem]:
    """The erasures that checkpoints and chains contradict (docs/spec/erasures.md, steps 4
    to 6): one a checkpoint signed that the store no longer holds; one said to come before
    a checkpoint that does not sign it; one whose records a live chain still holds."""
    problems, kept = [], {t.receipt.hash for t in erased}
    for signed in checkpoints:
        number = signed.checkpoint.number
        for missing in sorted(set(signed.checkpoint.erasures) - kept):
            problems.append(StoreProblem(
                "erasure", None, None, f"checkpoint {number} signed the erasure "
                f"{missing[:12]}, which the store no longer holds as signed: it was removed "
                f"or rewritten"))
        problems.extend(StoreProblem(
            "erasure", None, None, f"the erasure {t.receipt.hash[:12]} ({t.receipt}) says "
            f"it came after checkpoint {t.checkpoint}, but checkpoint {number} does not "
            f"sign it: it was added or rewritten afterwards")
            for t in erased if signed.format == FORMAT and t.checkpoint < number
            and t.receipt.hash not in signed.checkpoint.erasures)
    for t in erased:
        chain = chains.get(ids.get(t.receipt.digest, ""))
        if (chain is not None and t.receipt.head is not None
                and chain.hashes.get(t.receipt.records - 1) == t.receipt.head):
            problems.append(StoreProblem(
                "erasure", None, None, f"the erasure {t.receipt.hash[:12]} ({t.receipt}): "
                f"the records it says were erased are still in the store: it is not an "
                f"erasure"))
    return problems


def verify_store(tx: Tx, location: str, key: Ed25519PublicKey | None,
                 schema: int = 2) -> StoreReport:
    """Verify the store as ``tx`` sees it (a store of ``schema``)."""
    problems: list[StoreProblem] = []
    athletes = {r[0]: r[1:] for r in tx.all(
        "SELECT athlete_id, state, records, head FROM footcore_athletes")}
    plans = {key_: _plan_intact(key_, stored)
             for key_, stored in tx.stream("SELECT hash, plan FROM footcore_plans")}
    kept_rulebooks = [] if schema < 2 else tx.all(  # schema 1 kept none
        "SELECT digest, rulebook FROM footcore_rulebooks")
    for kept, text in kept_rulebooks:
        wrong = rulebook_problem(kept, text)
        if wrong is not None:
            problems.append(StoreProblem("rulebook", None, None,
                                         f"rulebook {str(kept)[:12]}: {wrong}"))
    salt_value, erased = _erasures(tx, schema, problems)
    stored = tx.all("SELECT number, body, signature FROM footcore_checkpoints ORDER BY number")
    problems.extend(_checkpoint_gaps([row[0] for row in stored]))
    checkpoints, redacted = [], []
    for number, text, signature in stored:
        if key is None:
            continue
        found = (parse(number, text, signature)
                 if isinstance(text, str) and isinstance(signature, str)
                 else "its body or signature is not text")
        if isinstance(found, Signed) and found.redacted:
            why = _redaction(found, erased)
            if why:
                problems.append(StoreProblem("checkpoint", None, None, why))
            else:
                redacted.append(number)
        elif isinstance(found, str) or not signature_ok(key, text, signature):
            why = found if isinstance(found, str) else "its signature does not verify with " \
                "this key: it was altered or forged, or signed with another key"
            problems.append(StoreProblem("checkpoint", None, None,
                                         f"checkpoint {number}: {why}"))
        else:
            checkpoints.append(found)
    ids = ({digest(salt_value, a): a for a in athletes if isinstance(a, str)}
           if salt_value is not None and (erased or any(c.format == FORMAT
                                                         for c in checkpoints))
           else {})
    heads = _signed_heads(checkpoints, erased, ids)
    wanted: dict[str, set[int]] = {}
    for _, _, owner, seq, _ in heads:
        if isinstance(owner, str):
            wanted.setdefault(owner, set()).add(seq)
    for tombstone in erased:  # where a live chain of its digest would hold its head
        if tombstone.receipt.digest in ids and tombstone.receipt.head is not None:
            wanted.setdefault(ids[tombstone.receipt.digest], set()).add(
                tombstone.receipt.records - 1)

    chains: dict[str, _Chain] = {}
    rows = tx.stream("SELECT athlete_id, seq, prev, hash, checkin_id, plan, prior_plan, "
                     "decision FROM footcore_decisions ORDER BY athlete_id, seq")
    for athlete, group in itertools.groupby(rows, key=itemgetter(0)):
        if not isinstance(athlete, str):
            problems.append(StoreProblem("athlete", repr(athlete), None,
                                         "decisions of an athlete whose id is not text"))
            continue
        chains[athlete] = _walk(athlete, list(group), plans, wanted.get(athlete, set()),
                                problems)
        if athlete not in athletes:
            problems.append(StoreProblem("athlete", athlete, None,
                                         "decisions of an athlete the store does not list"))
    for athlete, row in athletes.items():
        if not isinstance(athlete, str):
            problems.append(StoreProblem("athlete", repr(athlete), None,
                                         "an athlete whose id is not text"))
            continue
        _check_athlete(athlete, row, chains.get(athlete), problems)

    anchored: dict[str, int] = {}
    seen: set[tuple[str, str]] = set()
    for number, name, owner, seq, digest_ in heads:
        kind, detail, athlete = "", "", owner if isinstance(owner, str) else None
        chain = chains.get(athlete) if athlete is not None else None
        if isinstance(owner, Tombstone):
            kind, detail = "erasure", _check_erased(number, owner, seq, digest_) or ""
        elif chain is None or seq >= chain.count:
            kind = "removed"
            whose = ("" if athlete is not None else f" of an athlete (digest {name[:12]}) "
                     f"the store no longer lists, nor records as erased")
            detail = (f"checkpoint {number} signed records up to {seq + 1}{whose}; the "
                      f"store has {chain.count if chain else 0}")
        elif chain.hashes.get(seq) != digest_:
            kind = "forged"
            detail = (f"record {seq + 1} is not the one checkpoint {number} signed: records "
                      f"up to it were rewritten, hashes recomputed")
        elif chain.good >= seq and athlete is not None:
            anchored[athlete] = max(anchored.get(athlete, -1), seq)
        which = owner.receipt.hash if isinstance(owner, Tombstone) else athlete or name
        if detail and (which, kind) not in seen:
            seen.add((which, kind))
            problems.append(StoreProblem(kind, athlete, None if athlete is None else seq,
                                         detail))
    problems.extend(_unsigned_or_undone(checkpoints, erased, ids, chains))
    unanchored = tuple(
        (athlete, anchored.get(athlete, -1) + 1, chain.count - 1)
        for athlete, chain in sorted(chains.items())
        if key is not None and anchored.get(athlete, -1) + 1 < chain.count)
    problems.sort(key=lambda p: (p.athlete_id or "", p.seq if p.seq is not None else -1,
                                 p.kind))
    return StoreReport(location, len(athletes), sum(c.count for c in chains.values()),
                       tuple(problems), key is not None, len(checkpoints), unanchored,
                       tuple(t.receipt for t in erased), tuple(redacted))
