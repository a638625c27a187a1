// The verifier against every test vector of docs/spec/vectors/, and its command line on
// an export and on tampered copies of it: `node --test clients/chain-verifier/`.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import {
  JsonError, LOG_GENESIS, canonical, floatText, parseJson, publicKey, recordHash, rowText,
  readTombstone, saltedDigest, sha256, storeGenesis, verifyCheckpoint, verifyExport,
} from './verify.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const VECTORS = join(HERE, '..', '..', 'docs', 'spec', 'vectors');
const read = (name) => readFileSync(join(VECTORS, name), 'utf8');
const vector = (name) => JSON.parse(read(name));
const EXPORT = read('export.jsonl');
const EXPECTED = vector('export.expected.json');
const CHECKPOINT = vector('checkpoint.json');
const KEY = publicKey(CHECKPOINT.public_key_hex);

/** export.jsonl's lines after one edit of tampered.json (exports.md says how). */
function tampered(edit) {
  const lines = EXPORT.replace(/\n$/, '').split('\n');
  const at = edit.line === 'last' ? lines.length : edit.line;
  if (edit.op === 'delete') {
    lines.splice(at - 1, 1);
  } else if (edit.op === 'swap') {
    const [a, b] = edit.lines;
    [lines[a - 1], lines[b - 1]] = [lines[b - 1], lines[a - 1]];
  } else {
    const old = edit.old === 'HASH' ? parseJson(lines[at - 1]).get('hash') : edit.old;
    assert.ok(lines[at - 1].includes(old));
    lines[at - 1] = lines[at - 1].replace(old, edit.new);
    if (edit.rehash) {
      const record = parseJson(lines[at - 1]);
      record.set('hash', recordHash(record.get('seq').text, record.get('prev'),
        canonical(record.get('decision'))));
      lines[at - 1] = canonical(record);
    }
  }
  return lines.map((line) => `${line}\n`).join('');
}

test('canonical JSON: every case of the vectors, byte for byte', () => {
  const { cases, refused } = vector('canonical-json.json');
  assert.ok(cases.length >= 10);
  for (const { name, input, canonical: expected, utf8_hex: hex, sha256: digest } of cases) {
    const written = canonical(parseJson(input));
    assert.equal(written, expected, name);
    assert.equal(Buffer.from(written, 'utf8').toString('hex'), hex, name);
    assert.equal(sha256(written), digest, name);
  }
  for (const { name, input } of refused) {
    assert.throws(() => parseJson(input), JsonError, name);
  }
});

test('floats: the text read back is the same number, for many doubles', () => {
  const buffer = new DataView(new ArrayBuffer(8));
  let seed = 1n;
  for (let i = 0; i < 20000; i += 1) {
    seed = (seed * 6364136223846793005n + 1442695040888963407n) % 2n ** 64n;
    buffer.setBigUint64(0, seed);
    const value = buffer.getFloat64(0);
    if (!Number.isFinite(value)) continue;
    const text = floatText(value);
    assert.ok(Object.is(Number(text), value), `${value} -> ${text}`);
    assert.match(text, /^-?[0-9](\.[0-9]+e[+-][0-9]{2,3}|e[+-][0-9]{2,3}|[0-9]*\.[0-9]+)$/);
  }
});

test('chains: the genesis values, the log records and a store row', () => {
  const chain = vector('chain.json');
  assert.equal(LOG_GENESIS, chain.log_genesis.sha256);
  assert.equal(sha256(chain.log_genesis.text), LOG_GENESIS);
  let prev = LOG_GENESIS;
  // read as the spec reads JSON: 0.0 stays a float (JSON.parse would make it 0)
  for (const record of parseJson(read('chain.json')).get('log_records')) {
    assert.equal(record.get('prev'), prev);
    const body = canonical(new Map([...record].filter(([key]) => ['decision', 'prev', 'seq'].includes(key))));
    assert.equal(body, record.get('hash_input'));
    assert.equal(sha256(body), record.get('hash'));
    assert.equal(recordHash(record.get('seq').text, prev, canonical(record.get('decision'))), record.get('hash'));
    prev = record.get('hash');
  }
  for (const { athlete_id: id, input_hex: hex, genesis } of chain.store_genesis) {
    assert.equal(Buffer.from(`footcore store 1\n${id}`, 'utf8').toString('hex'), hex);
    assert.equal(storeGenesis(id), genesis);
  }
  const row = chain.store_row;
  const decision = parseJson(JSON.stringify(row.decision));
  assert.equal(sha256(canonical(decision.get('plan'))), row.plan_hashes.plan);
  assert.equal(rowText(decision), row.row);
  assert.equal(recordHash(0, storeGenesis(row.athlete_id), row.row), row.hash);
});

