//go:build cgo

package secpverify

import (
	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/ethereum/go-ethereum/crypto/secp256k1"
)

func verify(pub, hash, sig []byte) bool { return verifyLibsecp256k1(pub, hash, sig) }

// verifyLibsecp256k1 verifies with libsecp256k1, which takes only low-s
// signatures (Bitcoin's malleability rule). (r, s) is valid exactly when
// (r, n−s) is, so a high s is replaced by n−s first; libsecp256k1 rejects
// r or s of 0 or ≥ n itself.
func verifyLibsecp256k1(pub, hash, sig []byte) bool {
	var s btcec.ModNScalar
	if s.SetByteSlice(sig[32:]) {
		return false
	}
	if s.IsOverHalfOrder() {
		var low [64]byte
		copy(low[:32], sig[:32])
		s.Negate().PutBytesUnchecked(low[32:])
		sig = low[:]
	}
	return secp256k1.VerifySignature(pub, hash, sig)
}

// Impl names the verifier this build uses.
const Impl = "libsecp256k1"
