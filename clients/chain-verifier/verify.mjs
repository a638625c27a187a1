#!/usr/bin/env node
// A verifier of footcore's hash chains, written from docs/spec/ alone (no footcore code, no
// npm packages: node:crypto gives SHA-256, HMAC and Ed25519).
//
//   node verify.mjs EXPORT [--head HASH] [--checkpoint FILE --public-key PEM_FILE|HEX
//                          [--salt HEX]]
//
// EXPORT is what `footcore store export` writes (JSON Lines, docs/spec/exports.md) or what
// `footcore store export-athlete` writes (one JSON object). FILE is one checkpoint ({body,
// signature}) or what `footcore store checkpoints STORE --json` prints: every checkpoint, of
// format 1 or 2, and the tombstones of the erased athletes (docs/spec/erasures.md), with the
// salt if it printed it. Exit status 0: verified; 1: not
// verified (each problem is printed); 2: the command line is wrong or a file is unreadable.

import { createHash, createHmac, createPublicKey, verify as verifySignature } from 'node:crypto';
import { readFileSync, realpathSync } from 'node:fs';
import { argv, exit } from 'node:process';
import { fileURLToPath } from 'node:url';

// ------------------------------------------------------------------ canonical JSON (spec:
// canonical-json.md)

/** A JSON number, kept as its canonical text (an integer and a float differ: 1 and 1.0). */
export class JsonNumber {
  constructor(text) {
    this.text = text;
  }
}

/** Why a text is refused as JSON. */
export class JsonError extends Error {}

const HEX64 = /^[0-9a-f]{64}$/;
const HEX128 = /^[0-9a-f]{128}$/;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const MOST_DIGITS = 16; // in an integer
const MOST_DEPTH = 32; // arrays and objects within each other
const SHORT_ESCAPES = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/** A float as Python's repr writes it: shortest round-trip digits; exponent form below
 * 1e-4 and from 1e16 on (at least two exponent digits, with a sign); else positional with
 * at least one digit after the point. */
