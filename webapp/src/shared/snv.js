// The browser's verifier of a node's answers, a port of Go's client/snv
// VerifyRecord and what it rests on (consensus.Commitment.Hash,
// consensus.CheckRecord, statetree.Proof): given a consensus hash the user
// trusts at a height, one answer of /v1/names/{name}/proof proves the
// name's record as of that block, or that it has none; docs/trustless.md
// says what that proves and docs/state-commitment.md gives the formats.
// It is tested against the Go verifier's verdicts on shared answers
// (client/snv/testdata/record-vectors.json; webapp/test/snv_vectors.mjs).
import { sha256 } from '@noble/hashes/sha256';
import { ripemd160 } from '@noble/hashes/ripemd160';

const VERSION_TAG = 'go-blockstack/consensus/2';
const END_LEAF = 1, END_EMPTY = 2, END_OTHER = 3;
const utf8 = new TextEncoder();

// VerifyError is every way a node's answer fails to verify.
export class VerifyError extends Error {
  constructor(msg) {
    super(`the node's answer does not verify: ${msg}`);
    this.name = 'VerifyError';
  }
}

function fail(msg) {
  throw new VerifyError(msg);
}

// isHex: s is n lowercase hex digits, the form the consensus fields take.
export function isHex(s, n) {
  return typeof s === 'string' && s.length === n && /^[0-9a-f]*$/.test(s);
}

function fromHex(s) {
  const b = new Uint8Array(s.length / 2);
  for (let i = 0; i < b.length; i++) b[i] = parseInt(s.substr(2 * i, 2), 16);
  return b;
}

