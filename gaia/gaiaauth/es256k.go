package gaiaauth

import (
	"crypto/sha256"
	"fmt"
	"sync"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/ecdsa"
	"github.com/golang-jwt/jwt/v5"

	"github.com/go-blockstack/go-blockstack/internal/secpverify"
)

// signingMethodES256K is JWS ES256K as the jsontokens library produces it:
// ECDSA on secp256k1 over SHA-256 of the signing input, signature r‖s (32
// bytes each). High-S signatures are accepted, as the reference hub does.
type signingMethodES256K struct{}

// SigningMethodES256K signs and verifies ES256K JWTs with btcec keys
// (*btcec.PrivateKey to sign, *btcec.PublicKey to verify).
var SigningMethodES256K jwt.SigningMethod = signingMethodES256K{}

var registerES256K sync.Once

// NewParser returns a golang-jwt parser with opts that can read ES256K
// tokens. golang-jwt looks a token's "alg" up in its global registry and
// has no option to pass a method to one parser, so NewParser registers
// SigningMethodES256K there (once), where a parser needs it rather than on
// import. Pass jwt.WithValidMethods to refuse every other algorithm.
func NewParser(opts ...jwt.ParserOption) *jwt.Parser {
	registerES256K.Do(func() {
		jwt.RegisterSigningMethod("ES256K", func() jwt.SigningMethod { return SigningMethodES256K })
	})
	return jwt.NewParser(opts...)
}

func (signingMethodES256K) Alg() string { return "ES256K" }

func (signingMethodES256K) Verify(signingString string, sig []byte, key any) error {
	pub, ok := key.(*btcec.PublicKey)
	if !ok {
		return jwt.ErrInvalidKeyType
	}
	if len(sig) != 64 {
		return fmt.Errorf("ES256K signature is %d bytes, want 64", len(sig))
	}
	// secpverify: libsecp256k1 where cgo is on, a third of btcec's CPU on
	// every authenticated request; it accepts exactly what btcec does.
	h := sha256.Sum256([]byte(signingString))
	if !secpverify.Verify(pub.SerializeCompressed(), h[:], sig) {
		return jwt.ErrSignatureInvalid
	}
	return nil
}

func (signingMethodES256K) Sign(signingString string, key any) ([]byte, error) {
	priv, ok := key.(*btcec.PrivateKey)
	if !ok {
		return nil, jwt.ErrInvalidKeyType
	}
	h := sha256.Sum256([]byte(signingString))
	compact := ecdsa.SignCompact(priv, h[:], true)
	return compact[1:], nil // drop the recovery byte: r‖s
}