export function floatText(value) {
  if (!Number.isFinite(value)) throw new JsonError(`the number ${value} is not finite`);
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const sign = value < 0 ? '-' : '';
  const [mantissa, exponent = '0'] = String(Math.abs(value)).split('e');
  const [whole, fraction = ''] = mantissa.split('.');
  let digits = whole + fraction;
  let point = whole.length + Number(exponent); // the decimal point sits after this many digits
  while (digits[0] === '0') {
    digits = digits.slice(1);
    point -= 1;
  }
  digits = digits.replace(/0+$/, '');
  const e = point - 1; // value = d.ddd x 10^e
  if (e < -4 || e >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (digits.length <= point) return `${sign}${digits}${'0'.repeat(point - digits.length)}.0`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/** Parse JSON text strictly: objects become Maps (no duplicate keys), numbers JsonNumbers;
 * NaN, infinities, lone surrogates and anything RFC 8259 does not allow are refused. */
export function parseJson(text) {
  let at = 0;
  const fail = (why) => {
    throw new JsonError(`${why} at character ${at}`);
  };
  const space = () => {
    while (at < text.length && ' \t\n\r'.includes(text[at])) at += 1;
  };
  const string = () => {
    at += 1; // the opening quote
    let out = '';
    for (;;) {
      if (at >= text.length) fail('unterminated string');
      const c = text[at];
      const code = text.charCodeAt(at);
      if (c === '"') {
        at += 1;
        return out;
      }
      if (code < 0x20) fail('a control character in a string');
      if (code >= 0xd800 && code <= 0xdfff) { // raw surrogates: only as a whole pair
        const next = text.charCodeAt(at + 1);
        if (code > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) fail('a lone surrogate');
        out += text.slice(at, at + 2);
        at += 2;
        continue;
      }
      if (c !== '\\') {
        out += c;
        at += 1;
        continue;
      }
      const kind = text[at + 1];
      if (kind in SHORT_ESCAPES) {
        out += SHORT_ESCAPES[kind];
        at += 2;
        continue;
      }
      if (kind !== 'u') fail('an unknown escape');
      const unit = (from) => {
        const hex = text.slice(from, from + 4);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('a bad \\u escape');
        return parseInt(hex, 16);
      };
      const first = unit(at + 2);
      at += 6;
      if (first >= 0xdc00 && first <= 0xdfff) fail('a lone surrogate');
      if (first >= 0xd800 && first <= 0xdbff) {
        if (text.slice(at, at + 2) !== '\\u') fail('a lone surrogate');
        const second = unit(at + 2);
        if (!(second >= 0xdc00 && second <= 0xdfff)) fail('a lone surrogate');
        at += 6;
        out += String.fromCharCode(first, second);
      } else {
        out += String.fromCharCode(first);
      }
    }
  };
  const number = () => {
    NUMBER.lastIndex = at;
    const found = NUMBER.exec(text);
    if (!found) fail('not a JSON value');
    const lexeme = found[0];
    at += lexeme.length;
    if (!/[.eE]/.test(lexeme)) {
      if (lexeme.replace('-', '').length > MOST_DIGITS) fail(`an integer of more than ${MOST_DIGITS} digits`);
      return new JsonNumber(BigInt(lexeme).toString());
    }
    const value = Number(lexeme);
    if (!Number.isFinite(value)) fail(`the number ${lexeme.slice(0, 40)} is not finite`);
    return new JsonNumber(floatText(value));
  };
  const value = (depth) => {
    space();
    const c = text[at];
    if ((c === '{' || c === '[') && depth >= MOST_DEPTH) fail(`nested more than ${MOST_DEPTH} deep`);
    if (c === '{') {
      at += 1;
      const object = new Map();
      space();
      if (text[at] === '}') {
        at += 1;
        return object;
      }
      for (;;) {
        space();
        if (text[at] !== '"') fail('expected a key');
        const key = string();
        if (object.has(key)) fail(`the key ${JSON.stringify(key)} appears twice`);
        space();
        if (text[at] !== ':') fail("expected ':'");
        at += 1;
        object.set(key, value(depth + 1));
        space();
        if (text[at] === ',') {
          at += 1;
        } else if (text[at] === '}') {
          at += 1;
          return object;
        } else {
          fail("expected ',' or '}'");
        }
      }
    }
    if (c === '[') {
      at += 1;
      const list = [];
      space();
      if (text[at] === ']') {
        at += 1;
        return list;
      }
      for (;;) {
        list.push(value(depth + 1));
        space();
        if (text[at] === ',') {
          at += 1;
        } else if (text[at] === ']') {
          at += 1;
          return list;
        } else {
          fail("expected ',' or ']'");
        }
      }
    }
    if (c === '"') return string();
    for (const [word, meaning] of [['true', true], ['false', false], ['null', null]]) {
      if (text.startsWith(word, at)) {
        at += word.length;
        return meaning;
      }
    }
    return number();
  };
  const result = value(0);
  space();
  if (at !== text.length) fail('text after the JSON value');
  return result;
}

/** The code points of a string, to order keys by (not UTF-16 code units). */
function codePoints(text) {
  return Array.from(text, (c) => c.codePointAt(0));
}

function byCodePoint(a, b) {
  const x = codePoints(a);
  const y = codePoints(b);
  for (let i = 0; i < Math.min(x.length, y.length); i += 1) {
    if (x[i] !== y[i]) return x[i] - y[i];
  }
  return x.length - y.length;
}

/** A string as canonical JSON writes it: quotes, backslash and C0 controls escaped. */
export function stringText(text) {
  let out = '"';
  for (const c of text) {
    const code = c.codePointAt(0);
    if (c === '"') out += '\\"';
    else if (c === '\\') out += '\\\\';
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '\t') out += '\\t';
    else if (c === '\b') out += '\\b';
    else if (c === '\f') out += '\\f';
    else if (code < 0x20) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += c;
  }
  return `${out}"`;
}

/** A parsed value as canonical JSON text (compact: no whitespace anywhere). */
export function canonical(value) {
  if (value === null) return 'null';
  if (value === true) return 'true';
  if (value === false) return 'false';
  if (typeof value === 'string') return stringText(value);
  if (value instanceof JsonNumber) return value.text;
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value instanceof Map) {
    const keys = [...value.keys()].sort(byCodePoint);
    return `{${keys.map((k) => `${stringText(k)}:${canonical(value.get(k))}`).join(',')}}`;
  }
  throw new JsonError(`not a JSON value: ${typeof value}`);
}

