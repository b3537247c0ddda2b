// keyOwns says whether a public key (hex) owns a P2PKH address of the
// given version: the address is the hash of the key's compressed or of its
// uncompressed encoding. Names registered by early Blockstack wallets are
// owned by the hash of the uncompressed key while their profile tokens
// carry it compressed, so both are accepted, as the Go client does
// (client/profile).
import { Point } from '@noble/secp256k1';
import { publicKeyToBtcAddress } from '@stacks/encryption';

export function keyOwns(publicKey, address, version) {
  return addressesOf(publicKey, version).includes(address);
}

// addressesOf is the two P2PKH addresses a public key (hex) owns: of its
// compressed and of its uncompressed encoding (none if it is not a key).
export function addressesOf(publicKey, version) {
  let p;
  try {
    p = Point.fromHex(publicKey);
  } catch {
    return [];
  }
  return [true, false].map(compressed => publicKeyToBtcAddress(p.toHex(compressed), version));
}
