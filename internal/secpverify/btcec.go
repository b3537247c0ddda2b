//go:build !cgo

package secpverify

func verify(pub, hash, sig []byte) bool { return verifyBtcec(pub, hash, sig) }

// Impl names the verifier this build uses.
const Impl = "btcec"