export function sha256(text) {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

// ------------------------------------------------------------------ the chains (chain.md)

export const LOG_GENESIS = sha256('footcore audit log 1');

/** What an athlete's store chain starts from. */
export function storeGenesis(athleteId) {
  return sha256(`footcore store 1\n${athleteId}`);
}

/** The hash of a record of `decision` (already canonical text) at `seq` after `prev`. */
export function recordHash(seq, prev, decisionText) {
  return sha256(`{"decision":${decisionText},"prev":"${prev}","seq":${seq}}`);
}

/** A decision as a store row holds it: each plan replaced by its own hash. */
export function rowText(decision) {
  const row = new Map(decision);
  for (const field of ['plan', 'prior_plan']) {
    if (!(decision.get(field) instanceof Map)) throw new JsonError(`the decision has no ${field}`);
    row.set(field, sha256(canonical(decision.get(field))));
  }
  return canonical(row);
}

function athleteOf(decision) {
  const state = decision instanceof Map ? decision.get('state') : undefined;
  const id = state instanceof Map ? state.get('athlete_id') : undefined;
  return typeof id === 'string' ? id : null;
}

function isCount(value) {
  return value instanceof JsonNumber && /^(0|[1-9][0-9]*)$/.test(value.text);
}

/** Each athlete's store chain rebuilt from their decisions in order: id -> record hashes. */
function storeChains(decisions, problems) {
  const chains = new Map();
  for (const { decision, where } of decisions) {
    const athlete = athleteOf(decision);
    if (athlete === null) continue; // reported already
    const hashes = chains.get(athlete) ?? [];
    const prev = hashes.length ? hashes[hashes.length - 1] : storeGenesis(athlete);
    try {
      hashes.push(recordHash(hashes.length, prev, rowText(decision)));
    } catch (error) {
      problems.push(`${where}: ${error.message}`);
    }
    chains.set(athlete, hashes);
  }
  return chains;
}

/** Verify an export written by `footcore store export` (JSON Lines, one chain). */
export function verifyLog(text, { head } = {}) {
  const problems = [];
  const decisions = [];
  if (text && !text.endsWith('\n')) problems.push('the last line is incomplete (no newline)');
  const lines = text ? text.replace(/\n$/, '').split('\n') : [];
  let prev = LOG_GENESIS;
  lines.forEach((line, index) => {
    const where = `line ${index + 1}`;
    let record;
    try {
      record = parseJson(line);
    } catch (error) {
      problems.push(`${where}: not JSON (${error.message})`);
      prev = null;
      return;
    }
    const keys = record instanceof Map ? [...record.keys()].sort().join(',') : '';
    if (keys !== 'decision,hash,prev,seq') {
      problems.push(`${where}: not a record (expected exactly decision, hash, prev and seq)`);
      prev = null;
      return;
    }
    const [decision, digest, link, seq] = ['decision', 'hash', 'prev', 'seq'].map((k) => record.get(k));
    if (!isCount(seq) || !(decision instanceof Map)
        || typeof digest !== 'string' || !HEX64.test(digest)
        || typeof link !== 'string' || !HEX64.test(link)) {
      problems.push(`${where}: seq must be a whole number, prev and hash 64 lowercase hex digits, `
        + 'decision an object');
      prev = null;
      return;
    }
    if (seq.text !== String(index)) {
      problems.push(`${where}: record ${Number(seq.text) + 1} stands where record ${index + 1} `
        + 'should: records were removed, inserted or moved');
    }
    const computed = sha256(canonical(new Map([['decision', decision], ['prev', link], ['seq', seq]])));
    if (computed !== digest) {
      problems.push(`${where}: record ${index + 1} was edited: its content no longer matches its hash`);
    } else if (prev !== null && link !== prev) {
      problems.push(`${where}: record ${index + 1} does not chain to the record before it `
        + `(prev ${link.slice(0, 12)}, expected ${prev.slice(0, 12)})`);
    }
    if (athleteOf(decision) === null) problems.push(`${where}: its decision names no athlete`);
    decisions.push({ decision, where });
    prev = digest;
  });
  const last = lines.length ? prev : LOG_GENESIS;
  if (head !== undefined && last !== head) {
    problems.push(`the last record's hash is ${String(last).slice(0, 12)}, not the head `
      + `${head.slice(0, 12)} given: records were removed from the end or the log was rewritten`);
  }
  return { kind: 'log', ok: problems.length === 0, records: lines.length, head: last, problems,
    chains: storeChains(decisions, problems) };
}

/** Verify what `footcore store export-athlete` writes: one athlete's store chain. */
export function verifyAthleteExport(data, { head } = {}) {
  const problems = [];
  const id = data.get('athlete_id');
  const records = data.get('records');
  if (typeof id !== 'string' || !Array.isArray(records) || canonical(data.get('format')) !== '1') {
    return { kind: 'athlete', ok: false, records: 0, head: null, chains: new Map(),
      problems: ['not an athlete export of format 1 (athlete_id, format, head, records, state)'] };
  }
  let prev = storeGenesis(id);
  const hashes = [];
  records.forEach((record, index) => {
    const where = `record ${index + 1}`;
    const decision = record instanceof Map ? record.get('decision') : undefined;
    const seq = record instanceof Map ? record.get('seq') : undefined;
    if (!(decision instanceof Map) || !isCount(seq)) {
      problems.push(`${where}: not a record (decision, hash, prev, seq)`);
      return;
    }
    if (seq.text !== String(index)) problems.push(`${where}: numbered ${Number(seq.text) + 1}`);
    if (athleteOf(decision) !== id) problems.push(`${where}: its decision is not about ${id}`);
    let computed;
    try {
      computed = recordHash(index, prev, rowText(decision));
    } catch (error) {
      problems.push(`${where}: ${error.message}`);
      return;
    }
    if (record.get('prev') !== prev) problems.push(`${where}: its prev is not the hash before it`);
    if (record.get('hash') !== computed) {
      problems.push(`${where}: was edited: its content no longer matches its hash`);
    }
    hashes.push(computed);
    prev = computed;
  });
  if (data.get('head') !== prev) problems.push("the export's head is not its last record's hash");
  if (head !== undefined && prev !== head) problems.push(`the chain ends at ${prev.slice(0, 12)}, not the head given`);
  const lastState = records.length ? records[records.length - 1].get('decision')?.get('state') : undefined;
  if (lastState !== undefined && canonical(lastState) !== canonical(data.get('state') ?? null)) {
    problems.push("the export's state is not the one the last decision left");
  }
  return { kind: 'athlete', ok: problems.length === 0, records: records.length, head: prev,
    problems, chains: new Map([[id, hashes]]) };
}

// ------------------------------------------------------------------ checkpoints (checkpoints.md)

/** An Ed25519 public key from PEM text or 64 hex digits (the raw 32 bytes). */
export function publicKey(given) {
  const text = String(given).trim();
  if (HEX64.test(text)) {
    const der = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(text, 'hex')]);
    return createPublicKey({ key: der, format: 'der', type: 'spki' });
  }
  const key = createPublicKey(text);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error('not an Ed25519 public key');
  return key;
}

