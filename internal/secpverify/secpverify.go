// Package secpverify checks secp256k1 ECDSA signatures: what bounds the
// subdomain indexer, which verifies one per record, and a cost of every
// authenticated Gaia hub request (its ES256K tokens). Built with cgo (the
// default on Linux) it calls libsecp256k1, Bitcoin Core's C library, as
// vendored by go-ethereum's crypto/secp256k1: about three times faster
// than btcec's pure Go. Without cgo it falls back on btcec; both accept
// exactly the same signatures.
package secpverify

import (
	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/ecdsa"
)

// Verify reports whether sig, r‖s as two 32-byte big-endian numbers, is a
// valid ECDSA signature of the 32-byte hash by pub, a SEC1 public key
// (compressed, uncompressed or hybrid). Both s and n−s are accepted, as
// ECDSA itself (and the Python ecdsa package Blockstack v1 verified with)
// accepts them: Bitcoin's low-s rule is not applied. Anything malformed,
// r or s out of [1, n−1] included, is simply not valid.
func Verify(pub, hash, sig []byte) bool {
	if len(hash) != 32 || len(sig) != 64 {
		return false
	}
	return verify(pub, hash, sig)
}

// verifyBtcec is the pure Go verifier: the fallback without cgo, and the
// reference the tests hold libsecp256k1 to.
func verifyBtcec(pub, hash, sig []byte) bool {
	var r, s btcec.ModNScalar
	if r.SetByteSlice(sig[:32]) || s.SetByteSlice(sig[32:]) || r.IsZero() || s.IsZero() {
		return false
	}
	key, err := btcec.ParsePubKey(pub)
	if err != nil {
		return false
	}
	return ecdsa.NewSignature(&r, &s).Verify(hash, key)
}
