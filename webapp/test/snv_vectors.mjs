// Runs the browser's verifier (src/shared/snv.js) on the answers of
// client/snv/testdata/record-vectors.json and fails unless it reaches the
// Go verifier's verdict on each: the same record, namespace, status and
// proof size when Go accepts, a VerifyError when Go refuses. Run by
// webapp's TestVerifierVectors: node test/snv_vectors.mjs FILE.
import { readFileSync } from 'node:fs';
import { verifyRecord, parseAnchor, nameStatus, VerifyError, zonefileHash } from '../src/shared/snv.js';

const file = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const failures = [];
let checked = 0;
for (const v of file.vectors) {
  checked++;
  const anchor = parseAnchor(v.anchor);
  let got;
  try {
    got = verifyRecord(v.answer, anchor, v.name, file.first_block);
  } catch (e) {
    if (!(e instanceof VerifyError)) {
      failures.push(`${v.what}: threw ${e.stack}`);
    } else if (v.ok) {
      failures.push(`${v.what}: refused (${e.message}); Go accepts it`);
    }
    continue;
  }
  if (!v.ok) {
    failures.push(`${v.what}: accepted; Go refuses it (${v.error})`);
    continue;
  }
  const want = { name: v.record ?? null, namespaceExists: !!v.namespace_exists, proofBytes: v.proof_bytes, status: v.status };
  const have = { name: got.name, namespaceExists: got.namespaceExists, proofBytes: got.proofBytes, status: got.name ? nameStatus(got.name, anchor.height) : undefined };
  for (const k of Object.keys(want)) {
    if (JSON.stringify(have[k]) !== JSON.stringify(want[k])) {
      failures.push(`${v.what}: ${k} ${JSON.stringify(have[k])}, Go says ${JSON.stringify(want[k])}`);
    }
  }
}
// The zone file hash: one vector of the chain's (RIPEMD-160 of SHA-256).
if (zonefileHash('') !== 'b472a266d0bd89c13706a4132ccfb16f7c3b9fcb') {
  failures.push(`zonefileHash(""): ${zonefileHash('')}`);
}
if (failures.length) {
  console.error(failures.join('\n'));
  process.exit(1);
}
console.log(`${checked} vectors: the same verdicts as the Go verifier`);