function rawPublic(key) {
  return key.export({ format: 'der', type: 'spki' }).subarray(-32).toString('hex');
}

const FORMAT_KEYS = {
  1: ['heads,made_at,number,public_key', 'heads,made_at,number,public_key,redacted'],
  2: ['erasures,format,heads,made_at,number,public_key'],
};

/** A salted digest: HMAC-SHA256(salt bytes, id as UTF-8), as hex. */
export function saltedDigest(salt, id) {
  return createHmac('sha256', Buffer.from(salt, 'hex')).update(id, 'utf8').digest('hex');
}

function isHexList(value) {
  return Array.isArray(value) && value.every((item) => typeof item === 'string' && HEX64.test(item));
}

/** A stored body read as JSON: its value and its keys (sorted, joined by commas; '' for
 * anything but an object), or why it is not JSON. */
function readObject(body) {
  try {
    const data = parseJson(body);
    return { data, keys: data instanceof Map ? [...data.keys()].sort().join(',') : '' };
  } catch (error) {
    return { why: `its body is not JSON (${error.message})` };
  }
}

/** A checkpoint's body read and checked for form (checkpoints.md, step 2): its data and
 * format, or why it is not a checkpoint body. */
function readBody(body) {
  const { data, keys, why } = readObject(body);
  if (why !== undefined) return { why };
  const form = data instanceof Map && data.has('format') ? canonical(data.get('format')) : '1';
  const heads = data instanceof Map ? data.get('heads') : undefined;
  if (!(FORMAT_KEYS[form] ?? []).includes(keys) || canonical(data) !== body || !(heads instanceof Map)
      || !isCount(data.get('number'))
      || (form === '2' && !isHexList(data.get('erasures')))
      || (data.has('redacted') && !isHexList(data.get('redacted')))) {
    return { why: 'its body is not a checkpoint of format 1 or 2 in canonical form' };
  }
  return { data, format: Number(form), redacted: data.get('redacted') ?? [] };
}