test('the export verifies, and rebuilds each athlete\'s store chain', () => {
  const report = verifyExport(EXPORT, { head: EXPECTED.head });
  assert.deepEqual(report.problems, []);
  assert.equal(report.ok, EXPECTED.ok);
  assert.equal(report.records, EXPECTED.records);
  assert.equal(report.head, EXPECTED.head);
  assert.deepEqual(Object.fromEntries([...report.chains].map(([id, hashes]) => [id, hashes])),
    Object.fromEntries(Object.entries(EXPECTED.athletes).map(([id, a]) => [id, a.store_hashes])));
});

test('the checkpoint: each check of the vector, by hex and by PEM key', () => {
  const { chains } = verifyExport(EXPORT);
  for (const key of [KEY, publicKey(CHECKPOINT.public_key_pem)]) {
    for (const check of CHECKPOINT.checks) {
      const problems = verifyCheckpoint(check, key, chains, { salt: CHECKPOINT.salt_hex });
      assert.equal(problems.length === 0, check.ok, `${check.name}: ${problems}`);
    }
  }
  for (const [id, digest] of Object.entries(CHECKPOINT.digests)) {
    assert.equal(createHmac('sha256', Buffer.from(CHECKPOINT.salt_hex, 'hex')).update(id).digest('hex'), digest);
  }
  const heads = parseJson(CHECKPOINT.body).get('heads');
  for (const [id, [seq, hash]] of Object.entries(CHECKPOINT.heads)) {
    assert.equal(canonical(heads.get(CHECKPOINT.digests[id])), `[${seq},"${hash}"]`);
  }
  const wrongSalt = verifyCheckpoint(CHECKPOINT, KEY, chains, { salt: '0'.repeat(64) });
  assert.equal(wrongSalt.length, Object.keys(CHECKPOINT.heads).length);
});

test('every tampered copy: verified or not, plainly, with the head, with the checkpoint', () => {
  const { cases } = vector('tampered.json');
  assert.ok(cases.length >= 5);
  for (const { name, edit, ok } of cases) {
    const text = tampered(edit);
    assert.notEqual(text, EXPORT, name);
    assert.equal(verifyExport(text).ok, ok.plain, `${name} plainly`);
    assert.equal(verifyExport(text, { head: EXPECTED.head }).ok, ok.head, `${name} with the head`);
    const checked = verifyExport(text, { checkpoint: CHECKPOINT, key: KEY });
    assert.equal(checked.ok, ok.checkpoint, `${name} with the checkpoint`);
  }
  assert.equal(tampered(cases[0].edit), read('export-tampered.jsonl'));
  assert.equal(verifyExport(read('export-tampered.jsonl')).ok, false);
});

test('damage that is not an edit: a torn last line, a line not JSON, a duplicate key', () => {
  assert.equal(verifyExport(EXPORT.slice(0, -1)).ok, false);
  assert.equal(verifyExport(`${EXPORT}{"decision":\n`).ok, false);
  const line = EXPORT.split('\n')[0];
  assert.equal(verifyExport(`${line.replace('{"decision":', '{"seq":0,"decision":')}\n`).ok, false);
  assert.equal(verifyExport('').ok, true); // a store with no decisions exports nothing
});

const ERASURE = vector('erasure.json');
const SIGNED = read('erased-checkpoints.json');

/** export.jsonl and erased-checkpoints.json (parsed) after one edit of erasure.json
 * (erasures.md says how). */
function erasureCopy(edit) {
  const data = JSON.parse(SIGNED);
  let text = EXPORT;
  const replace = (body) => {
    assert.ok(body.includes(edit.old), edit.op);
    return edit.all ? body.split(edit.old).join(edit.new) : body.replace(edit.old, edit.new);
  };
  if (edit.op === 'tombstone') {
    const [tombstone] = data.erasures;
    tombstone.body = replace(tombstone.body);
    if (edit.rehash) tombstone.hash = sha256(tombstone.body);
  } else if (edit.op === 'drop-tombstone') {
    data.erasures.pop();
  } else if (edit.op === 'add-tombstone') {
    data.erasures.push(edit.tombstone);
  } else if (edit.op === 'checkpoint') {
    const checkpoint = data.checkpoints.find((c) => c.number === edit.number);
    checkpoint.body = replace(checkpoint.body);
  } else if (edit.op === 'drop-checkpoint') {
    data.checkpoints = data.checkpoints.filter((c) => c.number !== edit.number);
  } else {
    assert.equal(edit.op, 'export');
    text = tampered(edit.edit);
  }
  return { text, signed: parseJson(JSON.stringify(data)), salt: data.salt };
}

