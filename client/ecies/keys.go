package ecies

import (
	"encoding/hex"
	"fmt"

	"github.com/btcsuite/btcd/btcec/v2"
)

// ParsePublicKey reads a hex public key under @stacks/encryption's
// isValidPublicKey rules: 66 hex characters starting 02 or 03, or 130
// starting 04, and a point on the curve. It returns the key and its bytes
// as written (an address commits to those).
func ParsePublicKey(s string) (*btcec.PublicKey, []byte, error) {
	switch {
	case len(s) == 66 && (s[:2] == "02" || s[:2] == "03"):
	case len(s) == 130 && s[:2] == "04":
	default:
		return nil, nil, fmt.Errorf("%w: want 66 hex characters starting 02/03 or 130 starting 04, got %d", ErrInvalidPublicKey, len(s))
	}
	raw, err := hex.DecodeString(s)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrInvalidPublicKey, err)
	}
	pub, err := btcec.ParsePubKey(raw)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrInvalidPublicKey, err)
	}
	return pub, raw, nil
}

// ParsePrivateKey reads a hex private key: 64 hex characters, or 66 with
// the "01" suffix that Stacks libraries append to mark a compressed key.
// The scalar must be in [1, n-1].
func ParsePrivateKey(s string) (*btcec.PrivateKey, error) {
	if len(s) == 66 && s[64:] == "01" {
		s = s[:64]
	}
	if len(s) != 64 {
		return nil, fmt.Errorf("ecies: private key is %d hex characters, want 64", len(s))
	}
	raw, err := hex.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("ecies: private key: %w", err)
	}
	var k btcec.ModNScalar
	if overflow := k.SetByteSlice(raw); overflow || k.IsZero() {
		return nil, fmt.Errorf("ecies: private key is not in [1, n-1]")
	}
	return btcec.PrivKeyFromScalar(&k), nil
}

// PrivateKeyHex is a private key as the 64 hex characters the Stacks
// libraries use (an app private key in an auth response, for one).
func PrivateKeyHex(k *btcec.PrivateKey) string {
	b := k.Key.Bytes()
	return hex.EncodeToString(b[:])
}

// PublicKeyHex is the compressed public key in hex, as
// getPublicKeyFromPrivate returns it.
func PublicKeyHex(k *btcec.PrivateKey) string {
	return hex.EncodeToString(k.PubKey().SerializeCompressed())
}