/** A tombstone ({hash, body}) read and checked (erasures.md, step 1): its fields as plain
 * values, or why it is not whole. */
export function readTombstone({ hash, body }) {
  if (typeof hash !== 'string' || typeof body !== 'string') return { why: 'not a hash and a body' };
  if (sha256(body) !== hash) return { why: 'its body no longer matches its hash: it was edited' };
  const { data, keys, why } = readObject(body);
  if (why !== undefined) return { why };
  const text = (key) => typeof data.get(key) === 'string';
  const hashes = data instanceof Map ? data.get('hashes') : undefined;
  const redacted = data instanceof Map ? data.get('redacted') : undefined;
  if (keys !== 'by,checkpoint,comment,digest,erased_on,format,hashes,head,reason,records,redacted,role'
      || canonical(data) !== body || canonical(data.get('format')) !== '1'
      || !text('by') || !text('reason') || !text('role') || !text('erased_on')
      || !(data.get('comment') === null || text('comment'))
      || !(text('digest') && HEX64.test(data.get('digest')))
      || !isCount(data.get('checkpoint')) || !isCount(data.get('records')) || !isHexList(hashes)
      || !(Array.isArray(redacted) && redacted.every(isCount))
      || Number(data.get('records').text) !== hashes.length
      || data.get('head') !== (hashes.length ? hashes[hashes.length - 1] : null)) {
    return { why: 'its body is not a tombstone of format 1 in canonical form' };
  }
  return { hash, digest: data.get('digest'), checkpoint: Number(data.get('checkpoint').text),
    hashes, head: data.get('head'), redacted: redacted.map((n) => Number(n.text)),
    erasedOn: data.get('erased_on') };
}

/**
 * Check one checkpoint ({body, signature}) against a key and the chains an export rebuilt
 * (checkpoints.md), given the store's tombstones as readTombstone reads them (erasures.md,
 * step 3): every head when the export holds the whole store (`whole`), else (one athlete's
 * export) only that athlete's. Returns the problems, whether it is a redacted format-1
 * checkpoint (reported as such, not as a problem), and its body's data.
 */
export function checkCheckpoint(checkpoint, key, chains, { salt, whole = true, tombstones } = {}) {
  const { body, signature } = checkpoint;
  const fail = (why) => ({ problems: [why], redacted: false, data: null });
  if (typeof body !== 'string' || typeof signature !== 'string' || !HEX128.test(signature)) {
    return fail('the checkpoint needs a body (text) and a signature (128 lowercase hex digits)');
  }
  const read = readBody(body);
  if (read.why === undefined && read.redacted.length) {
    const number = Number(read.data.get('number').text);
    const unrecorded = read.redacted.filter((digest) => !(tombstones ?? []).some(
      (t) => t.digest === digest && t.redacted.includes(number)));
    if (unrecorded.length === 0) return { problems: [], redacted: true, data: read.data };
    return fail(tombstones === undefined
      ? 'its body says an erasure redacted it: give the store\'s tombstones (store checkpoints --json) to check that'
      : 'its body says an erasure redacted it, but no erasure records doing so: it was altered');
  }
  if (!verifySignature(null, Buffer.from(body, 'utf8'), key, Buffer.from(signature, 'hex'))) {
    return fail('its signature does not verify with this key: altered, forged, or signed with another key');
  }
  if (read.why !== undefined) return fail(read.why);
  const { data, format } = read;
  if (format === 2 && !whole && salt === undefined) {
    return fail("checking one athlete's export against a format-2 checkpoint needs the store's salt");
  }
  const problems = [];
  if (data.get('public_key') !== rawPublic(key)) problems.push('its body names another public key');
  const number = Number(data.get('number').text);
  const ids = new Map(); // the key of each athlete's heads -> athlete id
  for (const id of chains.keys()) {
    if (format === 1) ids.set(id, id);
    else if (salt !== undefined) ids.set(saltedDigest(salt, id), id);
  }
  for (const [name, signed] of data.get('heads')) {
    const [seq, digest] = Array.isArray(signed) ? signed : [];
    if (!isCount(seq) || typeof digest !== 'string') {
      problems.push(`head ${name.slice(0, 12)}: not [seq, hash]`);
      continue;
    }
    const n = Number(seq.text);
    const erased = format === 2 ? (tombstones ?? []).filter((t) => t.digest === name && t.checkpoint >= number) : [];
    if (erased.length) { // erased after this checkpoint: the tombstone holds the head
      if (!erased.some((t) => t.hashes[n] === digest)) {
        problems.push(`head ${name.slice(0, 12)}: record ${n + 1} (${digest.slice(0, 12)}) signed by `
          + `checkpoint ${number} is not in the tombstone of that athlete's erasure: it was rewritten`);
      }
      continue;
    }
    if (!whole && !ids.has(name)) continue; // another athlete's head
    const owners = format === 1 || salt !== undefined
      ? [ids.get(name)].filter((id) => id !== undefined) : [...chains.keys()];
    if (!owners.some((id) => chains.get(id)[n] === digest)) {
      problems.push(`head ${name.slice(0, 12)}: record ${n + 1} (${digest.slice(0, 12)}) signed by `
        + `checkpoint ${number} is not in this export: it was rewritten or removed`);
    }
  }
  return { problems, redacted: false, data };
}

