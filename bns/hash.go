package bns

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/btcsuite/btcd/btcutil"
)

// Hash160 is a 20-byte hash: RIPEMD160(SHA256(x)) for preorder hashes,
// or an opaque 20-byte value (value_hash, the hash of a zone file; an
// ANNOUNCE's message hash).
type Hash160 [20]byte

// String returns the hash in lowercase hex, as Blockstack prints it.
func (h Hash160) String() string { return hex.EncodeToString(h[:]) }

// Hash128 is a 16-byte value: a consensus hash, or trunc128(x), the first
// 16 bytes of SHA256(x).
type Hash128 [16]byte

// String returns the hash in lowercase hex.
func (h Hash128) String() string { return hex.EncodeToString(h[:]) }

func trunc128(b []byte) Hash128 {
	sum := sha256.Sum256(b)
	var h Hash128
	copy(h[:], sum[:16])
	return h
}

// b40Alphabet is the base-40 digit alphabet, digit value = index.
const b40Alphabet = "0123456789abcdefghijklmnopqrstuvwxyz-_.+"

// b40ToBin reads s as a base-40 number, most significant digit first, and
// returns it as minimal big-endian bytes (one zero byte for zero), which is
// what blockstack-core's b40_to_bin gives: int → hex → left-pad to an even
// number of digits → bytes. Leading '0' digits therefore vanish.
func b40ToBin(s string) ([]byte, error) {
	// Each base-40 digit adds log2(40) < 6 bits; one byte more than that
	// bound leaves room for the carry.
	out := make([]byte, len(s)*6/8+1)
	for i := 0; i < len(s); i++ {
		d := strings.IndexByte(b40Alphabet, s[i])
		if d < 0 {
			return nil, fmt.Errorf("b40: byte %d (%q) of %q is not a base-40 digit", i, s[i], s)
		}
		carry := d
		for j := len(out) - 1; j >= 0; j-- {
			v := int(out[j])*40 + carry
			out[j] = byte(v)
			carry = v >> 8
		}
	}
	for len(out) > 1 && out[0] == 0 {
		out = out[1:]
	}
	return out, nil
}

// PreorderHash is the hash a NAME_PREORDER commits to and NAME_REGISTRATION
// reveals: hash160(b40_to_bin(fqn) ‖ senderScript ‖ ascii(registerAddr)).
// senderScript is the preorderer's scriptPubKey; registerAddr is the
// address that will own the name (output 1 of the registration). A nil
// registerAddr leaves it out, as the oldest preorders did.
func PreorderHash(fqn string, senderScript []byte, registerAddr btcutil.Address) (Hash160, error) {
	if err := ValidName(fqn); err != nil {
		return Hash160{}, fmt.Errorf("preorder hash: %w", err)
	}
	return preorderHash(fqn, senderScript, registerAddr)
}

// NamespacePreorderHash is the hash a NAMESPACE_PREORDER commits to:
// hash160(b40_to_bin(id) ‖ senderScript ‖ ascii(revealAddr)), revealAddr
// being the address that will import names and send NAMESPACE_READY.
func NamespacePreorderHash(id string, senderScript []byte, revealAddr btcutil.Address) (Hash160, error) {
	if err := ValidNamespaceID(id); err != nil {
		return Hash160{}, fmt.Errorf("namespace preorder hash: %w", err)
	}
	return preorderHash(id, senderScript, revealAddr)
}

func preorderHash(s string, senderScript []byte, addr btcutil.Address) (Hash160, error) {
	b, err := b40ToBin(s)
	if err != nil {
		return Hash160{}, err
	}
	b = append(b, senderScript...)
	if addr != nil {
		b = append(b, addr.EncodeAddress()...)
	}
	var h Hash160
	copy(h[:], btcutil.Hash160(b))
	return h, nil
}

// NameConsensusHash is what NAME_UPDATE carries instead of the name:
// trunc128(ascii(fqn) ‖ ascii(hex(consensusHash))). Binding the name to a
// recent consensus hash keeps the update from being replayed on another
// fork; the virtualchain finds the name by trying the fresh hashes.
func NameConsensusHash(fqn string, consensusHash Hash128) Hash128 {
	b := make([]byte, 0, len(fqn)+2*len(consensusHash))
	b = append(b, fqn...)
	b = hex.AppendEncode(b, consensusHash[:])
	return trunc128(b)
}

// NameHash128 is what NAME_TRANSFER carries instead of the name:
// trunc128(ascii(fqn)).
func NameHash128(fqn string) Hash128 {
	return trunc128([]byte(fqn))
}
