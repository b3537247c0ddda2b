// Package client is the root of go-blockstack's app-side library: what an
// app on the user's computer needs to keep the user's data in Gaia,
// encrypted and signed, in the formats Blockstack and Stacks JavaScript apps
// read and write. The code lives in subpackages, each owning one thing:
//
//   - client/keychain: keys from a BIP39 mnemonic (identity keys, the
//     per-app keys, payment key) and the passphrase-encrypted keychain file;
//   - client/ecies: ECIES cipher objects, signatures, the encrypt+sign
//     envelope and .sig files;
//   - client/profile: signed profile tokens, profile.json and the profile
//     zone file;
//   - client/auth: app sign-in request and response tokens;
//   - client/storage: the Gaia hub client (connect, put, get, list,
//     delete) that stores files in those formats;
//   - client/lookup: name → zone file → profile → app bucket, each link
//     verified;
//   - client/publish: the other way, an identity's signed profile written
//     to its bucket.
//
// This package holds no code: its test (interop_test.go) runs the pinned
// JavaScript libraries of testdata/js against all of the above. The JS-made
// fixtures in testdata (keychain.json, ecies.json, profile.json, auth.json)
// are checked by each subpackage's tests without node; testdata/js/
// fixtures.cjs rewrites them.
package client