/** The problems of one checkpoint ({body, signature}) checked against the chains (no
 * tombstones: for a store nobody was erased from). */
export function verifyCheckpoint(checkpoint, key, chains, { salt, whole = true } = {}) {
  return checkCheckpoint(checkpoint, key, chains, { salt, whole }).problems;
}

/**
 * Check what `footcore store checkpoints STORE --json` printed (every checkpoint and
 * tombstone) against a key and the chains an export rebuilt: erasures.md's steps 1-6.
 * Returns the problems, the numbers of the redacted checkpoints, and how many checkpoints
 * were checked by their signature.
 */
export function verifySigned(document, key, chains, { salt, whole = true } = {}) {
  const problems = [];
  const listed = document instanceof Map ? document.get('checkpoints') : undefined;
  const given = document instanceof Map ? document.get('erasures') : undefined;
  if (!Array.isArray(listed) || !Array.isArray(given)) {
    return { problems: ['not what store checkpoints --json prints (checkpoints, erasures)'], redacted: [], checked: 0 };
  }
  const tombstones = [];
  given.forEach((entry, index) => {
    const found = readTombstone({ hash: entry?.get?.('hash'), body: entry?.get?.('body') });
    if (found.why) problems.push(`erasure ${index + 1} (${String(entry?.get?.('hash')).slice(0, 12)}): ${found.why}`);
    else tombstones.push(found);
  });
  const redacted = [];
  let checked = 0;
  listed.forEach((entry, index) => {
    const checkpoint = { body: entry?.get?.('body'), signature: entry?.get?.('signature') };
    const found = checkCheckpoint(checkpoint, key, chains, { salt, whole, tombstones });
    const number = found.data ? Number(found.data.get('number').text) : null;
    if (number !== null && number !== index + 1) {
      problems.push(`checkpoint ${number} stands where checkpoint ${index + 1} should: checkpoints were removed or moved`);
    }
    problems.push(...found.problems.map((p) => `checkpoint ${number ?? index + 1}: ${p}`));
    if (found.redacted) redacted.push(number);
    if (!found.data || found.redacted || found.problems.length) return;
    checked += 1;
    if (found.data.has('erasures')) {
      const signed = found.data.get('erasures');
      for (const hash of signed.filter((h) => !tombstones.some((t) => t.hash === h))) {
        problems.push(`checkpoint ${number}: it signed the erasure ${hash.slice(0, 12)}, which is not `
          + 'among the tombstones: it was removed or rewritten');
      }
      for (const t of tombstones.filter((t) => t.checkpoint < number && !signed.includes(t.hash))) {
        problems.push(`erasure ${t.hash.slice(0, 12)}: it says it came after checkpoint ${t.checkpoint}, `
          + `but checkpoint ${number} does not sign it: it was added or rewritten afterwards`);
      }
    }
  });
  for (const t of tombstones) {
    for (const [id, hashes] of chains) {
      if (t.head !== null && hashes[t.hashes.length - 1] === t.head) {
        problems.push(`erasure ${t.hash.slice(0, 12)}: the records it says were erased are in this export `
          + `(athlete ${id}): it is not an erasure`);
      }
    }
  }
  return { problems, redacted, checked };
}