test('a store with format-1 checkpoints and an erasure: verified, one checkpoint redacted', () => {
  const { text, signed, salt } = erasureCopy({ op: 'drop-checkpoint', number: 0 }); // no edit
  assert.equal(text, EXPORT);
  for (const given of [salt, undefined]) {
    const report = verifyExport(text, { signed, key: KEY, salt: given });
    assert.deepEqual(report.problems, []);
    assert.equal(report.ok, ERASURE.expected.ok);
    assert.equal(report.checked, ERASURE.expected.checked.length);
    assert.deepEqual(report.redacted, ERASURE.expected.redacted);
    assert.deepEqual(Object.fromEntries(report.chains), ERASURE.expected.athletes);
  }
  const [entry] = signed.get('erasures');
  const tombstone = readTombstone({ hash: entry.get('hash'), body: entry.get('body') });
  assert.equal(tombstone.why, undefined);
  assert.deepEqual(tombstone.hashes, ERASURE.expected.erased.hashes);
  assert.equal(tombstone.digest, saltedDigest(salt, 'b-2'));
  assert.equal(tombstone.digest, ERASURE.expected.erased.digest);
  assert.equal(ERASURE.public_key_hex, CHECKPOINT.public_key_hex);
  // Each checkpoint alone: format 1 checks by id with no salt; the redacted one needs the
  // tombstones to be told from an altered one.
  const { chains } = verifyExport(text);
  const [first, second] = signed.get('checkpoints').map((c) => ({ body: c.get('body'), signature: c.get('signature') }));
  assert.deepEqual(verifyCheckpoint(first, KEY, chains), []);
  assert.match(verifyCheckpoint(second, KEY, chains)[0], /redacted it: give the store's tombstones/);
});

test('every tampered copy of a store with an erasure fails, with the salt or without', () => {
  assert.ok(ERASURE.cases.length >= 8);
  for (const { name, edit, ok } of ERASURE.cases) {
    const { text, signed, salt } = erasureCopy(edit);
    for (const given of [salt, undefined]) {
      const report = verifyExport(text, { signed, key: KEY, salt: given });
      assert.equal(report.ok, ok, `${name} (salt: ${given !== undefined}): ${report.problems}`);
    }
  }
});

const CLI = join(HERE, 'verify.mjs');
const run = (...args) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });

test('the command line: exit 0 verified, 1 not, 2 for a wrong command', () => {
  const folder = mkdtempSync(join(tmpdir(), 'chain-verifier-'));
  const checkpoint = join(folder, 'checkpoint.json');
  writeFileSync(checkpoint, JSON.stringify({ body: CHECKPOINT.body, signature: CHECKPOINT.signature }));
  const pem = join(folder, 'key.pub.pem');
  writeFileSync(pem, CHECKPOINT.public_key_pem);
  const good = run(join(VECTORS, 'export.jsonl'), '--checkpoint', checkpoint, '--public-key', pem);
  assert.equal(good.status, 0, good.stdout + good.stderr);
  assert.match(good.stdout, /verified: store export \(JSON Lines\), 5 record\(s\), 2 athlete\(s\)/);
  const bad = run(join(VECTORS, 'export-tampered.jsonl'));
  assert.equal(bad.status, 1);
  assert.match(bad.stdout, /NOT VERIFIED.*\n.*line 2: record 2 was edited/);
  const rewritten = join(folder, 'rewritten.jsonl');
  writeFileSync(rewritten, tampered(vector('tampered.json').cases.at(-1).edit));
  assert.equal(run(rewritten).status, 0); // the hashes add up: only a signature tells
  const caught = run(rewritten, '--checkpoint', checkpoint, '--public-key', CHECKPOINT.public_key_hex);
  assert.equal(caught.status, 1);
  assert.match(caught.stdout, /checkpoint: head .* is not in this export/);
  assert.equal(run().status, 2);
  assert.equal(run(rewritten, '--checkpoint', checkpoint).status, 2);
  assert.equal(run(join(folder, 'missing.jsonl')).status, 2);
});
