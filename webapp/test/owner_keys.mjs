// Checks src/shared/owner.js: a key owns the addresses of both its
// encodings, on the version asked, and nothing else. Run by webapp's
// TestOwnerKeys: node test/owner_keys.mjs.
import { Point, utils } from '@noble/secp256k1';
import { publicKeyToBtcAddress } from '@stacks/encryption';
import { keyOwns } from '../src/shared/owner.js';

const key = Point.fromPrivateKey(utils.randomPrivateKey());
const other = Point.fromPrivateKey(utils.randomPrivateKey());
const compressed = key.toHex(true), uncompressed = key.toHex(false);
const failures = [];
const check = (ok, what) => ok || failures.push(what);
for (const version of [0, 111]) {
  const byCompressed = publicKeyToBtcAddress(compressed, version);
  const byUncompressed = publicKeyToBtcAddress(uncompressed, version);
  check(byCompressed !== byUncompressed, 'the two encodings hash apart');
  for (const [k, what] of [[compressed, 'compressed'], [uncompressed, 'uncompressed']]) {
    check(keyOwns(k, byCompressed, version), `the ${what} key owns the compressed address (version ${version})`);
    check(keyOwns(k, byUncompressed, version), `the ${what} key owns the uncompressed address (version ${version})`);
    check(!keyOwns(k, publicKeyToBtcAddress(other.toHex(true), version), version), `the ${what} key owns another key's address`);
    check(!keyOwns(k, publicKeyToBtcAddress(compressed, version === 0 ? 111 : 0), version), `the ${what} key owns its address of the other network`);
  }
}
check(!keyOwns('zz', publicKeyToBtcAddress(compressed, 0), 0), 'a key that is not one owns an address');
if (failures.length) {
  console.error(failures.join('\n'));
  process.exit(1);
}
console.log('keyOwns: both encodings, either network, nothing else');