function toHex(b) {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function equal(a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

// parseAnchor reads HASH@HEIGHT.
export function parseAnchor(s) {
  const m = /^([0-9a-f]{32})@(\d{1,15})$/.exec(s || '');
  if (!m) throw new Error(`trust anchor "${s}": want CONSENSUS_HASH@HEIGHT (32 lowercase hex digits, a block number)`);
  return { consensusHash: m[1], height: Number(m[2]) };
}

// skipHeights are the earlier blocks whose consensus hashes the block at
// height commits to: h−1, h−3, h−7, …, not below first.
export function skipHeights(height, first) {
  const hs = [];
  for (let d = 1; height - d >= first; d = d * 2 + 1) hs.push(height - d);
  return hs;
}

// commitmentHash is a block's consensus hash: the first 16 bytes of
// SHA-256 over the version tag, the height (8 bytes, big-endian), the
// block hash, ops hash and state root (32 bytes each), the number of prior
// hashes (1 byte) and the prior hashes (16 bytes each).
export function commitmentHash(height, blockHash, opsHash, stateRoot, prior) {
  const h8 = new Uint8Array(8);
  new DataView(h8.buffer).setBigUint64(0, BigInt(height));
  const parts = [utf8.encode(VERSION_TAG), h8];
  for (const [what, v] of [['block hash', blockHash], ['ops hash', opsHash], ['state root', stateRoot]]) {
    if (!isHex(v, 64)) fail(`block ${height}'s ${what} "${v}" is not 64 lowercase hex digits`);
    parts.push(fromHex(v));
  }
  if (prior.length > 255) fail(`block ${height} has ${prior.length} prior hashes, at most 255`);
  parts.push(Uint8Array.of(prior.length));
  prior.forEach((p, i) => {
    if (!isHex(p, 32)) fail(`block ${height}'s prior hash ${i} "${p}" is not 32 lowercase hex digits`);
    parts.push(fromHex(p));
  });
  return toHex(sha256(concat(...parts)).subarray(0, 16));
}

// checkBlock verifies that b (a node's SNVBlock) is the block at height
// whose consensus hash is want.
export function checkBlock(b, height, first, want) {
  if (b?.height !== height) fail(`asked for block ${height}, got ${b?.height}`);
  if (!isHex(b.ops_hash, 64)) fail(`block ${height}'s operations hash "${b.ops_hash}" is not 64 lowercase hex digits`);
  const skip = skipHeights(height, first);
  const prior = Array.isArray(b.prior_consensus_hashes) ? b.prior_consensus_hashes : [];
  if (prior.length !== skip.length) {
    fail(`block ${height} commits to ${skip.length} earlier blocks, the node gave ${prior.length}`);
  }
  prior.forEach((p, i) => {
    if (p?.height !== skip[i] || !isHex(p.consensus_hash, 32)) {
      fail(`block ${height}'s prior consensus hash ${i}: height ${p?.height}, want height ${skip[i]} and 32 lowercase hex digits`);
    }
  });
  const got = commitmentHash(height, b.block_hash, b.ops_hash, b.state_root, prior.map((p) => p.consensus_hash));
  if (got !== want) {
    fail(`block ${height}'s block hash, operations hash, state root and prior consensus hashes make ${got}, not the trusted ${want}`);
  }
}

// parseProof decodes a state proof (package statetree's wire format, as
// hex), refusing any other encoding of the same proof.
export function parseProof(hex) {
  if (typeof hex !== 'string' || hex.length % 2 || !/^[0-9a-fA-F]*$/.test(hex)) fail('the proof is not hex');
  const b = fromHex(hex);
  if (b.length < 4 || b[0] !== 1) fail('malformed proof: not a version 1 proof');
  const end = b[1], d = (b[2] << 8) | b[3];
  if (end < END_LEAF || end > END_OTHER || d > 256) fail(`malformed proof: end ${end}, depth ${d}`);
  const nb = (d + 7) >> 3;
  if (b.length < 4 + nb) fail(`malformed proof: ${b.length - 4} bytes for a bitmap of ${d} bits`);
  const bitmap = b.subarray(4, 4 + nb);
  if (d % 8 && bitmap[nb - 1] & (0xff >> (d % 8))) fail('malformed proof: bitmap padding bits set');
  const tail = end === END_LEAF ? 32 : end === END_OTHER ? 64 : 0;
  let rest = b.subarray(4 + nb);
  const siblings = [];
  for (let i = 0; i < d; i++) {
    if (!(bitmap[i >> 3] & (0x80 >> (i % 8)))) {
      siblings.push(new Uint8Array(32));
      continue;
    }
    if (rest.length < 32 + tail) fail('malformed proof: truncated');
    const s = rest.slice(0, 32);
    if (s.every((x) => x === 0)) fail(`malformed proof: sibling ${i} marked present but empty`);
    siblings.push(s);
    rest = rest.subarray(32);
  }
  if (rest.length !== tail) fail(`malformed proof: ${rest.length} bytes after the siblings, want ${tail}`);
  const p = { siblings, end, bytes: b.length };
  if (end === END_LEAF) p.value = rest.slice(0, 32);
  if (end === END_OTHER) {
    p.otherPath = rest.slice(0, 32);
    p.value = rest.slice(32);
  }
  return p;
}

const bit = (path, i) => (path[i >> 3] >> (7 - (i % 8))) & 1;
const leafHash = (path, value) => sha256(concat(Uint8Array.of(0), path, value));
const nodeHash = (l, r) => sha256(concat(Uint8Array.of(1), l, r));

function commonPrefix(a, b) {
  for (let i = 0; i < 256; i++) if (bit(a, i) !== bit(b, i)) return i;
  return 256;
}

// verifyProof checks proof against root for key and returns what it
// proves: {present, value} (value: the key's value hash).
export function verifyProof(proof, root, key) {
  const p = sha256(key);
  const d = proof.siblings.length;
  let h;
  if (proof.end === END_LEAF) {
    h = leafHash(p, proof.value);
  } else if (proof.end === END_EMPTY) {
    h = new Uint8Array(32);
  } else {
    if (equal(proof.otherPath, p) || commonPrefix(proof.otherPath, p) < d) {
      fail(`the other leaf's path does not lie on the key's path at depth ${d}`);
    }
    h = leafHash(proof.otherPath, proof.value);
  }
  for (let i = d - 1; i >= 0; i--) {
    h = bit(p, i) === 0 ? nodeHash(h, proof.siblings[i]) : nodeHash(proof.siblings[i], h);
  }
  if (!equal(h, root)) fail(`the proof computes root ${toHex(h)}, not ${toHex(root)}`);
  return proof.end === END_LEAF ? { present: true, value: proof.value } : { present: false };
}

// checkRecord checks a record's JSON (null: no record) against its proof
// under root: present with the record's hash, or absent.
function checkRecord(root, key, record, proofHex, what) {
  let proof;
  try {
    proof = parseProof(proofHex);
  } catch (e) {
    fail(`${what}'s proof: ${e.message.replace(/^.*does not verify: /, '')}`);
  }
  const { present, value } = verifyProof(proof, root, utf8.encode(key));
  if (present && record == null) fail(`${what}: no record was given, but its proof shows one`);
  if (!present && record != null) fail(`${what}: a record was given, but its proof shows there is none`);
  if (present && !equal(value, sha256(utf8.encode(record)))) {
    fail(`${what}: the record given is not the one the state root commits to`);
  }
  return proof.bytes;
}

// verifyRecord proves what name's record was as of the anchor's block, or
// that it had none, from answer (the node's /v1/names/{name}/proof?height=
// for the anchor's height), on a network whose BNS history starts at
// first. It returns {name: the record or null, namespaceExists,
// blockHash, proofBytes}; a lie throws VerifyError.
export function verifyRecord(answer, anchor, name, first) {
  checkBlock(answer?.block, anchor.height, first, anchor.consensusHash);
  const root = answer.block.state_root; // checked: commitmentHash hashed it
  const rootBytes = fromHex(root);
  const ns = name.slice(name.lastIndexOf('.') + 1);
  const str = (v, what) => {
    if (v != null && typeof v !== 'string') fail(`${what}'s record is not a string`);
    return v ?? null;
  };
  const nameJSON = str(answer.name_record, `name ${name}`);
  const nsJSON = str(answer.namespace_record, `namespace ${ns}`);
  let bytes = checkRecord(rootBytes, `name:${name}`, nameJSON, answer.name_proof, `name ${name}`);
  bytes += checkRecord(rootBytes, `namespace:${ns}`, nsJSON, answer.namespace_proof, `namespace ${ns}`);
  let rec = null;
  if (nameJSON != null) {
    try {
      rec = JSON.parse(nameJSON);
    } catch (e) {
      fail(`${name}'s proved record is not a record: ${e.message}`);
    }
    if (rec === null || typeof rec !== 'object' || Array.isArray(rec)) fail(`${name}'s proved record is not a record`);
    if (rec.name !== name) fail(`the record proved under ${name} is "${rec.name}"'s`);
  }
  return { name: rec, namespaceExists: nsJSON != null, blockHash: answer.block.block_hash, proofBytes: bytes };
}

// nameStatus is a proved record's status as of height: revoked,
// registered, or expired (its grace period included: only the owner may
// renew it, and it does not resolve).
export function nameStatus(rec, height) {
  if (rec.revoked) return 'revoked';
  if (rec.expire_block < 0 || height < rec.expire_block) return 'registered';
  return 'expired';
}

// zonefileHash is a zone file's hash as the chain names it:
// RIPEMD-160(SHA-256(bytes)), hex.
export function zonefileHash(text) {
  return toHex(ripemd160(sha256(utf8.encode(text))));
}