// ------------------------------------------------------------------ one file

/** Verify an export's text, either kind; with `key` and `checkpoint` (one {body,
 * signature}) or `signed` (what store checkpoints --json printed, parsed), check it too. */
export function verifyExport(text, { head, checkpoint, signed, key, salt } = {}) {
  let one = null;
  try {
    one = parseJson(text);
  } catch {
    // not one JSON value: JSON Lines
  }
  const report = one instanceof Map && one.has('records') && !one.has('decision')
    ? verifyAthleteExport(one, { head })
    : verifyLog(text, { head });
  const whole = report.kind === 'log';
  if (checkpoint !== undefined) {
    const found = verifyCheckpoint(checkpoint, key, report.chains, { salt, whole });
    report.problems.push(...found.map((p) => `checkpoint: ${p}`));
    report.ok = report.problems.length === 0;
    report.checked = 1;
  }
  if (signed !== undefined) {
    const found = verifySigned(signed, key, report.chains, { salt, whole });
    report.problems.push(...found.problems);
    report.ok = report.problems.length === 0;
    report.checked = found.checked;
    report.redacted = found.redacted;
  }
  return report;
}

function usage(message) {
  console.error(`${message}\nusage: node verify.mjs EXPORT [--head HASH] `
    + '[--checkpoint FILE --public-key PEM_FILE|HEX [--salt HEX]]');
  exit(2);
}

function main(args) {
  const options = {};
  const files = [];
  for (let i = 0; i < args.length; i += 1) {
    const flag = args[i];
    if (['--head', '--checkpoint', '--public-key', '--salt'].includes(flag)) {
      if (i + 1 >= args.length) usage(`${flag} needs a value`);
      options[flag.slice(2)] = args[(i += 1)];
    } else if (flag.startsWith('--')) {
      usage(`unknown option ${flag}`);
    } else {
      files.push(flag);
    }
  }
  if (files.length !== 1) usage('give one export file');
  if (('checkpoint' in options) !== ('public-key' in options)) usage('--checkpoint and --public-key go together');
  if (options.head !== undefined && !HEX64.test(options.head)) usage('--head: 64 lowercase hex digits');
  if (options.salt !== undefined && !HEX64.test(options.salt)) usage('--salt: 64 lowercase hex digits');
  let text;
  const given = { head: options.head, salt: options.salt };
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(readFileSync(files[0]));
    if (options.checkpoint !== undefined) {
      const found = parseJson(readFileSync(options.checkpoint, 'utf8'));
      if (found instanceof Map && found.has('checkpoints')) { // store checkpoints --json
        given.signed = found;
        const salt = found.get('salt');
        if (given.salt === undefined && typeof salt === 'string' && HEX64.test(salt)) given.salt = salt;
      } else {
        given.checkpoint = { body: found.get?.('body'), signature: found.get?.('signature') };
      }
      const keyText = options['public-key'];
      given.key = publicKey(HEX64.test(keyText) ? keyText : readFileSync(keyText, 'utf8'));
    }
  } catch (error) {
    console.error(`cannot read the input: ${error.message}`);
    exit(2);
  }
  const report = verifyExport(text, given);
  const what = report.kind === 'log' ? 'store export (JSON Lines)' : 'athlete export';
  if (!report.ok) {
    console.log(`${files[0]}: NOT VERIFIED: ${report.problems.length} problem(s) in a ${what}:`);
    for (const problem of report.problems) console.log(`  ${problem}`);
    exit(1);
  }
  let signed = '';
  if (given.checkpoint !== undefined) signed = '; the checkpoint is validly signed and matches';
  if (given.signed !== undefined) {
    signed = `; ${report.checked} checkpoint(s) validly signed and matching`;
    if (report.redacted.length) {
      signed += `; checkpoint(s) ${report.redacted.join(', ')} redacted by erasure (signature no longer checkable)`;
    }
  }
  console.log(`${files[0]}: verified: ${what}, ${report.records} record(s), `
    + `${report.chains.size} athlete(s), head ${report.head}${signed}`);
  exit(0);
}

/** Whether this file is the program node runs (through a symbolic link too), not an import. */
function isMain() {
  try {
    return argv[1] !== undefined && realpathSync(argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) main(argv.slice(2));
